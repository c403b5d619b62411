/**
 * A machine that has never run the server: `deno task warm` (the README's step before pointing a
 * client at a checkout) fills an empty Deno cache with what the server needs and nothing that only
 * tests use. `deno task` installs every package of deno.json's import map and of deno.lock before it
 * runs any task, so test-only packages live in `tests/helpers/test_deps.ts` and `tests/deno.lock`.
 *
 * Downloads from the npm registry, as a new machine does.
 */
import assert from "node:assert/strict";
import { ROOT } from "./helpers/mcp.ts";
import { childEnv, runCommand } from "./helpers/stdio_process.ts";
import { npmPackages } from "../bench/cold_start.ts";

interface LockEntry {
  integrity?: string;
  dependencies?: string[];
  [field: string]: unknown;
}

interface Lock {
  specifiers: Record<string, string>;
  npm: Record<string, LockEntry>;
}

/**
 * An entry with each dependency written as the package key it resolves to: a lock names a dependency
 * without its version ("zod") while one version is in it, and with it ("zod@4.1.12") once several are.
 */
function resolvedEntry(lock: Lock, entry: LockEntry | undefined): LockEntry | undefined {
  if (!entry?.dependencies) return entry;
  const keys = Object.keys(lock.npm);
  const resolve = (dep: string) =>
    dep.lastIndexOf("@") > 0 ? dep : keys.find((k) => k.startsWith(`${dep}@`)) ?? dep;
  return { ...entry, dependencies: entry.dependencies.map(resolve).sort() };
}

async function readLock(path: string): Promise<Lock> {
  return JSON.parse(await Deno.readTextFile(path)) as Lock;
}

/** The `npm:` packages (by name) that `tests/helpers/test_deps.ts` imports. */
async function testOnlyPackages(): Promise<string[]> {
  const source = await Deno.readTextFile(`${ROOT}tests/helpers/test_deps.ts`);
  return [...source.matchAll(/from\s+"npm:((?:@[^/"]+\/)?[^@/"]+)@/g)].map((m) => m[1]);
}

Deno.test("fresh machine: deno.lock holds only what the server needs", async () => {
  const server = await readLock(`${ROOT}deno.lock`);
  const tests = await readLock(`${ROOT}tests/deno.lock`);
  const testOnly = await testOnlyPackages();
  assert.ok(testOnly.length > 0);
  for (const name of testOnly) {
    assert.ok(
      !Object.keys(server.npm).some((key) => key.startsWith(`${name}@`)),
      `${name} is in deno.lock: run tests with \`deno task test\` (--lock=tests/deno.lock) and restore deno.lock`,
    );
    assert.ok(
      Object.keys(tests.npm).some((key) => key.startsWith(`${name}@`)),
      `${name} is in tests/deno.lock`,
    );
  }
  // The server's packages resolve to the same versions when the tests run.
  for (const [key, entry] of Object.entries(server.npm)) {
    assert.deepEqual(
      resolvedEntry(tests, tests.npm[key]),
      resolvedEntry(server, entry),
      `tests/deno.lock has ${key} as deno.lock does`,
    );
  }
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)) as {
    imports: Record<string, string>;
  };
  for (const name of testOnly) {
    assert.ok(
      !Object.values(config.imports).some((v) => v.startsWith(`npm:${name}@`)),
      `${name} not in imports`,
    );
  }
});

Deno.test("fresh machine: deno.lock and the import map hold exactly the npm packages main.ts reaches", async () => {
  // `deno task` installs all of them before any task: a build-only or test-only package there would be
  // downloaded by a client's first `deno task start`. Such packages belong to tests/helpers/test_deps.ts
  // (tests) or to a script's own specifiers, locked in tests/deno.lock.
  const r = await runCommand(Deno.execPath(), ["info", "--json", "main.ts"], {
    env: await childEnv({}),
    cwd: ROOT,
  });
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout) as {
    modules: { kind: string; npmPackage?: string }[];
    npmPackages: Record<string, { dependencies: string[] }>;
  };
  // The packages main.ts imports, and theirs (npmPackages also lists what is merely locked).
  const graph = new Set<string>();
  const visit = (id: string) => {
    if (graph.has(id)) return;
    graph.add(id);
    for (const dep of info.npmPackages[id]?.dependencies ?? []) visit(dep);
  };
  for (const m of info.modules) if (m.npmPackage) visit(m.npmPackage);
  const locked = new Set(Object.keys((await readLock(`${ROOT}deno.lock`)).npm));
  assert.deepEqual(
    [...locked].filter((p) => !graph.has(p)).sort(),
    [],
    "in deno.lock but not needed by main.ts",
  );
  assert.deepEqual(
    [...graph].filter((p) => !locked.has(p)).sort(),
    [],
    "needed by main.ts but not in deno.lock",
  );
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)) as {
    imports: Record<string, string>;
  };
  const names = [...graph].map((p) => p.slice(0, p.indexOf("@", 1)));
  for (const [key, value] of Object.entries(config.imports)) {
    const name = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)@/.exec(value)?.[1];
    if (name) assert.ok(names.includes(name), `imports["${key}"] (${value}) is not used by main.ts`);
  }
});

Deno.test("fresh machine: deno task warm fetches the server's packages and no test-only one", async () => {
  const denoDir = await Deno.makeTempDir({ prefix: "testio-mcp-fresh-deno-" });
  const home = await Deno.makeTempDir({ prefix: "testio-mcp-fresh-home-" });
  try {
    const env = await childEnv({ DENO_DIR: denoDir, HOME: home });
    const r = await runCommand(Deno.execPath(), ["task", "warm"], { env, cwd: ROOT });
    assert.equal(r.code, 0, r.stderr);
    const registry = `${denoDir}/npm/registry.npmjs.org`;
    const have = async (name: string) => {
      try {
        return (await Deno.stat(`${registry}/${name}`)).isDirectory;
      } catch {
        return false;
      }
    };
    assert.ok(await have("@modelcontextprotocol/sdk"), "the MCP SDK is cached");
    assert.ok(await have("zod"));
    for (const name of await testOnlyPackages()) assert.ok(!(await have(name)), `${name} was not downloaded`);
    assert.ok((await npmPackages(denoDir)) > 10);

    const version = await runCommand(Deno.execPath(), ["task", "demo", "--help"], { env, cwd: ROOT });
    assert.equal(version.code, 0, version.stderr);
  } finally {
    await Deno.remove(denoDir, { recursive: true }).catch(() => {});
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
});
