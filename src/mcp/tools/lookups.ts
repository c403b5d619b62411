/**
 * Entity lookups shared by tools, with the not-found errors an assistant can act on.
 */
import type { AppContext } from "../context.ts";
import type { ProductRow } from "../../db/repos/products.ts";
import { NotFoundError } from "../../errors.ts";

/** The cached product, or a NotFoundError telling how to find a valid id. */
export function requireProduct(ctx: AppContext, id: number): ProductRow {
  const outOfScope = ctx.config.productIds !== null && !ctx.config.productIds.includes(id);
  const product = outOfScope ? undefined : ctx.repos.products.get(id);
  if (!product) {
    throw new NotFoundError(`Product ${id} not found`, {
      hint: outOfScope
        ? `It is outside TESTIO_PRODUCT_IDS (${ctx.config.productIds!.join(", ")})`
        : ctx.repos.products.count() === 0
        ? "The cache is empty: nothing has been synced yet"
        : "It is not in the cache: the id may be wrong, or the token cannot see it",
      action: "Call list_products to find the right product_id (or sync_data to fill the cache)",
    });
  }
  return product;
}
