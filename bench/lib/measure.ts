/**
 * Per-iteration timing with percentiles. `deno bench` prints averages and p75/p99 of batches; the
 * gates need p95 of single calls, so every call is timed on its own with `performance.now()` after an
 * untimed warm-up, with a garbage collection before each measured group (when the process runs with
 * `--v8-flags=--expose-gc`) so one group's garbage is not collected on the next group's clock.
 *
 * @example
 * ```ts
 * const rows = Array.from({ length: 1000 }, (_, i) => i);
 * const stats = await measure(() => rows.filter((n) => n % 7 === 0), { minIterations: 2_000 });
 * console.log(formatMs(stats.p95));
 * ```
 */

/** Percentiles of one series of timings, in milliseconds. */
export interface Stats {
  /** Timed calls. */
  n: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** A measured operation; a returned promise is awaited inside the timed span. */
export type Op = () => unknown;

/** How long and how often to measure. */
export interface MeasureOptions {
  /** Untimed calls before measuring (default 50). */
  warmup?: number;
  /** Keep warming up until this much time has passed too, in ms (default 200). */
  warmupMs?: number;
  /** Timed calls at least (default 1,000). */
  minIterations?: number;
  /** Keep measuring until this much time has passed too, in ms (default 1,000). */
  minTimeMs?: number;
  /** Stop after this many timed calls (default 200,000). */
  maxIterations?: number;
  /** Stop after this long even below `minIterations`, in ms (default 30,000). */
  maxTimeMs?: number;
}

const DEFAULTS: Required<MeasureOptions> = {
  warmup: 50,
  warmupMs: 200,
  minIterations: 1_000,
  minTimeMs: 1_000,
  maxIterations: 200_000,
  maxTimeMs: 30_000,
};

/** Nearest-rank percentile of an ascending series (`p` in 0–100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Percentiles of a series of timings (ms). */
export function summarize(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((s, x) => s + x, 0);
  return {
    n: sorted.length,
    min: sorted[0] ?? NaN,
    mean: sorted.length ? sum / sorted.length : NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

/** Whether the process was started with `--v8-flags=--expose-gc`. */
export function gcExposed(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === "function";
}

/** Runs a full garbage collection when the runtime exposes one; otherwise does nothing. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc === "function") gc();
}

function isPromise(v: unknown): v is Promise<unknown> {
  return typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
}

/**
 * Times one call. A synchronous op is timed without an `await`, so a microtask turn is not charged to
 * it.
 */
export async function timeOnce(op: Op): Promise<number> {
  const started = performance.now();
  const r = op();
  if (isPromise(r)) await r;
  return performance.now() - started;
}

/** Untimed calls until both the count and the time of the warm-up are reached. */
export async function warmUp(op: Op, count: number, ms: number): Promise<void> {
  const started = performance.now();
  for (let i = 0; i < count || performance.now() - started < ms; i++) {
    const r = op();
    if (isPromise(r)) await r;
  }
}

/** Warms up, collects garbage, then times calls one by one; returns the timings in ms. */
export async function sample(op: Op, options: MeasureOptions = {}): Promise<number[]> {
  const o = { ...DEFAULTS, ...options };
  await warmUp(op, o.warmup, o.warmupMs);
  collectGarbage();
  const samples: number[] = [];
  const started = performance.now();
  while (samples.length < o.maxIterations) {
    const elapsed = performance.now() - started;
    if (samples.length >= o.minIterations && elapsed >= o.minTimeMs) break;
    if (elapsed >= o.maxTimeMs && samples.length >= 20) break;
    samples.push(await timeOnce(op));
  }
  return samples;
}

/** {@link sample} summarised. */
export async function measure(op: Op, options: MeasureOptions = {}): Promise<Stats> {
  return summarize(await sample(op, options));
}

/** Options of {@link interleaved}. */
export interface InterleaveOptions {
  /** Independent rounds, each starting with a garbage collection (default 5). */
  rounds?: number;
  /** Timed calls of every op per round (default 1,000). */
  iterations?: number;
  /** Untimed calls of every op before the first round (default 200). */
  warmup?: number;
}

/**
 * Times several ops in alternation (a, b, b, a, a, b, …) so machine noise falls on all of them
 * alike: returns, per round, the timings of every op. Each round starts with a garbage collection.
 */
export async function interleavedSamples<K extends string>(
  ops: Record<K, Op>,
  options: InterleaveOptions = {},
): Promise<Record<K, number[]>[]> {
  const rounds = options.rounds ?? 5;
  const iterations = options.iterations ?? 1_000;
  const keys = Object.keys(ops) as K[];
  for (const k of keys) await warmUp(ops[k], options.warmup ?? 200, 0);
  const result: Record<K, number[]>[] = [];
  for (let r = 0; r < rounds; r++) {
    collectGarbage();
    const samples = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
    for (let i = 0; i < iterations; i++) {
      const order = i % 2 === 0 ? keys : [...keys].reverse();
      for (const k of order) samples[k].push(await timeOnce(ops[k]));
    }
    result.push(samples);
  }
  return result;
}

/**
 * {@link interleavedSamples} summarised per round. Ratios between ops of the same round are far
 * steadier than absolute times on a busy machine.
 */
export async function interleaved<K extends string>(
  ops: Record<K, Op>,
  options: InterleaveOptions = {},
): Promise<Record<K, Stats>[]> {
  const rounds = await interleavedSamples(ops, options);
  return rounds.map((round) =>
    Object.fromEntries(Object.entries<number[]>(round).map(([k, v]) => [k, summarize(v)])) as Record<K, Stats>
  );
}

/**
 * How many interleaved iterations fill about `budgetMs` per round, from a short timing of each op,
 * kept within `[min, max]`.
 */
export async function calibrate(
  ops: readonly Op[],
  budgetMs: number,
  min = 200,
  max = 20_000,
): Promise<number> {
  let perIteration = 0;
  for (const op of ops) {
    await warmUp(op, 20, 50);
    const t = await sample(op, { warmup: 0, warmupMs: 0, minIterations: 20, minTimeMs: 50 });
    perIteration += summarize(t).p50;
  }
  return Math.max(min, Math.min(max, Math.round(budgetMs / Math.max(perIteration, 1e-3))));
}

/** The median of a series (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** A duration for people: "12.3 µs", "0.412 ms", "1.25 s". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "–";
  if (ms < 0.1) return `${(ms * 1000).toFixed(1)} µs`;
  if (ms < 10) return `${ms.toFixed(3)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}
