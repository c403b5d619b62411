import assert from "node:assert/strict";
import { syncedFixture } from "./helpers/fixture.ts";
import { inProcessServer } from "./helpers/mcp.ts";
import { openDatabase } from "../src/db/database.ts";
import type { RawBug } from "../src/testio/fake/types.ts";
import { assertSorted, callError, callOk, readCache } from "./helpers/tool_support.ts";

type Classes = { open: number; active_accepted: number; auto_accepted: number; rejected: number };
type Rates = {
  active_acceptance_rate: number | null;
  overall_acceptance_rate: number | null;
  rejection_rate: number | null;
  review_rate: number | null;
  auto_acceptance_rate: number | null;
};
interface ProductSummary {
  product: {
    id: number;
    name: string;
    type: string | null;
    has_sections: boolean;
    sections: { id: number; name: string }[];
    test_count: number;
    tests_by_status: Record<string, number>;
    feature_count: number;
    user_story_count: number;
    bug_count: number;
    bugs_by_status: Classes;
    bugs_by_severity: Record<string, number>;
    rates: Rates;
    health: Record<string, string>;
    last_test_end_at: string | null;
    last_synced: string;
  };
  data_as_of: string | null;
  warnings?: string[];
}
interface TestSummary {
  test: { id: number; title: string; status: string; product: { id: number; name: string } };
  bugs: {
    total: number;
    known: number;
    by_status: Classes;
    by_severity: Record<string, number>;
    rates: Rates;
    health: Record<string, string>;
    recent: { id: number; reported_at: string | null }[];
  };
  data_as_of: string | null;
}
interface BugSummary {
  bug: {
    id: number;
    title: string;
    severity: string | null;
    status: string;
    known: boolean;
    steps: string[];
    actual_result: string | null;
    expected_result: string | null;
    location: string | null;
    devices: { os: string | null; browsers: string[] }[];
    reported_by: string | null;
    reported_at: string | null;
    test: { id: number; title: string; status: string };
    product: { id: number; name: string };
    feature: { id: number; title: string } | null;
    comments_count: number;
  };
  data_as_of: string | null;
  warnings?: string[];
}

/** Outcome classes of raw API bugs, computed apart from the server (docs/domain.md, Bugs and Rates). */
function classes(bugs: readonly RawBug[]): Classes {
  const c = { open: 0, active_accepted: 0, auto_accepted: 0, rejected: 0 };
  for (const b of bugs) {
    if (b.status === "forwarded") c.open++;
    else if (b.status === "rejected") c.rejected++;
    else if (b.auto_accepted === true) c.auto_accepted++;
    else c.active_accepted++;
  }
  return c;
}

function level(value: number | null, warning: number, critical: number, above: boolean): string {
  if (value === null) return "unknown";
  if (above) return value >= critical ? "critical" : value >= warning ? "warning" : "healthy";
  return value <= critical ? "critical" : value <= warning ? "warning" : "healthy";
}

function staleTest(dbPath: string, testId: number): void {
  using db = openDatabase(dbPath);
  db.prepare(
    "UPDATE tests SET synced_at = '2020-01-01T00:00:00Z', bugs_synced_at = '2020-01-01T00:00:00Z' WHERE id = :id",
  ).run({ id: testId });
}

Deno.test("summaries of products, tests and bugs", async (t) => {
  await using fx = await syncedFixture();
  await using mcp = await inProcessServer(fx);
  using sql = readCache(fx.dbPath);
  const data = fx.api.dataset;

  await t.step("get_product_summary: counts, classes, rates and health match the API data", async () => {
    for (const p of data.products) {
      const out = await callOk<ProductSummary>(mcp, "get_product_summary", { product_id: String(p.id) });
      const tests = data.testsOf(p.id);
      const bugs = tests.flatMap((x) => data.bugsOf(x.id));
      const c = classes(bugs);
      const s = out.product;
      assert.equal(s.name, p.name);
      assert.equal(s.test_count, tests.length);
      const byStatus: Record<string, number> = {};
      for (const x of tests) byStatus[x.status] = (byStatus[x.status] ?? 0) + 1;
      assert.deepEqual(s.tests_by_status, byStatus);
      assert.equal(s.feature_count, data.featuresOf(p.id).length);
      assert.equal(
        s.user_story_count,
        data.featuresOf(p.id).reduce((n, m) => n + m.feature.user_stories.length, 0),
      );
      assert.equal(s.bug_count, bugs.length);
      assert.deepEqual(s.bugs_by_status, c);
      assert.equal(
        s.sections.length,
        sql.n("SELECT count(*) AS n FROM sections WHERE product_id = :p", { p: p.id }),
      );
      const total = bugs.length;
      assert.equal(s.rates.rejection_rate, total ? c.rejected / total : null);
      assert.equal(s.rates.review_rate, total ? (c.active_accepted + c.rejected) / total : null);
      const accepted = c.active_accepted + c.auto_accepted;
      assert.equal(s.rates.auto_acceptance_rate, accepted ? c.auto_accepted / accepted : null);
      assert.equal(s.health.rejection_rate, level(s.rates.rejection_rate, 0.2, 0.35, true));
      assert.equal(s.health.auto_acceptance_rate, level(s.rates.auto_acceptance_rate, 0.2, 0.4, true));
      assert.equal(s.health.review_rate, level(s.rates.review_rate, 0.8, 0.6, false));
      assert.ok(out.data_as_of && out.data_as_of <= s.last_synced);
    }
  });

  await t.step("get_product_summary: errors", async () => {
    await callError(
      mcp,
      "get_product_summary",
      { product_id: 31337 },
      "Product 31337 not found",
      "list_products",
    );
    await callError(mcp, "get_product_summary", { product_id: "1e3" }, "product_id");
    await callError(mcp, "get_product_summary", { product_id: 1, extra: true }, "unknown argument");
  });

  await t.step("products outside TESTIO_PRODUCT_IDS are not found", async () => {
    const [inside, outside] = data.products;
    await using scoped = await inProcessServer(fx, { TESTIO_PRODUCT_IDS: String(inside.id) });
    await callOk(scoped, "get_product_summary", { product_id: inside.id });
    await callError(scoped, "get_product_summary", { product_id: outside.id }, "TESTIO_PRODUCT_IDS");
  });

  await t.step("get_test_summary and its alias: the biggest test", async () => {
    const testId = data.largestTestId;
    const raw = data.test(testId)!;
    const bugs = data.bugsOf(testId);
    const out = await callOk<TestSummary>(mcp, "get_test_summary", { test_id: testId });
    assert.equal(out.test.title, raw.title);
    assert.equal(out.test.status, raw.status);
    assert.equal(out.test.product.id, raw.product.id);
    assert.equal(out.bugs.total, bugs.length);
    assert.equal(out.bugs.known, bugs.filter((b) => b.known).length);
    assert.deepEqual(out.bugs.by_status, classes(bugs));
    assert.equal(Object.values(out.bugs.by_severity).reduce((a, b) => a + b, 0), bugs.length);
    assert.equal(out.bugs.recent.length, 5);
    assertSorted(out.bugs.recent.map((b) => b.reported_at), "desc", "recent");
    const alias = await callOk<TestSummary>(mcp, "get_test_status", { test_id: String(testId) });
    assert.deepEqual(alias, out);
  });

  await t.step("get_test_summary: errors", async () => {
    await callError(mcp, "get_test_summary", { test_id: 4 }, "Test 4 not found", "list_tests");
    await callError(mcp, "get_test_summary", {}, "test_id", "required");
  });

  await t.step("get_bug_summary: the bug as the API describes it", async () => {
    const raw = data.bugsOf(data.largestTestId).find((b) => b.steps.length > 1 && b.status === "rejected")!;
    const out = await callOk<BugSummary>(mcp, "get_bug_summary", { bug_id: String(raw.id) });
    const b = out.bug;
    assert.equal(b.id, raw.id);
    assert.equal(b.title, raw.title);
    assert.equal(b.severity, raw.severity);
    assert.equal(b.status, "rejected");
    assert.equal(b.known, raw.known);
    assert.deepEqual(b.steps, raw.steps);
    assert.equal(b.reported_by, raw.author.name);
    assert.equal(b.test.id, raw.test.id);
    assert.equal(b.product.id, raw.product.id);
    assert.equal(b.comments_count, raw.comments.length);
    assert.equal(b.devices.length, raw.devices.length);
    assert.equal(new Date(b.reported_at!).getTime(), new Date(raw.reported_at).getTime());
    assert.ok(b.reported_at!.endsWith("Z"));
    if (raw.feature) assert.equal(b.feature?.id, raw.feature.id);
  });

  await t.step("get_bug_summary: errors", async () => {
    await callError(mcp, "get_bug_summary", { bug_id: 12 }, "Bug 12 not found", "list_bugs");
    await callError(mcp, "get_bug_summary", { bug_id: "twelve" }, "bug_id", '"twelve"');
  });

  await t.step("get_bug_summary: a stale running test's bugs are refreshed first", async () => {
    const testId = sql.n(
      "SELECT id AS n FROM tests WHERE status = 'running' AND bug_count > 0 ORDER BY id DESC LIMIT 1",
    );
    const raw = data.bugsOf(testId).find((b) => b.status === "forwarded") ?? data.bugsOf(testId)[0];
    data.setBugStatus(raw.id, "accepted", true);
    staleTest(fx.dbPath, testId);
    const out = await callOk<BugSummary>(mcp, "get_bug_summary", { bug_id: raw.id });
    assert.equal(out.bug.status, "auto_accepted");
    assert.ok(out.data_as_of! > "2020-01-01T00:00:00Z");
  });

  await t.step("get_bug_summary: a failed refresh answers from the cache with a warning", async () => {
    const testId = sql.n(
      "SELECT id AS n FROM tests WHERE status = 'running' AND bug_count > 0 ORDER BY id LIMIT 1",
    );
    const bugId = sql.n("SELECT id AS n FROM bugs WHERE test_id = :t LIMIT 1", { t: testId });
    staleTest(fx.dbPath, testId);
    // 403 is not retried, so the refresh fails at once.
    fx.api.setFaults({ failNext: [403, 403, 403], routes: ["test", "bugs"] });
    try {
      const out = await callOk<BugSummary>(mcp, "get_bug_summary", { bug_id: bugId });
      assert.equal(out.bug.id, bugId);
      assert.ok(out.warnings?.length, "a warning says the refresh failed");
    } finally {
      fx.api.clearFaults();
    }
  });
});
