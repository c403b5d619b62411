/**
 * zod schemas of the TestIO Customer API payloads. Each schema validates one record and turns it into
 * the normalised value the sync engine stores: timestamps in UTC (`…Z`), plain-text variants of the
 * test texts, derived bug status and rejection reason. Products, features and user stories (a few
 * hundred records) also carry a sanitised copy of the original JSON in `raw`; tests and bugs do not.
 *
 * List payloads are parsed record by record ({@link parseListEnvelope}): a bad record is skipped with a
 * warning and the rest of the page is kept.
 *
 * @example
 * ```ts
 * const body = await (await fetch("http://127.0.0.1:8787/customer/v2/products/598/exploratory_tests")).json();
 * const { items, warnings } = parseListEnvelope(body, "exploratory_tests", "test", TestSchema);
 * items[0].start_at; // "2025-11-09T21:00:00Z"
 * ```
 */
import { z } from "zod";
import { toUtcIso } from "../dates.ts";
import { PayloadError } from "../errors.ts";
import { REJECT_REASONS, type RejectReason } from "../domain/bugs.ts";

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

const id = z.int();
const optionalId = id.nullish().transform((v) => v ?? null);
const text = z.string().nullish().transform((v) => v ?? null);

/** Trimmed text, with empty or whitespace-only values turned into null. */
function trimmed(value: string | null | undefined): string | null {
  const t = value?.trim();
  return t ? t : null;
}

/** The first non-empty candidate. */
function firstText(...values: (string | null | undefined)[]): string | null {
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
function withRaw<T extends object>(core: z.ZodType<T>) {
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
// Product

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

/** A {@link RecordSchema}: `shape` validates, `map` maps and may reject. */
function mappedSchema<R, T>(shape: z.ZodType<R>, map: (record: R, reject: Reject) => T): RecordSchema<T> {
  const safeParse = (input: unknown): ReturnType<RecordSchema<T>["safeParse"]> => {
    const checked = shape.safeParse(input);
    if (!checked.success) return { success: false, error: checked.error };
    const issues: z.core.$ZodIssue[] = [];
    const data = map(checked.data, (path, message) => issues.push({ code: "custom", path, message, input }));
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

const maybeId = id.nullish();
const maybeText = z.string().nullish();
const named = z.object({ name: maybeText }).nullish();

/** An ISO timestamp with an offset in UTC; null when missing or empty; rejected without an offset. */
function utcOf(value: string | null | undefined, field: string, reject: Reject): string | null {
  if (value === null || value === undefined || value.trim() === "") return null;
  const iso = toUtcIso(value);
  if (iso === null) reject([field], `timestamp without a time-zone offset or invalid: '${value}'`);
  return iso;
}

// ---------------------------------------------------------------------------------------------------
// Exploratory test

/** A feature as snapshotted inside a test (docs/testio-api.md, Tests): its own id plus the global `feature_id`. */
export interface ApiTestFeature {
  /** The test-feature id; bugs point to it through `test_feature.id`. */
  id: number;
  /** The global feature id, as in the features endpoints. */
  feature_id: number;
  title: string;
  description: string | null;
  howtofind: string | null;
  /** User-story titles; null in the API becomes []. */
  user_stories: string[];
}

/** A platform requirement of a test. */
export interface ApiPlatform {
  /** Category name, e.g. "Computers". */
  category: string | null;
  /** Category key, e.g. "computer". */
  category_key: string | null;
  /** Operating-system name, e.g. "Windows". */
  os: string | null;
  os_key: string | null;
  min_version: string | null;
  max_version: string | null;
  /** Browser names. */
  browsers: string[];
}

/** The part of a test environment that is safe to store. */
export interface ApiTestEnvironment {
  id: number;
  title: string | null;
}

/** An exploratory test (a "test cycle"). */
export interface ApiTest {
  id: number;
  /** `title`, or `test_title` when `title` is missing. */
  title: string;
  /** initialized, waiting, running, locked, customer_finalized, archived, cancelled; unknown kept. */
  status: string;
  review_status: string | null;
  testing_type: string | null;
  report_language: string | null;
  /** Plain-text goal (`goal_text`), the Markdown `goal` when the text variant is missing. */
  goal: string | null;
  instructions: string | null;
  out_of_scope: string | null;
  /** UTC ISO timestamp. */
  start_at: string | null;
  /** UTC ISO timestamp. */
  end_at: string | null;
  /** Username of the customer user who created the test. */
  created_by: string | null;
  submitted_by: string | null;
  /** From `product.id`. */
  product_id: number;
  section: ApiSection | null;
  /** `{id, title}` only: the rest of the environment holds the URL, login and password testers use. */
  test_environment: ApiTestEnvironment | null;
  /** `default` (functional), `content`, `visual`. */
  allowed_bug_types: string[];
  features: ApiTestFeature[];
  /** From `requirements`. */
  platforms: ApiPlatform[];
}

const keyed = z.object({ key: maybeText, name: maybeText }).nullish();

/** The fields of a test record the cache uses, validated; unknown keys are dropped. */
export const TestRecordSchema = z.object({
  id,
  title: maybeText,
  test_title: maybeText,
  status: z.string(),
  review_status: maybeText,
  testing_type: maybeText,
  report_language: maybeText,
  goal: maybeText,
  goal_text: maybeText,
  instructions: maybeText,
  instructions_text: maybeText,
  out_of_scope: maybeText,
  out_of_scope_text: maybeText,
  start_at: maybeText,
  end_at: maybeText,
  created_by: maybeText,
  submitted_by: maybeText,
  allowed_bug_types: z.array(z.string()).nullish(),
  test_environment: z.object({ id, title: maybeText }).nullish(),
  features: z.array(z.object({
    id,
    feature_id: id,
    title: z.string(),
    description: maybeText,
    howtofind: maybeText,
    location: maybeText,
    user_stories: z.array(z.string()).nullish(),
  })).nullish(),
  requirements: z.array(z.object({
    category: keyed,
    operating_system: keyed,
    min_operating_system_version: named,
    max_operating_system_version: named,
    browsers: z.array(z.object({ name: z.string() })).nullish(),
  })).nullish(),
  section: z.object({ id, name: maybeText }).nullish(),
  product: z.object({ id }),
});

/** A test record that passed {@link TestRecordSchema}. */
export type TestRecord = z.infer<typeof TestRecordSchema>;

/**
 * Maps a validated test record to the value the sync stores; rejects it without a title or with a
 * timestamp without an offset.
 */
export function toApiTest(t: TestRecord, reject: Reject): ApiTest {
  const title = firstText(t.title, t.test_title);
  if (title === null) reject(["title"], "neither title nor test_title is set");
  return {
    id: t.id,
    title: title ?? "",
    status: t.status,
    review_status: t.review_status ?? null,
    testing_type: t.testing_type ?? null,
    report_language: t.report_language ?? null,
    goal: firstText(t.goal_text, t.goal),
    instructions: firstText(t.instructions_text, t.instructions),
    out_of_scope: firstText(t.out_of_scope_text, t.out_of_scope),
    start_at: utcOf(t.start_at, "start_at", reject),
    end_at: utcOf(t.end_at, "end_at", reject),
    created_by: t.created_by ?? null,
    submitted_by: t.submitted_by ?? null,
    product_id: t.product.id,
    section: t.section ? { id: t.section.id, name: t.section.name ?? null } : null,
    test_environment: t.test_environment
      ? { id: t.test_environment.id, title: t.test_environment.title ?? null }
      : null,
    allowed_bug_types: t.allowed_bug_types ?? [],
    features: (t.features ?? []).map((f) => ({
      id: f.id,
      feature_id: f.feature_id,
      title: f.title,
      description: f.description ?? null,
      // `location` duplicates `howtofind` in the API.
      howtofind: f.howtofind ?? f.location ?? null,
      user_stories: f.user_stories ?? [],
    })),
    platforms: (t.requirements ?? []).map((r) => ({
      category: r.category?.name ?? null,
      category_key: r.category?.key ?? null,
      os: r.operating_system?.name ?? null,
      os_key: r.operating_system?.key ?? null,
      min_version: r.min_operating_system_version?.name ?? null,
      max_version: r.max_operating_system_version?.name ?? null,
      browsers: (r.browsers ?? []).map((b) => b.name),
    })),
  };
}

/** Schema of one exploratory-test record: {@link TestRecordSchema} mapped by {@link toApiTest}. */
export const TestSchema = mappedSchema(TestRecordSchema, toApiTest);

// ---------------------------------------------------------------------------------------------------
// Bug

const REJECT_ENTRIES = Object.entries(REJECT_REASONS) as [RejectReason, string][];

/** The reason of the first comment that contains a canned reviewer text, or null. */
export function rejectionReasonOf(comments: readonly { body: string }[]): RejectReason | null {
  for (const comment of comments) {
    for (const [key, canned] of REJECT_ENTRIES) {
      if (comment.body.includes(canned)) return key;
    }
  }
  return null;
}

/** A device a bug was reproduced on. */
export interface ApiBugDevice {
  /** Category name, e.g. "Computers". */
  category: string | null;
  /** Operating-system name. */
  os: string | null;
  /** Browser names. */
  browsers: string[];
  /** Device model name (the API's odd singular `devices.name`). */
  name: string | null;
  vendor: string | null;
}

/** A comment on a bug. */
export interface ApiBugComment {
  id: number | null;
  body: string;
  /** Username of the author. */
  author: string | null;
}

/** A bug from `GET bugs`. */
export interface ApiBug {
  id: number;
  title: string;
  /** The status as the API sent it: forwarded, accepted or rejected (unknown values kept). */
  api_status: string;
  /**
   * The status as stored: `auto_accepted` for an accepted bug with `auto_accepted: true`, else
   * `api_status` (forwarded, accepted, rejected, or an unknown value as sent).
   */
  status: string;
  /** Missing or null in the API (staging) means false. */
  auto_accepted: boolean;
  /** Anything but `true` in the API means false. */
  known: boolean;
  /** low, high, critical for functional bugs; visual, content, custom as the type; unknown kept. */
  severity: string | null;
  /** Trimmed lines, empty ones dropped. */
  steps: string[];
  expected_result: string | null;
  actual_result: string | null;
  /** UTC ISO timestamp; the only timestamp of a bug. */
  reported_at: string | null;
  /** UTC ISO timestamp. */
  exported_at: string | null;
  /** The tester's username. */
  author: string | null;
  comments: ApiBugComment[];
  comments_count: number;
  /** For rejected bugs, the reason found in the comments (see {@link REJECT_REASONS}); else null. */
  rejection_reason: RejectReason | null;
  /** From `test.id`. */
  test_id: number;
  /** From `test_feature.id`: the test-feature id of the test. */
  test_feature_id: number | null;
  /** The global feature. */
  feature: { id: number; title: string | null } | null;
  devices: ApiBugDevice[];
  location: string | null;
  language: string | null;
}

/** The fields of a bug record the cache uses, validated; unknown keys are dropped. */
export const BugRecordSchema = z.object({
  id,
  title: z.string(),
  severity: maybeText,
  status: z.string(),
  auto_accepted: z.unknown(),
  known: z.unknown(),
  // The Blueprint documents a string; the live API sends an array of strings.
  steps: z.union([z.array(z.string().nullable()), z.string()]).nullish(),
  expected_result: maybeText,
  actual_result: maybeText,
  reported_at: maybeText,
  exported_at: maybeText,
  author: named,
  comments: z.array(z.object({ id: maybeId, body: maybeText, author: named })).nullish(),
  test: z.object({ id }),
  test_feature: z.object({ id: maybeId }).nullish(),
  feature: z.object({ id, title: maybeText }).nullish(),
  devices: z.array(z.object({
    category: named,
    operating_system: named,
    browsers: z.array(z.object({ name: maybeText })).nullish(),
    devices: named,
    vendor: named,
  })).nullish(),
  location: maybeText,
  language: maybeText,
});

/** A bug record that passed {@link BugRecordSchema}. */
export type BugRecord = z.infer<typeof BugRecordSchema>;

function stepLines(steps: BugRecord["steps"]): string[] {
  const lines = typeof steps === "string" ? steps.split(/\r?\n/) : steps ?? [];
  const out: string[] = [];
  for (const line of lines) {
    const t = trimmed(line);
    if (t !== null) out.push(t);
  }
  return out;
}

/** Maps a validated bug record to the value the sync stores; rejects it for a timestamp without an offset. */
export function toApiBug(b: BugRecord, reject: Reject): ApiBug {
  const autoAccepted = b.auto_accepted === true;
  const comments = (b.comments ?? []).map((c): ApiBugComment => ({
    id: c.id ?? null,
    body: c.body ?? "",
    author: c.author?.name ?? null,
  }));
  return {
    id: b.id,
    title: b.title,
    api_status: b.status,
    status: b.status === "accepted" && autoAccepted ? "auto_accepted" : b.status,
    auto_accepted: autoAccepted,
    known: b.known === true,
    severity: b.severity ?? null,
    steps: stepLines(b.steps),
    expected_result: trimmed(b.expected_result),
    actual_result: trimmed(b.actual_result),
    reported_at: utcOf(b.reported_at, "reported_at", reject),
    exported_at: utcOf(b.exported_at, "exported_at", reject),
    author: b.author?.name ?? null,
    comments,
    comments_count: comments.length,
    rejection_reason: b.status === "rejected" ? rejectionReasonOf(comments) : null,
    test_id: b.test.id,
    test_feature_id: b.test_feature?.id ?? null,
    feature: b.feature ? { id: b.feature.id, title: b.feature.title ?? null } : null,
    devices: (b.devices ?? []).map((d): ApiBugDevice => ({
      category: d.category?.name ?? null,
      os: d.operating_system?.name ?? null,
      browsers: (d.browsers ?? []).flatMap((br) =>
        br.name === null || br.name === undefined ? [] : [br.name]
      ),
      name: d.devices?.name ?? null,
      vendor: d.vendor?.name ?? null,
    })),
    location: b.location ?? null,
    language: b.language ?? null,
  };
}

/** Schema of one bug record: {@link BugRecordSchema} mapped by {@link toApiBug}. */
export const BugSchema = mappedSchema(BugRecordSchema, toApiBug);

// ---------------------------------------------------------------------------------------------------
// Features and user stories

/** A product feature from `products/{id}/features` or `products/{id}/sections/{sid}/features`. */
export interface ApiFeature {
  /** The global feature id. */
  id: number;
  title: string;
  description: string | null;
  howtofind: string | null;
  /** User-story titles (the API gives them without ids). */
  user_stories: string[];
  raw: RawJson;
}

const FeatureCore = z.looseObject({
  id,
  title: z.string(),
  description: text,
  howtofind: text,
  user_stories: z.array(z.string()).nullish(),
}).transform((f): Omit<ApiFeature, "raw"> => ({
  id: f.id,
  title: f.title,
  description: f.description,
  howtofind: f.howtofind,
  user_stories: f.user_stories ?? [],
}));

/** Schema of one feature record. */
export const FeatureSchema: z.ZodType<ApiFeature> = withRaw(FeatureCore);

/** A user story from `products/{id}/user_stories`. */
export interface ApiUserStory {
  id: number;
  /** Same text as `title` in the API. */
  path: string;
  title: string;
  /** Not sent by the API today; kept in case it appears. */
  feature_id: number | null;
  raw: RawJson;
}

const UserStoryCore = z.looseObject({
  id,
  path: text,
  title: text,
  feature_id: optionalId,
}).transform((s, ctx): Omit<ApiUserStory, "raw"> => {
  const title = firstText(s.title, s.path);
  if (title === null) {
    ctx.addIssue({ code: "custom", message: "neither title nor path is set", path: ["title"] });
    return z.NEVER;
  }
  return { id: s.id, path: s.path ?? title, title, feature_id: s.feature_id };
});

/** Schema of one user-story record. */
export const UserStorySchema: z.ZodType<ApiUserStory> = withRaw(UserStoryCore);

// ---------------------------------------------------------------------------------------------------
// Envelopes

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
