/**
 * The exploratory-test payload (a "test cycle"): validated by a plain shape, then mapped to the value
 * the sync stores, with timestamps in UTC and the plain-text variants of goal, instructions and scope.
 *
 * @example
 * ```ts
 * const test = TestSchema.parse({ id: 1, title: "Checkout", status: "running", product: { id: 598 } });
 * test.features; // []
 * ```
 */
import { z } from "zod";
import type { ApiSection } from "./product.ts";
import { firstText, id, mappedSchema, maybeText, named, type Reject, utcOf } from "./common.ts";

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
