/**
 * The standalone binary: its permission flags are least-privilege and sufficient (checked with
 * `deno run` and the same flags, which needs no download), nothing reads the source tree at run time,
 * and — when `deno compile` can get its `denort` runtime — the compiled binary answers `--version`,
 * `initialize`, `tools/list` and a tool call over stdio against the fake API.
 *
 * `deno compile` downloads `denort` from dl.deno.land on first use. A quick probe decides up front:
 * without it the binary test is reported as ignored, with the reason on stderr.
 */
import assert from "node:assert/strict";
import { ENV_VARIABLES } from "../src/config.ts";
import { RUNTIME_PERMISSIONS } from "../src/cli/permissions.ts";
import { VERSION } from "../src/app.ts";
import { compileArgs, DENORT_HINT, isDenortUnavailable } from "../scripts/compile.ts";
import { DOWNLOAD_ENV } from "../scripts/tasks.ts";
import { fakeFixture, syncedFixture } from "./helpers/fixture.ts";
import { ROOT, structured } from "./helpers/mcp.ts";
import { taskCommand } from "./helpers/tasks.ts";
import { childEnv, connectStdio, runCommand } from "./helpers/stdio_process.ts";

const PROBE_TIMEOUT_MS = 90_000;

/** Why a binary cannot be compiled here, or null when it can. */
async function denortProblem(): Promise<string | null> {
  const dir = await Deno.makeTempDir({ prefix: "testio-mcp-denort-probe-" });
  try {
    await Deno.writeTextFile(`${dir}/probe.ts`, "console.log('ok');\n");
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["compile", "--no-check", "--no-config", "--output", `${dir}/probe`, `${dir}/probe.ts`],
      cwd: dir,
      env: { ...DOWNLOAD_ENV },
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    }).output();
    if (out.success) return null;
    const stderr = new TextDecoder().decode(out.stderr);
    // Any other failure is a real one: the binary test runs and shows it.
    return isDenortUnavailable(stderr)
      ? "the denort runtime could not be downloaded (no internet access?)"
      : null;
  } catch (err) {
    if (err instanceof DOMException && err.name === "TimeoutError") {
      return `deno compile did not finish within ${PROBE_TIMEOUT_MS / 1000} s (downloading denort?)`;
    }
    throw err;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

const skipReason = await denortProblem();
if (skipReason) {
  console.error(`compile_test: SKIPPING the compiled-binary test: ${skipReason}. ${DENORT_HINT}`);
}

Deno.test("compile: the baked-in permissions are least-privilege", () => {
  const args = compileArgs({ entry: "main.ts", output: "dist/testio-mcp" });
  for (const broad of ["-A", "--allow-all", "--allow-run", "--allow-ffi"]) {
    assert.ok(!args.some((a) => a === broad || a.startsWith(`${broad}=`)), `no ${broad}`);
  }
  const env = args.find((a) => a.startsWith("--allow-env="));
  assert.deepEqual(env?.slice("--allow-env=".length).split(","), [...ENV_VARIABLES]);
  assert.ok(!args.includes("--allow-env"), "env access is limited to the settings");
  assert.deepEqual(args.filter((a) => a.startsWith("--allow-sys")), ["--allow-sys=hostname"]);
  assert.ok(args.includes("--exclude-unused-npm"));

  assert.match(taskCommand("compile"), /scripts\/compile\.ts$/);
  assert.match(taskCommand("compile:all"), /scripts\/compile\.ts --all$/);
});

Deno.test("compile: nothing reads the source tree at run time", async () => {
  const files = [`${ROOT}main.ts`];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) await walk(`${dir}/${e.name}`);
      else if (e.name.endsWith(".ts")) files.push(`${dir}/${e.name}`);
    }
  };
  await walk(`${ROOT}src`);
  const offences: string[] = [];
  const fsCall = /Deno\.(readTextFile|readFile|open|readDir|stat|lstat|realPath)(Sync)?\(|\bfetch\(/;
  for (const file of files) {
    const lines = (await Deno.readTextFile(file)).split("\n");
    lines.forEach((line, i) => {
      const where = `${file.slice(ROOT.length)}:${i + 1}: ${line.trim()}`;
      // import.meta.url/dirname/filename point into the source tree; a compiled binary has none.
      if (/import\.meta\.(url|dirname|filename|resolve)\b/.test(line)) offences.push(where);
      if (fsCall.test(line) && /["'`](\.{1,2}\/|src\/|migrations\/)|\.sql["'`]|file:/.test(line)) {
        offences.push(where);
      }
    });
  }
  assert.deepEqual(offences, [], "runtime reads of source files break the compiled binary");

  // Every migration must reach the binary through a text import.
  const runner = await Deno.readTextFile(`${ROOT}src/db/migrations.ts`);
  for await (const e of Deno.readDir(`${ROOT}migrations`)) {
    assert.ok(
      runner.includes(`"../../migrations/${e.name}" with { type: "text" }`),
      `${e.name} is embedded by a text import in src/db/migrations.ts`,
    );
  }
});

Deno.test("compile: the same permissions are enough for sync, serve and doctor", async (t) => {
  await using fx = await fakeFixture({ scale: "S" });
  const env = await childEnv(fx.env);
  const run = (args: string[]) =>
    runCommand(Deno.execPath(), ["run", ...RUNTIME_PERMISSIONS, `${ROOT}main.ts`, ...args], {
      env,
      cwd: fx.dir,
    });

  await t.step("sync", async () => {
    const r = await run(["sync", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(JSON.parse(r.stdout).status, /^completed/);
  });

  await t.step("serve over stdio: initialize, tools/list, a tool call", async () => {
    await using server = await connectStdio(
      Deno.execPath(),
      ["run", ...RUNTIME_PERMISSIONS, `${ROOT}main.ts`, "serve", "--no-sync"],
      env,
      fx.dir,
    );
    assert.equal(server.client.getServerVersion()?.version, VERSION);
    const { tools } = await server.client.listTools();
    assert.ok(tools.some((tool) => tool.name === "list_products"));
    const products = structured<{ products: unknown[] }>(await server.call("list_products"));
    assert.equal(products.products.length, fx.api.dataset.products.length);
    const diag = structured<{ api: { reachable: boolean } }>(await server.call("get_server_diagnostics"));
    assert.equal(diag.api.reachable, true);
    assert.doesNotMatch(server.stderr(), /NotCapable|Requires \w+ access/);
  });

  await t.step("doctor", async () => {
    const r = await run(["doctor", "--json"]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
  });
});

Deno.test({
  name: `compile: the standalone binary serves MCP over stdio${
    skipReason ? ` (skipped: ${skipReason})` : ""
  }`,
  ignore: skipReason !== null,
  async fn() {
    await using fx = await syncedFixture({ scale: "S" });
    const binary = `${fx.dir}/bin/testio-mcp`;
    const built = await runCommand(
      Deno.execPath(),
      compileArgs({ entry: `${ROOT}main.ts`, output: binary, typeCheck: false }),
      { env: await childEnv({}), cwd: ROOT },
    );
    assert.equal(built.code, 0, built.stderr);

    const version = await runCommand(binary, ["--version"], { env: { HOME: fx.dir }, cwd: fx.dir });
    assert.equal(version.stdout.trim(), `testio-mcp ${VERSION}`);

    await using server = await connectStdio(
      binary,
      ["serve", "--no-sync"],
      { ...fx.env, NO_COLOR: "1" },
      fx.dir,
    );
    const { tools } = await server.client.listTools();
    assert.ok(tools.length >= 3);
    const products = structured<{ products: unknown[] }>(await server.call("list_products"));
    assert.equal(products.products.length, fx.api.dataset.products.length);
  },
});
