/**
 * The bug part of a metric-cube query read from counts kept per test instead of the bug rows. SQLite
 * groups by sorting what it reads, so grouping 400,000 bug rows costs 200–500 ms whatever the key;
 * the kept counts hold one row per test (`test_bug_counts`) or a few per test (`test_bug_facets`).
 *
 * Three sources, chosen by {@link keptSource} from the query's shape:
 * - `counts`: every dimension and filter is a property of the test (product, customer, testing type,
 *   environment, the end_at time buckets): `test_bug_counts` summed by them;
 * - `pivot`: besides those, bug status and/or severity: the sums of each (status, severity) column of
 *   `test_bug_counts` per group of test keys, turned into one row per pair and grouped again;
 * - `facet`: besides those, one of feature, platform, rejection_reason or known_bug: that facet's
 *   rows of `test_bug_facets`.
 *
 * Bug-only metrics take their dates from reported_at: with a time bucket or date bounds they read the
 * facet of the bugs' reported day (bounds on whole days only), otherwise the date plays no part.
 *
 * Whatever the counts cannot give falls back to the bug rows (`null`): distinct testers or features,
 * two bug-side keys at once, tester, bounds within a day on reported_at, and — when a test has bugs
 * whose status or severity is outside the counted pairs (`n_other`) — classes and severity scores.
 *
 * @example
 * ```ts
 * const source = keptSource(
 *   { dimensions: ["platform"], filters: {}, dateBasis: "end_at", countsCoverAll: true },
 *   { test: new Set(), bug: new Set(["bug_count"]) },
 * );
 * source; // { kind: "facet", dim: "platform" }
 * ```
 * @module
 */
import type { DimensionKey } from "../../domain/metrics.ts";
import { SEVERITY_WEIGHTS } from "../../domain/metrics.ts";
import { BUG_COUNT_COLUMNS } from "./bug_counts.ts";
import { BUG_FACETS, type BugFacetName, type FacetDimension } from "./bug_facets.ts";

/** Where a bug part reads kept counts. */
export type KeptSource = { kind: "counts" } | { kind: "pivot" } | { kind: "facet"; dim: BugFacetName };

/** The shape of a cube query, as far as the choice of source goes. */
export interface KeptQueryShape {
  dimensions: readonly DimensionKey[];
  filters: Partial<Record<DimensionKey, unknown>>;
  dateBasis: "end_at" | "reported_at";
  /** Inclusive UTC bounds on the date basis. */
  from?: string | null;
  to?: string | null;
  /** No test has bugs outside the counted (status, severity) pairs. */
  countsCoverAll?: boolean;
}

/** The internal columns a query needs (as named by the cube). */
export interface NeededColumns {
  test: ReadonlySet<string>;
  bug: ReadonlySet<string>;
}

/**
 * Dimensions whose key on the bug fact is a property of the bug's test, so counts kept per test can
 * be grouped by it (with the end_at date basis for the time buckets).
 */
export const KEYED_ON_TEST: ReadonlySet<DimensionKey> = new Set([
  "product",
  "customer",
  "testing_type",
  "test_environment",
  "month",
  "week",
  "quarter",
]);

/** Bug-side keys the (status, severity) columns of test_bug_counts give, and their pair field. */
const PIVOTED: Readonly<Partial<Record<DimensionKey, "p.column2" | "p.column3">>> = {
  status: "p.column2",
  severity: "p.column3",
};

const isFacet = (d: DimensionKey): d is FacetDimension => Object.hasOwn(BUG_FACETS, d);

/** The time buckets: keyed on the date basis. */
export const TIME_BUCKETS: ReadonlySet<DimensionKey> = new Set(["month", "week", "quarter"]);

/** Whether a bound falls on a UTC day's edge, as whole-day dates resolve (`mcp/args.ts`). */
const onDayEdge = (bound: string | null | undefined, edge: "start" | "end") =>
  !bound || bound.endsWith(edge === "start" ? "T00:00:00.000Z" : "T23:59:59.999Z");

/** The date a part's time buckets and bounds read: the test's end, or the bugs' reported day. */
const dateOf = (source: KeptSource) =>
  source.kind === "facet" && source.dim === "reported_day" ? "nullif(f.k, '')" : "t.end_at";

/** The kept counts a query can be answered from, or null for the bug rows. */
export function keptSource(q: KeptQueryShape, need: NeededColumns): KeptSource | null {
  if (need.bug.has("active_testers") || need.test.has("features_tested")) return null;
  const involved = [...new Set([...q.dimensions, ...Object.keys(q.filters) as DimensionKey[]])];
  const bugSide = involved.filter((d) => !KEYED_ON_TEST.has(d));
  const dated = q.from || q.to || involved.some((d) => TIME_BUCKETS.has(d));
  if (q.dateBasis === "reported_at" && dated) {
    // Bug metrics by reported_at: the day facet, on whole days, with no other bug-side key.
    const whole = onDayEdge(q.from, "start") && onDayEdge(q.to, "end");
    return whole && !bugSide.length && !need.bug.has("bug_severity_score")
      ? { kind: "facet", dim: "reported_day" }
      : null;
  }
  if (bugSide.length === 1 && isFacet(bugSide[0])) {
    // Facet rows count bugs and their classes, not severities.
    return need.bug.has("bug_severity_score") ? null : { kind: "facet", dim: bugSide[0] };
  }
  // Classes and severities come from test_bug_counts only when it places every bug.
  const onlyCounts = [...need.bug].every((c) => c === "bug_count");
  if (!bugSide.length) return onlyCounts || q.countsCoverAll ? { kind: "counts" } : null;
  // Pairs are summed per group of test keys: the tests themselves are gone, so no test metric.
  const pivots = bugSide.every((d) => PIVOTED[d]) && !need.test.size && q.countsCoverAll;
  return pivots ? { kind: "pivot" } : null;
}

/** What {@link keptPart} builds a part from. */
export interface KeptPart {
  source: KeptSource;
  dimensions: readonly DimensionKey[];
  /** Filtered dimensions; a filter's index names its parameter. */
  filterDims: readonly DimensionKey[];
  /** Every needed column, in the cube's order; those outside `columns` are 0. */
  needed: readonly string[];
  columns: ReadonlySet<string>;
  /** The key of a test-keyed dimension over the alias `t`, time buckets over `date`. */
  testKey: (d: DimensionKey, date: string) => string;
  /** The condition of the filter at `index` over `key`. */
  filter: (d: DimensionKey, index: number, key: string) => string;
  /** Scope conditions over `t`. */
  scope: readonly string[];
  /** Which of the bounds `:from` and `:to` are bound. */
  from: boolean;
  to: boolean;
}

/** The scope and date conditions of a part. */
function whereOf(p: KeptPart, date: string): string[] {
  // The day facet holds YYYY-MM-DD: whole-day bounds compare on their day (keptSource checks).
  const bound = (name: string) => date === "t.end_at" ? `:${name}` : `substr(:${name}, 1, 10)`;
  return [
    ...p.scope,
    ...(p.from ? [`${date} >= ${bound("from")}`] : []),
    ...(p.to ? [`${date} <= ${bound("to")}`] : []),
  ];
}

const CLASS_STATUS: Readonly<Record<string, string>> = {
  c_open: "forwarded",
  c_acc: "accepted",
  c_auto: "auto_accepted",
  c_rej: "rejected",
};

const sumOf = (terms: readonly string[]) => `coalesce(sum(${terms.join(" + ") || "0"}), 0)`;

/** An aggregate over test_bug_counts rows `c` (counts) or facet rows `f`. */
function keptAggregate(source: "counts" | "facet", column: string): string {
  const pairs = (keep: (c: typeof BUG_COUNT_COLUMNS[number]) => boolean, weight = (_: string | null) => 1) =>
    BUG_COUNT_COLUMNS.filter(keep).map((c) =>
      `${weight(c.severity) === 1 ? "" : `${weight(c.severity)} * `}c.${c.column}`
    );
  switch (column) {
    // One facet row per (test, key): the rows of a group are distinct tests.
    case "test_count":
      return "count(*)";
    case "tests_created":
      return "count(t.created_by)";
    case "tests_submitted":
      return "count(t.submitted_by)";
    case "bug_count":
      return source === "facet" ? sumOf(["f.n"]) : sumOf([...pairs(() => true), "c.n_other"]);
    case "bug_severity_score":
      return sumOf(
        pairs((c) => Boolean(c.severity && SEVERITY_WEIGHTS[c.severity]), (s) => SEVERITY_WEIGHTS[s!]),
      );
    default:
      if (!CLASS_STATUS[column]) throw new Error(`${column} is not kept per test`);
      return source === "facet"
        ? sumOf([`f.${column}`])
        : sumOf(pairs((c) => c.status === CLASS_STATUS[column]));
  }
}

/** An aggregate over pivoted pair rows: `st`, `sev` and their count `n`. */
function pivotAggregate(column: string): string {
  if (column === "bug_count") return sumOf(["n"]);
  if (column === "bug_severity_score") {
    const weights = Object.entries(SEVERITY_WEIGHTS).map(([s, w]) => `WHEN '${s}' THEN ${w}`).join(" ");
    return sumOf([`n * CASE sev ${weights} ELSE 0 END`]);
  }
  if (CLASS_STATUS[column]) return sumOf([`CASE WHEN st = '${CLASS_STATUS[column]}' THEN n ELSE 0 END`]);
  throw new Error(`${column} is not kept per test`);
}

/** The SQL of one UNION ALL part of the cube read from kept counts. */
export function keptPart(p: KeptPart): string {
  const keys = p.dimensions.map((_, i) => `k${i}`);
  const { source } = p;
  if (source.kind === "pivot") return pivotPart(p, keys);
  const date = dateOf(source);
  const keyOf = (d: DimensionKey) =>
    source.kind === "facet" && source.dim === d ? "nullif(f.k, '')" : p.testKey(d, date);
  const where = [...whereOf(p, date), ...p.filterDims.map((d, i) => p.filter(d, i, keyOf(d)))];
  const table = source.kind === "facet"
    ? `test_bug_facets f ON f.test_id = t.id AND f.facet = ${BUG_FACETS[source.dim].id}`
    : "test_bug_counts c ON c.test_id = t.id";
  const aggregates = p.needed.map((c) => `${p.columns.has(c) ? keptAggregate(source.kind, c) : "0"} AS ${c}`);
  return `SELECT ${p.dimensions.map((d, i) => `${keyOf(d)} AS k${i}`).join(", ")}, ${aggregates.join(", ")}
    FROM tests t JOIN ${table}
    WHERE ${where.join("\n      AND ")}
    GROUP BY ${keys.join(", ")}`;
}

/**
 * Status and severity from test_bug_counts: its columns summed per group of test keys (one row, or
 * one per group), each sum then paired with its (status, severity) and grouped by the query's keys.
 */
function pivotPart(p: KeptPart, keys: readonly string[]): string {
  const onTest = (d: DimensionKey) => !PIVOTED[d];
  const testDims = p.dimensions.map((d, i) => ({ d, i })).filter(({ d }) => onTest(d));
  const inner = [
    ...testDims.map(({ d, i }) => `${p.testKey(d, "t.end_at")} AS k${i}`),
    ...BUG_COUNT_COLUMNS.map((c, j) => `sum(c.${c.column}) AS s${j}`),
  ];
  const innerWhere = [
    ...whereOf(p, "t.end_at"),
    ...p.filterDims.flatMap((d, i) => onTest(d) ? [p.filter(d, i, p.testKey(d, "t.end_at"))] : []),
  ];
  const outerWhere = p.filterDims.flatMap((d, i) => onTest(d) ? [] : [p.filter(d, i, PIVOTED[d]!)]);
  const pairs = BUG_COUNT_COLUMNS.map((c, j) =>
    `(${j}, '${c.status}', ${c.severity === null ? "NULL" : `'${c.severity}'`})`
  );
  const keyOf = (d: DimensionKey, i: number) => PIVOTED[d] ?? `g.k${i}`;
  const aggregates = p.needed.map((c) => `${p.columns.has(c) ? pivotAggregate(c) : "0"} AS ${c}`);
  return `SELECT ${keys.join(", ")}, ${aggregates.join(", ")} FROM (
    SELECT ${
    p.dimensions.map((d, i) => `${keyOf(d, i)} AS k${i}`).join(", ")
  }, p.column2 AS st, p.column3 AS sev,
      CASE p.column1 ${BUG_COUNT_COLUMNS.map((_, j) => `WHEN ${j} THEN g.s${j}`).join(" ")} END AS n
    FROM (
      SELECT ${inner.join(", ")}
      FROM tests t JOIN test_bug_counts c ON c.test_id = t.id
      WHERE ${innerWhere.join("\n        AND ")}
      ${testDims.length ? `GROUP BY ${testDims.map(({ i }) => `k${i}`).join(", ")}` : ""}
    ) g CROSS JOIN (VALUES ${pairs.join(", ")}) p
    ${outerWhere.length ? `WHERE ${outerWhere.join(" AND ")}` : ""}
  ) WHERE n > 0
  GROUP BY ${keys.join(", ")}`;
}
