/**
 * The metric cube on a small hand-built cache: no row multiplication through feature and platform
 * joins, the "unassigned" and other missing-value buckets, rates that are null (no bugs, nothing
 * accepted), sorting with nulls last, the row limit, filters by name, and argument errors —
 * including hostile filter values that must stay data, never SQL.
 */
import assert from "node:assert/strict";
import { bugsOf, failure, handBuiltCache, handBuiltServer, ok } from "./helpers/report_fixtures.ts";
import { AnalyticsRepo } from "../src/db/repos/analytics.ts";
import { DIMENSION_KEYS, METRIC_KEYS } from "../src/domain/metrics.ts";

type Row = Record<string, string | number | boolean | null>;
interface Answer {
  rows: Row[];
  metadata: {
    total_rows: number;
    returned_rows: number;
    truncated: boolean;
    query_ms: number;
    date_basis: string;
  };
  explanation: string;
  chart_hint: { type: string; x: string; y: string[]; series: string | null };
  data_as_of: string | null;
  warnings?: string[];
}

const dev = (os: string | null) => ({ category: null, os, browsers: [], name: null });

/**
 * Shop (1), features Login (11), Checkout (12), Search (13); env 7 "Staging".
 * t10 archived, Mar 2025, covers 11+12+13 on iOS and Android, created by cust_a: bugs 100–103 rejected
 *   (Login, tester amy, iOS 17 device), 104–105 accepted (Checkout, tester bob, Android 14), 106 open
 *   (no feature, no author, no severity, no device).
 * t20 locked, Apr 2025, no features, no platforms, env 7: bugs 200 auto_accepted (critical, known, amy).
 * t30 archived, no end date, covers 12: no bugs.
 * t40 cancelled (outside the default scope), covers 11: bugs 400–401 rejected.
 * Bank (2): t50 running, Apr 2025: bugs 500–501 open (high).
 */
function seed() {
  const fx = handBuiltCache();
  fx.product(1, "Shop");
  fx.product(2, "Bank");
  fx.feature({ id: 11, product_id: 1, title: "Login" });
  fx.feature({ id: 12, product_id: 1, title: "Checkout" });
  fx.feature({ id: 13, product_id: 1, title: "Search" });
  fx.test({
    id: 10,
    product_id: 1,
    status: "archived",
    end_at: "2025-03-02T10:00:00Z",
    created_by: "cust_a",
    submitted_by: "cust_a",
    features: [{ id: 1011, feature_id: 11 }, { id: 1012, feature_id: 12 }, { id: 1013, feature_id: 13 }],
    platforms: [{ os: "iOS" }, { os: "Android" }],
  });
  fx.test({
    id: 20,
    product_id: 1,
    status: "locked",
    testing_type: "focused",
    end_at: "2025-04-01T00:00:00Z",
    test_environment: { id: 7, title: "Staging" },
  });
  fx.test({ id: 30, product_id: 1, status: "archived", features: [{ id: 3012, feature_id: 12 }] });
  fx.test({
    id: 40,
    product_id: 1,
    status: "cancelled",
    end_at: "2025-03-05T00:00:00Z",
    features: [{ feature_id: 11 }],
  });
  fx.test({ id: 50, product_id: 2, status: "running", end_at: "2025-04-20T00:00:00Z" });
  fx.bugs(10, [
    ...bugsOf(100, 4, "rejected", {
      feature_id: 11,
      test_feature_id: 1011,
      author: "amy",
      devices: [dev("iOS 17")],
      reported_at: "2025-02-27T10:00:00Z",
    }),
    ...bugsOf(104, 2, "accepted", {
      feature_id: 12,
      test_feature_id: 1012,
      author: "bob",
      severity: "high",
      devices: [dev("Android 14")],
      reported_at: "2025-03-01T10:00:00Z",
    }),
    { id: 106, status: "forwarded", severity: null, reported_at: "2025-03-01T11:00:00Z" },
  ]);
  fx.bugs(20, [{
    id: 200,
    status: "auto_accepted",
    severity: "critical",
    known: true,
    author: "amy",
    reported_at: "2025-03-31T23:00:00Z",
  }]);
  fx.bugs(40, bugsOf(400, 2, "rejected", { author: "amy" }));
  fx.bugs(
    50,
    bugsOf(500, 2, "forwarded", { severity: "high", author: "cid", reported_at: "2025-04-19T00:00:00Z" }),
  );
  fx.repos.users.upsertSeen([
    { username: "amy", user_type: "tester", seen_at: null },
    { username: "bob", user_type: "tester", seen_at: null },
    { username: "cust_a", user_type: "customer", seen_at: null },
  ]);
  return fx;
}

const byLabel = (rows: Row[], dim: string) => new Map(rows.map((r) => [r[dim], r]));

Deno.test("query_metrics on hand-built data", async (t) => {
  using fx = seed();
  await using mcp = await handBuiltServer(fx);
  const q = async (args: Record<string, unknown>) =>
    ok<Answer>("query_metrics", await mcp.call("query_metrics", args));

  await t.step("joins do not multiply: product totals count each test and bug once", async () => {
    const a = await q({ metrics: METRIC_KEYS, dimensions: ["product"] });
    const shop = byLabel(a.rows, "product").get("Shop")!;
    assert.equal(shop.product_id, 1);
    assert.equal(shop.test_count, 3); // t10, t20, t30 (t40 cancelled)
    assert.equal(shop.bug_count, 8); // 100–106, 200
    assert.equal(shop.features_tested, 3);
    assert.equal(shop.active_testers, 2);
    assert.equal(shop.tests_created, 1);
    assert.equal(shop.tests_submitted, 1);
    assert.equal(shop.bug_severity_score, 4 * 1 + 2 * 3 + 0 + 5); // low×4, high×2, none, critical
    assert.equal(shop.bugs_per_test, 8 / 3);
    assert.equal(shop.rejection_rate, 4 / 8);
    assert.equal(shop.review_rate, 6 / 8);
    assert.equal(shop.auto_acceptance_rate, 1 / 3);
    const bank = byLabel(a.rows, "product").get("Bank")!;
    assert.equal(bank.auto_acceptance_rate, null, "nothing accepted");
    assert.equal(bank.rejection_rate, 0);
    assert.equal(a.metadata.date_basis, "end_at");
  });

  await t.step(
    "feature: tests under each feature they cover, bugs under their own, rest unassigned",
    async () => {
      const a = await q({
        metrics: ["test_count", "bug_count", "rejection_rate", "bugs_per_test"],
        dimensions: ["feature"],
      });
      const rows = byLabel(a.rows, "feature");
      assert.deepEqual(rows.get("Login"), {
        feature: "Login",
        feature_id: 11,
        test_count: 1,
        bug_count: 4,
        rejection_rate: 1,
        bugs_per_test: 4,
      });
      assert.deepEqual(rows.get("Checkout"), {
        feature: "Checkout",
        feature_id: 12,
        test_count: 2,
        bug_count: 2,
        rejection_rate: 0,
        bugs_per_test: 1,
      });
      assert.deepEqual(rows.get("Search"), {
        feature: "Search",
        feature_id: 13,
        test_count: 1,
        bug_count: 0,
        rejection_rate: null,
        bugs_per_test: 0,
      });
      // t20 and t50 have no features; bug 106 (t10) and 200, 500, 501 have none.
      assert.deepEqual(rows.get("unassigned"), {
        feature: "unassigned",
        feature_id: null,
        test_count: 2,
        bug_count: 4,
        rejection_rate: 0,
        bugs_per_test: 2,
      });
      assert.match(a.explanation, /unassigned/);
    },
  );

  await t.step("missing values have their own buckets", async () => {
    const platform = byLabel(
      (await q({ metrics: ["test_count", "bug_count"], dimensions: ["platform"] })).rows,
      "platform",
    );
    assert.deepEqual([...platform.keys()].sort(), ["Android", "iOS", "unknown"]);
    assert.deepEqual(platform.get("iOS"), { platform: "iOS", test_count: 1, bug_count: 4 });
    assert.deepEqual(platform.get("unknown"), { platform: "unknown", test_count: 3, bug_count: 4 });
    const tester = byLabel((await q({ metrics: ["bug_count"], dimensions: ["tester"] })).rows, "tester");
    assert.deepEqual(tester.get("unknown"), { tester: "unknown", tester_id: null, bug_count: 1 });
    assert.equal(tester.get("amy")!.bug_count, 5);
    assert.equal(typeof tester.get("amy")!.tester_id, "number");
    const severity = byLabel(
      (await q({ metrics: ["bug_count"], dimensions: ["severity"] })).rows,
      "severity",
    );
    assert.equal(severity.get("unknown")!.bug_count, 1);
    const month = byLabel((await q({ metrics: ["test_count"], dimensions: ["month"] })).rows, "month");
    assert.deepEqual([...month.keys()], ["2025-03", "2025-04", "no date"], "chronological, missing last");
    const env = byLabel(
      (await q({ metrics: ["test_count"], dimensions: ["test_environment"] })).rows,
      "test_environment",
    );
    assert.deepEqual(env.get("Staging"), {
      test_environment: "Staging",
      test_environment_id: 7,
      test_count: 1,
    });
    assert.equal(env.get("none")!.test_count, 3);
    const known = (await q({ metrics: ["bug_count"], dimensions: ["known_bug"], sort_by: "known_bug" })).rows;
    assert.deepEqual(known, [{ known_bug: false, bug_count: 9 }, { known_bug: true, bug_count: 1 }]);
    const reasons = byLabel(
      (await q({ metrics: ["bug_count"], dimensions: ["rejection_reason"] })).rows,
      "rejection_reason",
    );
    assert.equal(reasons.get("unknown")!.bug_count, 4);
    assert.equal(reasons.get("not_rejected")!.bug_count, 6);
    const status = byLabel((await q({ metrics: ["bug_count"], dimensions: ["status"] })).rows, "status");
    assert.deepEqual([...status.keys()].sort(), ["accepted", "auto_accepted", "open", "rejected"]);
    assert.equal(status.get("open")!.bug_count, 3);
  });

  await t.step("a bug dimension counts only tests with such bugs", async () => {
    const a = await q({ metrics: ["test_count", "bug_count", "features_tested"], dimensions: ["severity"] });
    const high = byLabel(a.rows, "severity").get("high")!;
    assert.deepEqual(high, { severity: "high", test_count: 2, bug_count: 4, features_tested: 3 });
    assert.match(a.explanation, /only tests with such bugs/);
  });

  await t.step("bug-only metrics date on reported_at, others on end_at", async () => {
    const bugsOnly = await q({ metrics: ["bug_count"], dimensions: ["month"] });
    assert.equal(bugsOnly.metadata.date_basis, "reported_at");
    assert.deepEqual(bugsOnly.rows, [
      { month: "2025-02", bug_count: 4 },
      { month: "2025-03", bug_count: 4 },
      { month: "2025-04", bug_count: 2 },
    ]);
    assert.match(bugsOnly.explanation, /reported date/);
    const mixed = await q({
      metrics: ["bug_count", "test_count"],
      dimensions: ["month"],
      start_date: "2025-03-01",
      end_date: "2025-03-31",
    });
    assert.deepEqual(mixed.rows, [{ month: "2025-03", bug_count: 7, test_count: 1 }]);
    assert.match(mixed.explanation, /end date/);
  });

  await t.step("sorting: by metric with null rates last in both directions, by dimension label", async () => {
    for (const order of ["desc", "asc"]) {
      // test_count brings in Search (covered by a test, no bugs), whose rate is null.
      const a = await q({
        metrics: ["test_count", "rejection_rate"],
        dimensions: ["feature"],
        sort_by: "rejection_rate",
        sort_order: order,
      });
      assert.equal(a.rows.at(-1)!.feature, "Search", `null last (${order})`);
      const values = a.rows.slice(0, -1).map((r) => r.rejection_rate as number);
      assert.deepEqual(values, [...values].sort((x, y) => order === "desc" ? y - x : x - y));
    }
    const byName = await q({
      metrics: ["test_count", "bug_count"],
      dimensions: ["feature"],
      sort_by: "feature",
    });
    assert.deepEqual(byName.rows.map((r) => r.feature), ["Checkout", "Login", "Search", "unassigned"]);
  });

  await t.step("row limit: truncated with the full total; default and maximum 1000", async () => {
    // Only bug metrics: groups come from bugs alone (Checkout, Login, unassigned).
    const a = await q({ metrics: ["bug_count"], dimensions: ["feature"], limit: 2, sort_by: "feature" });
    assert.deepEqual(a.rows.map((r) => r.feature), ["Checkout", "Login"]);
    assert.deepEqual({ ...a.metadata, query_ms: 0 }, {
      total_rows: 3,
      returned_rows: 2,
      truncated: true,
      query_ms: 0,
      date_basis: "reported_at",
    });
    assert.match(a.warnings!.join(" "), /Showing 2 of 3 groups/);
    const full = await q({ metrics: ["bug_count"], dimensions: ["feature"], limit: "1000" });
    assert.equal(full.metadata.truncated, false);
    assert.equal(full.warnings, undefined);
    assert.ok(full.metadata.query_ms >= 0);
    for (const limit of [0, 1001, 2.5]) {
      const e = failure(
        await mcp.call("query_metrics", { metrics: ["bug_count"], dimensions: ["feature"], limit }),
      );
      assert.match(e.what, /'limit' must be 1–1000/);
    }
  });

  await t.step("filters by id, name, username, flags and mixed status words", async () => {
    const byName = await q({ metrics: ["bug_count"], dimensions: ["product"], filters: { product: "shop" } });
    assert.deepEqual(byName.rows, [{ product: "Shop", product_id: 1, bug_count: 8 }]);
    const feature = await q({
      metrics: ["test_count"],
      dimensions: ["product"],
      filters: { feature: ["login", 13] },
    });
    assert.deepEqual(feature.rows, [{ product: "Shop", product_id: 1, test_count: 1 }]);
    const amyId = fx.db.prepare("SELECT id FROM users WHERE username = 'amy'").get()!.id as number;
    const tester = await q({ metrics: ["bug_count"], dimensions: ["severity"], filters: { tester: amyId } });
    assert.deepEqual(tester.rows.map((r) => [r.severity, r.bug_count]), [["low", 4], ["critical", 1]]);
    const env = await q({
      metrics: ["test_count"],
      dimensions: ["month"],
      filters: { test_environment: "staging" },
    });
    assert.deepEqual(env.rows, [{ month: "2025-04", test_count: 1 }]);
    const known = await q({ metrics: ["bug_count"], dimensions: ["tester"], filters: { known_bug: "true" } });
    assert.deepEqual(known.rows, [{ tester: "amy", tester_id: amyId, bug_count: 1 }]);
    // Test statuses widen the scope to the cancelled test; the bug status keeps rejected bugs.
    const mixed = await q({
      metrics: ["bug_count", "test_count"],
      dimensions: ["product"],
      filters: { status: "cancelled,archived,rejected" },
    });
    assert.deepEqual(mixed.rows, [{ product: "Shop", product_id: 1, bug_count: 6, test_count: 2 }]);
    const none = await q({ metrics: ["bug_count"], dimensions: ["feature"], filters: { feature: "Nope" } });
    assert.deepEqual(none.rows, []);
    assert.match(none.warnings!.join(" "), /filters\.feature: "Nope" matched nothing/);
  });

  await t.step("argument errors are three-part and name the bad value", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ metrics: ["bug_count"], dimensions: ["product", "feature", "month"] }, /'dimensions' takes 1 to 2/],
      [{ metrics: ["bug_count"], dimensions: [] }, /'dimensions' must not be empty/],
      [{ metrics: ["bugs"], dimensions: ["product"] }, /'metrics' has an unknown value "bugs"/],
      [{ metrics: ["bug_count"], dimensions: ["colour"] }, /'dimensions' has an unknown value "colour"/],
      [
        { metrics: ["bug_count"], dimensions: ["product"], sort_by: "test_count" },
        /'sort_by' must be one of the requested/,
      ],
      [
        { metrics: ["bug_count"], dimensions: ["product"], filters: { colour: "red" } },
        /Unknown filter "colour"/,
      ],
      [
        { metrics: ["bug_count"], dimensions: ["product"], filters: { status: "closed" } },
        /unknown value "closed"/,
      ],
      [
        { metrics: ["bug_count"], dimensions: ["product"], filters: { month: "March" } },
        /'month' must look like 2025-11/,
      ],
      [
        { metrics: ["bug_count"], dimensions: ["product"], filters: { known_bug: "maybe" } },
        /'known_bug' must be true or false/,
      ],
      [{
        metrics: ["bug_count"],
        dimensions: ["product"],
        filters: { severity: "low'); DROP TABLE bugs;--" },
      }, /unknown value/],
      [
        { metrics: ["bug_count"], dimensions: ["product"], filters: { product_id: "1 OR 1=1" } },
        /'product_id' must list product ids/,
      ],
      [{ metrics: ["bug_count"], dimensions: ["product"], start_date: "2025" }, /ambiguous/],
    ];
    for (const [args, what] of cases) {
      const e = failure(await mcp.call("query_metrics", args));
      assert.match(e.what, what, JSON.stringify(args));
    }
  });

  await t.step("hostile filter values are data, not SQL", async () => {
    for (const value of ["x' OR '1'='1", "'; DROP TABLE tests; --", '" OR 1=1 --', "%", "_"]) {
      const a = await q({
        metrics: ["test_count"],
        dimensions: ["product"],
        filters: { testing_type: value, customer: value },
      });
      assert.deepEqual(a.rows, []);
    }
    assert.equal(fx.repos.tests.count(), 5);
  });

  await t.step("explanation and chart hint describe the answer", async () => {
    const a = await q({
      metrics: ["bug_count", "rejection_rate"],
      dimensions: ["feature", "quarter"],
      filters: { product_id: 1 },
    });
    assert.deepEqual(a.chart_hint, {
      type: "line",
      x: "quarter",
      y: ["bug_count", "rejection_rate"],
      series: "feature",
    });
    assert.match(a.explanation, /^Bug count and rejection rate per feature and quarter for product\(s\) 1/);
    const bars = await q({ metrics: ["bug_count"], dimensions: ["product", "severity"] });
    assert.deepEqual(bars.chart_hint, {
      type: "grouped_bar",
      x: "product",
      y: ["bug_count"],
      series: "severity",
    });
    assert.equal(bars.data_as_of, "2025-06-01T00:00:00Z");
  });

  await t.step("TESTIO_PRODUCT_IDS bounds the cube", async () => {
    await using scoped = await handBuiltServer(fx, { TESTIO_PRODUCT_IDS: "2" });
    const a = ok<Answer>(
      "query_metrics",
      await scoped.call("query_metrics", { metrics: ["bug_count"], dimensions: ["product"] }),
    );
    assert.deepEqual(a.rows.map((r) => r.product), ["Bank"]);
    const outside = ok<Answer>(
      "query_metrics",
      await scoped.call("query_metrics", {
        metrics: ["bug_count"],
        dimensions: ["product"],
        filters: { product_id: 1 },
      }),
    );
    assert.deepEqual(outside.rows, []);
    assert.match(outside.warnings!.join(" "), /outside TESTIO_PRODUCT_IDS/);
  });

  await t.step("get_analytics_capabilities lists the registry", async () => {
    const c = ok<{
      dimensions: { key: string; description: string; example: string }[];
      metrics: { key: string; description: string; formula: string }[];
      limits: { max_dimensions: number; max_rows: number };
    }>("get_analytics_capabilities", await mcp.call("get_analytics_capabilities", {}));
    assert.deepEqual(c.dimensions.map((d) => d.key), [...DIMENSION_KEYS]);
    assert.deepEqual(c.metrics.map((m) => m.key), [...METRIC_KEYS]);
    assert.ok(c.dimensions.every((d) => d.description && d.example));
    assert.ok(c.metrics.every((m) => m.description && m.formula));
    assert.equal(
      c.metrics.find((m) => m.key === "auto_acceptance_rate")!.formula,
      "auto_accepted / (active_accepted + auto_accepted)",
    );
    assert.deepEqual(c.limits, { max_dimensions: 2, max_rows: 1000 });
  });

  await t.step("SQL is built from fragments; values are bound", () => {
    using repo = new AnalyticsRepo(fx.db);
    const { sql, params } = repo.buildCubeSql({
      dimensions: ["feature"],
      metrics: ["bug_count"],
      productIds: [1],
      testStatuses: ["archived"],
      filters: { testing_type: ["'; DROP TABLE bugs; --"] },
      from: "2025-01-01T00:00:00.000Z",
      to: null,
      dateBasis: "reported_at",
      sortBy: "bug_count",
      sortOrder: "desc",
      limit: 10,
    });
    assert.ok(!sql.includes("DROP"));
    assert.equal(params.f0, JSON.stringify(["'; DROP TABLE bugs; --"]));
    assert.equal(typeof params.limit, "bigint");
  });
});
