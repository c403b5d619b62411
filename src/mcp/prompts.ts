/**
 * MCP prompts: `analyze-product-quality`, a guided analysis of one product over a period that walks
 * the assistant through the tools (summary → report → breakdowns → evidence) and asks it to cite
 * bug ids.
 *
 * @example
 * ```ts
 * import type { AppContext } from "./context.ts";
 * import { McpServer } from "./sdk.ts";
 *
 * declare const ctx: AppContext;
 * const server = new McpServer({ name: "testio-mcp", version: "0" });
 * registerPrompts(server, ctx); // what createMcpServer does
 * ```
 */
import { z } from "zod";
import type { AppContext } from "./context.ts";
import { completable, type GetPromptResult, type McpServer } from "./sdk.ts";
import { PLAYBOOK_URI } from "./resources.ts";

/** Name of the guided product analysis prompt. */
export const ANALYZE_PRODUCT_QUALITY = "analyze-product-quality";
/** Period used when the prompt's `period` is not given. */
export const DEFAULT_PERIOD = "last 30 days";

/** How many products `complete` suggests. */
const COMPLETION_LIMIT = 20;

/**
 * What the assistant should call the product: its id when the cache can tell it, else the text the
 * user typed (the first step then resolves it with list_products).
 */
function resolveProduct(ctx: AppContext, product: string): { id: number; name: string } | null {
  const text = product.trim();
  if (/^\d+$/.test(text)) {
    const p = ctx.repos.products.get(Number(text));
    return p ? { id: p.id, name: p.name } : null;
  }
  const { rows } = ctx.repos.products.list({
    search: text,
    ids: ctx.config.productIds,
    sortBy: "title",
    sortOrder: "asc",
    limit: 2,
    offset: 0,
  });
  const exact = rows.find((r) => r.name.toLowerCase() === text.toLowerCase());
  if (exact) return { id: exact.id, name: exact.name };
  return rows.length === 1 ? { id: rows[0].id, name: rows[0].name } : null;
}

/** Product ids and names that start with (or contain) what the user typed. */
function suggestProducts(ctx: AppContext, value: string): string[] {
  const text = value.trim();
  if (/^\d*$/.test(text)) {
    const scope = ctx.config.productIds;
    return ctx.repos.products.idsStartingWith(text, COMPLETION_LIMIT)
      .filter((id) => scope === null || scope.includes(id)).map(String);
  }
  return ctx.repos.products.list({
    search: text,
    ids: ctx.config.productIds,
    sortBy: "title",
    sortOrder: "asc",
    limit: COMPLETION_LIMIT,
    offset: 0,
  }).rows.map((r) => r.name);
}

/** The text of the analysis prompt. */
export function analyzeProductQualityText(
  ctx: AppContext,
  args: { product: string; period?: string; focus?: string },
): string {
  const period = args.period?.trim() || DEFAULT_PERIOD;
  const resolved = resolveProduct(ctx, args.product);
  const productRef = resolved ? `product ${resolved.id} (${resolved.name})` : `the product "${args.product}"`;
  const idStep = resolved
    ? `Use product_id ${resolved.id}.`
    : `First call list_products with search "${args.product}" to find its product_id; if several match, ` +
      "ask which one is meant.";
  const focus = args.focus?.trim();
  return `Analyse the testing quality of ${productRef} for the period "${period}".
${focus ? `Focus especially on: ${focus}.\n` : ""}
Work through these steps with the testio tools, and read ${PLAYBOOK_URI} if you need the meaning of
the rates or the thresholds in force:

1. ${idStep} Call get_product_summary for the overall picture and note data_as_of; if it is old or
   the answer warns that data is missing, call sync_data for this product first.
2. Call generate_quality_report with product_ids [that id], start_date and end_date covering
   "${period}" (the tools accept phrases like "${DEFAULT_PERIOD}"), include_tests true. Read the
   totals, bugs by status and severity, the five rates and the health indicators.
3. Find where problems concentrate: query_metrics with dimensions ["feature"] (and then ["month"]
   or ["severity"]) and metrics such as bug_count, rejection_rate and auto_acceptance_rate over the
   same period. Call get_analytics_capabilities if you are unsure of the names.
4. For the 2–3 tests or features that stand out, call get_test_summary or get_feature_summary, then
   list_bugs (statuses rejected, or severities critical,high) to read the evidence. Use
   rejection_reasons to tell instruction problems from tester noise.
5. Report: a short verdict (healthy / warning / critical per indicator, with the numbers), the main
   findings with the evidence behind each, and concrete recommendations (instructions, scope,
   platforms, review discipline).

Rules: cite the bug ids (e.g. "bug 123456") and test ids behind every finding; say when a rate is
null or based on few bugs; never invent numbers that no tool returned; state the data_as_of of the
data you used.`;
}

/** Registers the prompts on `server`. */
export function registerPrompts(server: McpServer, ctx: AppContext): void {
  server.registerPrompt(ANALYZE_PRODUCT_QUALITY, {
    title: "Analyse a product's testing quality",
    description: "A guided analysis of one product over a period: overall health, where bugs and " +
      "rejections concentrate, the evidence (with bug ids) and recommendations.",
    argsSchema: {
      product: completable(
        z.string().min(1).describe("Product id or name"),
        (value) => suggestProducts(ctx, value),
      ),
      period: z.string().optional().describe(
        `Period to analyse, e.g. "${DEFAULT_PERIOD}" (default), "this quarter", "last 90 days"`,
      ),
      focus: z.string().optional().describe("Optional aspect to focus on, e.g. rejected bugs, one feature"),
    },
  }, (args): GetPromptResult => ({
    description: `Quality analysis of ${args.product} for ${args.period?.trim() || DEFAULT_PERIOD}`,
    messages: [{ role: "user", content: { type: "text", text: analyzeProductQualityText(ctx, args) } }],
  }));
}
