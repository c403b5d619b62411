/**
 * The product payload: a product with its sections (`GET products`, `GET products/{id}`).
 *
 * @example
 * ```ts
 * const product = ProductSchema.parse({ id: 598, name: "Acme Web Shop", sections: [] });
 * product.sections_with_default; // []
 * ```
 */
import { z } from "zod";
import { id, optionalId, type RawJson, text, withRaw } from "./common.ts";

/** A product section, reduced to what the cache needs. */
export interface ApiSection {
  id: number;
  /** `"default-section"` for the implicit section of a product without sections. */
  name: string | null;
}

/** A product from `GET products` or `GET products/{id}`. */
export interface ApiProduct {
  id: number;
  name: string;
  description: string | null;
  /** website, mobile_app_ios, …; unknown values are kept as they are. */
  type: string | null;
  default_section_id: number | null;
  /** Real sections; empty for products without sections. Entries without an id are dropped. */
  sections: ApiSection[];
  /** `sections` plus the implicit default section. Entries without an id are dropped. */
  sections_with_default: ApiSection[];
  raw: RawJson;
}

const sectionList = z.array(z.looseObject({ id: optionalId, name: text })).nullish().transform((list) =>
  (list ?? []).flatMap((s): ApiSection[] => s.id === null ? [] : [{ id: s.id, name: s.name }])
);

const ProductCore = z.looseObject({
  id,
  name: z.string(),
  description: text,
  type: text,
  default_section_id: optionalId,
  sections: sectionList,
  sections_with_default: sectionList,
}).transform((p): Omit<ApiProduct, "raw"> => ({
  id: p.id,
  name: p.name,
  description: p.description,
  type: p.type,
  default_section_id: p.default_section_id,
  sections: p.sections,
  sections_with_default: p.sections_with_default,
}));

/** Schema of one product record. */
export const ProductSchema: z.ZodType<ApiProduct> = withRaw(ProductCore);
