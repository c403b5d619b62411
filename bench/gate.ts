/**
 * The p95 regression gate: exits 1 when `list_products` or `list_tests` (default page and the
 * filtered + re-sorted variant) has a p95 above its ceiling (15 ms / 20 ms) or more than 3× the p95 of
 * its raw-SQL floor, or when an analytics read (`search` for two words each in ≥ 30 % of bugs,
 * `generate_quality_report` over every product, `query_metrics` by each dimension over every product)
 * has a p95 above its ceiling (50 / 100 / 200 ms; bench/lib/read_cases.ts). Run by
 * `deno task bench:gate` at S, M and L, `--scale L` (repeatable) for chosen scales, or `--short` (S
 * and M, five query_metrics dimensions; what CI runs).
 * `--record` also writes the outcome to `bench/results.json` and `bench/RESULTS.md`.
 *
 * Built to hold on a busy two-core machine without loosening what it checks:
 * - tool and floor are timed in alternation, call by call, so noise falls on both alike;
 * - five independent rounds (garbage collected between them) after a warm-up; the gate takes the
 *   median of the five per-round ratios and of the five per-round p95s, so one disturbed round
 *   neither fails nor passes a case;
 * - a floor below 50 µs counts as 50 µs: at that size scheduler and timer jitter are as large as the
 *   floor itself, and a ratio of two jitters says nothing;
 * - a failing case is measured once more from scratch, and fails the gate only if it fails again.
 *
 * @example
 * ```sh
 * deno task bench:gate --short
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import type { Scale } from "../src/testio/fake/mod.ts";
import {
  calibrate,
  collectGarbage,
  formatMs,
  gcExposed,
  interleaved,
  measure,
  median,
} from "./lib/measure.ts";
import { type ReadCase, readCases } from "./lib/read_cases.ts";
import { type ListCase, listCases } from "./lib/cases.ts";
import { openBenchContext } from "./lib/context.ts";
import { type Figure, saveSuite } from "./lib/results.ts";

/** p95 ceilings per tool (the old system's gates). */
export const CEILING_MS: Readonly<Record<string, number>> = { list_products: 15, list_tests: 20 };
/** Most a tool's p95 may be over its floor's. */
export const MAX_FLOOR_RATIO = 3;
/** Floors below this count as this much (see the module notes). */
export const FLOOR_MIN_MS = 0.05;

const ROUNDS = 5;
/** Time one interleaved round aims at. */
const ROUND_BUDGET_MS = 300;

/** The verdict on one case. */
export interface GateCase {
  scale: Scale;
  key: string;
  toolP95: number;
  floorP95: number;
  /** Median of the per-round ratios, floor clamped to {@link FLOOR_MIN_MS}. */
  ratio: number;
  ceiling: number;
  attempts: number;
  pass: boolean;
}

async function measureCase(
  toolOp: () => unknown,
  floorOp: () => unknown,
): Promise<{ toolP95: number; floorP95: number; ratio: number }> {
  const iterations = await calibrate([toolOp, floorOp], ROUND_BUDGET_MS, 200, 10_000);
  const rounds = await interleaved({ tool: toolOp, floor: floorOp }, {
    rounds: ROUNDS,
    iterations,
    warmup: 200,
  });
  return {
    toolP95: median(rounds.map((r) => r.tool.p95)),
    floorP95: median(rounds.map((r) => r.floor.p95)),
    ratio: median(rounds.map((r) => r.tool.p95 / Math.max(r.floor.p95, FLOOR_MIN_MS))),
  };
}

/** Measures one case (twice when the first measurement fails) and judges it. */
export async function judgeCase(scale: Scale, c: ListCase): Promise<GateCase> {
  const ceiling = CEILING_MS[c.tool];
  let attempts = 0;
  let m: Awaited<ReturnType<typeof measureCase>>;
  let pass: boolean;
  do {
    attempts++;
    m = await measureCase(c.toolOp, c.floorOp);
    pass = m.toolP95 < ceiling && m.ratio <= MAX_FLOOR_RATIO;
  } while (!pass && attempts < 2);
  return { scale, key: c.key, ...m, ceiling, attempts, pass };
}

/** One line of the gate's output. */
export function describeCase(r: GateCase): string {
  if (r.floorP95 === 0) {
    return `${r.pass ? "ok  " : "FAIL"} ${r.scale} ${r.key.padEnd(31)} p95 ${
      formatMs(r.toolP95).padStart(9)
    } ` +
      `(< ${r.ceiling} ms)${r.attempts > 1 ? `  [after ${r.attempts} attempts]` : ""}`;
  }
  return `${r.pass ? "ok  " : "FAIL"} ${r.scale} ${r.key.padEnd(23)} p95 ${
    formatMs(r.toolP95).padStart(9)
  } ` +
    `(< ${r.ceiling} ms)  floor ${formatMs(r.floorP95).padStart(9)}  ratio ${r.ratio.toFixed(2)} ` +
    `(≤ ${MAX_FLOOR_RATIO})${r.attempts > 1 ? `  [after ${r.attempts} attempts]` : ""}`;
}

/** Timed calls per round of a read case (they take milliseconds, not microseconds). */
const READ_ITERATIONS = 10;
/** Rounds of a read case. */
const READ_ROUNDS = 3;
/**
 * The query_metrics dimensions the short gate checks: the costliest at L (bug-level joins, the user
 * tables, the finest time buckets) and the product; the full gate checks every dimension.
 */
export const SHORT_GATE_DIMENSIONS = ["product", "feature", "platform", "tester", "week"] as const;

/**
 * Measures a read case: {@link READ_ROUNDS} rounds of {@link READ_ITERATIONS} calls after a warm-up, the median of
 * the per-round p95s against the ceiling; a failing case is measured once more.
 */
export async function judgeReadCase(scale: Scale, c: ReadCase): Promise<GateCase> {
  let attempts = 0;
  let p95: number;
  do {
    attempts++;
    const rounds: number[] = [];
    for (let i = 0; i < READ_ROUNDS; i++) {
      collectGarbage();
      const stats = await measure(c.toolOp, {
        warmup: i === 0 ? 5 : 1,
        warmupMs: 0,
        minIterations: READ_ITERATIONS,
        minTimeMs: 0,
        maxIterations: READ_ITERATIONS,
      });
      rounds.push(stats.p95);
    }
    p95 = median(rounds);
  } while (p95 >= c.ceilingMs && attempts < 2);
  return {
    scale,
    key: c.key,
    toolP95: p95,
    floorP95: 0,
    ratio: 0,
    ceiling: c.ceilingMs,
    attempts,
    pass: p95 < c.ceilingMs,
  };
}

/** Measures and judges every list and read case at `scales`. */
export async function runGate(
  scales: readonly Scale[],
  log: (line: string) => void,
  dimensions?: readonly string[],
): Promise<GateCase[]> {
  const results: GateCase[] = [];
  for (const scale of scales) {
    await using bench = await openBenchContext(scale);
    const before = await bench.apiRequests();
    for (const c of await listCases(bench)) {
      const r = await judgeCase(scale, c);
      results.push(r);
      log(describeCase(r));
    }
    for (const c of await readCases(bench, dimensions)) {
      const r = await judgeReadCase(scale, c);
      results.push(r);
      log(describeCase(r));
    }
    const requests = (await bench.apiRequests()) - before;
    if (requests) {
      throw new Error(`${scale}: the measured calls made ${requests} API requests; expected none`);
    }
  }
  return results;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      short: { type: "boolean", default: false },
      record: { type: "boolean", default: false },
      scale: { type: "string", multiple: true },
    },
  });
  const scales =
    (values.scale?.length ? values.scale : values.short ? ["S", "M"] : ["S", "M", "L"]) as Scale[];
  if (!gcExposed()) console.error("note: run with --v8-flags=--expose-gc to collect garbage between rounds");
  const started = performance.now();
  const results = await runGate(
    scales,
    (line) => console.log(line),
    values.short ? SHORT_GATE_DIMENSIONS : undefined,
  );
  const seconds = (performance.now() - started) / 1000;
  const failed = results.filter((r) => !r.pass);
  console.log(
    `${failed.length ? "FAILED" : "passed"}: ${results.length - failed.length}/${results.length} cases in ` +
      `${seconds.toFixed(0)} s (scales ${scales.join(", ")})`,
  );
  if (values.record) {
    const figures: Record<string, Figure> = {
      scales: scales.join(", "),
      seconds: Math.round(seconds),
      verdict: failed.length ? `failed (${failed.map((f) => `${f.scale} ${f.key}`).join(", ")})` : "passed",
    };
    for (const r of results) {
      figures[`${r.scale} ${r.key}: p95 ms (ceiling ${r.ceiling})`] = Math.round(r.toolP95 * 1000) / 1000;
      if (r.floorP95) {
        figures[`${r.scale} ${r.key}: p95 ÷ floor (≤ ${MAX_FLOOR_RATIO})`] = Math.round(r.ratio * 100) / 100;
      }
    }
    saveSuite("gate", {
      method:
        `Interleaved tool/floor calls, ${ROUNDS} rounds of ~${ROUND_BUDGET_MS} ms; median of per-round ` +
        `p95 and of per-round ratios (floors below ${FLOOR_MIN_MS * 1000} µs count as ${
          FLOOR_MIN_MS * 1000
        } µs); a failing case is re-measured once.`,
      figures,
    });
  }
  Deno.exit(failed.length ? 1 : 0);
}
