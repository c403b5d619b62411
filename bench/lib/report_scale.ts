/**
 * The targets of the scale issue (sync and analytics at 400,000 bugs) for `bench/RESULTS.md`, each
 * read from the suites that measure it: `sync` (`deno task bench:sync`), `gate` with L
 * (`deno task bench:gate --scale L --record`) and `memory` (`deno task bench:memory`).
 *
 * @example
 * ```ts
 * import { loadResults } from "./results.ts";
 * const markdown = scaleTargetsSection(loadResults());
 * ```
 * @module
 */
import type { Figure, Results } from "./results.ts";

interface ScaleTarget {
  figure: string;
  target: string;
  read(r: Results): { measured: string; pass: boolean | null };
  command: string;
  /** What limits the figure. */
  limits: string;
}

function num(r: Results, suite: string, name: string): number | undefined {
  const v: Figure | undefined = r.suites[suite]?.figures?.[name];
  return typeof v === "number" ? v : undefined;
}

/** A figure against an upper bound; "not measured" when absent. */
function atMost(value: number | undefined, bound: number, unit: string, digits = 0) {
  if (value === undefined) return { measured: "not measured", pass: null };
  return { measured: `${value.toFixed(digits)}${unit}`, pass: value <= bound };
}

/** The p95 of a read case of the L gate. */
function gateP95(r: Results, key: string): number | undefined {
  const figures = r.suites.gate?.figures ?? {};
  const name = Object.keys(figures).find((k) => k.startsWith(`L ${key}: p95 ms`));
  const v = name ? figures[name] : undefined;
  return typeof v === "number" ? v : undefined;
}

const TARGETS: ScaleTarget[] = [
  {
    figure: "full L sync wall ÷ network floor (100 ms latency, concurrency 10, shipped flags)",
    target: "≤ 1.3",
    read: (r) => atMost(num(r, "sync", "l.ratio"), 1.3, "", 2),
    command: "deno task bench:sync (part 3)",
    limits: "CPU of the sync process's main thread: UTF-8 decoding and JSON.parse of the answers, SQLite " +
      "statements (bug rows, bugs_cube, full-text postings, per-test counts and facets) and commits run " +
      "there, so the run lasts as long as that CPU whenever it exceeds the request schedule; checkpoints " +
      "run in a worker; the fake API (another process) takes a fifth of the two cores",
  },
  {
    figure: "sync CPU per bug (user + system, L)",
    target: "≤ 60 µs",
    read: (r) => atMost(num(r, "sync", "l.cpu_us_per_bug"), 60, " µs"),
    command: "deno task bench:sync (part 3)",
    limits: "per bug: SQLite statements and commits (about half, profiled), UTF-8 decoding and JSON.parse " +
      "of bodies that repeat each bug's product and feature (about a fifth), garbage collection under " +
      "--optimize-for-size and a 1 MB semi-space, which the sync keeps to hold its peak RSS (without it, " +
      "24–32 % less CPU a bug at L but a 270–300 MB peak)",
  },
  {
    figure: "peak RSS of the L sync / serve after 10,000 calls",
    target: "≤ 200 / 120 MB",
    read: (r) => {
      const sync = num(r, "sync", "l.peak_rss_mb");
      const serve = num(r, "memory", "serve.rss_after_mb");
      if (sync === undefined || serve === undefined) return { measured: "not measured", pass: null };
      return { measured: `${sync.toFixed(0)} / ${serve.toFixed(0)} MB`, pass: sync <= 200 && serve <= 120 };
    },
    command: "deno task bench:sync (part 3), deno task bench:memory",
    limits: "sync: parsed answers in flight (10 requests), the SQLite page cache (16 MiB) and the " +
      "checkpointing worker; serve: the V8 heap of the server and its 12 MiB page cache",
  },
  {
    figure: "list_tests / get_test_summary p95 while a full L sync writes",
    target: "≤ 5 ms",
    read: (r) => {
      const a = num(r, "sync", "l.during_sync.list_tests.p95_ms");
      const b = num(r, "sync", "l.during_sync.get_test_summary.p95_ms");
      if (a === undefined || b === undefined) return { measured: "not measured", pass: null };
      return { measured: `${a.toFixed(2)} / ${b.toFixed(2)} ms`, pass: a <= 5 && b <= 5 };
    },
    command: "deno task bench:sync (part 3)",
    limits: "readers never wait for the writer (WAL); what remains is CPU contention with the sync and the " +
      "fake API on two cores",
  },
  {
    figure: "search p95 at L, two words each in ≥ 30 % of bugs",
    target: "≤ 50 ms",
    read: (r) => atMost(gateP95(r, "search.common_words"), 50, " ms", 1),
    command: "deno task bench:gate --scale L --record",
    limits: "two passes over the words' whole doclists: the exact count of every match (about 33 ms at L), " +
      "and BM25's statistics, which count the documents of each word, for the one ranked run over the " +
      "product and feature matches and the newest 1,000 test and bug matches (about 20 ms)",
  },
  {
    figure: "generate_quality_report p95, all products at L",
    target: "≤ 100 ms",
    read: (r) => atMost(gateP95(r, "quality_report.all"), 100, " ms", 1),
    command: "deno task bench:gate --scale L --record",
    limits: "measured inside one call at load 3: the two rejection-driver groupings about 55 ms each (the " +
      "91,000 rejected bugs read in group order from their partial indexes and kept when their test is in " +
      "scope; counts per test would not shrink them: 72,000 test-feature-reason and 91,000 " +
      "test-tester-reason pairs), bug groups and months from the per-test counts about 58 ms (29 sums over " +
      "20,000 tests), test groups 12 ms, the rest (freshness check, building the answer) about 50 ms; next " +
      "step: rejection counts kept per product and month of the tests' end",
  },
  {
    figure: "query_metrics p95, any one dimension over all products at L (worst dimension)",
    target: "≤ 200 ms",
    read: (r) => {
      const figures = r.suites.gate?.figures ?? {};
      const worst =
        Object.entries(figures).filter(([k, v]) =>
          k.startsWith("L query_metrics.") && k.includes(": p95 ms") && typeof v === "number"
        ).sort((a, b) => (b[1] as number) - (a[1] as number))[0];
      if (!worst) return { measured: "not measured", pass: null };
      const v = worst[1] as number;
      return { measured: `${v.toFixed(0)} ms (${worst[0].split(":")[0].slice(2)})`, pass: v <= 200 };
    },
    command: "deno task bench:gate --scale L --record",
    limits: "tester is the slowest: 800 testers report on nearly every test, so counts per test and tester " +
      "would be as many as the bugs; the bugs are read in tester order from the index bugs_by_tester and kept " +
      "when their test is in scope (400,000 index entries); every other dimension sums counts kept per test " +
      "(test_bug_counts, test_bug_facets: docs/large-caches.md)",
  },
  {
    figure: "cache bytes per bug at L, all included",
    target: "≤ 700",
    read: (r) => atMost(num(r, "memory", "size.L.bytes_per_bug"), 700, " B"),
    command: "deno task bench:memory",
    limits: "each bug's own text (about 270 bytes), its full-text postings with positions (phrase search " +
      "kept), and the indexes lists and analytics use",
  },
  {
    figure: "incremental sync with nothing new",
    target: "1 request per product",
    read: (r) => {
      const per = num(r, "sync", "incremental_m.test_list_per_product");
      return per === undefined
        ? { measured: "not measured", pass: null }
        : { measured: `${per.toFixed(2)} per product`, pass: per <= 1 };
    },
    command: "deno task bench:sync (part 2)",
    limits: "one test-list page per product is the least that can show nothing is new",
  },
];

/** The scale targets as a Markdown section. */
export function scaleTargetsSection(r: Results): string {
  const rows = TARGETS.map((t) => {
    const { measured, pass } = t.read(r);
    const verdict = pass === null ? "–" : pass ? "✅ met" : "❌ missed";
    return `| ${t.figure} | ${t.target} | ${measured} | ${verdict} | \`${t.command}\` | ${t.limits} |`;
  });
  return `## Targets (sync and analytics at 400,000 bugs)

Wall figures depend on how busy the machine is: the sync suite records the load average next to them
(\`l.load_average_1min_at_end\`), and a figure measured on a shared, loaded machine is an upper bound.
Re-run the three commands on a quiet machine before judging a verdict.

| Figure | Target | Measured | Verdict | Command | What limits it |
|---|---|---|---|---|---|
${rows.join("\n")}
`;
}
