/**
 * Reading a `query_metrics` request: the request as a client sends it, the checks of its metrics,
 * dimensions and sorting against the registry, and the turning of filter values (ids, names, phrases
 * such as "open" or "unassigned") into the stored keys of the cube, looked up through a
 * {@link CubeSource}.
 *
 * @example
 * ```ts
 * import type { Repositories } from "../db/repos/index.ts";
 *
 * declare const repos: Repositories;
 * const request: MetricsRequest = { metrics: ["bug_count"], dimensions: ["severity"], filters: { severity: "critical" } };
 * const shape = validateShape(request);
 * const filters = resolveFilters(request.filters, repos.analytics, null);
 * console.log(shape.sortBy, filters.keys.severity);
 * ```
 */
import type { SortOrder } from "../db/repos/base.ts";
import type { CubeKey, CubeQuery, CubeResult } from "../db/repos/analytics.ts";
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
} from "../domain/metrics.ts";

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
