/**
 * The product types the API knows. See docs/domain.md (Products).
 *
 * @example
 * ```ts
 * import { PRODUCT_TYPES } from "./products.ts";
 * PRODUCT_TYPES.includes("website"); // true
 * ```
 */

/** Product `type` values. */
export const PRODUCT_TYPES = [
  "website",
  "mobile_app_ios",
  "mobile_app_android",
  "mobile_app_windows",
  "streaming_app",
  "gaming",
] as const;
/** One of {@link PRODUCT_TYPES}. */
export type ProductType = typeof PRODUCT_TYPES[number];
