/**
 * `list_products`: the products in the cache with their sizes — the entry point of every analysis.
 */
import { z } from "zod";
import { boolArg, listArgs, stringListArg } from "../args.ts";
import { pageAnswerSchema, readPage, warningsIf } from "../answer.ts";
import { defineTool, prose, READ_ONLY } from "../tool.ts";
import { PRODUCT_SORTS } from "../../db/repos/products.ts";
import { cacheIsEmpty, EMPTY_CACHE_WARNING } from "./lookups.ts";
import { PRODUCT_TYPES } from "../../domain/products.ts";

const input = z.object({
  search: z.string().trim().max(200).optional().describe(
    "Case-insensitive text in the product name or description",
  ),
  product_type: stringListArg("product_type", PRODUCT_TYPES).optional(),
  has_sections: boolArg("has_sections").optional(),
  ...listArgs(PRODUCT_SORTS, "title", "asc"),
}).strict();

const product = z.object({
  id: z.number().int(),
  name: z.string(),
  type: z.string().nullable(),
  description: z.string().nullable(),
  has_sections: z.boolean(),
  section_count: z.number().int(),
  test_count: z.number().int(),
  feature_count: z.number().int(),
  bug_count: z.number().int(),
  last_test_end_at: z.string().nullable(),
  last_synced: z.string(),
});

const output = pageAnswerSchema("products", product);

export const listProductsTool = defineTool({
  name: "list_products",
  title: "List products",
  description: prose`List the TestIO products in the local cache with their test, feature and bug counts.
    Start here to find a product_id for the other tools. Narrow with \`search\` (name/description),
    \`product_type\` or \`has_sections\`; sort by title, product_type, test_count, bug_count or last_synced.
    Answers from the cache in about a millisecond; sync_data refreshes it.`,
  input,
  output,
  annotations: READ_ONLY,
  handler(args, { ctx }) {
    const { rows, total, pagination } = readPage(args, (window) =>
      ctx.repos.products.list({
        search: args.search || undefined,
        types: args.product_type,
        hasSections: args.has_sections,
        ids: ctx.config.productIds,
        sortBy: args.sort_by,
        sortOrder: args.sort_order,
        ...window,
      }));
    const warnings: string[] = [];
    if (total === 0 && cacheIsEmpty(ctx)) warnings.push(EMPTY_CACHE_WARNING);
    return {
      products: rows,
      pagination,
      data_as_of: rows.reduce<string | null>(
        (m, r) => (m === null || r.last_synced < m ? r.last_synced : m),
        null,
      ),
      ...warningsIf(warnings),
    };
  },
});
