import assert from "node:assert/strict";
import { openApp } from "../src/app.ts";
import { syncCommand } from "../src/cli/sync.ts";
import { openDatabase } from "../src/db/database.ts";
import { prepareSchema } from "../src/db/migrations.ts";
import { Repositories } from "../src/db/repos/index.ts";
import { InputError } from "../src/errors.ts";
import { silentLogger } from "../src/log.ts";
import { lockPathOf } from "../src/sync/lock.ts";
import type { SyncSummary } from "../src/sync/types.ts";
import { assertCacheMatches, assertWholePages } from "./helpers/cache_compare.ts";
import { fakeFixture, type Fixture } from "./helpers/fixture.ts";
import { ROOT } from "./helpers/mcp.ts";
import { childEnv } from "./helpers/stdio_process.ts";
import { captureIO } from "./helpers/cli_io.ts";

/** `deno run -A main.ts sync …` as a child process. */
async function spawnSync(fx: Fixture, args: string[] = []): Promise<Deno.ChildProcess> {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, "sync", ...args],
    // The fixture's HOME is a temp folder: childEnv keeps this process's module cache.
    env: await childEnv(fx.env),
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function result(child: Deno.ChildProcess): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Creates the schema up front, so concurrent children do not race to migrate a new file. */
function migrate(fx: Fixture): void {
  using db = openDatabase(fx.dbPath);
  prepareSchema(db, false, silentLogger());
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function events(fx: Fixture) {
  using db = openDatabase(fx.dbPath);
  using repos = new Repositories(db);
  return repos.syncEvents.recent(50).reverse();
}

Deno.test("two sync processes started together: one syncs, the other exits 3 naming the holder", async () => {
  await using fx = await fakeFixture({ scale: "S" });
  migrate(fx);
  // Slow enough that the holder still syncs when the other process starts, even on a busy machine.
  fx.api.setFaults({ latencyMs: 500 });
  const children = await Promise.all([spawnSync(fx, ["--wait", "0"]), spawnSync(fx, ["--wait", "0"])]);
  const [a, b] = await Promise.all(children.map(result));
  const [winner, loser] = a.code === 0 ? [a, b] : [b, a];
  assert.equal(winner.code, 0, winner.stderr);
  assert.equal(loser.code, 3, loser.stderr);
  assert.match(loser.stderr, /Sync already in progress \(pid \d+ on .+, started at \d{4}-/);
  assert.match(winner.stderr, /Sync completed in/);
  const runs = events(fx);
  assert.equal(runs.length, 1, "only the holder started a sync");
  assert.equal(runs[0].status, "completed");
  assert.throws(() => Deno.statSync(lockPathOf(fx.dbPath)!), Deno.errors.NotFound, "the lock was released");
});

Deno.test("a lock left by a killed sync is taken over and its run marked failed", async () => {
  await using fx = await fakeFixture({ scale: "S" });
  migrate(fx);
  fx.api.setFaults({ latencyMs: 300 });
  const child = await spawnSync(fx);
  const lockPath = lockPathOf(fx.dbPath)!;
  await until("the child to start syncing", () => fx.api.countRequests("tests") > 0);
  child.kill("SIGKILL");
  await child.output();
  assert.equal(JSON.parse(Deno.readTextFileSync(lockPath)).pid, child.pid, "the dead process's lock stays");
  assert.equal(events(fx)[0].status, "running");

  fx.api.setFaults({ latencyMs: 0 });
  const io = captureIO(fx.env);
  assert.equal(await syncCommand.run(["--wait", "1"], io), 0, io.err());
  assert.match(io.err(), /taking over a stale sync lock .*reason="process \d+ is gone"/);
  const [killed, next] = events(fx);
  assert.equal(killed.status, "failed");
  assert.match(killed.error ?? "", /ended before it finished/);
  assert.equal(next.status, "completed");
  await using app = openApp(fx.config(), silentLogger());
  assertCacheMatches(app.db, fx.api.dataset);
});

Deno.test("SIGINT cancels a sync cleanly: no half-written page, event cancelled, next sync completes", async () => {
  await using fx = await fakeFixture({ scale: "S" });
  migrate(fx);
  fx.api.setFaults({ latencyMs: 150 });
  const child = await spawnSync(fx);
  await until("a few test pages", () => fx.api.countRequests("tests") >= 5);
  child.kill("SIGINT");
  const out = await result(child);
  assert.equal(out.code, 1, out.stderr);
  assert.match(out.stderr, /Sync cancelled/);
  const [run] = events(fx);
  assert.equal(run.status, "cancelled");
  {
    using db = openDatabase(fx.dbPath);
    assertWholePages(db, fx.api.dataset);
  }

  fx.api.setFaults({ latencyMs: 0 });
  await using app = openApp(fx.config(), silentLogger());
  const next = await app.engine.run({ mode: "incremental", trigger: "test" });
  assert.equal(next.status, "completed", next.warnings.join("\n"));
  assertCacheMatches(app.db, fx.api.dataset);
});

Deno.test("sync command: output, status, dry run and arguments", async (t) => {
  await using fx = await fakeFixture({ scale: "S" });

  await t.step("bad arguments are InputErrors (exit 2) before anything runs", async () => {
    for (
      const args of [["--since", "2025"], ["--product-ids", "x"], ["--wait", "-1"], ["--status", "--dry-run"]]
    ) {
      await assert.rejects(syncCommand.run(args, captureIO(fx.env)), InputError, args.join(" "));
    }
    await assert.rejects(syncCommand.run(["--bogus"], captureIO(fx.env)), /Unknown option '--bogus'/);
  });

  await t.step("--dry-run reports per product without writing", async () => {
    const io = captureIO(fx.env);
    assert.equal(await syncCommand.run(["--dry-run", "--json"], io), 0);
    const report = JSON.parse(io.out());
    assert.equal(report.products.length, fx.api.dataset.products.length);
    assert.ok(report.products.every((p: { features: string }) => p.features === "fetch"));
    assert.equal(report.requests_made, 1, "only the products call");
    assert.equal(events(fx).length, 0);
  });

  await t.step(
    "--json prints the summary on stdout; plain progress lines and the summary go to stderr",
    async () => {
      const io = captureIO(fx.env);
      assert.equal(await syncCommand.run(["--json", "--force"], io), 0);
      const summary = JSON.parse(io.out()) as SyncSummary;
      assert.equal(summary.status, "completed");
      assert.equal(summary.tests_discovered, fx.api.dataset.counts.tests);
      assert.match(io.err(), /^sync +\d+% products: /m);
      assert.match(io.err(), /^Sync completed in [\d.]+ s \(event #1\): 4 products, /m);
      assert.ok(!io.err().includes("\r"));
    },
  );

  await t.step("on a terminal the progress is a bar redrawn in place", async () => {
    const io = captureIO(fx.env, true);
    assert.equal(await syncCommand.run([], io), 0);
    // Carriage return, "erase line" (ESC [2K), then the bar.
    assert.ok(io.err().includes("\r\u001b[2K["));
    assert.match(io.err(), /\[#+\.*\] +\d+% /);
    assert.equal(io.out(), "");
  });

  await t.step("--dry-run after a sync: one test page per product, nothing new", async () => {
    const io = captureIO(fx.env);
    assert.equal(await syncCommand.run(["--dry-run"], io), 0);
    assert.match(io.out(), /^Dry run \(incremental\): about \d+ API requests/);
    assert.match(io.out(), /features cached, 1 test page, 0 new tests, 0 bug batches/);
  });

  await t.step("--status shows counts, the last sync and no running sync", async () => {
    const io = captureIO(fx.env);
    assert.equal(await syncCommand.run(["--status"], io), 0);
    assert.match(
      io.out(),
      new RegExp(
        `Cached: +4 products, \\d+ features, \\d+ user stories, ${fx.api.dataset.counts.tests} tests`,
      ),
    );
    assert.match(io.out(), /Last sync: #2 completed \(cli, incremental\)/);
    assert.match(io.out(), /Running: +no/);
    const json = captureIO(fx.env);
    await syncCommand.run(["--status", "--json"], json);
    const status = JSON.parse(json.out());
    assert.equal(status.counts.bugs, fx.api.dataset.counts.bugs);
    assert.ok(status.database.size_bytes > 0);
  });
});
