/**
 * The measured cases shared by the benchmarks and the gate: each list tool call and its floor, the
 * raw prepared SQL behind it (the same `count(*)` and page `SELECT` the repository runs, prepared once,
 * bound once, rows as `node:sqlite` returns them). A floor is checked against its tool once before it
 * is measured: both must return the same ids in the same order, so a floor cannot drift from the
 * repository's query unnoticed.
 *
 * @example
 * ```ts
 * import { openBenchContext } from "./context.ts";
 * import { measure } from "./measure.ts";
 *
 * await using bench = await openBenchContext("M");
 * for (const c of await listCases(bench)) {
 *   const stats = await measure(c.toolOp);
 *   const floor = await measure(c.floorOp);
 * }
 * ```
 */
import type { SQLInputValue, StatementSync } from "node:sqlite";
import { resolveDates } from "../../src/mcp/args.ts";
import type { BenchContext } from "./context.ts";
import type { Op } from "./measure.ts";

/** A tool call beside its raw-SQL floor. */
export interface ListCase {
  /** Stable key, e.g. `list_tests.filtered`. */
  key: string;
  tool: string;
  /** What the case does, for tables. */
  label: string;
  args: Record<string, unknown>;
  /** The tool handler call. */
  toolOp: Op;
  /** The raw prepared SQL behind it. */
  floorOp: Op;
}

type Row = Record<string, SQLInputValue>;

/** A floor: a count statement and a page statement, each prepared and bound once. */
function floor(
  bench: BenchContext,
  countSql: string,
  pageSql: string,
  params: Record<string, SQLInputValue>,
) {
  const raw = bench.app.db.raw;
  const count: StatementSync = raw.prepare(countSql);
  const page: StatementSync = raw.prepare(pageSql);
  const { limit: _l, offset: _o, ...countParams } = params;
  return {
    op: (): [unknown, Row[]] => [count.get(countParams), page.all(params) as Row[]],
    ids: (): number[] => (page.all(params) as Row[]).map((r) => Number(r.id)),
  };
}

const PRODUCT_COLUMNS = `id, name, type, description, has_sections, section_count, test_count, feature_count,
  bug_count, last_test_end_at, synced_at AS last_synced`;
const TEST_COLUMNS = `id, title, status, review_status, testing_type, start_at, end_at, test_environment_id,
  test_environment_title, bug_count, synced_at`;

/** Filters of the filtered list_tests case; dates inside every scale's data window. */
const TEST_FILTER = {
  statuses: ["archived", "customer_finalized", "locked"],
  start_date: "2025-01-01",
  end_date: "2026-09-30",
};

/** The id of the product with the most tests. */
export function largestProductId(bench: BenchContext): number {
  return bench.dataset.meta.largestProduct.id;
}

/** The four list cases (two tools × default and filtered + re-sorted) of a scale. */
export async function listCases(bench: BenchContext): Promise<ListCase[]> {
  const productId = largestProductId(bench);
  const dates = resolveDates(TEST_FILTER.start_date, TEST_FILTER.end_date, bench.ctx.now());
  const specs: (Omit<ListCase, "toolOp" | "floorOp"> & {
    floor: ReturnType<typeof floor>;
    ids: (out: unknown) => number[];
  })[] = [
    {
      key: "list_products.default",
      tool: "list_products",
      label: "list_products, page 1 of 50, default sort (title)",
      args: {},
      floor: floor(
        bench,
        "SELECT count(*) AS n FROM products",
        `SELECT ${PRODUCT_COLUMNS} FROM products ORDER BY name COLLATE NOCASE ASC, id ASC
         LIMIT :limit OFFSET :offset`,
        { limit: 50n, offset: 0n },
      ),
      ids: (out) => (out as { products: { id: number }[] }).products.map((p) => p.id),
    },
    {
      key: "list_products.filtered",
      tool: "list_products",
      label: "list_products, 3 types, sorted by bug_count desc",
      args: {
        product_type: ["website", "mobile_app_ios", "gaming"],
        sort_by: "bug_count",
        sort_order: "desc",
      },
      floor: floor(
        bench,
        "SELECT count(*) AS n FROM products WHERE type IN (:t0, :t1, :t2)",
        `SELECT ${PRODUCT_COLUMNS} FROM products WHERE type IN (:t0, :t1, :t2)
         ORDER BY bug_count DESC, id DESC LIMIT :limit OFFSET :offset`,
        { t0: "website", t1: "mobile_app_ios", t2: "gaming", limit: 50n, offset: 0n },
      ),
      ids: (out) => (out as { products: { id: number }[] }).products.map((p) => p.id),
    },
    {
      key: "list_tests.default",
      tool: "list_tests",
      label: "list_tests, largest product, page 1 of 50, default sort (end_at desc)",
      args: { product_id: productId },
      floor: floor(
        bench,
        "SELECT count(*) AS n FROM tests WHERE product_id = :product_id",
        `SELECT ${TEST_COLUMNS} FROM tests WHERE product_id = :product_id
         ORDER BY end_at DESC, id DESC LIMIT :limit OFFSET :offset`,
        { product_id: BigInt(productId), limit: 50n, offset: 0n },
      ),
      ids: (out) => (out as { tests: { id: number }[] }).tests.map((t) => t.id),
    },
    {
      key: "list_tests.filtered",
      tool: "list_tests",
      label: "list_tests, largest product, 3 statuses + end date range, sorted by bug_count desc",
      args: { product_id: productId, ...TEST_FILTER, sort_by: "bug_count", sort_order: "desc" },
      floor: floor(
        bench,
        `SELECT count(*) AS n FROM tests WHERE product_id = :product_id AND status IN (:s0, :s1, :s2)
         AND end_at >= :end_from AND end_at <= :end_to`,
        `SELECT ${TEST_COLUMNS} FROM tests WHERE product_id = :product_id AND status IN (:s0, :s1, :s2)
         AND end_at >= :end_from AND end_at <= :end_to
         ORDER BY bug_count DESC, id DESC LIMIT :limit OFFSET :offset`,
        {
          product_id: BigInt(productId),
          s0: TEST_FILTER.statuses[0],
          s1: TEST_FILTER.statuses[1],
          s2: TEST_FILTER.statuses[2],
          end_from: dates.start,
          end_to: dates.end,
          limit: 50n,
          offset: 0n,
        },
      ),
      ids: (out) => (out as { tests: { id: number }[] }).tests.map((t) => t.id),
    },
  ];
  const cases: ListCase[] = [];
  for (const s of specs) {
    const toolOp = bench.toolOp(s.tool, s.args);
    const toolIds = s.ids(await toolOp());
    const floorIds = s.floor.ids();
    if (JSON.stringify(toolIds) !== JSON.stringify(floorIds)) {
      throw new Error(
        `${s.key} at ${bench.scale}: the floor query returns other rows than the tool ` +
          `(tool ${toolIds.slice(0, 5).join(",")}…, floor ${floorIds.slice(0, 5).join(",")}…); ` +
          "update bench/lib/cases.ts to the repository's query",
      );
    }
    if (!toolIds.length) throw new Error(`${s.key} at ${bench.scale}: the case returns no rows`);
    cases.push({ key: s.key, tool: s.tool, label: s.label, args: s.args, toolOp, floorOp: s.floor.op });
  }
  return cases;
}
