/**
 * `deno task bundle`: the single-file fallback for machines where `deno compile` cannot get its
 * runtime. Built with the task's own arguments, copied away from the checkout (no deno.json, no
 * src/, no node_modules), it runs with plain `deno run` and the least-privilege permissions and
 * answers `initialize`, `tools/list` and a tool call over stdio. Every file the program imports as
 * text (migrations, views) is inlined.
 */
import assert from "node:assert/strict";
import { VERSION } from "../src/app.ts";
import { RUNTIME_PERMISSIONS } from "../src/cli/permissions.ts";
import { syncedFixture } from "./helpers/fixture.ts";
import { ROOT, structured } from "./helpers/mcp.ts";
import { childEnv, connectStdio, runCommand } from "./helpers/stdio_process.ts";
import { type DenoTask, readTask } from "../scripts/tasks.ts";

/** The bundle task, writing to `output` instead of dist/. */
async function bundleTask(output: string): Promise<DenoTask> {
  const task = await readTask(ROOT, "bundle");
  assert.equal(task.args[0], "bundle", "the bundle task runs deno bundle");
  assert.equal(task.args[task.args.indexOf("--platform") + 1], "deno");
  // deno bundle downloads esbuild with Deno's own certificate store unless told to use the system's.
  assert.match(task.env.DENO_TLS_CA_STORE ?? "", /\bsystem\b/, "the bundle task trusts the system store");
  const args = [...task.args];
  args[args.indexOf("--output") + 1] = output;
  return { env: task.env, args };
}

/** Every file a module under src/ imports as text (migrations, views): the bundle must carry each. */
async function textImports(): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(path);
      else if (e.name.endsWith(".ts")) {
        const source = await Deno.readTextFile(path);
        for (const m of source.matchAll(/from\s+"([^"]+)"\s+with\s*\{\s*type:\s*"text"\s*\}/g)) {
          files.push(new URL(m[1], `file://${path}`).pathname);
        }
      }
    }
  };
  await walk(`${ROOT}src`);
  return files;
}

Deno.test("bundle: the single file serves MCP with plain deno run", async (t) => {
  await using fx = await syncedFixture({ scale: "S" });
  const file = `${fx.dir}/dist/testio-mcp.js`;

  await t.step("deno task bundle builds one file with npm packages and migrations inlined", async () => {
    const task = await bundleTask(file);
    const r = await runCommand(Deno.execPath(), task.args, { env: await childEnv(task.env), cwd: ROOT });
    assert.equal(r.code, 0, r.stderr);
    const text = await Deno.readTextFile(file);
    assert.doesNotMatch(text, /from\s+["']npm:|from\s+["']\.{1,2}\//, "no npm: or relative imports left");
    const embedded = await textImports();
    assert.ok(embedded.some((f) => f.endsWith(".sql")), "the migrations are text imports");
    for (const path of embedded) {
      // The longest run of characters that no bundler re-escapes must appear as it is in the file.
      const runs = (await Deno.readTextFile(path)).match(/[A-Za-z0-9 _.,;:()=+*-]{24,}/g) ?? [];
      const longest = runs.reduce((a, b) => (b.length > a.length ? b : a), "");
      assert.ok(longest.length >= 24 && text.includes(longest), `${path.slice(ROOT.length)} is inlined`);
    }
    assert.match(text, /TestIO quality dashboard/, "the views are inlined");
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
    const { contents } = await server.client.readResource({ uri: "ui://testio-mcp/quality-dashboard" });
    assert.equal(contents[0].mimeType, "text/html;profile=mcp-app", "the views survive bundling");
  });
});
