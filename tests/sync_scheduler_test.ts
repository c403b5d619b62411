import assert from "node:assert/strict";
import { openApp } from "../src/app.ts";
import { createLogger, silentLogger } from "../src/log.ts";
import { SyncEngine } from "../src/sync/engine.ts";
import { acquireSyncLock } from "../src/sync/lock.ts";
import { SyncScheduler } from "../src/sync/scheduler.ts";
import { TestIOClient } from "../src/testio/client.ts";
import { fakeFixture, type Fixture } from "./helpers/fixture.ts";
import { errorText, inProcessServer, structured } from "./helpers/mcp.ts";

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function scheduler(
  fx: Fixture,
  options: { intervalMs: number; now?: () => Date; env?: Record<string, string> },
) {
  const lines: string[] = [];
  const log = createLogger({ level: "debug", sink: (l) => lines.push(l) });
  const app = openApp(fx.config(options.env), log);
  const s = new SyncScheduler({ engine: app.engine, repos: app.repos, config: app.config, log, ...options });
  return {
    app,
    scheduler: s,
    lines,
    triggers: () => app.repos.syncEvents.recent(50).reverse().map((e) => `${e.trigger}:${e.status}`),
    async [Symbol.asyncDispose]() {
      await s[Symbol.asyncDispose]();
      await app[Symbol.asyncDispose]();
    },
  };
}

Deno.test("the server's sync scheduler", async (t) => {
  await using fx = await fakeFixture({ scale: "S" });

  await t.step("an empty cache gets a start-up sync in the background", async () => {
    await using s = scheduler(fx, { intervalMs: 60_000 });
    s.scheduler.start();
    assert.equal(s.scheduler.running, true);
    await until("the start-up sync", () => !s.scheduler.running);
    assert.deepEqual(s.triggers(), ["startup:completed"]);
  });

  await t.step("a recent cache skips the start-up sync", async () => {
    await using s = scheduler(fx, { intervalMs: 60_000 });
    s.scheduler.start();
    assert.equal(s.scheduler.running, false);
    assert.deepEqual(s.triggers(), ["startup:completed"]);
  });

  await t.step("every interval a background sync runs, unless one finished within it", async () => {
    const lastFinished = () => Date.parse(s.app.repos.syncEvents.lastCompleted()!.finished_at!);
    let pinned: number | null = null;
    await using s = scheduler(fx, { intervalMs: 100, now: () => new Date(pinned ?? Date.now()) });
    // The clock stands just after the last sync: every tick sees a recent sync and skips.
    pinned = lastFinished() + 10;
    s.scheduler.start();
    await sleep(350);
    assert.deepEqual(s.triggers(), ["startup:completed"]);
    assert.ok(s.lines.some((l) => l.includes("a sync finished within the interval")));
    pinned = null;
    await until("a background sync", () => s.triggers().includes("background:completed"));
  });

  await t.step("disposing cancels a running sync and waits for it", async () => {
    fx.api.setFaults({ latencyMs: 50 });
    const s = scheduler(fx, { intervalMs: 60_000 });
    const run = s.scheduler.run({ mode: "full", trigger: "mcp" });
    await until("the sync to start", () => s.scheduler.running);
    await s[Symbol.asyncDispose]();
    fx.api.setFaults({ latencyMs: 0 });
    assert.equal((await run).status, "cancelled");
    await using again = scheduler(fx, { intervalMs: 0 });
    assert.equal(again.triggers().at(-1), "mcp:cancelled");
  });

  await t.step("background failures are logged; 3 within 5 minutes open the circuit breaker", async () => {
    await using s = scheduler(fx, { intervalMs: 60_000, env: { TESTIO_CUSTOMER_API_TOKEN: "wrong-token" } });
    s.app.db.exec("UPDATE sync_events SET finished_at = '2000-01-01T00:00:00Z'");
    for (let i = 0; i < 3; i++) {
      assert.equal(s.scheduler.circuitOpen, false);
      s.scheduler.start();
      await until("the failed sync", () => !s.scheduler.running);
    }
    assert.deepEqual(s.triggers().slice(-3), ["startup:failed", "startup:failed", "startup:failed"]);
    assert.ok(s.lines.some((l) => l.includes("ERROR startup sync failed") && l.includes("HTTP 401")));
    assert.ok(!s.lines.some((l) => l.includes("wrong-token")), "the token is never logged");
    assert.equal(s.scheduler.circuitOpen, true);
    s.scheduler.start();
    assert.equal(s.scheduler.running, false);
    assert.ok(s.lines.some((l) => l.includes("startup sync skipped: 3 syncs failed within 5 minutes")));
  });

  await t.step("an interval of 0 disables scheduling", async () => {
    await using s = scheduler(fx, { intervalMs: 0 });
    s.app.db.exec("DELETE FROM sync_events");
    s.scheduler.start();
    assert.equal(s.scheduler.running, false);
  });
});

Deno.test("the sync_data tool", async (t) => {
  await using fx = await fakeFixture({ scale: "S" });
  const [product, other] = fx.api.dataset.products;
  await using mcp = await inProcessServer(fx, { TESTIO_PRODUCT_IDS: `${product.id},${other.id}` });

  await t.step("syncs, reports the counts and sends increasing progress notifications", async () => {
    const progress: { progress: number; total?: number; message?: string }[] = [];
    const result = await mcp.client.callTool(
      { name: "sync_data", arguments: { product_ids: String(product.id), mode: "full" } },
      undefined,
      { onprogress: (p) => progress.push(p) },
    );
    const out = structured<Record<string, unknown>>(result as never);
    assert.equal(out.status, "completed");
    assert.equal(out.products_synced, 1);
    assert.equal(out.tests_discovered, fx.api.dataset.testsOf(product.id).length);
    assert.equal(out.requests_made, fx.api.requestCount);
    assert.deepEqual(out.warnings, []);
    assert.ok(progress.length >= 5);
    assert.ok(progress.every((p, i) => i === 0 || p.progress >= progress[i - 1].progress), "never decreases");
    assert.deepEqual(progress.at(-1), { progress: 4, total: 4, message: "Sync completed" });
    assert.equal(mcp.ctx.repos.syncEvents.recent(1)[0].trigger, "mcp");
  });

  await t.step("since 'all' is a full sync", async () => {
    fx.api.resetRequests();
    const out = structured(await mcp.call("sync_data", { product_ids: [product.id], since: "all" }));
    // Every test is read again, none changed: "updated" counts only changed tests.
    assert.equal(out.tests_updated, 0);
    assert.equal(
      fx.api.countRequests("tests"),
      Math.floor(fx.api.dataset.testsOf(product.id).length / 25) + 1,
    );
    assert.equal(fx.api.countRequests("bugs"), Math.ceil(fx.api.dataset.testsOf(product.id).length / 15));
  });

  await t.step("bad arguments are three-part errors", async () => {
    assert.match(
      errorText(await mcp.call("sync_data", { since: "2025" })),
      /^❌ 'since': '2025' is ambiguous/,
    );
    const outside = errorText(await mcp.call("sync_data", { product_ids: [999] }));
    assert.match(outside, /^❌ Product 999 is outside TESTIO_PRODUCT_IDS/);
    assert.match(outside, /\nℹ️ .+\n💡 /);
  });

  await t.step("a sync holding the lock is a three-part 'already in progress' error", async () => {
    using client = new TestIOClient({ baseUrl: fx.api.baseUrl, token: fx.api.token, log: silentLogger() });
    // An engine that gives up on the lock after 50 ms instead of 30 s.
    await using quick = await inProcessServer(fx, {}, (ctx) => {
      const engine = new SyncEngine({
        repos: ctx.repos,
        client,
        config: ctx.config,
        log: silentLogger(),
        lockWaitMs: 50,
      });
      return {
        ...ctx,
        sync: new SyncScheduler({ engine, repos: ctx.repos, config: ctx.config, log: silentLogger() }),
      };
    });
    const holder = await acquireSyncLock({ dbPath: fx.dbPath });
    try {
      const text = errorText(await quick.call("sync_data", {}));
      assert.match(
        text,
        new RegExp(`^❌ Sync already in progress \\(pid ${Deno.pid} on .+, started at .+\\)`),
      );
      assert.match(
        text,
        /\nℹ️ Another sync process or the server's background sync is writing the cache\n💡 Wait/,
      );
    } finally {
      await holder[Symbol.asyncDispose]();
    }
  });

  await t.step("a cancelled request cancels the sync", async () => {
    fx.api.setFaults({ latencyMs: 50 });
    const controller = new AbortController();
    const call = mcp.client.callTool({ name: "sync_data", arguments: { mode: "full" } }, undefined, {
      signal: controller.signal,
      onprogress: (p) => {
        if (p.progress >= 2) controller.abort();
      },
    });
    await assert.rejects(call);
    await until("the sync to stop", () => !mcp.ctx.sync.running);
    fx.api.setFaults({ latencyMs: 0 });
    assert.equal(mcp.ctx.repos.syncEvents.recent(1)[0].status, "cancelled");
  });
});
