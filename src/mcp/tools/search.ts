/**
 * `search`: full-text search over products, features, tests and bugs, ranked by BM25 with titles
 * weighted over content, with highlighted snippets.
 */
import { z } from "zod";
import { dateArg, idListArg, resolveDates, stringListArg } from "../args.ts";
import { answerSchema, warningsIf } from "../answer.ts";
import { defineTool, prose, READ_ONLY } from "../tool.ts";
import { SEARCH_ENTITIES } from "../../db/repos/search.ts";

/** Longest accepted query text; longer texts are rejected before they reach FTS5. */
export const MAX_QUERY_LENGTH = 1000;

const input = z.object({
  query: z.string().trim().min(1, "'query' must not be empty").max(
    MAX_QUERY_LENGTH,
    `'query' must be at most ${MAX_QUERY_LENGTH} characters`,
  ).describe("Words to find (simple mode) or an FTS5 query (raw mode)"),
  entities: stringListArg("entities", SEARCH_ENTITIES).optional().describe(
    "Restrict to product, feature, test and/or bug (default all)",
  ),
  product_ids: idListArg("product_ids").optional(),
  start_date: dateArg("start_date").optional().describe(
    "Tests ending / bugs reported on or after this date; products and features have no date and are left out",
  ),
  end_date: dateArg("end_date").optional().describe("Tests ending / bugs reported on or before this date"),
  match_mode: z.enum(["simple", "raw"], { error: "'match_mode' must be simple or raw" }).default("simple")
    .describe(
      "simple (default): words, all required, English word forms match (crashes finds crash), any " +
        "punctuation is safe, word* for prefix search; " +
        'raw: FTS5 syntax (AND, OR, NOT, "phrases", NEAR(), title:word) with words matched as written, ' +
        "without stemming (crash does not find crashes: use crash* or simple mode)",
    ),
  limit: z.coerce.number({ error: "'limit' must be 1–100" }).int("'limit' must be 1–100").min(
    1,
    "'limit' must be 1–100",
  ).max(100, "'limit' must be 1–100").default(20).describe("Results to return, 1–100 (default 20)"),
}).strict();

const output = answerSchema({
  results: z.array(z.object({
    entity_type: z.enum(SEARCH_ENTITIES),
    id: z.number().int(),
    title: z.string(),
    product_id: z.number().int().nullable(),
    snippet: z.string().describe("Best-matching passage, matches wrapped in **"),
    score: z.number().describe("Relevance (negated BM25, higher is better)"),
    rank: z.number().int(),
  })),
  total: z.number().int().describe("All matches, before the limit"),
  query_used: z.string().describe("The FTS5 query that ran"),
});

export const searchTool = defineTool({
  name: "search",
  title: "Full-text search",
  description: prose`Full-text search over products (name, description), features (title, description, how
    to find, user stories), tests (title, goal, instructions, out of scope) and bugs (title, steps, actual
    and expected result). Ranked by relevance with title matches first, with a highlighted snippet. Simple
    mode (default) takes plain words — all must match (if none has them all, any may, with a warning),
    English word forms match (crashes finds crash), word* searches by prefix; raw mode takes FTS5 syntax and
    matches words as written. Filter by \`entities\`, \`product_ids\` and dates. Use it for 'find the bugs
    about checkout', then get_bug_summary / get_test_summary for details.`,
  input,
  output,
  annotations: READ_ONLY,
  handler(args, { ctx }) {
    const dates = resolveDates(args.start_date, args.end_date, ctx.now());
    const scope = ctx.config.productIds;
    const productIds = args.product_ids && scope
      ? args.product_ids.filter((id) => scope.includes(id))
      : args.product_ids ?? scope;
    const found = ctx.repos.search.search({
      query: args.query,
      mode: args.match_mode,
      entities: args.entities,
      productIds,
      from: dates.start,
      to: dates.end,
      limit: args.limit,
    });
    const warnings = [...found.warnings];
    const outside = args.product_ids && scope ? args.product_ids.filter((id) => !scope.includes(id)) : [];
    if (outside.length) warnings.push(`Product(s) ${outside.join(", ")} are outside TESTIO_PRODUCT_IDS`);
    return {
      results: found.results,
      total: found.total,
      query_used: found.query_used,
      data_as_of: ctx.repos.search.oldestSync(productIds ?? null),
      ...warningsIf(warnings),
    };
  },
});
