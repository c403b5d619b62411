/**
 * The metric cube behind `query_metrics`: validates a request against the registry, turns filter
 * values (ids, names, phrases such as "open" or "unassigned") into stored keys, asks a
 * {@link CubeSource} for the grouped counts, derives rates with {@link computeRates}, and explains the
 * answer in plain words with a chart hint.
 *
 * @example
 * ```ts
 * import type { Repositories } from "../db/repos/index.ts";
 *
 * declare const repos: Repositories;
 * const answer = queryMetrics({ metrics: ["bug_count"], dimensions: ["severity"], filters: { product_id: 598 } },
 *   repos.analytics, { scopeProductIds: null });
 * answer.rows[0]; // { severity: "low", bug_count: 412 }
 * ```
 */
import type { SortOrder } from "../db/repos/base.ts";
import type { CubeResult, DateBasis } from "../db/repos/analytics.ts";
import {
  CUBE_LIMITS,
  type DimensionKey,
  DIMENSIONS,
  METRIC_KEYS,
  type MetricKey,
  METRICS,
  onlyBugMetrics,
} from "../domain/metrics.ts";
import { computeRates, type Rates } from "../domain/rates.ts";
import {
  type CubeSource,
  type MetricsRequest,
  type ResolvedFilters,
  resolveFilters,
  validateShape,
} from "./metric_filters.ts";

export {
  type CubeSource,
  type FilterValue,
  type MetricsRequest,
  type ResolvedFilters,
  resolveFilters,
  SPECIAL_FILTERS,
  validateShape,
} from "./metric_filters.ts";

/** Settings that bound the cube. */
export interface MetricsOptions {
  /** TESTIO_PRODUCT_IDS, or null for every product. */
  scopeProductIds: readonly number[] | null;
  /** Clock for query_ms (tests pin it). */
  now?: () => number;
}

/** One output row: `<dim>`, `<dim>_id` where one exists, then one key per metric. */
export type MetricsRow = Record<string, string | number | boolean | null>;

/** How a client might draw the rows. */
export interface ChartHint {
  type: "bar" | "line" | "grouped_bar";
  x: string;
  y: string[];
  series: string | null;
}

/** The answer of `query_metrics`. */
export interface MetricsAnswer {
  rows: MetricsRow[];
  metadata: {
    total_rows: number;
    returned_rows: number;
    truncated: boolean;
    query_ms: number;
    date_basis: DateBasis;
  };
  explanation: string;
  chart_hint: ChartHint;
  data_as_of: string | null;
  warnings?: string[];
}

const LABELS: Readonly<Record<string, string>> = Object.fromEntries(
  METRIC_KEYS.map((k) => [k, k.replaceAll("_", " ")]),
);

const list = (items: readonly string[]): string =>
  items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;

/** The chart a client could draw from the rows. */
export function chartHint(dimensions: readonly DimensionKey[], metrics: readonly MetricKey[]): ChartHint {
  const time = dimensions.find((d) => DIMENSIONS[d].time);
  const other = dimensions.find((d) => d !== time) ?? null;
  if (time) return { type: "line", x: time, y: [...metrics], series: other };
  if (dimensions.length === 2) {
    return { type: "grouped_bar", x: dimensions[0], y: [...metrics], series: dimensions[1] };
  }
  return { type: "bar", x: dimensions[0], y: [...metrics], series: null };
}

/** The plain-language explanation of an answer. */
export function explain(p: {
  metrics: readonly MetricKey[];
  dimensions: readonly DimensionKey[];
  filters: ResolvedFilters;
  start: string | null;
  end: string | null;
  dateBasis: DateBasis;
  sortBy: string;
  sortOrder: SortOrder;
  total: number;
  returned: number;
  bugGrain: boolean;
}): string {
  const parts: string[] = [];
  const scope = p.filters.productIds ? `product(s) ${p.filters.productIds.join(", ")}` : "all products";
  parts.push(
    `${list(p.metrics.map((m) => LABELS[m]))} per ${
      list(p.dimensions)
    } for ${scope}, over tests with status ` +
      `${p.filters.testStatuses.join(", ")}.`,
  );
  const extra = p.filters.described.filter((d) =>
    !d.startsWith("product_id") && !d.startsWith("test status")
  );
  if (extra.length) parts.push(`Filtered on ${extra.join("; ")}.`);
  const what = p.dateBasis === "end_at"
    ? "the test's end date (end_at)"
    : "the bug's reported date (reported_at)";
  const range = p.start || p.end ? ` between ${p.start ?? "the beginning"} and ${p.end ?? "now"}` : "";
  parts.push(
    `Dates${p.dimensions.some((d) => DIMENSIONS[d].time) ? " and time buckets" : ""} use ${what}${range}` +
      (p.dateBasis === "reported_at"
        ? " because every metric is a bug metric."
        : "; bugs follow their test."),
  );
  if (p.bugGrain && p.metrics.some((m) => METRICS[m].side !== "bug")) {
    parts.push(
      "Because a bug property is grouped or filtered on, test counts include only tests with such bugs.",
    );
  }
  if (p.dimensions.includes("feature") || p.filters.keys.feature) {
    parts.push("Tests without features and bugs without a feature are counted under 'unassigned'.");
  }
  if (p.dimensions.includes("platform")) {
    parts.push("Tests count under each platform they require; bugs under the OS of their device.");
  }
  parts.push(
    `Sorted by ${p.sortBy.replaceAll("_", " ")} (${
      p.sortOrder === "desc" ? "highest first" : "ascending"
    }); ` +
      `${p.total} group${p.total === 1 ? "" : "s"}` +
      (p.returned < p.total ? `, the first ${p.returned} shown.` : "."),
  );
  const text = parts.join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Turns cube rows into output rows: labels and ids per dimension, then the metric values. */
export function shapeRows(
  result: CubeResult,
  dimensions: readonly DimensionKey[],
  metrics: readonly MetricKey[],
): MetricsRow[] {
  return result.rows.map((r) => {
    const row: MetricsRow = {};
    dimensions.forEach((d, i) => {
      const spec = DIMENSIONS[d];
      const cell = r.dims[i];
      row[d] = spec.boolean
        ? cell.key === null ? null : Number(cell.key) === 1
        : cell.key === null
        ? spec.nullLabel
        : String(cell.label ?? cell.key);
      if (spec.hasId) row[`${d}_id`] = cell.id;
    });
    const rates: Rates = computeRates(r.classes);
    for (const m of metrics) {
      const spec = METRICS[m];
      if (spec.kind === "rate") row[m] = rates[m as keyof Rates];
      else if (m === "bugs_per_test") {
        row[m] = r.counts.test_count === 0 ? null : r.counts.bug_count / r.counts.test_count;
      } else row[m] = r.counts[m as keyof CubeResult["rows"][number]["counts"]];
    }
    return row;
  });
}

/** Answers a `query_metrics` request. */
export function queryMetrics(
  req: MetricsRequest,
  source: CubeSource,
  options: MetricsOptions,
): MetricsAnswer {
  const now = options.now ?? (() => performance.now());
  const metrics = [...new Set(req.metrics)];
  const dimensions = [...new Set(req.dimensions)];
  const shape = validateShape({ ...req, metrics, dimensions });
  const started = now();
  const filters = resolveFilters(req.filters, source, options.scopeProductIds);
  const dateBasis: DateBasis = onlyBugMetrics(metrics) ? "reported_at" : "end_at";
  const warnings = [...filters.warnings];
  const start = req.start ?? null;
  const end = req.end ?? null;

  const result = filters.productIds?.length === 0 ? { rows: [], total: 0, bugGrain: false } : source.cube({
    dimensions,
    metrics,
    productIds: filters.productIds,
    testStatuses: filters.testStatuses,
    filters: filters.keys,
    from: start,
    to: end,
    dateBasis,
    sortBy: shape.sortBy,
    sortOrder: shape.sortOrder,
    limit: shape.limit,
  });
  const rows = shapeRows(result, dimensions, metrics);
  const queryMs = Math.round((now() - started) * 100) / 100;

  const truncated = result.total > rows.length;
  if (truncated) {
    warnings.push(
      `Showing ${rows.length} of ${result.total} groups: narrow with filters or dates, or raise 'limit' ` +
        `(at most ${CUBE_LIMITS.max_rows})`,
    );
  }
  if (dimensions.includes("tester") && metrics.includes("active_testers")) {
    warnings.push("active_testers is 1 on every tester row; group by month or product to count testers");
  }
  if (dimensions.includes("feature") && metrics.includes("features_tested")) {
    warnings.push("features_tested is at most 1 on every feature row");
  }
  return {
    rows,
    metadata: {
      total_rows: result.total,
      returned_rows: rows.length,
      truncated,
      query_ms: queryMs,
      date_basis: dateBasis,
    },
    explanation: explain({
      metrics,
      dimensions,
      filters,
      start,
      end,
      dateBasis,
      sortBy: shape.sortBy,
      sortOrder: shape.sortOrder,
      total: result.total,
      returned: rows.length,
      bugGrain: result.bugGrain,
    }),
    chart_hint: chartHint(dimensions, metrics),
    data_as_of: source.oldestSync(filters.productIds),
    ...(warnings.length ? { warnings } : {}),
  };
}
