/**
 * The metric cube's vocabulary as data: every dimension (how rows are grouped) and metric (what is
 * measured) with the words `get_analytics_capabilities` shows. The SQL behind each key lives in
 * `db/repos/cube_sql.ts`, typed by the keys below so a key without SQL does not compile.
 *
 * @example
 * ```ts
 * DIMENSIONS.feature.level; // "test": tests by the features they cover, bugs by their own feature
 * METRICS.rejection_rate.formula; // "rejected / (open + active_accepted + auto_accepted + rejected)"
 * ```
 */
import { RATE_DEFINITIONS, RATE_KEYS, type Rates } from "./rates.ts";

/** Every dimension key, in the order capabilities list them. */
export const DIMENSION_KEYS = [
  "product",
  "feature",
  "platform",
  "tester",
  "customer",
  "severity",
  "status",
  "testing_type",
  "test_environment",
  "known_bug",
  "rejection_reason",
  "month",
  "week",
  "quarter",
] as const;
export type DimensionKey = typeof DIMENSION_KEYS[number];

/** Every metric key, in the order capabilities list them. */
export const METRIC_KEYS = [
  "test_count",
  "bug_count",
  "bug_severity_score",
  "features_tested",
  "active_testers",
  "bugs_per_test",
  "tests_created",
  "tests_submitted",
  ...RATE_KEYS,
] as const;
export type MetricKey = typeof METRIC_KEYS[number];

/**
 * `test`: a property of a test (bugs inherit it from their test, except feature and platform, which
 * bugs carry themselves). `bug`: a property of a bug; grouping or filtering on one restricts every
 * metric to tests and bugs that have bugs with that value.
 */
export type DimensionLevel = "test" | "bug";

/** One dimension. */
export interface DimensionSpec {
  key: DimensionKey;
  description: string;
  example: string;
  level: DimensionLevel;
  /** Whether rows carry `<key>_id` next to the label. */
  hasId: boolean;
  /** Time buckets sort chronologically and default to ascending order. */
  time: boolean;
  /** The label of rows whose value is missing. */
  nullLabel: string | null;
  /** Labels are booleans rather than strings. */
  boolean?: boolean;
}

/** Which fact a metric is computed from. */
export type MetricSide = "test" | "bug" | "ratio";

/** One metric. */
export interface MetricSpec {
  key: MetricKey;
  description: string;
  formula: string;
  side: MetricSide;
  /** Rates are in [0,1] or null; counts are integers. */
  kind: "count" | "rate" | "ratio";
}

const dim = (
  key: DimensionKey,
  level: DimensionLevel,
  description: string,
  example: string,
  extra: Partial<DimensionSpec> = {},
): DimensionSpec => ({
  key,
  level,
  description,
  example,
  hasId: false,
  time: false,
  nullLabel: null,
  ...extra,
});

/** The dimensions. */
export const DIMENSIONS: Readonly<Record<DimensionKey, DimensionSpec>> = Object.freeze({
  product: dim("product", "test", "Product of the test (label: product name).", "Canva iOS, Zoom Web", {
    hasId: true,
  }),
  feature: dim(
    "feature",
    "test",
    "Feature: tests count under every feature they cover, bugs under the feature they were reported " +
      "against. Tests without features and bugs without a feature count under 'unassigned'.",
    "Login, Checkout, unassigned",
    { hasId: true, nullLabel: "unassigned" },
  ),
  platform: dim(
    "platform",
    "test",
    "Operating system family, version dropped: tests by their platform requirements, bugs by the " +
      "device they were reported on.",
    "iOS, Android, Windows, macOS",
    { nullLabel: "unknown" },
  ),
  tester: dim("tester", "bug", "Tester who reported the bug (username).", "tester_jdoe, tester_amiller", {
    hasId: true,
    nullLabel: "unknown",
  }),
  customer: dim("customer", "test", "Customer user who created the test (username).", "acme_qa_lead", {
    hasId: true,
    nullLabel: "unknown",
  }),
  severity: dim(
    "severity",
    "bug",
    "Bug severity, which doubles as type: critical, high, low (functional), visual, content, custom.",
    "critical, high, low, visual",
    { nullLabel: "unknown" },
  ),
  status: dim(
    "status",
    "bug",
    "Bug status: open (forwarded, awaiting review), accepted (by a reviewer), auto_accepted, rejected.",
    "open, accepted, auto_accepted, rejected",
  ),
  testing_type: dim("testing_type", "test", "Testing type of the test.", "coverage, focused, rapid", {
    nullLabel: "unknown",
  }),
  test_environment: dim(
    "test_environment",
    "test",
    "Test environment the test ran against.",
    "Staging, Production",
    { hasId: true, nullLabel: "none" },
  ),
  known_bug: dim(
    "known_bug",
    "bug",
    "Whether the bug is marked as a known bug (true/false).",
    "true, false",
    {
      boolean: true,
    },
  ),
  rejection_reason: dim(
    "rejection_reason",
    "bug",
    "Why a rejected bug was rejected; 'unknown' for rejected bugs without a canned reason, " +
      "'not_rejected' for every other bug.",
    "not_reproducible, intended_behavior, known_bug, unknown, not_rejected",
  ),
  month: dim(
    "month",
    "test",
    "Calendar month (UTC) of the date basis (see explanation).",
    "2025-10, 2025-11",
    {
      time: true,
      nullLabel: "no date",
    },
  ),
  week: dim(
    "week",
    "test",
    "ISO week (UTC, weeks start on Monday) of the date basis.",
    "2025-W44, 2025-W45",
    {
      time: true,
      nullLabel: "no date",
    },
  ),
  quarter: dim("quarter", "test", "Calendar quarter (UTC) of the date basis.", "2025-Q3, 2025-Q4", {
    time: true,
    nullLabel: "no date",
  }),
});

/** Weights of `bug_severity_score`; bugs without a severity weigh 0. */
export const SEVERITY_WEIGHTS: Readonly<Record<string, number>> = Object.freeze({
  critical: 5,
  high: 3,
  low: 1,
  visual: 1,
  content: 1,
  custom: 1,
});

const classFormula = (keys: readonly string[]): string =>
  keys.length === 1 ? keys[0] : `(${keys.join(" + ")})`;

const rateMetric = (key: keyof Rates, description: string): MetricSpec => {
  const def = RATE_DEFINITIONS[key];
  return {
    key,
    description: `${description} Null when ${def.undefinedWhen}.`,
    formula: `${classFormula(def.numerator)} / ${classFormula(def.denominator)}`,
    side: "bug",
    kind: "rate",
  };
};

/** The metrics. */
export const METRICS: Readonly<Record<MetricKey, MetricSpec>> = Object.freeze({
  test_count: {
    key: "test_count",
    description: "Number of tests.",
    formula: "COUNT(DISTINCT test_id)",
    side: "test",
    kind: "count",
  },
  bug_count: {
    key: "bug_count",
    description: "Number of bugs.",
    formula: "COUNT(DISTINCT bug_id)",
    side: "bug",
    kind: "count",
  },
  bug_severity_score: {
    key: "bug_severity_score",
    description: "Severity-weighted bug count.",
    formula: Object.entries(SEVERITY_WEIGHTS).map(([s, w]) => `${w}×${s}`).join(" + "),
    side: "bug",
    kind: "count",
  },
  features_tested: {
    key: "features_tested",
    description: "Distinct features covered by the tests (tests without features add none).",
    formula: "COUNT(DISTINCT feature_id of the tests' features)",
    side: "test",
    kind: "count",
  },
  active_testers: {
    key: "active_testers",
    description: "Distinct testers who reported bugs.",
    formula: "COUNT(DISTINCT bug author)",
    side: "bug",
    kind: "count",
  },
  bugs_per_test: {
    key: "bugs_per_test",
    description: "Bug density. Null when there are no tests.",
    formula: "bug_count / test_count",
    side: "ratio",
    kind: "ratio",
  },
  tests_created: {
    key: "tests_created",
    description: "Tests with a known creating customer user.",
    formula: "COUNT(DISTINCT test_id WHERE created_by IS NOT NULL)",
    side: "test",
    kind: "count",
  },
  tests_submitted: {
    key: "tests_submitted",
    description: "Tests with a known submitting customer user.",
    formula: "COUNT(DISTINCT test_id WHERE submitted_by IS NOT NULL)",
    side: "test",
    kind: "count",
  },
  active_acceptance_rate: rateMetric("active_acceptance_rate", "Share of bugs accepted by a reviewer."),
  overall_acceptance_rate: rateMetric(
    "overall_acceptance_rate",
    "Share of bugs accepted, by a reviewer or automatically.",
  ),
  rejection_rate: rateMetric("rejection_rate", "Share of bugs rejected."),
  review_rate: rateMetric("review_rate", "Share of bugs a reviewer decided on (accepted or rejected)."),
  auto_acceptance_rate: rateMetric(
    "auto_acceptance_rate",
    "Share of accepted bugs that were accepted automatically (nobody reviewed them in time).",
  ),
});

/** The limits `query_metrics` enforces. */
export const CUBE_LIMITS = Object.freeze({ max_dimensions: 2, max_rows: 1000 });

/** Whether every metric is computed from bugs alone (then dates apply to bug reported_at). */
export function onlyBugMetrics(metrics: readonly MetricKey[]): boolean {
  return metrics.every((m) => METRICS[m].side === "bug");
}
