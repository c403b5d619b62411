import assert from "node:assert/strict";
import { type App, openApp } from "../src/app.ts";
import type { Database } from "../src/db/database.ts";
import { CancelledError } from "../src/errors.ts";
import { silentLogger } from "../src/log.ts";
import { SyncEngine } from "../src/sync/engine.ts";
import { FreshnessService } from "../src/sync/freshness.ts";
import { syncedFixture } from "./helpers/fixture.ts";

/** Moves a test's stamps `hours` into the past. */
function age(db: Database, where: string, hours: number, columns = ["synced_at"]): void {
  const back = (c: string) => `${c} = strftime('%Y-%m-%dT%H:%M:%fZ', julianday(${c}) - ${hours / 24})`;
  db.exec(`UPDATE tests SET ${columns.map(back).join(", ")} WHERE ${where}`);
}

function freshness(app: App, budgetMs = 5_000): FreshnessService {
  return new FreshnessService({ ...app, log: silentLogger(), budgetMs });
}

function status(db: Database, id: number): string | undefined {
  return db.prepare("SELECT status FROM tests WHERE id = ?").get(id)?.status as string | undefined;
}

Deno.test("freshness rules against the fake API", async (t) => {
  await using fx = await syncedFixture({ scale: "S" });
  await using app = openApp(fx.config(), silentLogger());
  const data = fx.api.dataset;
  const all = data.products.flatMap((p) => data.testsOf(p.id));
  const running = all.filter((x) => x.status === "running");
  const archived = all.filter((x) => x.status === "archived");
  const fresh = freshness(app);
  const requests = (kind: string) => fx.api.countRequests(kind as "test");

  await t.step("a fresh test is answered from the cache", async () => {
    fx.api.resetRequests();
    assert.deepEqual(await fresh.ensureTests([running[0].id], { bugs: true }), {
      refreshed: 0,
      warnings: [],
    });
    assert.equal(fx.api.requestCount, 0);
  });

  await t.step("a mutable test older than the TTL is fetched again", async () => {
    const id = running[0].id;
    data.setTestStatus(id, "locked");
    age(app.db, `id = ${id}`, 2);
    fx.api.resetRequests();
    const r = await fresh.ensureTests([id]);
    assert.deepEqual(r, { refreshed: 1, warnings: [] });
    assert.equal(requests("test"), 1);
    assert.equal(status(app.db, id), "locked");
  });

  await t.step("a final test is cached forever, unless forced", async () => {
    const id = archived[0].id;
    age(app.db, `id = ${id}`, 24 * 365, ["synced_at", "bugs_synced_at", "final_at"]);
    fx.api.resetRequests();
    assert.equal((await fresh.ensureTests([id], { bugs: true })).refreshed, 0);
    assert.equal(fx.api.requestCount, 0);
    await fresh.ensureTests([id], { force: true });
    assert.equal(requests("test"), 1);
  });

  await t.step(
    "bugs: stale for a mutable test; for a final test only when synced before it became final",
    async () => {
      const mutable = running[1].id;
      age(app.db, `id = ${mutable}`, 2, ["bugs_synced_at"]);
      fx.api.resetRequests();
      const r = await fresh.ensureTests([mutable], { bugs: true });
      assert.equal(r.refreshed, data.bugCountOf(mutable));
      assert.equal(requests("bugs"), 1);
      assert.equal(requests("test"), 0, "the test itself is still fresh");

      const final = archived[1].id;
      age(app.db, `id = ${final}`, 2, ["bugs_synced_at"]);
      fx.api.resetRequests();
      await fresh.ensureTests([final], { bugs: true });
      assert.equal(requests("bugs"), 1, "its bugs were synced before it became final");
      await fresh.ensureTests([final], { bugs: true });
      assert.equal(requests("bugs"), 1, "now cached forever");
    },
  );

  await t.step("a test missing from the cache is fetched; an unknown id is no warning", async () => {
    const id = archived[2].id;
    app.db.exec(`DELETE FROM tests WHERE id = ${id}`);
    fx.api.resetRequests();
    const r = await fresh.ensureTests([id, 999_999], { bugs: true });
    assert.deepEqual(r.warnings, []);
    assert.equal(requests("test"), 2);
    assert.equal(app.repos.tests.get(id)?.bug_count, data.bugCountOf(id));
  });

  await t.step("callers needing the same test share one fetch", async () => {
    const id = running[2].id;
    age(app.db, `id = ${id}`, 2);
    fx.api.setFaults({ latencyMs: 100 });
    fx.api.resetRequests();
    const results = await Promise.all([
      fresh.ensureTests([id]),
      fresh.ensureTests([id]),
      freshness(app).ensureTests([id, running[0].id]),
    ]);
    fx.api.setFaults({ latencyMs: 0 });
    assert.equal(requests("test"), 1);
    assert.ok(results.every((r) => r.warnings.length === 0));
  });

  await t.step("a failed refresh keeps the cached row and says how old it is", async () => {
    const test = running[3];
    const productId = data.productIdOfTest(test.id)!;
    age(app.db, `id = ${test.id}`, 2);
    const before = app.repos.tests.get(test.id)!;
    fx.api.setFaults({ forbiddenProductIds: [productId] });
    const r = await fresh.ensureTests([test.id]);
    fx.api.clearFaults();
    assert.equal(r.refreshed, 0);
    assert.equal(r.warnings.length, 1);
    assert.match(
      r.warnings[0],
      new RegExp(`^Test ${test.id}: served from cache, refreshed 2 h ago, refresh failed: .*HTTP 403`),
    );
    assert.deepEqual(app.repos.tests.get(test.id), before);
  });

  await t.step(
    "past the time budget the answer comes from the cache; the refresh finishes later",
    async () => {
      const id = running[4].id;
      age(app.db, `id = ${id}`, 2);
      const stale = app.repos.tests.get(id)!.synced_at;
      // Latency far beyond the budget, so a loaded machine cannot blur the two.
      fx.api.setFaults({ latencyMs: 1_500 });
      const started = performance.now();
      const r = await freshness(app, 50).ensureTests([id]);
      const waited = performance.now() - started;
      fx.api.setFaults({ latencyMs: 0 });
      assert.ok(waited < 1_000, `answered after ${waited} ms`);
      assert.deepEqual(r.warnings, [
        "Served from cache, refreshed 2 h ago: the refresh from TestIO was still running after 0.05 s",
      ]);
      for (let i = 0; i < 100 && app.repos.tests.get(id)!.synced_at === stale; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.notEqual(app.repos.tests.get(id)!.synced_at, stale, "the background refresh landed");
    },
  );

  await t.step("a product's stale mutable tests are refreshed, final ones are not", async () => {
    const product = data.products[0];
    age(app.db, `product_id = ${product.id}`, 2);
    const mutable = app.db.prepare(
      "SELECT count(*) AS n FROM tests WHERE product_id = ? AND status NOT IN ('archived', 'cancelled')",
    ).get(product.id)!.n as number;
    fx.api.resetRequests();
    const r = await fresh.ensureProductTests(product.id);
    assert.deepEqual(r, { refreshed: mutable, warnings: [] });
    assert.equal(requests("test"), mutable);
    fx.api.resetRequests();
    await fresh.ensureProductTests(product.id);
    assert.equal(fx.api.requestCount, 0);
  });

  await t.step("features are fetched again when older than the TTL", async () => {
    const product = data.products[1];
    fx.api.resetRequests();
    assert.equal((await fresh.ensureFeatures(product.id)).refreshed, 0);
    assert.equal(fx.api.requestCount, 0);
    app.db.exec(`UPDATE products SET features_synced_at = '2000-01-01T00:00:00Z' WHERE id = ${product.id}`);
    const r = await fresh.ensureFeatures(product.id);
    assert.equal(r.refreshed, data.featuresOf(product.id).length);
    assert.ok(fx.api.countRequests("features") + fx.api.countRequests("section_features") > 0);
  });

  await t.step("a cancelled caller stops waiting", async () => {
    const id = running[5].id;
    age(app.db, `id = ${id}`, 2);
    fx.api.setFaults({ latencyMs: 200 });
    const controller = new AbortController();
    const pending = fresh.ensureTests([id], { signal: controller.signal });
    controller.abort();
    await assert.rejects(pending, CancelledError);
    await new Promise((resolve) => setTimeout(resolve, 300));
    fx.api.setFaults({ latencyMs: 0 });
  });
});

Deno.test("without an API token freshness only warns", async () => {
  await using fx = await syncedFixture({ scale: "S" });
  await using app = openApp(fx.config(), silentLogger());
  using engine = new SyncEngine({ repos: app.repos, client: null, config: app.config, log: silentLogger() });
  const fresh = new FreshnessService({
    repos: app.repos,
    client: null,
    config: app.config,
    log: silentLogger(),
    engine,
  });
  const test = fx.api.dataset.testsOf(fx.api.dataset.products[0].id).find((x) => x.status === "running")!;
  age(app.db, `id = ${test.id}`, 2, ["synced_at", "bugs_synced_at"]);
  fx.api.resetRequests();
  const r = await fresh.ensureTests([test.id, 999_999], { bugs: true });
  assert.deepEqual(r.warnings, [
    `Test ${test.id}: served from cache, refreshed 2 h ago; no TestIO API token is configured to refresh it`,
    `Bugs of test ${test.id}: served from cache, refreshed 2 h ago; no TestIO API token is configured to refresh it`,
  ]);
  app.db.exec("UPDATE products SET features_synced_at = NULL");
  assert.match(
    (await fresh.ensureFeatures(fx.api.dataset.products[0].id)).warnings[0],
    /no TestIO API token/,
  );
  assert.equal(fx.api.requestCount, 0);
  await assert.rejects(engine.run({ mode: "incremental", trigger: "test" }), /TESTIO_CUSTOMER_API_TOKEN/);
});
