/**
 * Lenient, self-describing argument schemas shared by the tools (docs/contract.md): ids
 * as integers or numeric strings, id lists as arrays, "1,2,3" or "[1,2,3]", string lists as arrays
 * or CSV, dates as ISO or phrases, and bounded pagination. Each parses to a clean value and, on
 * failure, says the bad value and what is allowed.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 *
 * const input = z.object({ product_id: idArg("product_id"), ...pageArgs });
 * input.parse({ product_id: "598", page: 2 }); // { product_id: 598, page: 2, per_page: 50 }
 * ```
 */
import { z } from "zod";
import { parseIdList } from "../config.ts";
import { type BoundKind, parseDateBound } from "../dates.ts";
import { InputError } from "../errors.ts";

/** An entity id: a positive integer or a numeric string. */
export function idArg(name: string) {
  // Each branch names the bad value: a union only reports the branch whose type matched.
  const error = (iss: { input: unknown }) =>
    `'${name}' must be a positive integer id (e.g. 598 or "598"): got ${JSON.stringify(iss.input)}`;
  return z.union([
    z.number().int({ error }).positive({ error }),
    z.string().regex(/^\s*\d+\s*$/, { error }),
  ], {
    error: (iss) =>
      iss.input === undefined
        ? `'${name}' is required: a positive integer id (e.g. 598 or "598")`
        : `'${name}' must be a positive integer id (e.g. 598 or "598"): got ${JSON.stringify(iss.input)}`,
  }).transform((v, ctx) => {
    const n = typeof v === "number" ? v : Number(v.trim());
    if (!Number.isSafeInteger(n) || n <= 0) {
      ctx.addIssue({
        code: "custom",
        message: `'${name}' must be a positive integer id: got ${JSON.stringify(v)}`,
      });
      return z.NEVER;
    }
    return n;
  }).describe(`${name}: integer id (a numeric string is accepted)`);
}

/** A list of ids: `[1,2]`, `"1,2"`, `"[1,2]"` or a single id. Duplicates removed, order kept. */
export function idListArg(name: string, max = 1000) {
  return z.union([
    z.array(z.union([z.number(), z.string()])),
    z.string(),
    z.number(),
  ]).transform((v, ctx) => {
    const ids = parseIdList(v);
    if (ids === null || ids.length === 0) {
      ctx.addIssue({
        code: "custom",
        message: `'${name}' must list positive integer ids, e.g. [1,2] or "1,2": got ${JSON.stringify(v)}`,
      });
      return z.NEVER;
    }
    if (ids.length > max) {
      ctx.addIssue({ code: "custom", message: `'${name}' accepts at most ${max} ids: got ${ids.length}` });
      return z.NEVER;
    }
    return ids;
  }).describe(`${name}: list of integer ids (array, "1,2,3" or "[1,2,3]")`);
}

/** A list of strings from an array or CSV, optionally restricted to `allowed` (case-insensitive). */
export function stringListArg<const T extends string>(name: string, allowed?: readonly T[]) {
  return z.union([z.array(z.string()), z.string()]).transform((v, ctx) => {
    const items = (Array.isArray(v) ? v : v.replace(/^\[|\]$/g, "").split(","))
      .map((s) => s.trim().replace(/^["']|["']$/g, "").trim())
      .filter((s) => s !== "");
    const out: string[] = [];
    for (const item of items) {
      const value = allowed ? allowed.find((a) => a.toLowerCase() === item.toLowerCase()) : item;
      if (value === undefined) {
        ctx.addIssue({
          code: "custom",
          message: `'${name}' has an unknown value ${JSON.stringify(item)}; allowed: ${allowed!.join(", ")}`,
        });
        return z.NEVER;
      }
      if (!out.includes(value)) out.push(value);
    }
    if (!out.length) {
      ctx.addIssue({ code: "custom", message: `'${name}' must not be empty` });
      return z.NEVER;
    }
    return out as T[];
  }).describe(
    allowed
      ? `${name}: one or more of ${allowed.join(", ")} (array or comma-separated)`
      : `${name}: array or CSV`,
  );
}

/** A boolean that also accepts "true"/"false". */
export function boolArg(name: string) {
  return z.union([z.boolean(), z.enum(["true", "false", "TRUE", "FALSE", "True", "False"])], {
    error: `'${name}' must be true or false`,
  }).transform((v) => v === true || (typeof v === "string" && v.toLowerCase() === "true"));
}

/** A date or date phrase; kept as text here and resolved to a UTC bound by {@link resolveDates}. */
export function dateArg(name: string) {
  return z.string().trim().min(1, `'${name}' must not be empty`).max(100).describe(
    `${name}: ISO date (2025-11-01), ISO date-time with offset, or a phrase: today, yesterday, ` +
      `last 30 days, this month, last quarter, this year…`,
  );
}

/** Resolves optional start/end date arguments to UTC bounds (start 00:00, end 23:59:59.999). */
export function resolveDates(
  start: string | undefined,
  end: string | undefined,
  now: Date = new Date(),
): { start: string | null; end: string | null } {
  const s = start ? resolveDate("start_date", start, "start", now) : null;
  const e = end ? resolveDate("end_date", end, "end", now) : null;
  if (s && e && s > e) {
    throw new InputError(`start_date (${s}) is after end_date (${e})`, {
      hint: "The date range is empty",
      action: "Swap start_date and end_date, or widen the range",
    });
  }
  return { start: s, end: e };
}

/**
 * Resolves one date argument to a UTC bound (start 00:00, end 23:59:59.999), naming the argument in
 * the error when it cannot be read.
 */
export function resolveDate(name: string, value: string, kind: BoundKind, now: Date = new Date()): string {
  try {
    return parseDateBound(value, kind, now);
  } catch (err) {
    if (err instanceof InputError) {
      throw new InputError(`'${name}': ${err.message}`, { hint: err.hint, action: err.action, cause: err });
    }
    throw err;
  }
}

/** Sort direction. */
export const sortOrderArg = z.enum(["asc", "desc"], { error: "'sort_order' must be asc or desc" });

/** Page number ≥ 1. */
export const pageArg = z.coerce.number({ error: "'page' must be a whole number ≥ 1" }).int(
  "'page' must be a whole number ≥ 1",
).min(1, "'page' must be a whole number ≥ 1").default(1).describe("page: 1-based page number (default 1)");

/** Page size 1–200. */
export const perPageArg = z.coerce.number({ error: "'per_page' must be 1–200" }).int(
  "'per_page' must be 1–200",
)
  .min(1, "'per_page' must be 1–200").max(200, "'per_page' must be 1–200").default(50).describe(
    "per_page: rows per page, 1–200 (default 50)",
  );

/** The two pagination arguments every list takes. */
export const pageArgs = { page: pageArg, per_page: perPageArg };

/** The pagination block of every list output. */
export const paginationSchema = z.object({
  page: z.number().int(),
  per_page: z.number().int(),
  total_count: z.number().int(),
  has_more: z.boolean(),
});
export type Pagination = z.infer<typeof paginationSchema>;

/** Builds the pagination block and the SQL limit/offset. */
export function paginate(
  page: number,
  perPage: number,
): { limit: number; offset: number; of(total: number): Pagination } {
  return {
    limit: perPage,
    offset: (page - 1) * perPage,
    of: (total: number) => ({
      page,
      per_page: perPage,
      total_count: total,
      has_more: page * perPage < total,
    }),
  };
}

/**
 * The closing arguments of a list tool: `sort_by` over the keys of a repository's sort whitelist,
 * `sort_order`, then `page` and `per_page`.
 */
export function listArgs<K extends string>(
  sorts: Readonly<Record<K, unknown>>,
  sortBy: NoInfer<K>,
  sortOrder: "asc" | "desc",
  sortByText?: string,
) {
  const by = z.enum(Object.keys(sorts) as [K, ...K[]]).default(sortBy);
  return {
    sort_by: sortByText === undefined ? by : by.describe(sortByText),
    sort_order: sortOrderArg.default(sortOrder),
    ...pageArgs,
  };
}
