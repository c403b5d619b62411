/**
 * The envelopes around API records: a list (`{"bugs": [...]}`) is parsed record by record, so a bad
 * record is skipped with a warning and the rest of the page is kept; a single entity
 * (`{"exploratory_test": {...}}`) must be valid as a whole.
 *
 * @example
 * ```ts
 * import { FeatureSchema } from "./feature.ts";
 *
 * const { items, warnings } = parseListEnvelope({ features: [{ id: 1 }] }, "features", "feature", FeatureSchema);
 * // items: [], warnings: ["Skipped feature 1: title: Invalid input: expected string, received undefined"]
 * ```
 */
import type { z } from "zod";
import { PayloadError } from "../../errors.ts";
import type { RawJson, RecordSchema } from "./common.ts";

/** The kind of entity a record is, as named in warnings. */
export type EntityKind = "product" | "test" | "bug" | "feature" | "user story";

/** The records of one list response that passed validation. */
export interface ParsedList<T> {
  items: T[];
  /** Records in the response, valid or not. */
  received: number;
  /** One line per skipped record: kind, id when known, and the reason. */
  warnings: string[];
  /** Ids of the skipped records that had a readable id. */
  skippedIds: number[];
}

function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map(String).join(".");
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  const more = error.issues.length - shown.length;
  return shown.join("; ") + (more > 0 ? ` (+${more} more)` : "");
}

function recordId(record: unknown): string | null {
  if (record && typeof record === "object" && !Array.isArray(record)) {
    const value = (record as RawJson).id;
    if (typeof value === "number" || typeof value === "string") return String(value);
  }
  return null;
}

/** Throws unless `body` is a JSON object. */
export function assertJsonObject(body: unknown, what: string): asserts body is RawJson {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    const got = Array.isArray(body) ? "an array" : body === null ? "null" : `a ${typeof body}`;
    throw new PayloadError(`${what}: expected a JSON object, got ${got}`, {
      hint: "The TestIO API answered with an unexpected payload",
      action: "Retry later; if it persists, check TESTIO_CUSTOMER_API_BASE_URL",
    });
  }
}

/**
 * Parses records one by one; invalid ones are skipped and reported in `warnings`.
 *
 * @example
 * ```ts
 * import { FeatureSchema } from "./feature.ts";
 *
 * const { items, warnings } = parseRecords([{ id: 1 }], "feature", FeatureSchema);
 * // items: [], warnings: ["Skipped feature 1: title: Invalid input: expected string, received undefined"]
 * ```
 */
export function parseRecords<T>(
  records: readonly unknown[],
  kind: EntityKind,
  schema: RecordSchema<T>,
): ParsedList<T> {
  const items: T[] = [];
  const warnings: string[] = [];
  const skippedIds: number[] = [];
  for (const record of records) {
    const result = schema.safeParse(record);
    if (result.success) {
      items.push(result.data);
    } else {
      const rid = recordId(record);
      // An id sent as a string ("123") is still an id the record can be fetched by on its own.
      if (rid !== null && /^[1-9]\d{0,15}$/.test(rid) && Number.isSafeInteger(Number(rid))) {
        skippedIds.push(Number(rid));
      }
      warnings.push(
        `Skipped ${kind}${rid === null ? " without id" : ` ${rid}`}: ${describeIssues(result.error)}`,
      );
    }
  }
  return { items, received: records.length, warnings, skippedIds };
}

/**
 * Parses a list envelope such as `{"bugs": [...]}`.
 *
 * @throws {PayloadError} when the body is not an object or `key` does not hold an array.
 */
export function parseListEnvelope<T>(
  body: unknown,
  key: string,
  kind: EntityKind,
  schema: RecordSchema<T>,
): ParsedList<T> {
  assertJsonObject(body, `Response for '${key}'`);
  const records = body[key];
  if (!Array.isArray(records)) {
    throw new PayloadError(`Response has no '${key}' array`, {
      hint: "The TestIO API answered with an unexpected payload",
      action: "Retry later; if it persists, check TESTIO_CUSTOMER_API_BASE_URL",
    });
  }
  return parseRecords(records, kind, schema);
}

/**
 * Parses a single-entity envelope such as `{"exploratory_test": {...}}`.
 *
 * @throws {PayloadError} when the body is not an object or the record is missing or invalid.
 */
export function parseEntityEnvelope<T>(
  body: unknown,
  key: string,
  kind: EntityKind,
  schema: RecordSchema<T>,
): T {
  assertJsonObject(body, `Response for '${key}'`);
  const record = body[key];
  const result = schema.safeParse(record);
  if (!result.success) {
    const rid = recordId(record);
    throw new PayloadError(
      record === undefined
        ? `Response has no '${key}' object`
        : `Invalid ${kind}${rid === null ? "" : ` ${rid}`}: ${describeIssues(result.error)}`,
      {
        hint: "The TestIO API answered with a record that does not have the documented shape",
        action: "Retry later; if it persists, report the record id",
      },
    );
  }
  return result.data;
}
