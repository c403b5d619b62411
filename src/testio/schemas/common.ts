/**
 * What every payload schema of the API builds on: the sanitised copy of a record (`raw`), the field
 * helpers, and {@link RecordSchema}, the fast validate-then-map schema of tests and bugs.
 *
 * @example
 * ```ts
 * sanitizeRaw({ id: 1, token: "x", test_environment: { id: 2, title: "Staging", password: "p" } });
 * // { id: 1, test_environment: { id: 2, title: "Staging" } }
 * ```
 */
import { z } from "zod";
import { toUtcIso } from "../../dates.ts";

/** A JSON object as it came from the API, after sanitising. */
export type RawJson = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------------
// Sanitising of raw JSON

/** Keys never kept in raw JSON, wherever they appear. */
const SECRET_KEYS = new Set(["password", "username", "access", "token", "api_token"]);

function pick(value: unknown, keys: string[]): RawJson | null {
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  const source = value as RawJson;
  const out: RawJson = {};
  for (const key of keys) if (key in source) out[key] = source[key];
  return out;
}

function sanitizeValue(value: unknown, key: string | null): unknown {
  if (Array.isArray(value)) return value.map((v) => sanitizeValue(v, null));
  if (!value || typeof value !== "object") return value;
  // The environment holds the URL, login and password testers use: only its id and title are kept.
  if (key === "test_environment") return pick(value, ["id", "title"]);
  const out: RawJson = {};
  for (const [k, v] of Object.entries(value as RawJson)) {
    if (SECRET_KEYS.has(k)) continue;
    out[k] = sanitizeValue(v, k);
  }
  return out;
}

/**
 * A deep copy of an API record that is safe to store: any `test_environment` object is reduced to
 * `{id, title}`, and keys such as `password` are dropped.
 */
export function sanitizeRaw(record: unknown): RawJson {
  return (sanitizeValue(record, null) ?? {}) as RawJson;
}

// ---------------------------------------------------------------------------------------------------
// Field helpers

/** A required integer id. */
export const id = z.int();
/** An integer id; missing becomes null. */
export const optionalId = id.nullish().transform((v) => v ?? null);
/** A string; missing becomes null. */
export const text = z.string().nullish().transform((v) => v ?? null);

/** Trimmed text, with empty or whitespace-only values turned into null. */
export function trimmed(value: string | null | undefined): string | null {
  const t = value?.trim();
  return t ? t : null;
}

/** The first non-empty candidate. */
export function firstText(...values: (string | null | undefined)[]): string | null {
  for (const v of values) {
    if (typeof v === "string" && v.trim() !== "") return v;
  }
  return null;
}

/**
 * Wraps a record schema so that its output also carries the sanitised original JSON as `raw` (products,
 * features and user stories).
 * The original is read from the input, so keys the schema does not know survive in `raw`.
 */
export function withRaw<T extends object>(core: z.ZodType<T>) {
  return z.unknown().transform((input, ctx): T & { raw: RawJson } => {
    const result = core.safeParse(input);
    if (!result.success) {
      for (const issue of result.error.issues) {
        ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
      }
      return z.NEVER;
    }
    return { ...result.data, raw: sanitizeRaw(input) };
  });
}

// ---------------------------------------------------------------------------------------------------
// Record schemas of tests and bugs
//
// Tests and bugs are the bulk of a sync (tens of thousands of bugs), so zod only validates their
// shape, with plain `z.object`s that it compiles into one function each; a plain function then maps
// the validated record and checks what the shape cannot say (timestamps with an offset). This was the
// fastest of the ways measured (bench/RESULTS.md, Tuning).

/** Validates a record and maps it; zod schemas satisfy it too. */
export interface RecordSchema<T> {
  /** @throws {z.ZodError} for an invalid record. */
  parse(input: unknown): T;
  safeParse(
    input: unknown,
  ): { success: true; data: NoInfer<T>; error?: never } | { success: false; error: z.ZodError };
}

/** Rejects the record being mapped, naming the field. */
export type Reject = (path: PropertyKey[], message: string) => void;

/**
 * A {@link RecordSchema}: `shape` validates, `map` maps and may reject. `accepts`, when given, is a
 * plain check that answers true only for records `shape` accepts, and whose fields `map` reads as
 * `shape` would give them (so unknown keys, which `shape` drops, may stay): records it accepts skip
 * zod, which then validates only the rest and words their problems.
 */
export function mappedSchema<R, T>(
  shape: z.ZodType<R>,
  map: (record: R, reject: Reject) => T,
  accepts?: (input: unknown) => boolean,
): RecordSchema<T> {
  const safeParse = (input: unknown): ReturnType<RecordSchema<T>["safeParse"]> => {
    let record: R;
    if (accepts?.(input)) record = input as R;
    else {
      const checked = shape.safeParse(input);
      if (!checked.success) return { success: false, error: checked.error };
      record = checked.data;
    }
    const issues: z.core.$ZodIssue[] = [];
    const data = map(record, (path, message) => issues.push({ code: "custom", path, message, input }));
    return issues.length ? { success: false, error: new z.ZodError(issues) } : { success: true, data };
  };
  return {
    safeParse,
    parse(input) {
      const result = safeParse(input);
      if (!result.success) throw result.error;
      return result.data;
    },
  };
}

/** An integer id that may be missing (left as sent, for the mapping function). */
export const maybeId = id.nullish();
/** A string that may be missing (left as sent, for the mapping function). */
export const maybeText = z.string().nullish();
/** An object of which only `name` is kept, e.g. `author`, `category`. */
export const named = z.object({ name: maybeText }).nullish();

// Plain checks answering what the helpers above accept, for the `accepts` of {@link mappedSchema}.

/** A JSON object (what `z.object` accepts). */
export function isObject(v: unknown): v is RawJson {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
/** What {@link id} accepts. */
export const isId = (v: unknown): boolean => Number.isSafeInteger(v);
/** What {@link maybeId} accepts. */
export const isMaybeId = (v: unknown): boolean => v === null || v === undefined || Number.isSafeInteger(v);
/** What {@link maybeText} accepts. */
export const isMaybeText = (v: unknown): boolean => v === null || v === undefined || typeof v === "string";
/** What {@link named} accepts. */
export const isNamed = (v: unknown): boolean =>
  v === null || v === undefined || (isObject(v) && isMaybeText(v.name));
/** An array whose every item passes `item`. */
export function isArrayOf(v: unknown, item: (x: unknown) => boolean): boolean {
  if (!Array.isArray(v)) return false;
  for (const x of v) if (!item(x)) return false;
  return true;
}
/** Missing, null, or an array whose every item passes `item` (what `z.array(…).nullish()` accepts). */
export const isMaybeArrayOf = (v: unknown, item: (x: unknown) => boolean): boolean =>
  v === null || v === undefined || isArrayOf(v, item);

/** An ISO timestamp with an offset in UTC; null when missing or empty; rejected without an offset. */
export function utcOf(value: string | null | undefined, field: string, reject: Reject): string | null {
  if (value === null || value === undefined || value.trim() === "") return null;
  const iso = toUtcIso(value);
  if (iso === null) reject([field], `timestamp without a time-zone offset or invalid: '${value}'`);
  return iso;
}
