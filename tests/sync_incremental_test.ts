import assert from "node:assert/strict";
import { openApp } from "../src/app.ts";
import { silentLogger } from "../src/log.ts";
import { areBugsStale, isTestStale, ttlCutoff } from "../src/sync/rules.ts";
import { assertCacheMatches } from "./helpers/cache_compare.ts";
import { fakeFixture } from "./helpers/fixture.ts";

/** Moves every sync stamp `hours` into the past, as if that much time had passed. */
function age(db: { exec(sql: string): void }, hours: number): void {
  const back = (col: string) => `${col} = strftime('%Y-%m-%dT%H:%M:%fZ', julianday(${col}) - ${hours / 24})`;
  db.exec(`UPDATE tests SET ${back("synced_at")}, ${back("bugs_synced_at")}, ${back("final_at")}`);
  db.exec(
    `UPDATE products SET ${back("synced_at")}, ${back("features_synced_at")}, ${back("tests_synced_at")}`,
  );
}

/** Requests the fake saw since the last reset, by kind. */
function kinds(requests: readonly { kind: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of requests) out[r.kind] = (out[r.kind] ?? 0) + 1;
  return out;
}

Deno.test("incremental sync after a full sync at scale M", async (t) => {
  await using fx = await fakeFixture({ scale: "M" });
  await using app = openApp(fx.config(), silentLogger());
  const data = fx.api.dataset;
  const full = await app.engine.run({ mode: "full", trigger: "test" });
  assert.equal(full.status, "completed");

  await t.step("with nothing new: the products call and at most one test-list page per product", async () => {
    fx.api.resetRequests();
    const summary = await app.engine.run({ mode: "incremental", trigger: "test" });
    assert.equal(summary.status, "completed", summary.warnings.join("\n"));
    assert.equal(summary.tests_discovered, 0);
    assert.equal(summary.bugs_synced, 0);
    assert.deepEqual(kinds(fx.api.requests), { products: 1, tests: data.products.length });
    assert.equal(summary.requests_made, 1 + data.products.length);
  });

  await t.step(
    "7 new tests and 3 changed running tests: fetches those plus what freshness requires",
    async () => {
      const product = data.products[0];
      const added = data.addTests(product.id, 7);
      const running = data.products.flatMap((p) => data.testsOf(p.id)).filter((x) =>
        x.status === "running" && !added.includes(x)
      ).slice(0, 3);
      assert.equal(running.length, 3);
      for (const x of running) data.setTestStatus(x.id, "locked");
      // Two hours pass: every stamp is older than the one-hour TTL.
      age(app.db, 2);
      const cutoff = ttlCutoff(new Date(), app.config.cacheTtlSeconds);
      const stamps = app.repos.tests.scopeStamps(null, null);
      const staleTests = stamps.filter((s) => isTestStale(s, cutoff));
      const staleBugs = stamps.filter((s) => areBugsStale(s, cutoff)).length + added.length;

      fx.api.resetRequests();
      const summary = await app.engine.run({ mode: "incremental", trigger: "test" });
      assert.equal(summary.status, "completed", summary.warnings.join("\n"));
      assert.equal(summary.tests_discovered, 7);
      assert.equal(summary.tests_updated, 3, "only the tests whose status changed count as updated");

      const seen = kinds(fx.api.requests);
      assert.equal(seen.products, 1);
      assert.equal(seen.bugs, Math.ceil(staleBugs / 15), "bugs only of new and stale tests, 15 per call");
      // Reading pages refreshes 25 tests per request; the walk reads on only while that beats fetching
      // the stale tests one by one, and never fetches a final test by id.
      assert.ok((seen.tests ?? 0) + (seen.test ?? 0) < data.products.length + staleTests.length);
      const fetched = fx.api.requests.filter((r) => r.kind === "test").map((r) =>
        Number(r.path.split("/").pop())
      );
      const stale = new Set(staleTests.map((s) => s.id));
      assert.ok(fetched.every((id) => stale.has(id)), "single fetches are stale mutable tests only");

      assertCacheMatches(app.db, data);
    },
  );

  await t.step("final tests and their bugs are never fetched again", async () => {
    age(app.db, 2);
    const final = new Set(
      app.db.prepare("SELECT id FROM tests WHERE status IN ('archived', 'cancelled')").all().map((r) => r.id),
    );
    fx.api.resetRequests();
    const summary = await app.engine.run({ mode: "incremental", trigger: "test" });
    assert.equal(summary.status, "completed");
    const single = fx.api.requests.filter((r) => r.kind === "test").map((r) =>
      Number(r.path.split("/").pop())
    );
    const bugIds = fx.api.requests.filter((r) => r.kind === "bugs")
      .flatMap((r) => new URLSearchParams(r.query).get("filter_test_cycle_ids")!.split(",").map(Number));
    assert.ok(bugIds.length > 0, "the mutable tests' bugs were due");
    assert.deepEqual([...single, ...bugIds].filter((id) => final.has(id)), []);
    assertCacheMatches(app.db, data);
  });
});

Deno.test("an incremental sync resumes a walk an earlier run left unfinished", async () => {
  await using fx = await fakeFixture({ scale: "M" });
  await using app = openApp(fx.config(), silentLogger());
  const data = fx.api.dataset;
  const [big] = [...data.products].sort((a, b) => data.testsOf(b.id).length - data.testsOf(a.id).length);
  // A since-bound keeps the first walk to the newest 40 tests.
  const since = new Date(Date.parse(data.testsOf(big.id)[39].end_at!)).toISOString();
  const first = await app.engine.run({ mode: "incremental", trigger: "test", since, productIds: [big.id] });
  assert.equal(first.tests_discovered, 40);

  data.addTests(big.id, 3);
  const second = await app.engine.run({
    mode: "incremental",
    trigger: "test",
    since: null,
    productIds: [big.id],
  });
  assert.equal(second.status, "completed", second.warnings.join("\n"));
  assert.equal(
    app.repos.tests.count(big.id),
    data.testsOf(big.id).length,
    "the walk went on past the old bound",
  );
  assert.equal(second.tests_discovered, data.testsOf(big.id).length - 40);
});

Deno.test("a feature named by a test but missing from the cache brings its product's features back", async () => {
  await using fx = await fakeFixture({ scale: "S" });
  await using app = openApp(fx.config(), silentLogger());
  const data = fx.api.dataset;
  await app.engine.run({ mode: "full", trigger: "test" });
  const product = data.products.find((p) => !data.hasSections(p.id))!;
  const named = app.db.prepare(
    "SELECT tf.feature_id AS id FROM test_features tf JOIN tests t ON t.id = tf.test_id WHERE t.product_id = ? LIMIT 1",
  ).get(product.id)!.id as number;
  app.db.exec(`DELETE FROM features WHERE id = ${named}`);

  fx.api.resetRequests();
  const summary = await app.engine.run({ mode: "incremental", trigger: "test" });
  assert.equal(summary.status, "completed", summary.warnings.join("\n"));
  assert.deepEqual(kinds(fx.api.requests), {
    products: 1,
    tests: data.products.length,
    features: 1,
    user_stories: 1,
  });
  assert.ok(app.repos.features.get(named), "the feature is back");
});
