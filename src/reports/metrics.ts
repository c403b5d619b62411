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
import type { CubeKey, CubeQuery, CubeResult, DateBasis } from "../db/repos/analytics.ts";
import { EXECUTED_TEST_STATUSES, TEST_STATUSES } from "../domain/tests.ts";
import { BUG_SEVERITIES } from "../domain/bugs.ts";
import { InputError } from "../errors.ts";
import {
  CUBE_LIMITS,
  DIMENSION_KEYS,
  type DimensionKey,
  DIMENSIONS,
  METRIC_KEYS,
  type MetricKey,
  METRICS,
  onlyBugMetrics,
} from "../domain/metrics.ts";
import { computeRates, type Rates } from "../domain/rates.ts";

/** A filter value as a client sends it. */
export type FilterValue = string | number | boolean;

/** A `query_metrics` request after argument parsing (dates already UTC bounds). */
export interface MetricsRequest {
  metrics: readonly MetricKey[];
  dimensions: readonly DimensionKey[];
  /** `{dimension: value(s)}`, plus `product_id` and `status`. */
  filters?: Readonly<Record<string, FilterValue | readonly FilterValue[]>>;
  start?: string | null;
  end?: string | null;
  sortBy?: string;
  sortOrder?: SortOrder;
  limit?: number;
}

/** What the cube needs from the database (the AnalyticsRepo satisfies it). */
export interface CubeSource {
  cube(q: CubeQuery): CubeResult;
  oldestSync(productIds: readonly number[] | null): string | null;
  productIdsByName(names: readonly string[]): Map<string, number[]>;
  featureIdsByTitle(titles: readonly string[], productIds: readonly number[] | null): Map<string, number[]>;
  environmentIdsByTitle(titles: readonly string[]): Map<string, number[]>;
  usernames(values: readonly (string | number)[]): Map<string, string[]>;
}

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

/** The filter keys besides dimensions. */
export const SPECIAL_FILTERS = ["product_id", "status"] as const;

const BUG_STATUS_WORDS: Readonly<Record<string, string>> = {
  open: "forwarded",
  forwarded: "forwarded",
  accepted: "accepted",
  active_accepted: "accepted",
  auto_accepted: "auto_accepted",
  rejected: "rejected",
};

const TIME_FORMATS: Readonly<Partial<Record<DimensionKey, { re: RegExp; example: string }>>> = {
  month: { re: /^\d{4}-(0[1-9]|1[0-2])$/, example: "2025-11" },
  week: { re: /^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/, example: "2025-W45" },
  quarter: { re: /^\d{4}-Q[1-4]$/, example: "2025-Q4" },
};

const WITH_ID: readonly DimensionKey[] = ["product", "feature", "test_environment"];

function bad(
  message: string,
  hint: string,
  action = "Correct the filter and call query_metrics again",
): never {
  throw new InputError(message, { hint, action });
}

const asList = (v: FilterValue | readonly FilterValue[]): FilterValue[] =>
  (Array.isArray(v) ? [...v] : typeof v === "string" && v.includes(",") ? v.split(",") : [v as FilterValue])
    .map((x) => typeof x === "string" ? x.trim() : x)
    .filter((x) => x !== "");

const isId = (v: FilterValue): boolean =>
  (typeof v === "number" && Number.isSafeInteger(v) && v > 0) || (typeof v === "string" && /^\d+$/.test(v));

/** Validates metrics, dimensions and sorting; throws an InputError naming the bad value. */
export function validateShape(req: MetricsRequest): {
  sortBy: DimensionKey | MetricKey;
  sortOrder: SortOrder;
  limit: number;
} {
  if (!req.metrics.length) {
    bad("'metrics' must name at least one metric", `Metrics: ${METRIC_KEYS.join(", ")}`, "Add metrics");
  }
  if (!req.dimensions.length || req.dimensions.length > CUBE_LIMITS.max_dimensions) {
    bad(
      `'dimensions' takes 1 to ${CUBE_LIMITS.max_dimensions} dimensions: got ${req.dimensions.length}`,
      "Rows are grouped by at most two dimensions, so the answer stays readable",
      "Pick one or two of: " + DIMENSION_KEYS.join(", ") + "; narrow the rest with filters",
    );
  }
  const limit = req.limit ?? CUBE_LIMITS.max_rows;
  if (!Number.isInteger(limit) || limit < 1 || limit > CUBE_LIMITS.max_rows) {
    bad(
      `'limit' must be 1–${CUBE_LIMITS.max_rows}: got ${limit}`,
      "The row limit bounds the answer size",
      "Pass a smaller limit",
    );
  }
  const time = req.dimensions.find((d) => DIMENSIONS[d].time);
  let sortBy: DimensionKey | MetricKey;
  if (req.sortBy === undefined) sortBy = time ?? req.metrics[0];
  else if (
    (req.metrics as readonly string[]).includes(req.sortBy) ||
    (req.dimensions as readonly string[]).includes(req.sortBy)
  ) {
    sortBy = req.sortBy as DimensionKey | MetricKey;
  } else {
    bad(
      `'sort_by' must be one of the requested metrics or dimensions: got ${JSON.stringify(req.sortBy)}`,
      `Requested: ${[...req.metrics, ...req.dimensions].join(", ")}`,
      "Sort by one of them, or add the metric you want to sort by to 'metrics'",
    );
  }
  const isDim = (req.dimensions as readonly string[]).includes(sortBy);
  return { sortBy, sortOrder: req.sortOrder ?? (isDim ? "asc" : "desc"), limit };
}

/** Resolved filters: product scope, test statuses and per-dimension stored keys. */
export interface ResolvedFilters {
  productIds: number[] | null;
  testStatuses: string[];
  keys: Partial<Record<DimensionKey, CubeKey[]>>;
  /** Human description of each filter, for the explanation. */
  described: string[];
  warnings: string[];
}

/** Turns the `filters` argument into stored keys, looking names up through `source`. */
export function resolveFilters(
  filters: MetricsRequest["filters"],
  source: CubeSource,
  scopeProductIds: readonly number[] | null,
): ResolvedFilters {
  const out: ResolvedFilters = {
    productIds: scopeProductIds ? [...scopeProductIds] : null,
    testStatuses: [...EXECUTED_TEST_STATUSES],
    keys: {},
    described: [],
    warnings: [],
  };
  const entries = Object.entries(filters ?? {});
  const allowed = [...SPECIAL_FILTERS, ...DIMENSION_KEYS];
  for (const [name] of entries) {
    if (!(allowed as string[]).includes(name)) {
      bad(
        `Unknown filter ${JSON.stringify(name)}`,
        `Filters accept a dimension (${DIMENSION_KEYS.join(", ")}), product_id or status`,
      );
    }
  }
  const narrowProducts = (ids: number[], label: string) => {
    const outside = scopeProductIds ? ids.filter((id) => !scopeProductIds.includes(id)) : [];
    if (outside.length) {
      out.warnings.push(`${label}: product(s) ${outside.join(", ")} are outside TESTIO_PRODUCT_IDS`);
    }
    out.productIds = out.productIds ? out.productIds.filter((id) => ids.includes(id)) : [...ids];
  };

  for (const [name, raw] of entries) {
    const values = asList(raw);
    if (!values.length) bad(`Filter '${name}' is empty`, "A filter needs at least one value");
    if (name === "product_id") {
      if (!values.every(isId)) {
        bad(
          `Filter 'product_id' must list product ids: got ${JSON.stringify(raw)}`,
          "Ids are positive integers",
        );
      }
      const ids = values.map(Number);
      narrowProducts(ids, "filters.product_id");
      out.described.push(`product_id = ${ids.join(", ")}`);
      continue;
    }
    if (name === "status") {
      const tests: string[] = [];
      const bugs: string[] = [];
      for (const v of values) {
        const s = String(v).toLowerCase();
        if ((TEST_STATUSES as readonly string[]).includes(s)) tests.push(s);
        else if (BUG_STATUS_WORDS[s]) bugs.push(BUG_STATUS_WORDS[s]);
        else {
          bad(
            `Filter 'status' has an unknown value ${JSON.stringify(v)}`,
            `Test statuses (${TEST_STATUSES.join(", ")}) set the test scope; bug statuses ` +
              `(open, accepted, auto_accepted, rejected) filter bugs`,
          );
        }
      }
      if (tests.length) {
        out.testStatuses = [...new Set(tests)];
        out.described.push(`test status = ${out.testStatuses.join(", ")}`);
      }
      if (bugs.length) {
        out.keys.status = [...new Set([...(out.keys.status ?? []), ...bugs])];
        out.described.push(
          `bug status = ${values.filter((v) => BUG_STATUS_WORDS[String(v).toLowerCase()]).join(", ")}`,
        );
      }
      continue;
    }
    const dim = name as DimensionKey;
    const keys = resolveDimensionValues(dim, values, source, out.productIds, out.warnings);
    out.keys[dim] = [...new Set([...(out.keys[dim] ?? []), ...keys])];
    out.described.push(`${dim} = ${values.map(String).join(", ")}`);
  }
  return out;
}

function resolveDimensionValues(
  dim: DimensionKey,
  values: FilterValue[],
  source: CubeSource,
  productIds: readonly number[] | null,
  warnings: string[],
): CubeKey[] {
  const spec = DIMENSIONS[dim];
  const keys: CubeKey[] = [];
  const rest: FilterValue[] = [];
  for (const v of values) {
    if (spec.nullLabel !== null && typeof v === "string" && v.toLowerCase() === spec.nullLabel) {
      keys.push(null);
    } else rest.push(v);
  }
  const unmatched = (v: FilterValue) => warnings.push(`filters.${dim}: ${JSON.stringify(v)} matched nothing`);

  if (WITH_ID.includes(dim)) {
    const names = rest.filter((v) => !isId(v)).map(String);
    const found = !names.length
      ? new Map<string, number[]>()
      : dim === "product"
      ? source.productIdsByName(names)
      : dim === "feature"
      ? source.featureIdsByTitle(names, productIds)
      : source.environmentIdsByTitle(names);
    for (const v of rest) {
      if (isId(v)) keys.push(Number(v));
      else {
        const ids = found.get(String(v).toLowerCase());
        if (ids?.length) keys.push(...ids);
        else unmatched(v);
      }
    }
    return keys;
  }
  if (dim === "tester" || dim === "customer") {
    const wanted = rest.map((v) => (isId(v) ? Number(v) : String(v)));
    const found = wanted.length ? source.usernames(wanted) : new Map<string, string[]>();
    for (const v of wanted) {
      const names = found.get(String(v));
      if (names?.length) keys.push(...names);
      else if (typeof v === "string") keys.push(v);
      else unmatched(v);
    }
    return keys;
  }
  for (const v of rest) {
    const s = String(v).trim();
    switch (dim) {
      case "known_bug": {
        const b = s.toLowerCase();
        if (["true", "1", "yes"].includes(b)) keys.push(1);
        else if (["false", "0", "no"].includes(b)) keys.push(0);
        else bad(`Filter 'known_bug' must be true or false: got ${JSON.stringify(v)}`, "known_bug is a flag");
        break;
      }
      case "status": {
        const stored = BUG_STATUS_WORDS[s.toLowerCase()];
        if (!stored) {
          bad(
            `Filter 'status' has an unknown bug status ${JSON.stringify(v)}`,
            "Bug statuses: open, accepted, auto_accepted, rejected",
          );
        }
        keys.push(stored);
        break;
      }
      case "severity": {
        const sev = s.toLowerCase();
        if (!(BUG_SEVERITIES as readonly string[]).includes(sev)) {
          bad(
            `Filter 'severity' has an unknown value ${JSON.stringify(v)}`,
            `Severities: ${BUG_SEVERITIES.join(", ")} (or unknown)`,
          );
        }
        keys.push(sev);
        break;
      }
      case "platform":
        // The same family rule as the SQL: drop version characters, compare case-insensitively.
        keys.push(s.replace(/[\s0-9.]+$/, "").toLowerCase());
        break;
      case "month":
      case "week":
      case "quarter": {
        const f = TIME_FORMATS[dim]!;
        const up = s.toUpperCase();
        if (!f.re.test(up)) {
          bad(
            `Filter '${dim}' must look like ${f.example}: got ${JSON.stringify(v)}`,
            `A ${dim} bucket is written ${f.example}`,
          );
        }
        keys.push(up);
        break;
      }
      default:
        keys.push(s.toLowerCase());
    }
  }
  return keys;
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
