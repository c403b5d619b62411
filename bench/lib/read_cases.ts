/**
 * The analytics read cases: `search` for two words that each occur in at least 30 % of the bugs,
 * `generate_quality_report` over every product, and `query_metrics` by each dimension over every
 * product. Each has a p95 ceiling (the goals of the scale work); the gate checks them like the list
 * cases, without a raw-SQL floor (their cost is the query itself).
 *
 * @example
 * ```ts
 * import type { BenchContext } from "./context.ts";
 * import { measure } from "./measure.ts";
 * declare const bench: BenchContext;
 *
 * for (const c of await readCases(bench)) console.log(c.key, await measure(c.toolOp));
 * ```
 * @module
 */
import { DIMENSION_KEYS } from "../../src/domain/metrics.ts";
import type { BenchContext } from "./context.ts";
import type { Op } from "./measure.ts";

/** A read tool call with its p95 ceiling. */
export interface ReadCase {
  key: string;
  tool: string;
  label: string;
  args: Record<string, unknown>;
  toolOp: Op;
  /** p95 ceiling, ms. */
  ceilingMs: number;
}

/** p95 ceilings, ms. */
export const READ_CEILING_MS = { search: 50, generate_quality_report: 100, query_metrics: 200 } as const;

/**
 * The two most frequent words of bug text that each occur in at least `share` of the bugs (fewer
 * when no such words exist; then the most frequent ones).
 */
export function commonBugWords(bench: BenchContext, share = 0.3): { words: string[]; shares: number[] } {
  const raw = bench.app.db.raw;
  const bugs = Number((raw.prepare("SELECT count(*) AS n FROM bugs").get() as { n: number }).n);
  const candidates = (raw.prepare(
    "SELECT term FROM search_vocab WHERE length(term) > 3 AND term NOT GLOB '*[0-9]*' ORDER BY doc DESC LIMIT 40",
  ).all() as { term: string }[]).map((r) => r.term);
  const count = raw.prepare(
    "SELECT count(*) AS n FROM search_index WHERE search_index MATCH :q AND rowid % 4 = 3",
  );
  const scored = candidates.map((term) => ({
    term,
    share: Number((count.get({ q: `"${term}"` }) as { n: number }).n) / Math.max(bugs, 1),
  })).sort((a, b) => b.share - a.share);
  const picked = scored.filter((s) => s.share >= share).slice(0, 2);
  const chosen = picked.length === 2 ? picked : scored.slice(0, 2);
  return { words: chosen.map((c) => c.term), shares: chosen.map((c) => Math.round(c.share * 1000) / 1000) };
}

/** The read cases of a scale; query_metrics by `dimensions` (default every dimension). */
export async function readCases(
  bench: BenchContext,
  dimensions: readonly string[] = DIMENSION_KEYS,
): Promise<ReadCase[]> {
  const productIds =
    (bench.app.db.raw.prepare("SELECT id FROM products ORDER BY id").all() as { id: number }[])
      .map((r) => Number(r.id));
  const { words, shares } = commonBugWords(bench);
  const specs: Omit<ReadCase, "toolOp">[] = [
    {
      key: "search.common_words",
      tool: "search",
      label: `search "${words.join(" ")}" (each word in ${
        shares.map((s) => `${Math.round(s * 100)} %`).join(" / ")
      } of bugs)`,
      args: { query: words.join(" ") },
      ceilingMs: READ_CEILING_MS.search,
    },
    {
      key: "quality_report.all",
      tool: "generate_quality_report",
      label: `generate_quality_report, all ${productIds.length} products`,
      args: { product_ids: productIds },
      ceilingMs: READ_CEILING_MS.generate_quality_report,
    },
    ...dimensions.map((d) => ({
      key: `query_metrics.${d}`,
      tool: "query_metrics",
      label: `query_metrics bug_count by ${d}, all products`,
      args: { metrics: ["bug_count"], dimensions: [d] },
      ceilingMs: READ_CEILING_MS.query_metrics,
    })),
  ];
  const cases: ReadCase[] = [];
  for (const s of specs) {
    const toolOp = bench.toolOp(s.tool, s.args);
    const out = await toolOp();
    if (out === null || out === undefined) throw new Error(`${s.key} at ${bench.scale}: no answer`);
    cases.push({ ...s, toolOp });
  }
  return cases;
}
