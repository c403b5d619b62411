/**
 * Section detection (docs/testio-api.md, Sections): a product "has sections" when `sections` is non-empty or
 * `sections_with_default` holds more than the implicit default section. Products with sections list
 * their features per section; the plain features endpoint answers 422 for them.
 *
 * @example
 * ```ts
 * import type { TestIOClient } from "./client.ts";
 * import type { ApiProduct } from "./schemas.ts";
 *
 * declare const client: TestIOClient, product: ApiProduct;
 * if (hasSections(product)) {
 *   for (const sid of sectionIds(product)) await client.listSectionFeatures(product.id, sid);
 * } else {
 *   await client.listFeatures(product.id);
 * }
 * ```
 */

/** The section lists of a product, as parsed by `ProductSchema`. */
export interface SectionedProduct {
  sections: readonly { id: number | null }[];
  sections_with_default: readonly { id: number | null }[];
}

/**
 * True when the product has real sections. A legacy product has `sections: []` and a single
 * "default-section" in `sections_with_default`: that does not count.
 */
export function hasSections(product: SectionedProduct): boolean {
  return product.sections.length > 0 || product.sections_with_default.length > 1;
}

/**
 * The ids of the sections to query: `sections` when non-empty, else `sections_with_default`;
 * entries without an id are skipped and duplicates removed.
 */
export function sectionIds(product: SectionedProduct): number[] {
  const list = product.sections.length > 0 ? product.sections : product.sections_with_default;
  const ids: number[] = [];
  for (const section of list) {
    if (typeof section.id === "number" && !ids.includes(section.id)) ids.push(section.id);
  }
  return ids;
}
