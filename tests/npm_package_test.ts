/**
 * The npm package, tested the way a user installs it: `deno task pack`, then the tarball installed
 * into an empty prefix with an empty npm cache (the `deno` dependency from the registry, no install
 * scripts, no Deno on PATH). The installed `testio-mcp` answers `--version`, serves the demo over
 * stdio to the SDK client (tools/list and one call of each list tool), and `setup` prints the client
 * configuration of the installed command, or the `npx` line when run through npx.
 *
 * Downloads from the npm registry, as a user's machine does.
 */
import assert from "node:assert/strict";
import { VERSION } from "../src/app.ts";
import { launchFlags } from "../src/task_flags.ts";
import { BIN_PATH, BUNDLE_PATH, type LaunchManifest } from "../scripts/pack.ts";
import { readPermissionSets, readTasks } from "../scripts/tasks.ts";
import { installPackage } from "./helpers/npm_package.ts";
import { ROOT, structured } from "./helpers/mcp.ts";
import { connectStdio, runCommand } from "./helpers/stdio_process.ts";

interface Pagination {
  total_items?: number;
}

Deno.test("npm package: packed, installed with npm alone, serves the demo", async (t) => {
  await using pkg = await installPackage();
  const installed = `${pkg.dir}/prefix/lib/node_modules/testio-mcp`;

  await t.step("package.json follows deno.json; launch.json holds each task's flags", async () => {
    const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)) as Record<string, string>;
    const manifest = JSON.parse(await Deno.readTextFile(`${installed}/package.json`)) as Record<
      string,
      unknown
    >;
    assert.equal(manifest.name, "testio-mcp");
    assert.equal(manifest.version, config.version);
    assert.equal(manifest.version, VERSION);
    assert.equal(manifest.description, config.description);
    assert.deepEqual(manifest.bin, { "testio-mcp": BIN_PATH });
    assert.deepEqual(manifest.dependencies, { deno: Deno.version.deno });
    const launch = JSON.parse(await Deno.readTextFile(`${installed}/launch.json`)) as LaunchManifest;
    assert.equal(launch.bundle, BUNDLE_PATH);
    assert.deepEqual(launch.flags, launchFlags(await readTasks(ROOT), await readPermissionSets(ROOT)));
    for (const command of ["serve", "sync", "demo", "setup", "doctor", "migrate", "problematic"]) {
      assert.ok(launch.flags[command], `flags for ${command}`);
    }
    assert.ok((await Deno.stat(`${installed}/${BUNDLE_PATH}`)).isFile);
  });

  await t.step("--version with Node and the deno package only", async () => {
    const r = await runCommand(pkg.bin, ["--version"], { env: pkg.env, cwd: pkg.dir });
    assert.equal(r.stdout.trim(), `testio-mcp ${VERSION}`, r.stderr);
  });

  await t.step("demo over stdio: tools/list and one call of each list tool", async () => {
    await using server = await connectStdio(pkg.bin, ["demo"], pkg.env, pkg.dir);
    assert.equal(server.client.getServerVersion()?.version, VERSION);
    const { tools } = await server.client.listTools();
    const listTools = tools.map((tool) => tool.name).filter((name) => name.startsWith("list_")).sort();
    assert.deepEqual(listTools, [
      "list_bugs",
      "list_features",
      "list_products",
      "list_tests",
      "list_user_stories",
      "list_users",
    ]);
    const products = structured<{ products: { id: number }[] }>(await server.call("list_products"));
    assert.ok(products.products.length > 0);
    const product_id = products.products[0].id;
    for (const name of listTools.filter((n) => n !== "list_products")) {
      const args = name === "list_users" ? {} : { product_id };
      const result = await server.call(name, args);
      assert.ok(!result.isError, `${name}: ${JSON.stringify(result.content)}`);
      const page = structured<{ pagination?: Pagination }>(result);
      assert.ok(page.pagination, `${name} answers a page`);
    }
    assert.doesNotMatch(server.stderr(), /NotCapable|Requires \w+ access/);
  });

  await t.step("started in the root folder (as MCP clients often do), the demo still serves", async () => {
    await using server = await connectStdio(pkg.bin, ["demo"], pkg.env, "/");
    const products = structured<{ products: unknown[] }>(await server.call("list_products"));
    assert.ok(products.products.length > 0);
  });

  const setupArgs = ["setup", "--non-interactive", "--skip-check", "--token-stdin"];
  type Printed = { mcpServers: { testio: { command: string; args: string[] } } };
  const desktopConfig = (stdout: string) =>
    (JSON.parse(stdout.slice(stdout.indexOf("{"), stdout.indexOf("\n}\n") + 2)) as Printed).mcpServers.testio;

  await t.step("setup prints the installed command and its hints", async () => {
    const r = await runCommand(pkg.bin, setupArgs, { env: pkg.env, cwd: pkg.dir, stdin: "a-token-1234\n" });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(desktopConfig(r.stdout), { command: "testio-mcp", args: ["serve"] });
    assert.match(r.stderr, /Next: 'testio-mcp sync'/);
  });

  await t.step("through npx, setup prints the npx line", async () => {
    const r = await runCommand(
      "npm",
      ["exec", "--yes", "--cache", pkg.npmCache, "--ignore-scripts", "--package", pkg.tarball, "--", ...[
        "testio-mcp",
        ...setupArgs,
      ]],
      { env: pkg.env, cwd: pkg.dir, stdin: "a-token-1234\n" },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(desktopConfig(r.stdout), { command: "npx", args: ["-y", "testio-mcp"] });
    assert.match(r.stderr, /Next: 'npx -y testio-mcp sync'/);
  });
});
