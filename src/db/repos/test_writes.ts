/**
 * The write side of the tests repository: the SQL text that stores a test with its test-feature
 * snapshots and platform requirements, and the parameters each statement binds. The statements
 * themselves belong to `TestsRepo`, which prepares and caches them.
 *
 * @example
 * ```ts
 * import type { TestInput } from "./test_rows.ts";
 * declare const test: TestInput;
 *
 * const params = testParams(test, "2026-01-01T00:00:00Z");
 * console.log(UPSERT_TEST.startsWith("INSERT INTO tests"), params.id);
 * ```
 */
import { int } from "./base.ts";
import type { Params } from "../database.ts";
import type { PlatformInput, TestFeatureInput, TestInput } from "./test_rows.ts";

/**
 * Inserts a test or updates its row when a column changed; `final_at` is stamped the first time the
 * test is seen in a final status. Changes no row when the test comes back identical.
 */
export const UPSERT_TEST =
  `INSERT INTO tests (id, product_id, section_id, section_name, title, status, review_status, testing_type,
           goal, instructions, out_of_scope, start_at, end_at, test_environment_id, test_environment_title,
           created_by, submitted_by, synced_at, final_at)
         VALUES (:id, :product_id, :section_id, :section_name, :title, :status, :review_status, :testing_type,
           :goal, :instructions, :out_of_scope, :start_at, :end_at, :env_id, :env_title,
           :created_by, :submitted_by, :synced_at,
           CASE WHEN :status IN ('archived', 'cancelled') THEN :synced_at END)
         ON CONFLICT (id) DO UPDATE SET product_id = excluded.product_id, section_id = excluded.section_id,
           section_name = excluded.section_name, title = excluded.title, status = excluded.status,
           review_status = excluded.review_status, testing_type = excluded.testing_type, goal = excluded.goal,
           instructions = excluded.instructions, out_of_scope = excluded.out_of_scope,
           start_at = excluded.start_at, end_at = excluded.end_at,
           test_environment_id = excluded.test_environment_id,
           test_environment_title = excluded.test_environment_title, created_by = excluded.created_by,
           submitted_by = excluded.submitted_by, synced_at = excluded.synced_at,
           final_at = CASE WHEN excluded.status IN ('archived', 'cancelled')
             THEN coalesce(tests.final_at, excluded.synced_at) END
         WHERE (tests.product_id, tests.section_id, tests.section_name, tests.title, tests.status,
             tests.review_status, tests.testing_type, tests.goal, tests.instructions, tests.out_of_scope,
             tests.start_at, tests.end_at, tests.test_environment_id, tests.test_environment_title,
             tests.created_by, tests.submitted_by)
           IS NOT (excluded.product_id, excluded.section_id, excluded.section_name, excluded.title,
             excluded.status, excluded.review_status, excluded.testing_type, excluded.goal,
             excluded.instructions, excluded.out_of_scope, excluded.start_at, excluded.end_at,
             excluded.test_environment_id, excluded.test_environment_title, excluded.created_by,
             excluded.submitted_by)`;

/** Inserts or updates one test-feature snapshot. */
export const UPSERT_TEST_FEATURE = `INSERT INTO test_features (id, test_id, feature_id, title, user_stories)
           VALUES (:id, :test_id, :feature_id, :title, :user_stories)
           ON CONFLICT (id) DO UPDATE SET test_id = excluded.test_id, feature_id = excluded.feature_id,
             title = excluded.title, user_stories = excluded.user_stories`;

/** Inserts one platform requirement of a test at its position. */
export const INSERT_TEST_PLATFORM =
  `INSERT INTO test_platforms (test_id, position, category, os, min_version, max_version, browsers)
           VALUES (:test_id, :position, :category, :os, :min_version, :max_version, :browsers)`;

/** The parameters of {@link UPSERT_TEST} for one test. */
export function testParams(t: TestInput, syncedAt: string): Params {
  const id = int(t.id);
  return {
    id,
    product_id: int(t.product_id),
    section_id: t.section_id === null ? null : int(t.section_id),
    section_name: t.section_name,
    title: t.title,
    status: t.status,
    review_status: t.review_status,
    testing_type: t.testing_type,
    goal: t.goal,
    instructions: t.instructions,
    out_of_scope: t.out_of_scope,
    start_at: t.start_at,
    end_at: t.end_at,
    env_id: t.test_environment ? int(t.test_environment.id) : null,
    env_title: t.test_environment?.title ?? null,
    created_by: t.created_by,
    submitted_by: t.submitted_by,
    synced_at: syncedAt,
  };
}

/** The parameters of {@link UPSERT_TEST_FEATURE} for one test-feature of a test (`testId` as bound by `int`). */
export function testFeatureParams(testId: bigint, f: TestFeatureInput): Params {
  return {
    id: int(f.id),
    test_id: testId,
    feature_id: int(f.feature_id),
    title: f.title,
    user_stories: JSON.stringify(f.user_stories),
  };
}

/** The parameters of {@link INSERT_TEST_PLATFORM} for the platform at `position` of a test. */
export function testPlatformParams(testId: bigint, position: number, p: PlatformInput): Params {
  return {
    test_id: testId,
    position: int(position),
    category: p.category,
    os: p.os,
    min_version: p.min_version,
    max_version: p.max_version,
    browsers: JSON.stringify(p.browsers),
  };
}
