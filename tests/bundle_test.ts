/**
 * `deno task bundle`: the single-file fallback for machines where `deno compile` cannot get its
 * runtime. Built with the task's own arguments, copied away from the checkout (no deno.json, no
 * src/, no node_modules), it runs with plain `deno run` and the least-privilege permissions and
 * answers `initialize`, `tools/list` and a tool call over stdio.
 */
import assert from "node:assert/strict";
import { VERSION } from "../src/app.ts";
import { RUNTIME_PERMISSIONS } from "../src/cli/permissions.ts";
import { syncedFixture } from "./helpers/fixture.ts";
import { ROOT, structured } from "./helpers/mcp.ts";
import { taskCommand } from "./helpers/tasks.ts";
import { childEnv, connectStdio, runCommand } from "./helpers/stdio_process.ts";

/** The `deno` arguments of the bundle task, writing to `output` instead of dist/. */
function bundleTaskArgs(output: string): string[] {
  const words = taskCommand("bundle").split(/\s+/);
  assert.deepEqual(words.slice(0, 2), ["deno", "bundle"], "the bundle task runs deno bundle");
  assert.ok(words.includes("--platform") && words[words.indexOf("--platform") + 1] === "deno");
  const args = words.slice(1);
  args[args.indexOf("--output") + 1] = output;
  return args;
}

Deno.test("bundle: the single file serves MCP with plain deno run", async (t) => {
  await using fx = await syncedFixture({ scale: "S" });
  const file = `${fx.dir}/dist/testio-mcp.js`;

  await t.step("deno task bundle builds one file with npm packages and migrations inlined", async () => {
    const r = await runCommand(Deno.execPath(), bundleTaskArgs(file), { env: await childEnv({}), cwd: ROOT });
    assert.equal(r.code, 0, r.stderr);
    const text = await Deno.readTextFile(file);
    assert.doesNotMatch(text, /from\s+["']npm:|from\s+["']\.{1,2}\//, "no npm: or relative imports left");
    assert.match(text, /CREATE TABLE/, "the migrations are inlined");
  });

  const run = ["run", "--no-config", ...RUNTIME_PERMISSIONS, file];
  const env = await childEnv(fx.env);

  await t.step("--version", async () => {
    const r = await runCommand(Deno.execPath(), [...run, "--version"], { env, cwd: fx.dir });
    assert.equal(r.stdout.trim(), `testio-mcp ${VERSION}`, r.stderr);
  });

  await t.step("initialize, tools/list and a tool call over stdio", async () => {
    await using server = await connectStdio(Deno.execPath(), [...run, "serve", "--no-sync"], env, fx.dir);
    assert.equal(server.client.getServerVersion()?.name, "testio-mcp");
    const { tools } = await server.client.listTools();
    assert.ok(tools.some((tool) => tool.name === "list_products"));
    assert.ok(tools.every((tool) => tool.inputSchema && tool.outputSchema), "schemas survive bundling");
    const products = structured<{ products: unknown[] }>(await server.call("list_products"));
    assert.equal(products.products.length, fx.api.dataset.products.length);
  });
});
