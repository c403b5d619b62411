/**
 * Entity lookups shared by tools and resources, with the not-found errors an assistant can act on.
 *
 * @example
 * ```ts
 * import type { AppContext } from "../context.ts";
 *
 * declare const ctx: AppContext;
 * const product = requireProduct(ctx, 598); // or a three-part NotFoundError
 * product.name;
 * ```
 */
import type { AppContext } from "../context.ts";
import type { ProductRow } from "../../db/repos/products.ts";
import { InputError, NotFoundError } from "../../errors.ts";

/** Sentence for answers read from a cache that holds nothing yet. */
export const EMPTY_CACHE_WARNING =
  "The cache is empty: nothing has been synced yet. Call sync_data (or wait for the start-up sync) and ask again";

/** Whether the cache holds no products at all (nothing synced yet). */
export function cacheIsEmpty(ctx: AppContext): boolean {
  return ctx.repos.products.count() === 0;
}

/** Why an id may be missing: the empty cache, or an id the cache does not hold. */
function missingHint(ctx: AppContext, what: string): string {
  return cacheIsEmpty(ctx)
    ? "The cache is empty: nothing has been synced yet"
    : `It is not in the cache: the ${what} may be wrong, not synced yet, or not visible to the token`;
}

/** The cached product, or a NotFoundError telling how to find a valid id. */
export function requireProduct(ctx: AppContext, id: number): ProductRow {
  const outOfScope = ctx.config.productIds !== null && !ctx.config.productIds.includes(id);
  const product = outOfScope ? undefined : ctx.repos.products.get(id);
  if (!product) {
    throw new NotFoundError(`Product ${id} not found`, {
      hint: outOfScope
        ? `It is outside TESTIO_PRODUCT_IDS (${ctx.config.productIds!.join(", ")})`
        : missingHint(ctx, "id"),
      action: "Call list_products to find the right product_id (or sync_data to fill the cache)",
    });
  }
  return product;
}

/** Throws an InputError unless `sectionId` is a section of `product`. */
export function requireSection(ctx: AppContext, product: ProductRow, sectionId: number): void {
  const sections = ctx.repos.products.sections(product.id);
  if (sections.some((s) => s.id === sectionId)) return;
  throw new InputError(`Section ${sectionId} is not a section of product ${product.id} (${product.name})`, {
    hint: sections.length
      ? `Its sections are: ${sections.slice(0, 20).map((s) => `${s.id} ${s.name}`).join(", ")}`
      : "The product has no sections in the cache",
    action: "Pass one of the product's section ids, or leave section_id out",
  });
}

/** A NotFoundError for a feature id. */
export function featureNotFound(ctx: AppContext, id: number): NotFoundError {
  return new NotFoundError(`Feature ${id} not found`, {
    hint: missingHint(ctx, "id"),
    action: "Call list_features with the product_id to find feature ids (or sync_data)",
  });
}

/** A NotFoundError for a bug id; `detail` replaces the usual cause when it is known. */
export function bugNotFound(ctx: AppContext, id: number, detail?: string): NotFoundError {
  return new NotFoundError(`Bug ${id} not found`, {
    hint: detail ?? missingHint(ctx, "id"),
    action: "Call list_bugs with a product_id or test_ids to find bug ids (or sync_data)",
  });
}

/** A NotFoundError for one or more test ids; `detail` replaces the usual cause when it is known. */
export function testNotFound(ctx: AppContext, ids: readonly number[], detail?: string): NotFoundError {
  const what = ids.length === 1
    ? `Test ${ids[0]} not found`
    : `None of the tests ${ids.join(", ")} were found`;
  return new NotFoundError(what, {
    hint: detail ?? missingHint(ctx, "id"),
    action: "Call list_tests with its product_id to find valid test ids, or sync_data",
  });
}

/**
 * Makes a product's features fresh and re-reads the product for its new stamp. Shared by the tools
 * that read features and user stories.
 */
export async function freshFeaturesOf(
  ctx: AppContext,
  productId: number,
  signal: AbortSignal,
): Promise<{ product: ProductRow; warnings: string[] }> {
  requireProduct(ctx, productId);
  const fresh = await ctx.freshness.ensureFeatures(productId, { signal });
  const product = requireProduct(ctx, productId);
  const warnings = [...fresh.warnings];
  if (product.features_synced_at === null) {
    warnings.push(
      `The features of product ${product.id} have not been synced yet: call sync_data with its id`,
    );
  }
  return { product, warnings };
}
