import assert from "node:assert/strict";
import { openApp } from "../src/app.ts";
import { silentLogger } from "../src/log.ts";
import type { SyncProgress } from "../src/sync/types.ts";
import { assertCacheMatches, assertWholePages } from "./helpers/cache_compare.ts";
import { fakeFixture } from "./helpers/fixture.ts";

/** Aborts the run once a progress report matches. */
function abortWhen(match: (p: SyncProgress) => boolean) {
  const controller = new AbortController();
  return {
    signal: controller.signal,
    onProgress: (p: SyncProgress) => {
      if (match(p)) controller.abort();
    },
  };
}

Deno.test("cancelling a sync through its AbortSignal", async (t) => {
  await using fx = await fakeFixture({ scale: "M" });
  await using app = openApp(fx.config(), silentLogger());
  const data = fx.api.dataset;
  // Slow pages, so the abort lands while requests are in flight.
  fx.api.setFaults({ latencyMs: 20 });

  await t.step("during the test walk: cancelled event, only whole pages and bug batches stored", async () => {
    const summary = await app.engine.run({
      mode: "full",
      trigger: "test",
      ...abortWhen((p) => p.phase === "tests" && p.done >= 5),
    });
    assert.equal(summary.status, "cancelled");
    assert.equal(summary.error, "Sync cancelled");
    // Bug batches start as pages are stored; assertWholePages checks that each one is complete.
    assert.ok(summary.bugs_synced < data.counts.bugs);
    const event = app.repos.syncEvents.get(summary.event_id!)!;
    assert.equal(event.status, "cancelled");
    assert.ok(event.finished_at);
    const stored = app.repos.tests.count();
    assert.ok(stored > 0 && stored < data.counts.tests, `some but not all tests: ${stored}`);
    assertWholePages(app.db, data);
  });

  await t.step("during the bugs: finished batches are complete, the rest untouched", async () => {
    // Bug batches overlap the walks; the abort waits until every page is stored, so that it lands
    // among bug batches only (a walk cut short leaves its cursor behind the tests an earlier run stored).
    let batches = 0;
    const summary = await app.engine.run({
      mode: "full",
      trigger: "test",
      ...abortWhen((p) => {
        if (p.phase === "bugs") batches = p.done;
        return batches >= 3 && app.repos.tests.count() === data.counts.tests;
      }),
    });
    assert.equal(summary.status, "cancelled");
    assert.ok(summary.bugs_synced > 0 && summary.bugs_synced < data.counts.bugs);
    assertWholePages(app.db, data);
  });

  await t.step("the next incremental sync completes the cache", async () => {
    fx.api.setFaults({ latencyMs: 0 });
    const summary = await app.engine.run({ mode: "incremental", trigger: "test" });
    assert.equal(summary.status, "completed", summary.warnings.join("\n"));
    assertCacheMatches(app.db, data);
    const statuses = app.repos.syncEvents.recent(10).map((e) => e.status).reverse();
    assert.deepEqual(statuses, ["cancelled", "cancelled", "completed"]);
  });
});

Deno.test("disposing the engine cancels its running sync and waits for the event", async () => {
  await using fx = await fakeFixture({ scale: "S" });
  fx.api.setFaults({ latencyMs: 50 });
  const app = openApp(fx.config(), silentLogger());
  const run = app.engine.run({ mode: "full", trigger: "test" });
  while (fx.api.countRequests("tests") === 0) await new Promise((r) => setTimeout(r, 5));
  await app.engine[Symbol.asyncDispose]();
  const summary = await run;
  assert.equal(summary.status, "cancelled");
  assert.equal(app.repos.syncEvents.get(summary.event_id!)!.status, "cancelled");
  await app[Symbol.asyncDispose]();
});
