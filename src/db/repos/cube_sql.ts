/**
 * The SQL of the metric cube as text: the cube query types, the whitelisted fragments of every
 * dimension and aggregate (keyed by the registry in `domain/metrics.ts`), and the builder that joins
 * them into one statement with every value bound as a parameter. `AnalyticsRepo` prepares and runs
 * what is built here; how the query keeps joins from inflating counts is told in its module doc.
 *
 * @example
 * ```ts
 * const { sql, params, bugGrain } = buildCubeSql({
 *   dimensions: ["feature"], metrics: ["bug_count", "rejection_rate"], productIds: [598],
 *   testStatuses: ["running", "locked", "archived", "customer_finalized"], filters: {},
 *   from: null, to: null, dateBasis: "end_at", sortBy: "bug_count", sortOrder: "desc", limit: 1000,
 * });
 * console.log(sql.length, Object.keys(params), bugGrain);
 * ```
 */
import { int, type SortOrder } from "./base.ts";
import type { Params } from "../database.ts";
import {
  type DimensionKey,
  DIMENSIONS,
  type MetricKey,
  METRICS,
  SEVERITY_WEIGHTS,
} from "../../domain/metrics.ts";
import { type BugClasses, RATE_DEFINITIONS, type Rates } from "../../domain/rates.ts";
import { BUG_FACETS } from "./bug_facets.ts";
import { keptPart, keptSource, KEYED_ON_TEST, TIME_BUCKETS } from "./cube_kept.ts";

/** Which timestamp dates and time buckets use. */
export type DateBasis = "end_at" | "reported_at";

/** A stored key value a filter keeps; null selects the missing-value bucket. */
export type CubeKey = string | number | null;

/** A fully resolved cube query (values already mapped to stored keys). */
export interface CubeQuery {
  dimensions: readonly DimensionKey[];
  metrics: readonly MetricKey[];
  /** Products in scope; null for every product. */
  productIds: readonly number[] | null;
  /** Test statuses in scope. */
  testStatuses: readonly string[];
  /** Kept key values per filtered dimension. */
  filters: Partial<Record<DimensionKey, readonly CubeKey[]>>;
  /** Inclusive UTC bounds on the date basis. */
  from: string | null;
  to: string | null;
  dateBasis: DateBasis;
  sortBy: DimensionKey | MetricKey;
  sortOrder: SortOrder;
  limit: number;
  /**
   * Whether `test_bug_counts` places every bug of the cache (no test has `n_other` bugs): then bug
   * classes and severity scores may be summed from it. Left out: only bug counts are.
   */
  countsCoverAll?: boolean;
  /**
   * Whether the products in scope hold most of the cache's bugs: then a tester grouping reads the
   * bugs in tester order from their index instead of sorting those of its tests.
   */
  wideScope?: boolean;
}

/** One group of the cube before rates are derived. */
export interface CubeRow {
  /** Per dimension: the stored key, the display label (null when missing) and the id if any. */
  dims: { key: CubeKey; label: string | number | null; id: number | null }[];
  counts: {
    test_count: number;
    tests_created: number;
    tests_submitted: number;
    features_tested: number;
    bug_count: number;
    active_testers: number;
    bug_severity_score: number;
  };
  classes: BugClasses;
}

/** A page of cube rows with the number of groups before the limit. */
export interface CubeResult {
  rows: CubeRow[];
  total: number;
  /** Whether aggregation ran over bug rows (a bug-level dimension was involved). */
  bugGrain: boolean;
}

type JoinName = "tf" | "tp" | "ft" | "btf" | "dv";

/** Joins a fragment may need, by alias; each is added at most once. */
const JOINS: Readonly<Record<JoinName, string>> = {
  tf: "LEFT JOIN test_features tf ON tf.test_id = t.id",
  tp: "LEFT JOIN test_platforms tp ON tp.test_id = t.id",
  ft: "LEFT JOIN test_features ft ON ft.test_id = t.id",
  btf: BUG_FACETS.feature.join,
  dv: BUG_FACETS.platform.join,
};

// OS names arrive with and without versions ("iOS" on requirements, "iOS 17" on devices): the family
// is the name with trailing version characters dropped.
const osFamily = (expr: string) => `nullif(rtrim(${expr}, ' 0123456789.'), '')`;

interface DimensionSql {
  /** Key on the test fact (aliases t and its joins). */
  testKey: (date: string) => string;
  testJoins?: JoinName[];
  /** Key on the bug fact (aliases b, t and their joins). */
  bugKey: (date: string) => string;
  bugJoins?: JoinName[];
  /** Display label of a grouped key column. */
  label?: (k: string) => string;
  /** `<dim>_id` of a grouped key column. */
  id?: (k: string) => string;
  /** Filter values compare case-insensitively. */
  lowerCase?: boolean;
}

const sameOnBoth = (expr: string): Pick<DimensionSql, "testKey" | "bugKey"> => ({
  testKey: () => expr,
  bugKey: () => expr,
});

const userId = (k: string) => `(SELECT id FROM users WHERE username = ${k})`;

/** The SQL of every dimension; `date` is the date-basis column of the fact. */
const DIMENSION_SQL: Readonly<Record<DimensionKey, DimensionSql>> = {
  product: {
    ...sameOnBoth("t.product_id"),
    label: (k) => `(SELECT name FROM products WHERE id = ${k})`,
    id: (k) => k,
  },
  feature: {
    testKey: () => "tf.feature_id",
    testJoins: ["tf"],
    bugKey: () => BUG_FACETS.feature.key,
    bugJoins: ["btf"],
    label: (k) =>
      `coalesce((SELECT title FROM features WHERE id = ${k}),
        (SELECT title FROM test_features WHERE feature_id = ${k} LIMIT 1))`,
    id: (k) => k,
  },
  platform: {
    testKey: () => osFamily("tp.os"),
    testJoins: ["tp"],
    bugKey: () => BUG_FACETS.platform.key,
    bugJoins: ["dv"],
    lowerCase: true,
  },
  tester: { ...sameOnBoth("b.author"), id: userId },
  customer: { ...sameOnBoth("t.created_by"), id: userId },
  severity: sameOnBoth("b.severity"),
  status: { ...sameOnBoth("b.status"), label: (k) => `CASE ${k} WHEN 'forwarded' THEN 'open' ELSE ${k} END` },
  testing_type: sameOnBoth("t.testing_type"),
  test_environment: {
    ...sameOnBoth("t.test_environment_id"),
    label: (k) => `(SELECT test_environment_title FROM tests WHERE test_environment_id = ${k} LIMIT 1)`,
    id: (k) => k,
  },
  known_bug: sameOnBoth(BUG_FACETS.known_bug.key),
  rejection_reason: sameOnBoth(BUG_FACETS.rejection_reason.key),
  month: { testKey: (d) => `strftime('%Y-%m', ${d})`, bugKey: (d) => `strftime('%Y-%m', ${d})` },
  week: { testKey: (d) => `strftime('%G-W%V', ${d})`, bugKey: (d) => `strftime('%G-W%V', ${d})` },
  quarter: {
    testKey: (d) => `strftime('%Y', ${d}) || '-Q' || ((CAST(strftime('%m', ${d}) AS INTEGER) + 2) / 3)`,
    bugKey: (d) => `strftime('%Y', ${d}) || '-Q' || ((CAST(strftime('%m', ${d}) AS INTEGER) + 2) / 3)`,
  },
};

// Every part of the cube first reduces its rows to one per (group keys, entity) — with DISTINCT
// only when a join can repeat an entity — and then aggregates with plain counts and sums. One
// de-duplication per part replaced a dozen count(DISTINCT …) aggregates, each of which sorts on its own.

/** Columns of the test part over rows `tid`, `cb`, `sb` (test id, created_by, submitted_by). */
const TEST_AGGREGATES = {
  test_count: "count(*)",
  tests_created: "count(cb)",
  tests_submitted: "count(sb)",
  // Computed in a part of its own (see buildCubeSql): joining test features multiplies rows.
  features_tested: "count(DISTINCT fid)",
} as const;

/** The same columns when rows are bugs: several bugs share a test. */
const TEST_AGGREGATES_ON_BUGS: Readonly<Record<keyof typeof TEST_AGGREGATES, string>> = {
  test_count: "count(DISTINCT tid)",
  tests_created: "count(DISTINCT CASE WHEN cb IS NOT NULL THEN tid END)",
  tests_submitted: "count(DISTINCT CASE WHEN sb IS NOT NULL THEN tid END)",
  features_tested: "count(DISTINCT fid)",
};

/** Columns of the bug part over rows `bid`, `st` (status), `sev` (severity), `au` (author). */
const BUG_AGGREGATES = {
  bug_count: "count(*)",
  active_testers: "count(DISTINCT au)",
  bug_severity_score: `coalesce(sum(CASE sev ${
    Object.entries(SEVERITY_WEIGHTS).map(([s, w]) => `WHEN '${s}' THEN ${w}`).join(" ")
  } ELSE 0 END), 0)`,
  c_open: "coalesce(sum(st = 'forwarded'), 0)",
  c_acc: "coalesce(sum(st = 'accepted'), 0)",
  c_auto: "coalesce(sum(st = 'auto_accepted'), 0)",
  c_rej: "coalesce(sum(st = 'rejected'), 0)",
} as const;

/**
 * Joins that can repeat a test (test part) or a bug (bug part) under one group key. `dv` gives a bug
 * one row per OS family of its devices, each family once (the key of device_set_os), so it never
 * repeats a bug within a group, and its DISTINCT can be left out (bench/RESULTS.md, Tuning).
 */
const MULTIPLYING: ReadonlySet<JoinName> = new Set(["tf", "tp", "ft"]);

type TestColumn = keyof typeof TEST_AGGREGATES;
type BugColumn = keyof typeof BUG_AGGREGATES;

const CLASS_COLUMNS: Readonly<Record<keyof BugClasses, BugColumn>> = {
  open: "c_open",
  active_accepted: "c_acc",
  auto_accepted: "c_auto",
  rejected: "c_rej",
};

/** The SQL of a rate over the class columns, derived from {@link RATE_DEFINITIONS}. */
function rateSql(key: keyof Rates): string {
  const def = RATE_DEFINITIONS[key];
  const num = def.numerator.map((c) => CLASS_COLUMNS[c]).join(" + ");
  const den = def.denominator.map((c) => CLASS_COLUMNS[c]).join(" + ");
  return `CASE WHEN (${den}) = 0 THEN NULL ELSE (${num}) * 1.0 / (${den}) END`;
}

/** The sort expression of a metric over the cube columns. */
function metricSortSql(key: MetricKey): string {
  const spec = METRICS[key];
  if (spec.kind === "rate") return rateSql(key as keyof Rates);
  if (key === "bugs_per_test") {
    return "CASE WHEN test_count = 0 THEN NULL ELSE bug_count * 1.0 / test_count END";
  }
  return key;
}

/** Which internal columns the requested metrics need. */
function neededColumns(metrics: readonly MetricKey[]): { test: Set<TestColumn>; bug: Set<BugColumn> } {
  const test = new Set<TestColumn>();
  const bug = new Set<BugColumn>();
  for (const m of metrics) {
    const spec = METRICS[m];
    if (spec.kind === "rate") {
      for (const c of Object.values(CLASS_COLUMNS)) bug.add(c);
    } else if (m === "bugs_per_test") {
      test.add("test_count");
      bug.add("bug_count");
    } else if (spec.side === "test") test.add(m as TestColumn);
    else bug.add(m as BugColumn);
  }
  return { test, bug };
}

/** Test keys a tester grouping may filter on inside its scope of tests: those without a date. */
const TEST_FILTERS: ReadonlySet<DimensionKey> = new Set(
  [...KEYED_ON_TEST].filter((d) => !TIME_BUCKETS.has(d)),
);

/**
 * Whether the bug part groups by tester alone over bug metrics, no dates and filters on the test or
 * the tester only, with a scope holding most bugs: then it reads the bugs in tester order.
 */
function testerInIndexOrder(q: CubeQuery, need: ReturnType<typeof neededColumns>): boolean {
  return Boolean(q.wideScope) && q.dimensions.length === 1 && q.dimensions[0] === "tester" &&
    !need.test.size &&
    !q.from && !q.to &&
    (Object.keys(q.filters) as DimensionKey[]).every((d) => d === "tester" || TEST_FILTERS.has(d));
}

/** Builds the SQL and parameters of a cube query: the SQL text depends only on its shape. */
export function buildCubeSql(q: CubeQuery): { sql: string; params: Params; bugGrain: boolean } {
  const params: Params = { statuses: JSON.stringify(q.testStatuses), limit: int(q.limit) };
  const filterDims = Object.keys(q.filters) as DimensionKey[];
  const bugGrain = [...q.dimensions, ...filterDims].some((d) => DIMENSIONS[d].level === "bug");
  const need = neededColumns(q.metrics);
  if (q.dateBasis === "reported_at" && need.test.size) {
    throw new Error("The reported_at date basis applies to bug-only metrics");
  }

  const scope: string[] = ["t.status IN (SELECT value FROM json_each(:statuses))"];
  if (q.productIds) {
    params.products = JSON.stringify(q.productIds);
    scope.push("t.product_id IN (SELECT value FROM json_each(:products))");
  }
  filterDims.forEach((d, i) => {
    const keys = (q.filters[d] ?? []).filter((k) => k !== null);
    // node:sqlite rejects parameters the SQL does not use: a filter on the missing-value bucket
    // alone has no list to bind.
    if (keys.length) params[`f${i}`] = JSON.stringify(keys);
  });

  const keys = q.dimensions.map((_, i) => `k${i}`);
  const kept = keptSource(q, need);
  const byTester = !kept && testerInIndexOrder(q, need);

  /** The condition of the filter on `d` (parameter `:f<index>`) over `key`. */
  const filterSql = (d: DimensionKey, index: number, key: string): string => {
    const values = q.filters[d] ?? [];
    const alternatives = [];
    if (values.some((k) => k !== null)) {
      const lhs = DIMENSION_SQL[d].lowerCase ? `lower(${key})` : key;
      alternatives.push(`${lhs} IN (SELECT value FROM json_each(:f${index}))`);
    }
    if (values.includes(null)) alternatives.push(`${key} IS NULL`);
    return alternatives.length ? `(${alternatives.join(" OR ")})` : "0";
  };

  /** One UNION ALL part: `columns` computed on `kind` rows, every other needed column 0. */
  const part = (kind: "test" | "bug", columns: ReadonlySet<TestColumn | BugColumn>): string => {
    const joins = new Set<JoinName>();
    const date = kind === "bug" && q.dateBasis === "reported_at" ? "b.reported_at" : "t.end_at";
    const keyOf = (d: DimensionKey) => {
      const s = DIMENSION_SQL[d];
      for (const j of (kind === "test" ? s.testJoins : s.bugJoins) ?? []) joins.add(j);
      return kind === "test" ? s.testKey(date) : s.bugKey(date);
    };
    if (kind === "bug" && byTester) {
      // Bugs in tester order (index bugs_by_tester), kept when their test is in scope: GROUP BY reads
      // them in order rather than sorting every bug of the scope.
      const testFilters = filterDims.flatMap((d, i) => d === "tester" ? [] : [filterSql(d, i, keyOf(d))]);
      const own = filterDims.flatMap((d, i) => d === "tester" ? [filterSql(d, i, "b.author")] : []);
      const aggregates = [...need.bug].map((c) => `${columns.has(c) ? BUG_AGGREGATES[c] : "0"} AS ${c}`);
      return `SELECT k0, ${aggregates.join(", ")} FROM (
    SELECT b.author AS k0, b.status AS st, b.severity AS sev, b.author AS au
      FROM bugs b INDEXED BY bugs_by_tester
      WHERE b.test_id IN (SELECT t.id FROM tests t WHERE ${[...scope, ...testFilters].join(" AND ")})${
        own.map((c) => ` AND ${c}`).join("")
      }
  ) GROUP BY k0`;
    }
    if (kind === "bug" && kept) {
      if (q.from) params.from = q.from;
      if (q.to) params.to = q.to;
      return keptPart({
        source: kept,
        dimensions: q.dimensions,
        filterDims,
        needed: [...need.test, ...need.bug],
        columns,
        testKey: (d, keptDate) => DIMENSION_SQL[d].bugKey(keptDate),
        filter: filterSql,
        scope,
        from: Boolean(q.from),
        to: Boolean(q.to),
      });
    }
    const where = [...scope];
    if (q.from) {
      params.from = q.from;
      where.push(`${date} >= :from`);
    }
    if (q.to) {
      params.to = q.to;
      where.push(`${date} <= :to`);
    }
    where.push(...filterDims.map((d, i) => filterSql(d, i, keyOf(d))));
    const features = columns.has("features_tested");
    if (features) joins.add("ft");
    const fields = q.dimensions.map((d, i) => `${keyOf(d)} AS k${i}`);
    if (features) fields.push("ft.feature_id AS fid");
    else {
      fields.push("t.id AS tid", "t.created_by AS cb", "t.submitted_by AS sb");
      if (kind === "bug") {
        fields.push("b.id AS bid", "b.status AS st", "b.severity AS sev", "b.author AS au");
      }
    }
    const repeats = !features && [...joins].some((j) => MULTIPLYING.has(j));
    const testAggs = kind === "bug" ? TEST_AGGREGATES_ON_BUGS : TEST_AGGREGATES;
    const aggregates = [
      ...[...need.test].map((c) => `${columns.has(c) ? testAggs[c] : "0"} AS ${c}`),
      ...[...need.bug].map((c) => `${columns.has(c) ? BUG_AGGREGATES[c] : "0"} AS ${c}`),
    ];
    const base = kind === "test" ? "tests t" : "bugs b JOIN tests t ON t.id = b.test_id";
    const joinOrder: JoinName[] = ["tf", "tp", "btf", "dv", "ft"];
    const from = [base, ...joinOrder.filter((j) => joins.has(j)).map((j) => JOINS[j])].join("\n      ");
    return `SELECT ${keys.join(", ")}, ${aggregates.join(", ")} FROM (
    SELECT ${repeats ? "DISTINCT " : ""}${fields.join(", ")}
      FROM ${from}
      WHERE ${where.join("\n        AND ")}
  ) GROUP BY ${keys.join(", ")}`;
  };

  const testCols = new Set([...need.test].filter((c) => c !== "features_tested"));
  const parts: string[] = [];
  if (bugGrain) {
    const cols = new Set<TestColumn | BugColumn>([...testCols, ...need.bug]);
    if (cols.size) parts.push(part("bug", cols));
    if (need.test.has("features_tested")) parts.push(part("bug", new Set(["features_tested"])));
  } else {
    // Only the parts the metrics need: a bug-only query never reads the test fact, and vice versa.
    if (testCols.size) parts.push(part("test", testCols));
    if (need.test.has("features_tested")) parts.push(part("test", new Set(["features_tested"])));
    if (need.bug.size) parts.push(part("bug", need.bug));
  }

  const columns = [...need.test, ...need.bug];
  const cube = `SELECT ${keys.join(", ")}, ${columns.map((c) => `sum(${c}) AS ${c}`).join(", ")}
  FROM (${parts.join("\n  UNION ALL\n  ")})
  GROUP BY ${keys.join(", ")}`;

  const labelOf = (d: DimensionKey, k: string) => DIMENSION_SQL[d].label?.(k) ?? k;
  const outer = q.dimensions.flatMap((d, i) => {
    const s = DIMENSION_SQL[d];
    return [`${labelOf(d, `k${i}`)} AS l${i}`, `${s.id ? s.id(`k${i}`) : "NULL"} AS i${i}`];
  });
  const dir = q.sortOrder === "asc" ? "ASC" : "DESC";
  const dimSort = (d: DimensionKey, i: number, direction: string) => {
    const spec = DIMENSIONS[d];
    if (spec.time || spec.boolean) return `(k${i} IS NULL), k${i} ${direction}`;
    return `(k${i} IS NULL), l${i} COLLATE NOCASE ${direction}, k${i} ${direction}`;
  };
  const order: string[] = [];
  const sortDim = q.dimensions.indexOf(q.sortBy as DimensionKey);
  if (sortDim >= 0) order.push(dimSort(q.dimensions[sortDim], sortDim, dir));
  else {
    const expr = metricSortSql(q.sortBy as MetricKey);
    order.push(`(${expr}) IS NULL`, `${expr} ${dir}`);
  }
  q.dimensions.forEach((d, i) => {
    if (i !== sortDim) order.push(dimSort(d, i, "ASC"));
  });

  const sql = `WITH cube AS (
  ${cube}
)
SELECT *, count(*) OVER () AS _total FROM (
  SELECT cube.*, ${outer.join(", ")} FROM cube
)
ORDER BY ${order.join(", ")}
LIMIT :limit`;
  return { sql, params, bugGrain };
}
