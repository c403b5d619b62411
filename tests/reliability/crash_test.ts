/**
 * `kill -9` of a sync process at random moments: during start-up and migrations, the product and
 * feature phases, the test walk and the bug batches, both into an empty cache and during a full
 * re-sync of a complete one. Every time: `PRAGMA integrity_check` is ok, nothing is half-written
 * (whole pages and whole bug batches, trigger-kept counters right), the dead process's lock is taken
 * over, its event is marked failed, and the next sync converges to the source row by row.
 */
import assert from "node:assert/strict";
import { openApp } from "../../src/app.ts";
import { syncCommand } from "../../src/cli/sync.ts";
import { openDatabase } from "../../src/db/database.ts";
import { Repositories } from "../../src/db/repos/index.ts";
import { silentLogger } from "../../src/log.ts";
import { lockPathOf } from "../../src/sync/lock.ts";
import { Rng } from "../../src/testio/fake/prng.ts";
import { assertCacheMatches, assertWholePages } from "../helpers/cache_compare.ts";
import { captureIO } from "../helpers/cli_io.ts";
import { fakeFixture } from "../helpers/fixture.ts";
import { ROOT } from "../helpers/mcp.ts";
import { childEnv } from "../helpers/stdio_process.ts";
import { assertDerivedCounts, assertIntact, LONG, sized } from "./helpers.ts";

const RUNS = sized(3, 24);
const SEED = Number(Deno.env.get("TESTIO_CRASH_SEED") ?? 20261101);

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test(`crashes: ${RUNS} sync processes killed with SIGKILL at random moments`, async (t) => {
  await using fx = await fakeFixture({ scale: "S" });
  const env = await childEnv(fx.env);
  const rng = new Rng(SEED);
  const lockPath = lockPathOf(fx.dbPath)!;
  // Slow enough that every phase spans several polls; the kill lands between or inside writes.
  fx.api.setFaults({ latencyMs: 8 });

  // The requests of one whole sync (into a scratch cache), to spread the kill points over all of it.
  {
    await using app = openApp(fx.config({ TESTIO_DB_PATH: `${fx.dir}/scratch.db` }), silentLogger());
    await app.engine.run({ mode: "full", trigger: "test" });
  }
  const total = fx.api.requestCount;
  const killedAt: string[] = [];
  for (let run = 1; run <= RUNS; run++) {
    // Odd runs start from nothing; even runs re-sync a complete cache (--force rewrites every row).
    const fromEmpty = run % 2 === 1;
    await t.step(`run ${run}: ${fromEmpty ? "first sync" : "full re-sync"}`, async () => {
      if (fromEmpty) {
        for (const suffix of ["", "-wal", "-shm", ".sync.lock"]) {
          await Deno.remove(fx.dbPath + suffix).catch(() => {});
        }
      }
      fx.api.resetRequests();
      // Request 0 means "during start-up and migrations".
      const target = rng.int(0, total);
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${ROOT}main.ts`, "sync", ...(fromEmpty ? [] : ["--force"])],
        env,
        cwd: ROOT,
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      const status = child.status;
      let exited = false;
      status.then(() => (exited = true));
      if (target === 0) {
        // Start-up: loading, opening the database and migrating it.
        await new Promise((r) => setTimeout(r, rng.int(50, 400)));
      } else {
        while (!exited && fx.api.requestCount < target) await new Promise((r) => setTimeout(r, 2));
        await new Promise((r) => setTimeout(r, rng.int(0, 8)));
      }
      if (!exited) {
        try {
          child.kill("SIGKILL");
        } catch {
          // It finished on its own a moment ago.
        }
      }
      const { signal } = await status;
      killedAt.push(`${target}/${total}${signal === "SIGKILL" ? "" : " (finished first)"}`);

      {
        using db = openDatabase(fx.dbPath);
        assertIntact(db);
        assertDerivedCounts(db);
        if (fromEmpty && exists(fx.dbPath) && tableExists(db, "tests")) assertWholePages(db, fx.api.dataset);
        if (!fromEmpty) assertCacheMatches(db, fx.api.dataset);
      }

      const lockLeft = exists(lockPath);
      fx.api.resetRequests();
      const io = captureIO(fx.env);
      assert.equal(await syncCommand.run(["--wait", "2"], io), 0, io.err());
      if (lockLeft) assert.match(io.err(), /taking over a stale sync lock/);
      assert.ok(!exists(lockPath), "the lock is released");
      using db = openDatabase(fx.dbPath);
      using repos = new Repositories(db);
      assertIntact(db);
      assertCacheMatches(db, fx.api.dataset);
      assertDerivedCounts(db);
      const events = repos.syncEvents.recent(100);
      assert.ok(events.every((e) => e.status !== "running"), "no event is left running");
      assert.match(events[0].status, /^completed/);
    });
  }
  console.error(
    `crashes: ${RUNS} kills at request/total ${killedAt.join(", ")}${LONG ? " (long form)" : ""}`,
  );
});

function tableExists(db: { prepare(sql: string): { get(): unknown } }, name: string): boolean {
  return !!db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '${name}'`).get();
}
