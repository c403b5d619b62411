/**
 * The trend and rejection-driver parts of the quality report, as pure functions over grouped rows:
 * bug outcomes and the five rates per month of the tests' end (across the report's products), and the
 * features and testers behind the most rejected bugs with their reasons. The quality dashboard view
 * and the `report` command draw them; plain clients get them as extra fields of the report.
 *
 * @example
 * ```ts
 * import type { Repositories } from "../db/repos/index.ts";
 *
 * declare const repos: Repositories;
 * const scope = { productIds: [598], statuses: ["archived"], from: null, to: null };
 * buildMonthly(repos.report.bugCounts(scope).months); // [{ month: "2025-09", total_tests: 12, … }]
 * buildRejectionDrivers(
 *   repos.report.rejectionGroups(scope, "feature"),
 *   repos.report.rejectionGroups(scope, "tester"),
 * ); // { features: [{ feature: { id: 31, title: "Checkout" }, rejected: 9, reasons: […] }], testers: […] }
 * ```
 */
import type { MonthGroupRow, RejectionGroupRow } from "../db/repos/report.ts";
import { type BugClasses, computeRates, type Rates, totalBugs } from "../domain/rates.ts";

/** One month of the report (months of the tests' end, `YYYY-MM`, ascending). */
export interface MonthSummary {
  month: string;
  total_tests: number;
  total_bugs: number;
  bugs_by_status: BugClasses;
  rates: Rates;
  /** The same month per product (present for every product with tests that month). */
  by_product: { product_id: number; total_tests: number; bugs_by_status: BugClasses }[];
}

/** A rejection reason and how many rejected bugs gave it (`null` reason: not stated). */
export interface ReasonCount {
  reason: string | null;
  count: number;
}

/** The rejected bugs of one feature. */
export interface FeatureDriver {
  feature: { id: number; title: string } | null;
  rejected: number;
  reasons: ReasonCount[];
}

/** The rejected bugs of one tester. */
export interface TesterDriver {
  username: string | null;
  rejected: number;
  reasons: ReasonCount[];
}

/** The features and testers with the most rejected bugs. */
export interface RejectionDrivers {
  features: FeatureDriver[];
  testers: TesterDriver[];
}

/** How many features and testers {@link buildRejectionDrivers} keeps by default. */
export const DRIVER_LIMIT = 5;

/** Sums month rows across products, keeping each product's share. */
export function buildMonthly(rows: readonly MonthGroupRow[]): MonthSummary[] {
  const months = new Map<string, MonthSummary>();
  for (const r of rows) {
    let m = months.get(r.month);
    if (!m) {
      m = {
        month: r.month,
        total_tests: 0,
        total_bugs: 0,
        bugs_by_status: { open: 0, active_accepted: 0, auto_accepted: 0, rejected: 0 },
        rates: computeRates({ open: 0, active_accepted: 0, auto_accepted: 0, rejected: 0 }),
        by_product: [],
      };
      months.set(r.month, m);
    }
    m.total_tests += r.tests;
    for (const k of Object.keys(m.bugs_by_status) as (keyof BugClasses)[]) {
      m.bugs_by_status[k] += r.classes[k];
    }
    m.by_product.push({ product_id: r.product_id, total_tests: r.tests, bugs_by_status: { ...r.classes } });
  }
  return [...months.values()]
    .sort((a, b) => a.month.localeCompare(b.month))
    .map((m) => ({ ...m, total_bugs: totalBugs(m.bugs_by_status), rates: computeRates(m.bugs_by_status) }));
}

/** Groups reason rows by `key`, most rejected first (ties by label), keeping `limit` groups. */
function topGroups<K>(
  rows: readonly RejectionGroupRow[],
  key: (r: RejectionGroupRow) => K,
  label: (k: K) => string,
  limit: number,
): { key: K; rejected: number; reasons: ReasonCount[] }[] {
  const groups = new Map<string, { key: K; rejected: number; reasons: ReasonCount[] }>();
  for (const r of rows) {
    const k = key(r);
    const id = label(k);
    const g = groups.get(id) ?? { key: k, rejected: 0, reasons: [] };
    g.rejected += r.rejected;
    g.reasons.push({ reason: r.reason, count: r.rejected });
    groups.set(id, g);
  }
  return [...groups.entries()]
    .sort(([a, x], [b, y]) => y.rejected - x.rejected || a.localeCompare(b))
    .slice(0, limit)
    .map(([, g]) => ({
      ...g,
      reasons: g.reasons.sort((a, b) => b.count - a.count || (a.reason ?? "").localeCompare(b.reason ?? "")),
    }));
}

/** The `limit` features and testers with the most rejected bugs, each with its reasons. */
export function buildRejectionDrivers(
  byFeature: readonly RejectionGroupRow[],
  byTester: readonly RejectionGroupRow[],
  limit = DRIVER_LIMIT,
): RejectionDrivers {
  return {
    features: topGroups(
      byFeature,
      (
        r,
      ) => (r.feature_id === null
        ? null
        : { id: r.feature_id, title: r.feature_title ?? `#${r.feature_id}` }),
      (f) => (f === null ? "" : `${f.title}\u0000${f.id}`),
      limit,
    ).map((g) => ({ feature: g.key, rejected: g.rejected, reasons: g.reasons })),
    testers: topGroups(byTester, (r) => r.author, (a) => a ?? "", limit)
      .map((g) => ({ username: g.key, rejected: g.rejected, reasons: g.reasons })),
  };
}
