import assert from "node:assert/strict";
import { openApp } from "../src/app.ts";
import { silentLogger } from "../src/log.ts";
import { cursorKey } from "../src/sync/discovery.ts";
import { PAGE_SIZE } from "../src/sync/pages.ts";
import type { RequestRecord } from "../src/testio/fake/mod.ts";
import { assertCacheMatches } from "./helpers/cache_compare.ts";
import { fakeFixture, syncedFixture } from "./helpers/fixture.ts";

Deno.test("a full sync at scale M reproduces the fake API's data row by row", async (t) => {
  await using fx = await fakeFixture({ scale: "M" });
  await using app = openApp(fx.config(), silentLogger());
  const data = fx.api.dataset;
  const progress: string[] = [];
  const summary = await app.engine.run({
    mode: "full",
    trigger: "test",
    onProgress: (p) => progress.push(p.phase),
  });

  await t.step("the run completes and its counters match the source", () => {
    assert.equal(summary.status, "completed", summary.warnings.join("\n"));
    const counts = data.counts;
    assert.equal(summary.products_synced, counts.products);
    assert.equal(summary.features_synced, counts.features);
    assert.equal(
      summary.user_stories_synced,
      data.products.reduce(
        (n, p) => n + data.featuresOf(p.id).reduce((m, f) => m + f.feature.user_stories.length, 0),
        0,
      ),
    );
    assert.equal(summary.tests_discovered, counts.tests);
    assert.equal(summary.tests_updated, 0);
    assert.equal(summary.bugs_synced, counts.bugs);
    assert.equal(summary.requests_made, fx.api.requestCount, "the client counts what the server saw");
  });

  await t.step("phases run in order per product: products → features → tests → bugs", () => {
    assert.equal(progress[0], "products");
    assert.equal(progress.at(-1), "done");
    assert.ok(progress.indexOf("features") < progress.indexOf("tests"));
    assert.ok(progress.indexOf("tests") < progress.indexOf("bugs"));
    // The fake logs a request when it answers it; a request the sync sends only after reading another
    // answer is therefore logged after it.
    const requests = fx.api.requests;
    const pageOf = new Map<number, { productId: number; page: number }>();
    for (const p of data.products) {
      const own = (r: RequestRecord) => r.path.includes(`/products/${p.id}/`);
      const lastFeature = requests.findLastIndex((r) => own(r) && r.kind !== "tests");
      const firstPage = requests.findIndex((r) => own(r) && r.kind === "tests");
      assert.ok(lastFeature >= 0 && lastFeature < firstPage, `product ${p.id}: features before its tests`);
      data.testsOf(p.id).forEach((x, offset) =>
        pageOf.set(x.id, { productId: p.id, page: Math.floor(offset / PAGE_SIZE) + 1 })
      );
    }
    requests.forEach((r, i) => {
      if (r.kind !== "bugs") return;
      for (const id of new URLSearchParams(r.query).get("filter_test_cycle_ids")!.split(",").map(Number)) {
        const { productId, page } = pageOf.get(id)!;
        const read = requests.findIndex((x) =>
          x.kind === "tests" && x.path.includes(`/products/${productId}/`) &&
          new URLSearchParams(x.query).get("page") === String(page)
        );
        assert.ok(read >= 0 && read < i, `the bugs of test ${id} are read after its page`);
      }
    });
  });

  await t.step("bug batches start while test pages are still being read", () => {
    const requests = fx.api.requests;
    const firstBugs = requests.findIndex((r) => r.kind === "bugs");
    const lastPage = requests.findLastIndex((r) => r.kind === "tests");
    assert.ok(firstBugs < lastPage, `first bugs request #${firstBugs}, last page #${lastPage}`);
  });

  await t.step("every product, section, feature, user story, test, bug and user equals the source", () => {
    assertCacheMatches(app.db, data);
  });

  await t.step("requests: one products call, per-section features, every page once, bugs by 15", () => {
    const requests = fx.api.requests;
    const count = (kind: string) => requests.filter((r) => r.kind === kind).length;
    assert.equal(count("products"), 1);
    const sectioned = data.products.filter((p) => data.hasSections(p.id));
    assert.equal(count("features"), data.products.length - sectioned.length);
    assert.equal(
      count("section_features"),
      sectioned.reduce((n, p) => n + data.sectionIdsOf(p.id).length, 0),
    );
    assert.equal(count("user_stories"), count("features") + count("section_features"));
    const pages = data.products.reduce(
      (n, p) => n + Math.floor(data.testsOf(p.id).length / PAGE_SIZE) + 1,
      0,
    );
    assert.equal(count("tests"), pages);
    assert.equal(count("bugs"), Math.ceil(data.counts.tests / 15));
    assert.equal(count("test"), 0, "no test is fetched one by one");
    assert.ok(requests.every((r) => r.status === 200));
  });

  await t.step("the sync event, cursors and stamps are recorded", () => {
    const event = app.repos.syncEvents.get(summary.event_id!)!;
    assert.equal(event.status, "completed");
    assert.equal(event.trigger, "test");
    assert.equal(event.mode, "full");
    assert.equal(event.counters.bugs_synced, data.counts.bugs);
    for (const p of data.products) {
      const cursor = JSON.parse(app.repos.syncEvents.getMeta(cursorKey(p.id))!);
      assert.equal(cursor.complete, true);
      assert.equal(cursor.next_offset, data.testsOf(p.id).length);
      const row = app.repos.products.get(p.id)!;
      assert.ok(row.features_synced_at && row.tests_synced_at);
    }
    const unstamped = app.db.prepare("SELECT count(*) AS n FROM tests WHERE bugs_synced_at IS NULL").get();
    assert.equal(unstamped?.n, 0);
  });

  await t.step("nothing secret from test environments is stored", async () => {
    // The fake API puts a login and an `env-secret-…` password in every test environment.
    app.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const path = fx.config().dbPath;
    const bytes = new TextDecoder("latin1").decode(await Deno.readFile(path));
    assert.ok(bytes.includes("Exploratory test"), "the file holds the synced text");
    assert.ok(!bytes.includes("env-secret-"), "no environment password in the cache file");
    assert.ok(!bytes.includes('"password"'), "no password key in the cache file");
  });
});

Deno.test("a test list failing part-way: the tests read get their bugs, the others keep theirs", async () => {
  await using fx = await syncedFixture({ scale: "M" });
  await using app = openApp(fx.config(), silentLogger());
  const data = fx.api.dataset;
  const product = data.products[0];
  const tests = data.testsOf(product.id);
  assert.ok(tests.length > 5 * PAGE_SIZE);
  const stamps = () =>
    new Map(
      app.db.prepare("SELECT id, bugs_synced_at FROM tests WHERE product_id = ?").all(product.id)
        .map((r) => [r.id as number, r.bugs_synced_at as string]),
    );
  const before = stamps();
  fx.api.resetRequests();
  let armed = false;
  const summary = await app.engine.run({
    mode: "full",
    trigger: "test",
    productIds: [product.id],
    // Once page 2 is stored, the next test-list request the fake answers fails with 404.
    onProgress: (p) => {
      if (!armed && p.phase === "tests" && p.done >= 2) {
        armed = true;
        fx.api.setFaults({ routes: ["tests"], failNext: [404] });
      }
    },
  });
  fx.api.clearFaults();
  assert.equal(summary.status, "completed_with_warnings", summary.error);
  const text = summary.warnings.join("\n");
  assert.match(text, new RegExp(`^Product ${product.id}: tests not synced: .*HTTP 404`, "m"));
  assert.match(text, new RegExp(`^Bugs of product ${product.id} refreshed only for the tests read`, "m"));

  const pagesRead = fx.api.requests.filter((r) => r.kind === "tests" && r.status === 200)
    .map((r) => Number(new URLSearchParams(r.query).get("page")));
  assert.ok(pagesRead.length >= 2 && pagesRead.length < Math.ceil(tests.length / PAGE_SIZE));
  const read = new Set(
    pagesRead.flatMap((n) => tests.slice((n - 1) * PAGE_SIZE, n * PAGE_SIZE).map((x) => x.id)),
  );
  const asked = fx.api.requests.filter((r) => r.kind === "bugs")
    .flatMap((r) => new URLSearchParams(r.query).get("filter_test_cycle_ids")!.split(",").map(Number));
  assert.deepEqual(new Set(asked), read, "bugs are asked for exactly the tests read");
  const after = stamps();
  for (const x of tests) {
    if (read.has(x.id)) assert.ok(after.get(x.id)! > before.get(x.id)!, `test ${x.id} restamped`);
    else assert.equal(after.get(x.id), before.get(x.id), `test ${x.id} keeps its bugs and stamp`);
  }
  assertCacheMatches(app.db, data);
});

Deno.test("a since-date skips older tests and stops at the first page entirely older", async () => {
  await using fx = await fakeFixture({ scale: "M" });
  await using app = openApp(fx.config(), silentLogger());
  const data = fx.api.dataset;
  const [product] = [...data.products].sort((a, b) => data.testsOf(b.id).length - data.testsOf(a.id).length);
  const tests = data.testsOf(product.id);
  // A bound between the 30th and 31st test: the second page holds both sides, the third is older.
  const since = new Date(Date.parse(tests[30].end_at!) + 1000).toISOString();
  const summary = await app.engine.run({ mode: "full", trigger: "test", since, productIds: [product.id] });
  assert.equal(summary.status, "completed", summary.warnings.join("\n"));
  const stored = app.db.prepare("SELECT id FROM tests ORDER BY id").all().map((r) => r.id);
  assert.ok(tests.length > 3 * PAGE_SIZE, "the product has more than three pages");
  assert.deepEqual(stored, tests.slice(0, 30).map((t) => t.id).sort((a, b) => a - b));
  const pages = fx.api.requests.filter((r) => r.kind === "tests").length;
  assert.equal(pages, 3, "pages 1–2 hold newer tests, page 3 is entirely older and ends the walk");
});

Deno.test("the page cap stops the walk with a warning", async () => {
  await using fx = await fakeFixture({ scale: "S", env: { TESTIO_MAX_PAGES: "1" } });
  await using app = openApp(fx.config(), silentLogger());
  const data = fx.api.dataset;
  const big = data.products.find((p) => data.testsOf(p.id).length > PAGE_SIZE)!;
  const summary = await app.engine.run({ mode: "full", trigger: "test", productIds: [big.id] });
  assert.equal(summary.status, "completed_with_warnings");
  assert.match(summary.warnings.join("\n"), /stopped after 1 pages \(TESTIO_MAX_PAGES\)/);
  assert.equal(app.repos.tests.count(big.id), PAGE_SIZE);
});

Deno.test("scope: ids outside TESTIO_PRODUCT_IDS are refused, invisible ids are reported", async (t) => {
  await using fx = await fakeFixture({ scale: "S" });
  const [a, b] = fx.api.dataset.products;
  await using app = openApp(fx.config({ TESTIO_PRODUCT_IDS: String(a.id) }), silentLogger());

  await t.step("an argument outside the setting is an InputError, not a wider sync", async () => {
    await assert.rejects(
      app.engine.run({ mode: "incremental", trigger: "test", productIds: [b.id] }),
      (err: Error) => err.name === "InputError" && err.message.includes(String(b.id)),
    );
    assert.equal(app.repos.syncEvents.recent(1).length, 0, "nothing started");
  });

  await t.step("the configured scope limits the sync", async () => {
    const summary = await app.engine.run({ mode: "full", trigger: "test" });
    assert.equal(summary.products_synced, 1);
    assert.deepEqual(app.repos.products.ids(), [a.id]);
  });

  await t.step("a product the token cannot see is a warning", async () => {
    await using wide = openApp(fx.config({ TESTIO_PRODUCT_IDS: `${a.id},999999` }), silentLogger());
    const summary = await wide.engine.run({ mode: "incremental", trigger: "test", productIds: [999999] });
    assert.equal(summary.status, "completed_with_warnings");
    assert.match(summary.warnings[0], /999999 not visible/);
  });
});

Deno.test("failures: a product the API refuses is a warning; a rejected token fails the run", async (t) => {
  await using fx = await fakeFixture({ scale: "S" });
  await using app = openApp(fx.config(), silentLogger());
  const [a, b] = fx.api.dataset.products;

  await t.step("HTTP 403 on one product: the others sync, the run completes with warnings", async () => {
    fx.api.setFaults({ forbiddenProductIds: [b.id] });
    const summary = await app.engine.run({ mode: "full", trigger: "test" });
    fx.api.clearFaults();
    assert.equal(summary.status, "completed_with_warnings");
    const text = summary.warnings.join("\n");
    assert.match(text, new RegExp(`Product ${b.id}: features not synced: .*HTTP 403`));
    assert.match(text, new RegExp(`Product ${b.id}: tests not synced: .*HTTP 403`));
    assert.equal(app.repos.tests.count(b.id), 0);
    assert.equal(app.repos.tests.count(a.id), fx.api.dataset.testsOf(a.id).length);
  });

  await t.step("HTTP 401 fails the run; the other products stop before it ends", async () => {
    fx.api.setFaults({ latencyMs: 20, routes: ["tests"], failNext: [401] });
    const summary = await app.engine.run({ mode: "full", trigger: "test" });
    const ended = fx.api.requestCount;
    assert.equal(summary.status, "failed");
    assert.match(summary.error!, /HTTP 401/);
    assert.equal(app.repos.syncEvents.get(summary.event_id!)!.status, "failed");
    // Requests sent just before the abort may still reach the server (it runs in this process and
    // handles them on later turns of the event loop); at most one per request slot.
    await new Promise((r) => setTimeout(r, 100));
    const settled = fx.api.requestCount;
    assert.ok(settled - ended <= app.config.maxConcurrentRequests, `${settled - ended} late arrivals`);
    // After that, nothing: no retry, read-ahead or bug batch outlives the run.
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(fx.api.requestCount, settled, "no request after the run ended");
    fx.api.clearFaults();
  });
});
