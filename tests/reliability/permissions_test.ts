/**
 * Least privilege of `deno task start | sync | demo | migrate`: explicit Deno permissions, never `-A`
 * (network to the API host and loopback, reads of the project folder and the data folder,
 * writes to the data folder only, exactly the variables the program reads). The tasks are run for
 * real with a private HOME: they work against the fake API, and a cache or a report outside the data
 * folder is denied with a clean error while nothing is written there.
 */
import assert from "node:assert/strict";
import { ENV_VARIABLES } from "../../src/config.ts";
import { fakeFixture } from "../helpers/fixture.ts";
import { ROOT } from "../helpers/mcp.ts";
import { childEnv, connectStdio, runCommand } from "../helpers/stdio_process.ts";
import { taskCommand, taskPermission } from "../helpers/tasks.ts";
import { THREE_PART } from "./rpc.ts";

const RUNTIME_TASKS = ["start", "sync", "demo", "migrate"] as const;

/** What `--allow-<kind>` (or the task's permission set) grants. */
const flag = (task: string, name: string) => taskPermission(task, name.replace(/^allow-/, ""));

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

Deno.test("permissions: the runtime tasks name their permissions", () => {
  for (const task of RUNTIME_TASKS) {
    const line = taskCommand(task);
    assert.match(line, /^deno run /, task);
    for (const broad of ["-A", "--allow-all", "--allow-run", "--allow-ffi", "--allow-import"]) {
      assert.ok(
        !line.split(" ").some((a) => a === broad || a.startsWith(`${broad}=`)),
        `${task}: no ${broad}`,
      );
    }
    for (const kind of ["read", "write", "net", "env", "sys"]) {
      const values = flag(task, `allow-${kind}`);
      if (values) assert.ok(values.length > 0, `${task}: --allow-${kind} names what it allows`);
    }
    assert.deepEqual(
      flag(task, "allow-env"),
      [...ENV_VARIABLES],
      `${task}: env`,
    );
    assert.deepEqual(
      flag(task, "allow-write"),
      ["$HOME/.testio-mcp"],
      `${task}: writes only the data folder`,
    );
    for (const path of flag(task, "allow-read")!) {
      assert.ok([".", "$HOME/.testio-mcp"].includes(path), `${task}: reads ${path}`);
    }
    for (const host of flag(task, "allow-net") ?? []) {
      assert.ok(["api.test.io", "127.0.0.1", "localhost"].includes(host), `${task}: net ${host}`);
    }
    assert.ok((flag(task, "allow-sys") ?? ["hostname"]).every((s) => s === "hostname"), `${task}: sys`);
  }
  assert.equal(flag("migrate", "allow-net"), null, "migrate needs no network");
  assert.deepEqual(flag("demo", "allow-net"), ["127.0.0.1", "localhost"], "demo stays on loopback");
});

Deno.test("permissions: the tasks run with a private HOME; outside the data folder they are denied", async (t) => {
  await using fx = await fakeFixture({ scale: "S" });
  const home = `${fx.dir}/home`;
  const outside = `${fx.dir}/outside`;
  await Deno.mkdir(home);
  await Deno.mkdir(outside);
  const { TESTIO_DB_PATH: _db, TESTIO_REPORTS_DIR: _reports, ...rest } = fx.env;
  // Default locations: the cache and the reports under $HOME/.testio-mcp.
  const env = await childEnv({ ...rest, HOME: home });
  const task = (args: string[], extra: Record<string, string> = {}) =>
    runCommand(Deno.execPath(), ["task", ...args], { env: { ...env, ...extra }, cwd: ROOT });

  await t.step("sync and migrate work inside the data folder", async () => {
    const r = await task(["sync", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(JSON.parse(r.stdout).status, /^completed/);
    assert.ok(await exists(`${home}/.testio-mcp/cache.db`));
    const m = await task(["migrate", "status"]);
    assert.equal(m.code, 0, m.stderr);
    assert.doesNotMatch(r.stderr + m.stderr, /NotCapable|Requires \w+ access/);
  });

  await t.step("a lock left by a killed sync is taken over once its heartbeat stops", async () => {
    // Deno opens /proc only with every permission, so under the task's flags the holder's state
    // cannot be read: a lock still being touched is respected, one silent for two minutes is not.
    const gone = new Deno.Command("true").spawn();
    await gone.status;
    const lock = `${home}/.testio-mcp/cache.db.sync.lock`;
    await Deno.writeTextFile(lock, JSON.stringify({ pid: gone.pid, host: Deno.hostname(), started_at: "x" }));
    const busy = await task(["sync", "--wait", "0"]);
    assert.equal(busy.code, 3, busy.stderr);
    assert.match(busy.stderr, new RegExp(`Sync already in progress \\(pid ${gone.pid} `));
    const silent = new Date(Date.now() - 3 * 60_000);
    await Deno.utime(lock, silent, silent);
    const r = await task(["sync", "--wait", "0"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /taking over a stale sync lock .*untouched for 1\d\d s by process \d+, whose state cannot be read/,
    );
    assert.ok(!await exists(lock));
  });

  await t.step("a cache outside the data folder is denied, and nothing is written there", async () => {
    const r = await task(["sync"], { TESTIO_DB_PATH: `${outside}/cache.db` });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: Cannot .*: this process may not (read|write) .*outside\/cache\.db/m);
    assert.match(r.stderr, /next: +Point TESTIO_DB_PATH inside ~\/\.testio-mcp, or add --allow-read=/);
    assert.doesNotMatch(r.stderr, /run again with/);
    assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
    assert.deepEqual([...Deno.readDirSync(outside)], [], "nothing written outside the data folder");
  });

  await t.step("serve: tools work; a report outside the data folder is a clean error", async () => {
    await using server = await connectStdio(Deno.execPath(), ["task", "start", "--no-sync"], env, ROOT);
    const product = fx.api.dataset.products[0].id;
    const inside = await server.call("generate_quality_report", {
      product_ids: [product],
      output_file: "q.md",
    });
    assert.ok(!inside.isError, JSON.stringify(inside.content));
    assert.ok(await exists(`${home}/.testio-mcp/reports/q.md`));
    const denied = await server.call("generate_quality_report", {
      product_ids: [product],
      output_file: `${outside}/escape.md`,
    });
    assert.ok(denied.isError);
    const text = (denied.content as { text: string }[])[0].text;
    assert.match(text, THREE_PART);
    assert.match(text, /^❌ 'output_file' leads outside the reports folder .*escape\.md/);
    assert.doesNotMatch(text, /Internal error/);
    assert.deepEqual([...Deno.readDirSync(outside)], [], "nothing written outside the data folder");
    assert.doesNotMatch(server.stderr(), /NotCapable|Requires \w+ access to "\/(?!.*escape)/);
  });

  await t.step("demo serves on loopback under its task's permissions", async () => {
    await using demo = await connectStdio(Deno.execPath(), ["task", "demo"], env, ROOT);
    const products = await demo.call("list_products");
    assert.ok(!products.isError, JSON.stringify(products.content));
    assert.ok(await exists(`${home}/.testio-mcp/demo-S.db`));
    assert.doesNotMatch(demo.stderr(), /NotCapable|Requires \w+ access/);
  });
});
