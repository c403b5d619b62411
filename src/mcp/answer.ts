/**
 * The envelope of every tool answer: how fresh it is (`data_as_of`, the oldest sync stamp behind it)
 * and what went wrong on the way (`warnings`, left out when there are none).
 *
 * @example
 * ```ts
 * import { z } from "zod";
import { paginate, type Pagination, paginationSchema } from "./args.ts";
 * import { answerSchema, oldestStamp, warningsIf } from "./answer.ts";
 *
 * const output = answerSchema({ count: z.number().int() });
 * output.parse({ count: 3, data_as_of: oldestStamp("2025-01-02T00:00:00Z", null), ...warningsIf([]) });
 * ```
 */
import { z } from "zod";
import { paginate, type Pagination, paginationSchema } from "./args.ts";

/** UTC time of the oldest sync stamp an answer depends on (null when the cache holds nothing relevant). */
export const dataAsOf = z.string().nullable().describe(
  "UTC ISO time of the oldest sync stamp behind this answer",
);

/** The oldest of the given sync stamps (ISO strings compare in time order), or null when none is set. */
export function oldestStamp(...stamps: (string | null | undefined)[]): string | null {
  let oldest: string | null = null;
  for (const s of stamps) if (s && (oldest === null || s < oldest)) oldest = s;
  return oldest;
}

/** Problems met while answering (refresh failures, unknown ids…). */
export const warningsSchema = z.array(z.string()).optional();

/** A tool's answer: its own fields, then `data_as_of` and `warnings`. */
export function answerSchema<T extends z.ZodRawShape>(shape: T) {
  return z.object({ ...shape, data_as_of: dataAsOf, warnings: warningsSchema });
}

/** `{ warnings }` when there are any; answers leave the key out otherwise. */
export function warningsIf(warnings: string[]): { warnings?: string[] } {
  return warnings.length ? { warnings } : {};
}

/**
 * The answer of a paged list: the `head` fields (such as the product listed), the rows under `key`,
 * then the pagination.
 */
export function pageAnswerSchema<
  K extends string,
  R extends z.ZodType,
  H extends z.ZodRawShape = Record<never, never>,
>(
  key: K,
  row: R,
  head?: H,
) {
  const shape = { ...head, [key]: z.array(row), pagination: paginationSchema };
  return answerSchema(shape as H & Record<K, z.ZodArray<R>> & { pagination: typeof paginationSchema });
}

/** Rows `limit` and `offset` of a page. */
export interface PageWindow {
  limit: number;
  offset: number;
}

/**
 * Reads one page: `read` gets the window of rows to return, and the result gains the pagination of
 * the answer (computed from the `total` it reports).
 */
export function readPage<P extends { total: number }>(
  args: { page: number; per_page: number },
  read: (window: PageWindow) => P,
): P & { pagination: Pagination } {
  const pages = paginate(args.page, args.per_page);
  const result = read({ limit: pages.limit, offset: pages.offset });
  return { ...result, pagination: pages.of(result.total) };
}

/** The product a list belongs to, as answers name it. */
interface ProductRef {
  id: number;
  name: string;
}

/**
 * The answer of one product's paged list: the product, the page's rows under `key`, the pagination,
 * `data_as_of` and the warnings when there are any.
 *
 * @example
 * ```ts
 * const page = readPage({ page: 1, per_page: 50 }, () => ({ rows: [{ id: 7 }], total: 1 }));
 * productPageAnswer({ id: 3, name: "Shop" }, "tests", page, "2026-01-01T00:00:00Z", []);
 * ```
 */
export function productPageAnswer<K extends string, R>(
  product: ProductRef,
  key: K,
  page: { rows: R[]; pagination: Pagination },
  dataAsOf: string | null,
  warnings: string[],
):
  & { product: ProductRef; pagination: Pagination; data_as_of: string | null; warnings?: string[] }
  & Record<K, R[]> {
  return {
    product: { id: product.id, name: product.name },
    [key]: page.rows,
    pagination: page.pagination,
    data_as_of: dataAsOf,
    ...warningsIf(warnings),
  } as
    & { product: ProductRef; pagination: Pagination; data_as_of: string | null; warnings?: string[] }
    & Record<K, R[]>;
}
