/**
 * Rates and health (docs/domain.md, Rates and health): every formula, the null cases (no bugs, nothing accepted) and
 * every threshold boundary against hand-computed values, plus the report-level pure functions.
 */
import assert from "node:assert/strict";
import { fc } from "./helpers/test_deps.ts";
import { loadConfig } from "../src/config.ts";
import {
  type BugClasses,
  computeRates,
  health,
  level,
  RATE_DEFINITIONS,
  RATE_KEYS,
  rateOf,
  totalBugs,
} from "../src/domain/rates.ts";
import { buildQualityReport, renderMarkdown, validateReportScope } from "../src/reports/quality_report.ts";
import { InputError } from "../src/errors.ts";

const thresholds = loadConfig({ env: { HOME: "/nonexistent" }, dotenvDir: null }).thresholds;
const classes = (open: number, acc: number, auto: number, rej: number): BugClasses => ({
  open,
  active_accepted: acc,
  auto_accepted: auto,
  rejected: rej,
});

Deno.test("rates: hand-computed values and the null cases", async (t) => {
  await t.step("no bugs: every rate is null and every indicator unknown", () => {
    const r = computeRates(classes(0, 0, 0, 0));
    assert.deepEqual(r, {
      active_acceptance_rate: null,
      overall_acceptance_rate: null,
      rejection_rate: null,
      review_rate: null,
      auto_acceptance_rate: null,
    });
    assert.deepEqual(health(r, thresholds), {
      rejection_rate: "unknown",
      auto_acceptance_rate: "unknown",
      review_rate: "unknown",
    });
  });

  await t.step("nothing accepted: auto_acceptance_rate is null, the others are defined", () => {
    const r = computeRates(classes(3, 0, 0, 1));
    assert.equal(r.auto_acceptance_rate, null);
    assert.equal(r.active_acceptance_rate, 0);
    assert.equal(r.overall_acceptance_rate, 0);
    assert.equal(r.rejection_rate, 1 / 4);
    assert.equal(r.review_rate, 1 / 4);
    assert.equal(health(r, thresholds).auto_acceptance_rate, "unknown");
  });

  await t.step("only open bugs: 0 %, not null (bugs exist, none decided)", () => {
    const r = computeRates(classes(5, 0, 0, 0));
    assert.equal(r.rejection_rate, 0);
    assert.equal(r.review_rate, 0);
    assert.equal(health(r, thresholds).review_rate, "critical");
    assert.equal(health(r, thresholds).rejection_rate, "healthy");
  });

  await t.step("a mixed set: each formula by hand", () => {
    // open 2, active 5, auto 1, rejected 2 → total 10
    const r = computeRates(classes(2, 5, 1, 2));
    assert.equal(r.active_acceptance_rate, 5 / 10);
    assert.equal(r.overall_acceptance_rate, 6 / 10);
    assert.equal(r.rejection_rate, 2 / 10);
    assert.equal(r.review_rate, 7 / 10);
    assert.equal(r.auto_acceptance_rate, 1 / 6);
    assert.equal(totalBugs(classes(2, 5, 1, 2)), 10);
  });

  await t.step("only auto-accepted bugs: auto_acceptance_rate 1, review_rate 0", () => {
    const r = computeRates(classes(0, 0, 4, 0));
    assert.equal(r.auto_acceptance_rate, 1);
    assert.equal(r.review_rate, 0);
    assert.equal(r.overall_acceptance_rate, 1);
    assert.equal(r.active_acceptance_rate, 0);
  });

  await t.step("the data definitions agree with computeRates for any counts", () => {
    fc.assert(
      fc.property(fc.nat(50), fc.nat(50), fc.nat(50), fc.nat(50), (a, b, c, d) => {
        const cl = classes(a, b, c, d);
        const r = computeRates(cl);
        for (const k of RATE_KEYS) {
          assert.equal(rateOf(k, cl), r[k]);
          const v = r[k];
          if (v !== null) assert.ok(v >= 0 && v <= 1);
          const den = RATE_DEFINITIONS[k].denominator.reduce((n, key) => n + cl[key], 0);
          assert.equal(v === null, den === 0);
        }
      }),
    );
  });
});

Deno.test("health: every boundary counts as the worse level", async (t) => {
  // [value built from counts, expected level]; each value is an exact fraction equal to its literal.
  const cases: Record<string, [BugClasses, string][]> = {
    // rejection_rate: above is bad, warning 0.20, critical 0.35
    rejection_rate: [
      [classes(0, 81, 0, 19), "healthy"], // 0.19
      [classes(0, 8, 0, 2), "warning"], // 0.20 exactly
      [classes(0, 66, 0, 34), "warning"], // 0.34
      [classes(0, 13, 0, 7), "critical"], // 0.35 exactly
      [classes(0, 0, 0, 5), "critical"], // 1.0
      [classes(0, 0, 0, 0), "unknown"],
    ],
    // auto_acceptance_rate: above is bad, warning 0.20, critical 0.40 (of accepted bugs)
    auto_acceptance_rate: [
      [classes(9, 81, 19, 0), "healthy"], // 0.19
      [classes(0, 4, 1, 0), "warning"], // 0.20 exactly
      [classes(0, 61, 39, 3), "warning"], // 0.39
      [classes(0, 3, 2, 0), "critical"], // 0.40 exactly
      [classes(5, 0, 0, 5), "unknown"], // nothing accepted
    ],
    // review_rate: below is bad, warning 0.80, critical 0.60
    review_rate: [
      [classes(19, 81, 0, 0), "healthy"], // 0.81
      [classes(2, 8, 0, 0), "warning"], // 0.80 exactly
      [classes(39, 50, 0, 11), "warning"], // 0.61
      [classes(4, 3, 0, 3), "critical"], // 0.60 exactly
      [classes(0, 0, 7, 0), "critical"], // 0: only auto-accepted bugs
      [classes(0, 0, 0, 0), "unknown"],
    ],
  };
  for (
    const [indicator, rows] of Object.entries(cases) as [keyof typeof thresholds, [BugClasses, string][]][]
  ) {
    await t.step(indicator, () => {
      for (const [cl, expected] of rows) {
        const rates = computeRates(cl);
        assert.equal(health(rates, thresholds)[indicator], expected, `${indicator} of ${JSON.stringify(cl)}`);
      }
    });
  }

  await t.step("level() with custom thresholds on both directions", () => {
    const above = { warning: 0.1, critical: 0.5, direction: "above" as const };
    assert.equal(level(0.0999, above), "healthy");
    assert.equal(level(0.1, above), "warning");
    assert.equal(level(0.5, above), "critical");
    const below = { warning: 0.9, critical: 0.5, direction: "below" as const };
    assert.equal(level(0.9001, below), "healthy");
    assert.equal(level(0.9, below), "warning");
    assert.equal(level(0.5, below), "critical");
    assert.equal(level(null, below), "unknown");
  });
});

Deno.test("quality report: pure summary, breakdown and Markdown", async (t) => {
  const input = {
    products: [{ id: 1, name: "Shop | Web" }, { id: 2, name: "Bank" }],
    testGroups: [
      g(1, "archived", "coverage", 2, "2025-03-02T10:00:00Z", "2025-03-05T10:00:00Z"),
      g(1, "running", null, 1, null, null),
      g(2, "locked", "rapid", 1, "2025-05-20T10:00:00Z", "2025-05-20T10:00:00Z"),
    ],
    bugGroups: [
      { product_id: 1, status: "rejected", severity: "critical", n: 2 },
      { product_id: 1, status: "accepted", severity: "low", n: 8 },
      { product_id: 2, status: "forwarded", severity: null, n: 3 },
    ],
    thresholds,
    start: null,
    end: null,
    statuses: ["running", "locked", "archived", "customer_finalized"],
  };
  const report = buildQualityReport(input);

  await t.step("summary adds up the groups; open counts forwarded bugs", () => {
    const s = report.summary;
    assert.equal(s.total_tests, 4);
    assert.deepEqual(s.tests_by_status, { archived: 2, customer_finalized: 0, locked: 1, running: 1 });
    assert.deepEqual(s.tests_by_type, { coverage: 2, rapid: 1, unknown: 1 });
    assert.equal(s.total_bugs, 13);
    assert.deepEqual(s.bugs_by_status, classes(3, 8, 0, 2));
    assert.deepEqual(s.bugs_by_severity, {
      critical: 2,
      high: 0,
      low: 8,
      visual: 0,
      content: 0,
      custom: 0,
      unknown: 3,
    });
    assert.equal(s.avg_bugs_per_test, 13 / 4);
    assert.equal(s.rates.rejection_rate, 2 / 13);
    assert.equal(s.rates.auto_acceptance_rate, 0);
    assert.deepEqual(s.period, {
      start: null,
      end: null,
      first_test_end_at: "2025-03-02T10:00:00Z",
      last_test_end_at: "2025-05-20T10:00:00Z",
    });
  });

  await t.step("by_product has one summary per product, in the requested order", () => {
    assert.deepEqual(report.by_product?.map((p) => p.product.id), [1, 2]);
    const bank = report.by_product![1];
    assert.equal(bank.total_bugs, 3);
    assert.equal(bank.rates.review_rate, 0);
    assert.equal(bank.rates.auto_acceptance_rate, null);
    assert.deepEqual(bank.health, {
      rejection_rate: "healthy",
      auto_acceptance_rate: "unknown",
      review_rate: "critical",
    });
    assert.equal(bank.avg_bugs_per_test, 3);
  });

  await t.step("a single product has no by_product; no tests gives a null average", () => {
    const single = buildQualityReport({
      ...input,
      products: [{ id: 3, name: "Empty" }],
      testGroups: [],
      bugGroups: [],
    });
    assert.equal(single.by_product, undefined);
    assert.equal(single.summary.avg_bugs_per_test, null);
    assert.equal(single.summary.rates.rejection_rate, null);
  });

  await t.step("Markdown shows the numbers, escapes pipes and says n/a for null rates", () => {
    const md = renderMarkdown(report, { dataAsOf: "2025-06-01T00:00:00Z" });
    assert.match(md, /^# Quality report: Shop \\\| Web \(1\), Bank \(2\)/);
    assert.match(md, /\| 4 \| 13 \| 3\.25 \| 3 \| 8 \| 0 \| 2 \|/);
    assert.match(md, /\| rejection rate \| 15\.4 % \| ✅ healthy \|/);
    assert.match(
      md,
      /\| Bank \(2\) \| 1 \| 3 \| 0\.0 % \| 0\.0 % \| n\/a \| healthy \/ unknown \/ critical \|/,
    );
    assert.match(md, /Data as of: 2025-06-01T00:00:00Z/);
  });

  await t.step("test_ids excludes dates and statuses, naming what clashes", () => {
    validateReportScope({ test_ids: [1] });
    validateReportScope({ start_date: "2025-01-01", statuses: ["archived"] });
    for (
      const [args, named] of [
        [{ test_ids: [1], start_date: "2025-01-01" }, "start_date"],
        [{ test_ids: [1], end_date: "today" }, "end_date"],
        [{ test_ids: [1], statuses: ["archived"] }, "statuses"],
        [{ test_ids: [1], start_date: "x", statuses: ["archived"] }, "start_date, statuses"],
      ] as const
    ) {
      assert.throws(() => validateReportScope(args), (err: unknown) => {
        assert.ok(err instanceof InputError);
        assert.equal(err.message, `test_ids cannot be combined with ${named}`);
        assert.ok(err.hint && err.action);
        return true;
      });
    }
  });
});

function g(
  product_id: number,
  status: string,
  testing_type: string | null,
  n: number,
  first: string | null,
  last: string | null,
) {
  return {
    product_id,
    status,
    testing_type,
    n,
    first_end_at: first,
    last_end_at: last,
    oldest_sync: "2025-06-01T00:00:00Z",
    oldest_bugs_sync: "2025-06-01T00:00:00Z",
    bugs_unsynced: 0,
  };
}
