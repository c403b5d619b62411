/**
 * The results store: every benchmark script replaces its own suite in `bench/results.json` and then
 * re-renders `bench/RESULTS.md` from the whole file, so a partial run (one bench file, the sync
 * benchmark alone) updates its rows and keeps the others with their own dates.
 *
 * @example
 * ```ts
 * import { summarize } from "./measure.ts";
 *
 * const stats = summarize([0.11, 0.12, 0.1]);
 * saveSuite("list", {
 *   method: "tool handler in this process",
 *   timings: [{ key: "list_products.default", scale: "M", label: "default", stats }],
 * });
 * ```
 */
import type { Stats } from "./measure.ts";
import { renderResults } from "./report.ts";

/** One timed series, optionally beside its floor. */
export interface TimingEntry {
  key: string;
  scale: string;
  label: string;
  stats: Stats;
  /** The raw-SQL floor (in-process) or the transport floor (stdio). */
  floor?: Stats;
  /** Requests the fake API answered while this series was measured (must be 0). */
  apiRequests?: number;
  /** When this row was measured (set on save). */
  measuredAt?: string;
}

/** A scalar figure with its unit. */
export type Figure = number | string | boolean | null;

/** What one script measured. */
export interface SuiteResult {
  measuredAt: string;
  /** How the figures were obtained, in a sentence or two. */
  method: string;
  timings?: TimingEntry[];
  figures?: Record<string, Figure>;
}

/** The whole results file. */
export interface Results {
  updatedAt: string;
  machine: { os: string; arch: string; cpus: number | null; deno: string; v8: string; sqlite: string | null };
  suites: Record<string, SuiteResult>;
}

/** `bench/results.json`. */
export const RESULTS_JSON = new URL("../results.json", import.meta.url).pathname;
/** `bench/RESULTS.md`. */
export const RESULTS_MD = new URL("../RESULTS.md", import.meta.url).pathname;

function cpuCount(): number | null {
  try {
    return navigator.hardwareConcurrency ?? null;
  } catch {
    return null;
  }
}

/** The machine the figures come from. */
export function machine(sqliteVersion: string | null = null): Results["machine"] {
  return {
    os: Deno.build.os,
    arch: Deno.build.arch,
    cpus: cpuCount(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    sqlite: sqliteVersion,
  };
}

/** The stored results, or an empty set. */
export function loadResults(): Results {
  try {
    return JSON.parse(Deno.readTextFileSync(RESULTS_JSON)) as Results;
  } catch {
    return { updatedAt: new Date(0).toISOString(), machine: machine(), suites: {} };
  }
}

/** Rounds every number of a stats record to 0.1 µs, so the JSON stays readable. */
function tidy(stats: Stats): Stats {
  const r = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    n: stats.n,
    min: r(stats.min),
    mean: r(stats.mean),
    p50: r(stats.p50),
    p95: r(stats.p95),
    p99: r(stats.p99),
    max: r(stats.max),
  };
}

const SCALE_ORDER: Record<string, number> = { S: 0, M: 1, L: 2 };

function byScaleThenKey(a: TimingEntry, b: TimingEntry): number {
  return (SCALE_ORDER[a.scale] ?? 9) - (SCALE_ORDER[b.scale] ?? 9) || a.key.localeCompare(b.key);
}

/**
 * Stores one suite (its rows replace the stored rows of the same case and scale, its figures those of
 * the same name), writes the JSON and re-renders the Markdown.
 */
export function saveSuite(
  name: string,
  suite: Omit<SuiteResult, "measuredAt">,
  sqliteVersion: string | null = null,
): Results {
  const results = loadResults();
  results.updatedAt = new Date().toISOString();
  const prevSqlite = results.machine?.sqlite ?? null;
  results.machine = machine(sqliteVersion ?? prevSqlite);
  const previous = results.suites[name];
  const timings = suite.timings?.map((t) => ({
    ...t,
    measuredAt: results.updatedAt,
    stats: tidy(t.stats),
    ...(t.floor ? { floor: tidy(t.floor) } : {}),
  }));
  // A partial run (fewer scales, one part of a script) replaces its own rows and keeps the others.
  const fresh = new Set(timings?.map((t) => `${t.key}@${t.scale}`));
  const kept = previous?.timings?.filter((t) => !fresh.has(`${t.key}@${t.scale}`)) ?? [];
  results.suites[name] = {
    measuredAt: results.updatedAt,
    method: suite.method,
    ...(timings ? { timings: [...kept, ...timings].sort(byScaleThenKey) } : {}),
    ...(suite.figures ? { figures: { ...previous?.figures, ...suite.figures } } : {}),
  };
  Deno.writeTextFileSync(RESULTS_JSON, JSON.stringify(results, null, 2) + "\n");
  Deno.writeTextFileSync(RESULTS_MD, renderResults(results));
  return results;
}
