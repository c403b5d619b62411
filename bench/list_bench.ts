/**
 * `list_products` and `list_tests` in-process at S, M and L: the tool handler (what `tools/call`
 * runs between parsing and serialising) beside its floor, the same prepared SQL read straight from
 * `node:sqlite`. Tool and floor are timed in alternation, three rounds of about a second, so noise
 * hits both alike. The fake API counts requests: every figure states that none were made.
 *
 * Run with `deno task bench` (all bench files) or `deno task bench bench/list_bench.ts`;
 * `BENCH_SCALES=S,M` narrows the scales.
 * @module
 */
import { calibrate, interleavedSamples, summarize } from "./lib/measure.ts";
import { listCases } from "./lib/cases.ts";
import { openBenchContext } from "./lib/context.ts";
import { saveSuite, type TimingEntry } from "./lib/results.ts";
import { benchScales, registerDenoBench, sqliteVersion } from "./lib/suite.ts";

const timings: TimingEntry[] = [];
let sqlite: string | null = null;
for (const scale of benchScales()) {
  // Left open for the Deno.bench cases registered below; the process ends after them.
  const bench = await openBenchContext(scale);
  sqlite ??= sqliteVersion(bench.app.db.raw);
  for (const c of await listCases(bench)) {
    const iterations = await calibrate([c.toolOp, c.floorOp], 1_000);
    const before = await bench.apiRequests();
    const rounds = await interleavedSamples({ tool: c.toolOp, floor: c.floorOp }, { rounds: 3, iterations });
    const apiRequests = (await bench.apiRequests()) - before;
    timings.push({
      key: c.key,
      scale,
      label: c.label,
      stats: summarize(rounds.flatMap((r) => r.tool)),
      floor: summarize(rounds.flatMap((r) => r.floor)),
      apiRequests,
    });
    const group = `${scale} ${c.key}`;
    registerDenoBench(`${group} floor`, c.floorOp, { group, baseline: true });
    registerDenoBench(`${group} tool`, c.toolOp, { group });
  }
}

saveSuite("list", {
  method:
    "Tool handler with arguments parsed once by its input schema, on the cached dataset opened through " +
    "`openApp`; real FreshnessService (clock pinned to the end of the dataset's sync) with a live fake API " +
    "beside it. Floor: the repository's count + page SELECT, prepared once. Tool and floor alternate call by " +
    "call, 3 rounds of ~1 s after a warm-up, GC between rounds.",
  timings,
}, sqlite);
