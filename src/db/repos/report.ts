/**
 * The grouped counts behind `generate_quality_report`. Every query covers all products of the report
 * at once and groups by product (and status, type or severity), so a report over fifty products costs
 * the same three queries as one: no query per product or per test.
 *
 * @example
 * ```ts
 * import type { Database } from "../database.ts";
 * declare const db: Database;
 *
 * using report = new ReportRepo(db);
 * const scope = { productIds: [598], statuses: ["archived"], from: null, to: null };
 * report.testGroups(scope); // [{ product_id: 598, status: "archived", testing_type: "coverage", n: 12, … }]
 * report.bugCounts(scope).groups; // [{ product_id: 598, status: "rejected", severity: "low", n: 4 }, …]
 * ```
 */
import { int, Repository } from "./base.ts";
import { BUG_COUNT_COLUMNS, SUMMED_COUNTS } from "./bug_counts.ts";
import type { Params } from "../database.ts";
import type { BugClasses } from "../../domain/rates.ts";

/** Which tests a report covers: explicit test ids, or statuses and an end_at range. */
export interface ReportScope {
  productIds: readonly number[];
  /** Exact tests (exclusive with statuses and dates). */
  testIds?: readonly number[] | null;
  statuses?: readonly string[] | null;
  /** Inclusive UTC bounds on end_at. */
  from?: string | null;
  to?: string | null;
}

/** Tests of one (product, status, testing type) with their sync stamps. */
export interface TestGroupRow {
  product_id: number;
  status: string;
  testing_type: string | null;
  n: number;
  first_end_at: string | null;
  last_end_at: string | null;
  oldest_sync: string;
  oldest_bugs_sync: string | null;
  /** Tests of the group whose bugs were never synced. */
  bugs_unsynced: number;
}

/** Bugs of one (product, derived status, severity). */
export interface BugGroupRow {
  product_id: number;
  status: string;
  severity: string | null;
  n: number;
}

/** One test with its bug classes. */
export interface ReportTestRow {
  id: number;
  product_id: number;
  title: string;
  status: string;
  testing_type: string | null;
  start_at: string | null;
  end_at: string | null;
  classes: BugClasses;
}

/** Tests and bug classes of one product in one month of the tests' end (`YYYY-MM`). */
export interface MonthGroupRow {
  product_id: number;
  month: string;
  tests: number;
  classes: BugClasses;
}

/** Rejected bugs of one feature or tester, with their rejection reasons (null when unknown). */
export interface RejectionGroupRow {
  /** Feature id, or null for the tester grouping and for bugs without a feature. */
  feature_id: number | null;
  feature_title: string | null;
  /** Bug author, for the tester grouping. */
  author: string | null;
  reason: string | null;
  rejected: number;
}

/** The owner product of a cached test. */
export interface TestOwner {
  id: number;
  product_id: number;
}

const SCOPE = `t.product_id IN (SELECT value FROM json_each(:products))
  AND (:tests IS NULL OR t.id IN (SELECT value FROM json_each(:tests)))
  AND (:statuses IS NULL OR t.status IN (SELECT value FROM json_each(:statuses)))
  AND (:from IS NULL OR t.end_at >= :from)
  AND (:to IS NULL OR t.end_at <= :to)`;

function scopeParams(s: ReportScope): Params {
  return {
    products: JSON.stringify(s.productIds),
    tests: s.testIds?.length ? JSON.stringify(s.testIds) : null,
    statuses: s.testIds?.length || !s.statuses?.length ? null : JSON.stringify(s.statuses),
    from: s.testIds?.length ? null : s.from ?? null,
    to: s.testIds?.length ? null : s.to ?? null,
  };
}

/** The order of SQLite's GROUP BY product_id, status, severity (a null severity first). */
function byGroup(a: BugGroupRow, b: BugGroupRow): number {
  const text = (x: string | null, y: string | null) =>
    x === y ? 0 : x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
  return a.product_id - b.product_id || text(a.status, b.status) || text(a.severity, b.severity);
}

/** Reads grouped test and bug counts for reports. */
export class ReportRepo extends Repository {
  /** The products of the given cached tests (missing ids are absent). */
  testOwners(testIds: readonly number[]): TestOwner[] {
    if (!testIds.length) return [];
    return this.all<TestOwner>(
      "SELECT id, product_id FROM tests WHERE id IN (SELECT value FROM json_each(:ids)) ORDER BY id",
      { ids: JSON.stringify(testIds) },
    );
  }

  /** Test counts by product, status and testing type. */
  testGroups(scope: ReportScope): TestGroupRow[] {
    return this.all<TestGroupRow>(
      `SELECT t.product_id, t.status, t.testing_type, count(*) AS n, min(t.end_at) AS first_end_at,
         max(t.end_at) AS last_end_at, min(t.synced_at) AS oldest_sync, min(t.bugs_synced_at) AS oldest_bugs_sync,
         sum(t.bugs_synced_at IS NULL) AS bugs_unsynced
       FROM tests t WHERE ${SCOPE}
       GROUP BY t.product_id, t.status, t.testing_type`,
      scopeParams(scope),
    );
  }

  /**
   * Bug counts by product, derived status and severity (`groups`), and tests and bug classes by product
   * and month of the tests' end (`months`, tests without an end left out), over the tests in scope: one
   * pass summing the per-test counts (one row per test), or the bug rows grouped when a test in scope
   * has bugs with a status or severity those counts do not cover (`n_other`).
   */
  bugCounts(scope: ReportScope): { groups: BugGroupRow[]; months: MonthGroupRow[] } {
    const sums = this.all<Record<string, number | string | null>>(
      `SELECT t.product_id, substr(t.end_at, 1, 7) AS month, count(*) AS tests, ${SUMMED_COUNTS}
       FROM tests t LEFT JOIN test_bug_counts c ON c.test_id = t.id
       WHERE ${SCOPE}
       GROUP BY t.product_id, month`,
      scopeParams(scope),
    );
    const n = (r: Record<string, number | string | null>, column: string) => Number(r[column] ?? 0);
    if (sums.some((r) => n(r, "n_other") > 0)) {
      return { groups: this.#bugRowGroups(scope), months: this.#bugRowMonths(scope) };
    }
    const groups = new Map<number, Map<string, number>>();
    const classOf = (r: Record<string, number | string | null>, status: string) =>
      BUG_COUNT_COLUMNS.filter((c) => c.status === status).reduce((sum, c) => sum + n(r, c.column), 0);
    const months: MonthGroupRow[] = [];
    for (const r of sums) {
      const product = n(r, "product_id");
      const columns = groups.get(product) ?? new Map<string, number>();
      for (const c of BUG_COUNT_COLUMNS) columns.set(c.column, (columns.get(c.column) ?? 0) + n(r, c.column));
      groups.set(product, columns);
      if (r.month === null) continue;
      months.push({
        product_id: product,
        month: String(r.month),
        tests: n(r, "tests"),
        classes: {
          open: classOf(r, "forwarded"),
          active_accepted: classOf(r, "accepted"),
          auto_accepted: classOf(r, "auto_accepted"),
          rejected: classOf(r, "rejected"),
        },
      });
    }
    return {
      groups: [...groups].flatMap(([product_id, columns]) =>
        BUG_COUNT_COLUMNS.filter((c) => columns.get(c.column)! > 0).map((c) => ({
          product_id,
          status: c.status,
          severity: c.severity,
          n: columns.get(c.column)!,
        }))
      ).sort(byGroup),
      months: months.sort((
        a,
        b,
      ) => (a.month < b.month ? -1 : a.month > b.month ? 1 : a.product_id - b.product_id)),
    };
  }

  #bugRowGroups(scope: ReportScope): BugGroupRow[] {
    return this.all<BugGroupRow>(
      `SELECT t.product_id, b.status, b.severity, count(*) AS n
       FROM tests t JOIN bugs b ON b.test_id = t.id
       WHERE ${SCOPE}
       GROUP BY t.product_id, b.status, b.severity`,
      scopeParams(scope),
    );
  }

  #bugRowMonths(scope: ReportScope): MonthGroupRow[] {
    type Sums = Omit<MonthGroupRow, "classes"> & { open: number; acc: number; auto: number; rej: number };
    return this.all<Sums>(
      `SELECT t.product_id, substr(t.end_at, 1, 7) AS month, count(DISTINCT t.id) AS tests,
         coalesce(sum(b.status = 'forwarded'), 0) AS open, coalesce(sum(b.status = 'accepted'), 0) AS acc,
         coalesce(sum(b.status = 'auto_accepted'), 0) AS auto, coalesce(sum(b.status = 'rejected'), 0) AS rej
       FROM tests t LEFT JOIN bugs b ON b.test_id = t.id
       WHERE ${SCOPE} AND t.end_at IS NOT NULL
       GROUP BY t.product_id, month
       ORDER BY month, t.product_id`,
      scopeParams(scope),
    ).map(({ open, acc, auto, rej, ...m }) => ({
      ...m,
      classes: { open, active_accepted: acc, auto_accepted: auto, rejected: rej },
    }));
  }

  /** The tests in scope with their bug classes, newest end first, at most `limit`. */
  testRows(scope: ReportScope, limit: number): ReportTestRow[] {
    return this.all<
      Omit<ReportTestRow, "classes"> & { open: number; acc: number; auto: number; rej: number }
    >(
      `SELECT t.id, t.product_id, t.title, t.status, t.testing_type, t.start_at, t.end_at,
         coalesce(sum(b.status = 'forwarded'), 0) AS open, coalesce(sum(b.status = 'accepted'), 0) AS acc,
         coalesce(sum(b.status = 'auto_accepted'), 0) AS auto, coalesce(sum(b.status = 'rejected'), 0) AS rej
       FROM tests t LEFT JOIN bugs b ON b.test_id = t.id
       WHERE ${SCOPE}
       GROUP BY t.id
       ORDER BY t.end_at DESC, t.id DESC
       LIMIT :limit`,
      { ...scopeParams(scope), limit: int(limit) },
    ).map(({ open, acc, auto, rej, ...t }) => ({
      ...t,
      classes: { open, active_accepted: acc, auto_accepted: auto, rejected: rej },
    }));
  }

  /**
   * Rejected bugs of the tests in scope grouped by feature (`by: "feature"`) or by author
   * (`by: "tester"`) and rejection reason. Products holding at least a quarter of the cached bugs read
   * the rejected bugs in group order from their partial index (migration 0008) and keep those of their
   * tests (see Repository.readsBugIndex); a smaller scope reads its tests' rejected bugs and sorts them.
   */
  rejectionGroups(scope: ReportScope, by: "feature" | "tester"): RejectionGroupRow[] {
    const key = by === "feature" ? "b.feature_id" : "b.author";
    const index = by === "feature" ? "bugs_rejected_by_feature" : "bugs_rejected_by_author";
    const rejectedBugs = !scope.testIds?.length && this.readsBugIndex(index, scope.productIds)
      ? `bugs b INDEXED BY ${index} WHERE b.status = 'rejected' AND b.test_id IN (SELECT t.id FROM tests t WHERE ${SCOPE})`
      : `tests t JOIN bugs b ON b.test_id = t.id WHERE ${SCOPE} AND b.status = 'rejected'`;
    const grouped = `SELECT ${key} AS k, b.rejection_reason AS reason, count(*) AS rejected
       FROM ${rejectedBugs}
       GROUP BY ${key}, b.rejection_reason`;
    return this.all<RejectionGroupRow>(
      by === "feature"
        ? `SELECT g.k AS feature_id, f.title AS feature_title, NULL AS author, g.reason, g.rejected
           FROM (${grouped}) g LEFT JOIN features f ON f.id = g.k`
        : `SELECT NULL AS feature_id, NULL AS feature_title, g.k AS author, g.reason, g.rejected FROM (${grouped}) g`,
      scopeParams(scope),
    );
  }
}
