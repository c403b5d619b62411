/**
 * zod schemas of the TestIO Customer API payloads, one module per entity under `schemas/`. Each schema
 * validates one record and turns it into the normalised value the sync engine stores: timestamps in UTC
 * (`…Z`), plain-text variants of the test texts, derived bug status and rejection reason. Products,
 * features and user stories (a few hundred records) also carry a sanitised copy of the original JSON in
 * `raw`; tests and bugs do not.
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
export { type RawJson, type RecordSchema, type Reject, sanitizeRaw } from "./schemas/common.ts";
export { type ApiProduct, type ApiSection, ProductSchema } from "./schemas/product.ts";
export {
  type ApiPlatform,
  type ApiTest,
  type ApiTestEnvironment,
  type ApiTestFeature,
  type TestRecord,
  TestRecordSchema,
  TestSchema,
  toApiTest,
} from "./schemas/test.ts";
export {
  type ApiBug,
  type ApiBugComment,
  type ApiBugDevice,
  type BugRecord,
  BugRecordSchema,
  BugSchema,
  isBugRecord,
  rejectionReasonOf,
  toApiBug,
} from "./schemas/bug.ts";
export { type ApiFeature, type ApiUserStory, FeatureSchema, UserStorySchema } from "./schemas/feature.ts";
export {
  assertJsonObject,
  type EntityKind,
  type ParsedList,
  parseEntityEnvelope,
  parseListEnvelope,
  parseRecords,
} from "./schemas/envelope.ts";
