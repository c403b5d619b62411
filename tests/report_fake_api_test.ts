/**
 * `generate_quality_report` over data synced from the fake TestIO API: every summary figure against a
 * direct SQL count on the cache, rates by their formulas, and health at each threshold boundary —
 * thresholds are set through the settings to exactly a product's own rates, so the boundary values
 * are real data, not constructed fractions.
 */
import assert from "node:assert/strict";
import { syncedFixture } from "./helpers/fixture.ts";
import { inProcessServer } from "./helpers/mcp.ts";
import { openDatabase } from "../src/db/database.ts";
import { failure, ok } from "./helpers/report_fixtures.ts";
import type { QualityReport } from "../src/reports/quality_report.ts";
import type { BugClasses } from "../src/domain/rates.ts";

type Answer = QualityReport & { data_as_of: string | null; markdown?: string; warnings?: string[] };

const EXECUTED = "('running', 'locked', 'archived', 'customer_finalized')";

Deno.test("generate_quality_report on fake-API data", async (t) => {
  await using fx = await syncedFixture({ scale: "S" });
  await using mcp = await inProcessServer(fx);
  using db = openDatabase(fx.dbPath, { readOnly: true });
  const one = <T>(sql: string, ...args: (number | string)[]) => db.prepare(sql).get(...args) as T;
  const all = <T>(sql: string, ...args: (number | string)[]) =>
    db.prepare(sql).all(...args) as unknown as T[];
  const products = all<{ id: number; name: string }>("SELECT id, name FROM products ORDER BY id")
    .map((p) => ({ id: p.id, name: p.name }));
  const ids = products.map((p) => p.id);

  const classesOf = (where: string, ...args: number[]): BugClasses => {
    const r = one<{ o: number; a: number; u: number; r: number }>(
      `SELECT coalesce(sum(b.status = 'forwarded'), 0) AS o, coalesce(sum(b.status = 'accepted'), 0) AS a,
         coalesce(sum(b.status = 'auto_accepted'), 0) AS u, coalesce(sum(b.status = 'rejected'), 0) AS r
       FROM bugs b JOIN tests t ON t.id = b.test_id WHERE ${where}`,
      ...args,
    );
    return { open: r.o, active_accepted: r.a, auto_accepted: r.u, rejected: r.r };
  };
  const report = async (args: Record<string, unknown>, server = mcp) =>
    ok<Answer>("generate_quality_report", await server.call("generate_quality_report", args));

  await t.step("summary and per-product figures equal direct counts", async () => {
    const r = await report({ product_ids: ids });
    const scope = `t.status IN ${EXECUTED} AND t.product_id IN (${ids.join(",")})`;
    assert.equal(
      r.summary.total_tests,
      one<{ n: number }>(`SELECT count(*) AS n FROM tests t WHERE ${scope}`).n,
    );
    const byStatus = Object.fromEntries(
      all<{ status: string; n: number }>(
        `SELECT status, count(*) AS n FROM tests t WHERE ${scope} GROUP BY status`,
      )
        .map((x) => [x.status, x.n]),
    );
    assert.deepEqual(
      Object.fromEntries(Object.entries(r.summary.tests_by_status).filter(([, n]) => n > 0)),
      byStatus,
    );
    const byType = Object.fromEntries(
      all<{ k: string; n: number }>(
        `SELECT coalesce(testing_type, 'unknown') AS k, count(*) AS n FROM tests t WHERE ${scope} GROUP BY k`,
      ).map((x) => [x.k, x.n]),
    );
    assert.deepEqual(r.summary.tests_by_type, byType);
    const classes = classesOf(scope);
    assert.deepEqual(r.summary.bugs_by_status, classes);
    const total = classes.open + classes.active_accepted + classes.auto_accepted + classes.rejected;
    assert.equal(r.summary.total_bugs, total);
    assert.ok(classes.open > 0, "the data has open (forwarded) bugs");
    for (
      const s of all<{ k: string; n: number }>(
        `SELECT b.severity AS k, count(*) AS n FROM bugs b JOIN tests t ON t.id = b.test_id WHERE ${scope} GROUP BY k`,
      )
    ) assert.equal(r.summary.bugs_by_severity[s.k], s.n, s.k);
    assert.equal(r.summary.rates.rejection_rate, classes.rejected / total);
    assert.equal(r.summary.rates.review_rate, (classes.active_accepted + classes.rejected) / total);
    assert.equal(
      r.summary.rates.overall_acceptance_rate,
      (classes.active_accepted + classes.auto_accepted) / total,
    );
    assert.equal(r.summary.rates.active_acceptance_rate, classes.active_accepted / total);
    assert.equal(
      r.summary.rates.auto_acceptance_rate,
      classes.auto_accepted / (classes.active_accepted + classes.auto_accepted),
    );
    assert.equal(r.summary.avg_bugs_per_test, total / r.summary.total_tests);

    assert.deepEqual(r.by_product!.map((p) => p.product), products);
    for (const p of r.by_product!) {
      assert.deepEqual(
        p.bugs_by_status,
        classesOf(`t.status IN ${EXECUTED} AND t.product_id = ?`, p.product.id),
      );
      assert.equal(
        p.total_tests,
        one<{ n: number }>(
          `SELECT count(*) AS n FROM tests WHERE status IN ${EXECUTED} AND product_id = ?`,
          p.product.id,
        ).n,
      );
    }
    const sums = r.by_product!.reduce((n, p) => n + p.total_bugs, 0);
    assert.equal(sums, r.summary.total_bugs);
    assert.ok(r.data_as_of);
  });

  const pid = ids[0];
  const own = classesOf(`t.status IN ${EXECUTED} AND t.product_id = ?`, pid);
  const total = own.open + own.active_accepted + own.auto_accepted + own.rejected;
  const rej = own.rejected / total;
  const auto = own.auto_accepted / (own.active_accepted + own.auto_accepted);
  const review = (own.active_accepted + own.rejected) / total;

  await t.step("health at the boundaries, with thresholds set to the product's own rates", async () => {
    const cases: [Record<string, string>, Record<string, string>][] = [
      // "above is bad": the value equal to warning is a warning, equal to critical is critical.
      [{ TESTIO_THRESHOLD_REJECTION_WARNING: String(rej), TESTIO_THRESHOLD_REJECTION_CRITICAL: "1" }, {
        rejection_rate: "warning",
      }],
      [{ TESTIO_THRESHOLD_REJECTION_WARNING: "0", TESTIO_THRESHOLD_REJECTION_CRITICAL: String(rej) }, {
        rejection_rate: "critical",
      }],
      [{ TESTIO_THRESHOLD_REJECTION_WARNING: String(rej + 1e-9), TESTIO_THRESHOLD_REJECTION_CRITICAL: "1" }, {
        rejection_rate: "healthy",
      }],
      [{
        TESTIO_THRESHOLD_AUTO_ACCEPTANCE_WARNING: String(auto),
        TESTIO_THRESHOLD_AUTO_ACCEPTANCE_CRITICAL: "1",
      }, {
        auto_acceptance_rate: "warning",
      }],
      [{
        TESTIO_THRESHOLD_AUTO_ACCEPTANCE_WARNING: "0",
        TESTIO_THRESHOLD_AUTO_ACCEPTANCE_CRITICAL: String(auto),
      }, {
        auto_acceptance_rate: "critical",
      }],
      // "below is bad": the value equal to warning is a warning, equal to critical is critical.
      [{ TESTIO_THRESHOLD_REVIEW_WARNING: String(review), TESTIO_THRESHOLD_REVIEW_CRITICAL: "0" }, {
        review_rate: "warning",
      }],
      [{ TESTIO_THRESHOLD_REVIEW_WARNING: "1", TESTIO_THRESHOLD_REVIEW_CRITICAL: String(review) }, {
        review_rate: "critical",
      }],
      [{ TESTIO_THRESHOLD_REVIEW_WARNING: String(review - 1e-9), TESTIO_THRESHOLD_REVIEW_CRITICAL: "0" }, {
        review_rate: "healthy",
      }],
    ];
    for (const [env, expected] of cases) {
      await using server = await inProcessServer(fx, env);
      const r = await report({ product_ids: [pid] }, server);
      for (const [k, level] of Object.entries(expected)) {
        assert.equal(r.summary.health[k as keyof typeof r.summary.health], level, JSON.stringify(env));
      }
    }
  });

  await t.step("per-test rows: classes by SQL, null rates for tests without bugs", async () => {
    const r = await report({ product_ids: [pid], include_tests: true, format: "markdown" });
    assert.equal(r.tests!.length, r.summary.total_tests);
    for (const row of r.tests!) {
      assert.deepEqual(row.bugs_by_status, classesOf("t.id = ?", row.id));
      if (row.total_bugs === 0) assert.equal(row.rates.rejection_rate, null);
    }
    const ends = r.tests!.map((x) => x.end_at ?? "");
    assert.deepEqual(ends, [...ends].sort().reverse(), "newest end first");
    assert.match(r.markdown!, /^# Quality report: /);
    assert.match(r.markdown!, /## Tests/);
  });

  await t.step("test_ids and dates: exact tests, exclusive scopes", async () => {
    const tests = all<{ id: number; status: string }>(
      "SELECT id, status FROM tests WHERE product_id = ? ORDER BY id LIMIT 3",
      pid,
    );
    const r = await report({ product_ids: [pid], test_ids: tests.map((x) => x.id) });
    assert.equal(r.summary.total_tests, 3);
    assert.deepEqual(r.summary.bugs_by_status, classesOf(`t.id IN (${tests.map((x) => x.id).join(",")})`));
    const e = failure(
      await mcp.call("generate_quality_report", {
        product_ids: [pid],
        test_ids: [tests[0].id],
        end_date: "today",
      }),
    );
    assert.equal(e.what, "❌ test_ids cannot be combined with end_date");
    const other = one<{ id: number }>("SELECT id FROM tests WHERE product_id <> ? LIMIT 1", pid).id;
    const foreign = failure(
      await mcp.call("generate_quality_report", { product_ids: [pid], test_ids: [other] }),
    );
    assert.match(foreign.what, new RegExp(`Test\\(s\\) ${other} do not belong to product\\(s\\) ${pid}`));

    const ranged = await report({ product_ids: [pid], start_date: "2026-10-01", end_date: "2026-10-31" });
    assert.equal(
      ranged.summary.total_tests,
      one<{ n: number }>(
        `SELECT count(*) AS n FROM tests WHERE product_id = ? AND status IN ${EXECUTED}
           AND end_at >= '2026-10-01T00:00:00.000Z' AND end_at <= '2026-10-31T23:59:59.999Z'`,
        pid,
      ).n,
    );
  });
});
