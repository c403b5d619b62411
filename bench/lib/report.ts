/**
 * Renders `bench/RESULTS.md` from the results file: the targets of the benchmarks issue, each beside
 * its measured figure and a verdict, then the detailed tables every figure comes from.
 *
 * @example
 * ```ts
 * import { loadResults } from "./results.ts";
 *
 * Deno.writeTextFileSync("bench/RESULTS.md", renderResults(loadResults()));
 * ```
 */
import { formatMs } from "./measure.ts";
import type { Figure, Results, SuiteResult, TimingEntry } from "./results.ts";
import { scaleTargetsSection } from "./report_scale.ts";

/** A target of the issue and how to read its figure from the results. */
interface Target {
  figure: string;
  target: string;
  /** The measured value as text and whether it meets the target (null: not measured). */
  read(r: Results): { measured: string; pass: boolean | null };
  how: string;
  /** What limits the figure, shown when the target is missed. */
  limits?: (r: Results) => string;
}

const NOT_MEASURED = { measured: "not measured", pass: null };

function timing(r: Results, suite: string, key: string, scale: string): TimingEntry | undefined {
  return r.suites[suite]?.timings?.find((t) => t.key === key && t.scale === scale);
}

function fig(r: Results, suite: string, name: string): Figure | undefined {
  return r.suites[suite]?.figures?.[name];
}

function num(r: Results, suite: string, name: string): number | undefined {
  const v = fig(r, suite, name);
  return typeof v === "number" ? v : undefined;
}

/** Verdict on several p95s against one ceiling. */
function p95Under(entries: (TimingEntry | undefined)[], ceilingMs: number) {
  const present = entries.filter((e): e is TimingEntry => e !== undefined);
  if (!present.length) return NOT_MEASURED;
  return {
    measured: present.map((e) => `${e.key} ${formatMs(e.stats.p95)}`).join(" · "),
    pass: present.every((e) => e.stats.p95 <= ceilingMs),
  };
}

/** The p95 ratio of a tool over its floor. */
export function floorRatio(t: TimingEntry): number {
  return t.floor ? t.stats.p95 / t.floor.p95 : NaN;
}

const LIST_KEYS = [
  "list_products.default",
  "list_products.filtered",
  "list_tests.default",
  "list_tests.filtered",
];

const TARGETS: readonly Target[] = [
  {
    figure: "list_products p95, in-process, L",
    target: "≤ 0.5 ms",
    read: (r) =>
      p95Under([
        timing(r, "list", "list_products.default", "L"),
        timing(r, "list", "list_products.filtered", "L"),
      ], 0.5),
    how: "tool handler in this process on the L cache; default and filtered + re-sorted",
  },
  {
    figure: "list_tests p95, in-process, L (largest product)",
    target: "≤ 0.5 ms",
    read: (r) =>
      p95Under(
        [timing(r, "list", "list_tests.default", "L"), timing(r, "list", "list_tests.filtered", "L")],
        0.5,
      ),
    how: "tool handler (freshness check included) on the product with the most tests",
  },
  {
    figure: "either tool p95 ÷ its raw-SQL floor p95",
    target: "≤ 2",
    read: (r) => {
      const rows = ["M", "L"].flatMap((s) => LIST_KEYS.map((k) => timing(r, "list", k, s)))
        .filter((t): t is TimingEntry => t !== undefined && t.floor !== undefined);
      if (!rows.length) return NOT_MEASURED;
      const worst = rows.reduce((a, b) => (floorRatio(b) > floorRatio(a) ? b : a));
      return {
        measured: `worst ${floorRatio(worst).toFixed(2)} (${worst.key}, ${worst.scale})`,
        pass: rows.every((t) => floorRatio(t) <= 2),
      };
    },
    how: "p95 of the handler ÷ p95 of the same prepared count + page SELECT, M and L, all four cases",
  },
  {
    figure: "either tool p95 over MCP stdio, L",
    target: "≤ 2 ms",
    read: (r) => p95Under(LIST_KEYS.map((k) => timing(r, "stdio", k, "L")), 2),
    how: "SDK client ↔ spawned `main.ts serve --no-sync`, request to parsed response; all four cases",
  },
  {
    figure: "get_test_summary p95 (1,000 bugs)",
    target: "≤ 5 ms",
    read: (r) => {
      const t = timing(r, "summary", "get_test_summary.largest", "L");
      if (!t) return NOT_MEASURED;
      return { measured: `${formatMs(t.stats.p95)} (${t.label})`, pass: t.stats.p95 <= 5 };
    },
    how: "tool handler in this process, the L test with the most bugs",
  },
  {
    figure: "full M sync wall ÷ floor (25 ms latency, concurrency 10)",
    target: "≤ 1.3",
    read: (r) => {
      const ratio = num(r, "sync", "full_m.ratio");
      if (ratio === undefined) return NOT_MEASURED;
      return {
        measured: `${ratio.toFixed(2)} (${formatMs(num(r, "sync", "full_m.wall_ms") ?? NaN)} wall, ${
          num(r, "sync", "full_m.requests")
        } requests, floor ${formatMs(num(r, "sync", "full_m.floor_ms") ?? NaN)})`,
        pass: ratio <= 1.3,
      };
    },
    how: "`SyncEngine.run({mode: full})` in this process; fake API in a child process",
    limits: (r) => {
      const cpu = num(r, "sync", "full_m.cpu_ms_of_sync_process");
      const api = num(r, "sync", "full_m.cpu_ms_of_fake_api_process");
      const floor = num(r, "sync", "full_m.floor_ms");
      if (cpu === undefined || floor === undefined) return "CPU time was not measured.";
      const both = api === undefined ? "" : ` and the fake API ${Math.round(api)} ms`;
      const spread = api === undefined ? cpu : (cpu + api) / 2;
      return `CPU. The sync process used ${Math.round(cpu)} ms of CPU${both}: even spread over both cores ` +
        `that is ${Math.round(spread)} ms, more than 1.3 × the floor (${Math.round(floor * 1.3)} ms). ` +
        "Per bug: JSON.parse of its 2 KB about 6 µs, validation and mapping about 8 µs, its row, four " +
        "indexes and the full-text index about 45 µs, plus the commits of 93 transactions (a page of tests " +
        "or a batch of bugs each, as the sync rules require). With no CPU cost, the request schedule " +
        "itself (products, features, the largest product's 9 pages in order, its last bug batch) needs " +
        "about 300 ms, a ratio of 1.14.";
    },
  },
  {
    figure: "incremental sync, nothing new",
    target: "≤ 1 test-list request per product",
    read: (r) => {
      const per = num(r, "sync", "incremental_m.test_list_per_product");
      if (per === undefined) return NOT_MEASURED;
      return {
        measured: `${per.toFixed(2)} per product (${
          num(r, "sync", "incremental_m.requests")
        } requests in all)`,
        pass: per <= 1,
      };
    },
    how: "incremental run right after the full M sync, requests counted by the fake API",
  },
  {
    figure: "peak RSS, L sync / serve after 10k calls",
    target: "≤ 200 MB / ≤ 120 MB",
    read: (r) => {
      const sync = num(r, "sync", "l.peak_rss_mb");
      const serve = num(r, "memory", "serve.rss_after_mb");
      if (sync === undefined && serve === undefined) return NOT_MEASURED;
      const mb = (v: number | undefined) => (v === undefined ? "not measured" : `${v.toFixed(0)} MB`);
      return {
        measured: `${mb(sync)} / ${mb(serve)}`,
        pass: sync === undefined || serve === undefined ? null : sync <= 200 && serve <= 120,
      };
    },
    how: "VmHWM of a spawned `main.ts sync` (L) / VmRSS of a spawned `serve` after 10,000 tools/call",
  },
  {
    figure: "database size per 1,000 tests with bugs",
    target: "≤ 10 MB",
    read: (r) => {
      const m = num(r, "memory", "size.M.mb_per_1000_tests");
      const l = num(r, "memory", "size.L.mb_per_1000_tests");
      if (m === undefined && l === undefined) return NOT_MEASURED;
      const mc = num(r, "memory", "size.M.mb_per_1000_tests_compacted");
      const lc = num(r, "memory", "size.L.mb_per_1000_tests_compacted");
      const mb = (v: number | undefined) => (v === undefined ? "–" : `${v.toFixed(1)} MB`);
      return {
        measured: `M ${mb(m)} (${mb(mc)} after VACUUM) · L ${mb(l)} (${mb(lc)} after VACUUM)`,
        // The file as a sync leaves it is what counts.
        pass: [m, l].every((v) => v === undefined || v <= 10),
      };
    },
    how:
      "file size after a full sync and checkpoint ÷ tests × 1,000; in brackets the same cache after VACUUM",
    limits: (r) => {
      const perBug = num(r, "memory", "size.L.bytes_per_bug");
      return `Bytes per bug. L has 20 bugs a test, so 10 MB per 1,000 tests leaves 500 bytes a bug with its ` +
        `share of everything else; the L cache holds ${perBug ?? "?"} bytes a bug. Its row is about 350 ` +
        "bytes, 270 of them its own text (title, steps, expected and actual result, location); its " +
        "full-text postings about 170 bytes; the indexes the analytics and lists need about 180 bytes. " +
        "Pages split by batches that commit out of id order add 10–20 % until a VACUUM, which the program " +
        "cannot run itself: Deno permits VACUUM only in a process with every permission (see " +
        "docs/troubleshooting.md for `sqlite3 cache.db VACUUM`). Getting under " +
        "the target needs compressed text or a smaller full-text index (no positions, which gives up phrase " +
        "queries), and compression costs the sync target CPU.";
    },
  },
];

function verdict(pass: boolean | null): string {
  return pass === null ? "–" : pass ? "✅ met" : "❌ missed";
}

function statsCells(t: TimingEntry): string {
  const s = t.stats;
  return `${formatMs(s.p50)} | **${formatMs(s.p95)}** | ${formatMs(s.p99)} | ${formatMs(s.max)} | ${s.n}`;
}

function timingTable(suite: SuiteResult | undefined, floorName: string): string {
  if (!suite?.timings?.length) return "_Not measured yet._\n";
  const lines = [
    `| Scale | Case | p50 | p95 | p99 | max | n | ${floorName} p50 | ${floorName} p95 | p95 ÷ ${floorName} | API requests |`,
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const t of suite.timings) {
    const f = t.floor;
    lines.push(
      `| ${t.scale} | ${t.label} | ${statsCells(t)} | ${f ? formatMs(f.p50) : "–"} | ${
        f ? formatMs(f.p95) : "–"
      } | ${f ? floorRatio(t).toFixed(2) : "–"} | ${t.apiRequests ?? "–"} |`,
    );
  }
  return lines.join("\n") + "\n";
}

function figureValue(v: Figure): string {
  if (typeof v === "number") return v.toLocaleString("en-US", { maximumFractionDigits: 3 });
  return String(v);
}

function figuresTable(suite: SuiteResult | undefined): string {
  if (!suite?.figures) return "_Not measured yet._\n";
  const lines = ["| Figure | Value |", "|---|---|"];
  for (const [k, v] of Object.entries(suite.figures)) lines.push(`| ${k} | ${figureValue(v)} |`);
  return lines.join("\n") + "\n";
}

function section(title: string, suite: SuiteResult | undefined, body: string): string {
  const when = suite ? ` _(measured ${suite.measuredAt})_` : "";
  const method = suite?.method ? `\n${suite.method}\n` : "";
  return `## ${title}${when}\n${method}\n${body}\n`;
}

/** What limits each missed target, as a list under the targets table ("" when none is missed). */
function limitsSection(r: Results): string {
  const missed = TARGETS.filter((t) => t.limits && t.read(r).pass === false);
  if (!missed.length) return "";
  return `\nWhat limits the missed targets:\n\n${
    missed.map((t) => `- **${t.figure}**: ${t.limits!(r)}`).join("\n")
  }\n`;
}

/**
 * Measurements behind settings in the code, taken once by hand when the setting was chosen (on the
 * machine of the tables above). The code comments point here instead of carrying the figures.
 */
export const TUNING_NOTES = `## Tuning

- **Server page cache** (\`SERVER_CACHE_MIB\`, \`src/app.ts\`): \`serve\` after 10,000 tool calls at
  scale L held 135 MB RSS with 32 MiB, 120 MB with 16 MiB and 116 MB with 12 MiB; every list p95 stayed
  inside its gate.
- **Sync page cache** (\`SYNC_CACHE_MIB\`, \`src/app.ts\`): a full sync of scale L peaked at 203 MB RSS
  with 32 MiB and 186–195 MB with 16 MiB, at the same speed (50–55 s); with 12 MiB it took longer.
- **V8 heap flags** (\`MEMORY_FLAGS\`, \`src/cli/permissions.ts\`): a spawned \`serve\` answering 10,000
  tool calls went from 121 → 252 MB RSS with V8's defaults to 95 → 105 MB with the flags, for about 8 %
  more CPU per call; a full sync at scale L peaked at 535 MB with the defaults and 268 MB with the flags,
  taking about 20 % longer.
- **Reading the next test page ahead** (\`src/sync/discovery.ts\`): only while the request limit has
  room; with requests queueing, a full sync of 100 products peaked 25 MB higher.
- **VACUUM after migrations** (\`src/db/migrations.ts\`): temp_store MEMORY held a copy of the cache,
  300 MB more RSS at 400,000 bugs; a 2 MiB page cache took the same 2.1–2.6 s as 16 MiB at 400,000 bugs,
  with 35 MB less RSS.
- **Commands loaded lazily** (\`main.ts\`): a \`sync\` process that does not load the MCP server, the fake
  API, setup and doctor holds about 30 MB less resident memory.
- **Validating tests and bugs** (\`src/testio/schemas.ts\`): on the M dataset, a plain \`z.object\` shape
  plus a mapping function took 8 µs per bug; a transform per field with loose objects and a sanitised
  raw copy took 22 µs; the mapping as a zod \`.transform\` took 10.5 µs (its pipe alone costs more than
  the mapping).
- **Positional parameters** (\`src/db/repos/base.ts\`): a 21-column bug insert took 20 µs with named
  parameters and 4.5 µs with the same values bound by position.
- **Array rows for list pages** (\`src/db/repos/base.ts\`): 50 products took 65 µs as row objects, 46 µs as
  arrays and 140 µs once copied into output objects.
- **Damage check at open** (\`FULL_CHECK_MAX_BYTES\`, \`src/db/database.ts\`): \`PRAGMA quick_check\` on the
  8.6 MB cache of scale M took 28–95 ms (the whole open 81–152 ms, 0.4 s from a cold disk); on the 352 MB
  cache of scale L 2.3–6.6 s, and checking every table but bugs and the search index 150–187 ms.
- **Platform counts of a test** (\`src/db/repos/bugs.ts\`): for a test with 1,200 bugs, grouping identical
  device lists took 0.7 ms where three \`json_each\` facet queries took 5 ms.
- **Search filters** (\`src/db/repos/search.ts\`): checking a match by its source row costs about 1.5 µs a
  match on 400,000 bugs, reading a product's ids from its index about 0.4 µs a row; a filtered count
  run separately from the ranking took 80 ms instead of 42 ms; unfiltered, FTS5 counts 25,000 matches in
  1 ms.
- **Platform dimension of the metric cube** (\`src/db/repos/analytics.ts\`): without the needless DISTINCT,
  the platform dimension over 400,000 bugs went from 1.1 s to 0.5 s (3.4 s when it parsed every bug's
  device JSON).
- **Freshness candidates** (\`src/db/repos/tests.ts\`): reading every test of a product cost about 1 ms at
  650 tests; the partial indexes read no rows when nothing is stale.
- **Plain check of bug records** (\`isBugRecord\`, \`src/testio/schemas/bug.ts\`): replaying the 47,715
  bugs of 10 products at scale L (decode, parse, validate, write), validation and mapping took 9–20 µs a
  bug with the check and 33–47 µs through zod, run in turns (load average 6.9–7.7).
- **Shared commits and the checkpointer** (\`src/sync/write_queue.ts\`, \`src/db/checkpointer.ts\`): in
  the same replay, a commit per bug batch cost 20–23 µs of CPU and 68–122 µs of wall time a bug, 5 batches
  per commit 9–15 µs and 35–72 µs, and without the writer's automatic checkpoints 5 µs and 12–25 µs (the
  rest is copying the WAL into the file and waiting for its fsyncs). In a sync of those 10 products, commits
  took 17 % of the main thread's samples with the checkpoints in the writer and 7 % with them in the
  worker, for the same main-thread CPU (117–120 µs a bug) and 14.2 s instead of 17.7 s (load 6–7).
- **Bug indexes of a first load** (\`BugsRepo.deferIndexes\`, \`src/db/repos/bugs.ts\`): in the replay,
  writing bugs without the four secondary indexes other than bugs_cube took 64 µs of thread CPU a bug
  instead of 77; building them afterwards over 380,000 bugs took 2.9 s (about 8 µs a bug, load 5). Adding
  the search rows after the load too saved nothing (11 µs a bug in one pass, about 12 µs batch by batch),
  so they are still written with each batch. With the connection's settings (temp_store MEMORY, 32 MiB
  page cache) the index sorts added 63 MB to the peak RSS, an INSERT … SELECT into the search index 62 MB
  more; with temp_store FILE and a 4 MiB cache for the build, 2 MB.
`;

/** The Markdown of `bench/RESULTS.md`. */
export function renderResults(r: Results): string {
  const m = r.machine;
  const head = `# Benchmark results

Written by \`deno task bench\`, \`bench:sync\`, \`bench:memory\` and \`bench:gate\` from
\`bench/results.json\`; do not edit by hand. Last update ${r.updatedAt} on ${m.os}/${m.arch}, ${
    m.cpus ?? "?"
  } CPUs, Deno ${m.deno} (V8 ${m.v8})${m.sqlite ? `, SQLite ${m.sqlite}` : ""}. Times are per call, measured
one by one with \`performance.now()\` after a warm-up (\`bench/lib/measure.ts\`); p95 is the nearest-rank
95th percentile. Datasets are synced from the fake API with the real sync engine (\`bench/dataset.ts\`):
S ≈ 4 products / 130 tests / 2,200 bugs, M ≈ 6 / 720 / 8,000, L ≈ 100 / 20,000 / 400,000.

## Targets (issue 6)

| Figure | Target | Measured | Verdict | How measured |
|---|---|---|---|---|
${
    TARGETS.map((t) => {
      const { measured, pass } = t.read(r);
      return `| ${t.figure} | ${t.target} | ${measured} | ${verdict(pass)} | ${t.how} |`;
    }).join("\n")
  }
${limitsSection(r)}
`;
  const s = r.suites;
  return head + "\n" + scaleTargetsSection(r) + "\n" +
    section("In-process tool calls beside their raw-SQL floor", s.list, timingTable(s.list, "floor")) +
    section(
      "MCP stdio round trips beside the transport floor (ping)",
      s.stdio,
      timingTable(s.stdio, "ping"),
    ) +
    section("Summaries and reports", s.summary, timingTable(s.summary, "floor")) +
    section("Regression gate (last run)", s.gate, figuresTable(s.gate)) +
    section("Sync", s.sync, figuresTable(s.sync)) +
    section("Memory and database size", s.memory, figuresTable(s.memory)) +
    section("Datasets", s.datasets, figuresTable(s.datasets)) +
    section("Views: dashboard render in headless Chromium (issue 13)", s.views, figuresTable(s.views)) +
    TUNING_NOTES;
}
