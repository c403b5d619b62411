/**
 * The row types of the tests repository: what the sync writes (tests with their test-feature snapshots
 * and platforms), what the tools read (list rows, details, freshness stamps), the list's sort keys and
 * filters, and the mapping from stored columns to rows.
 *
 * @example
 * ```ts
 * const query: TestQuery = {
 *   productId: 598,
 *   sortBy: "end_at",
 *   sortOrder: "desc",
 *   limit: 50,
 *   offset: 0,
 * };
 * console.log(TEST_SORTS[query.sortBy]);
 * ```
 */
import type { SortOrder, Tuple } from "./base.ts";

/** A test-feature snapshot as written by the sync. */
export interface TestFeatureInput {
  id: number;
  feature_id: number;
  title: string;
  user_stories: string[];
}

/** A platform requirement as written by the sync. */
export interface PlatformInput {
  category: string | null;
  os: string | null;
  min_version: string | null;
  max_version: string | null;
  browsers: string[];
}

/** A test as written by the sync. */
export interface TestInput {
  id: number;
  product_id: number;
  section_id: number | null;
  section_name: string | null;
  title: string;
  status: string;
  review_status: string | null;
  testing_type: string | null;
  goal: string | null;
  instructions: string | null;
  out_of_scope: string | null;
  start_at: string | null;
  end_at: string | null;
  test_environment: { id: number; title: string } | null;
  created_by: string | null;
  submitted_by: string | null;
  features: TestFeatureInput[];
  platforms: PlatformInput[];
}

/** A row of `list_tests`. */
export interface TestListRow {
  id: number;
  title: string;
  status: string;
  review_status: string | null;
  testing_type: string | null;
  start_at: string | null;
  end_at: string | null;
  test_environment: { id: number; title: string } | null;
  bug_count: number;
}

/** A test with everything `get_test_summary` shows. */
export interface TestDetail extends TestListRow {
  goal: string | null;
  instructions: string | null;
  out_of_scope: string | null;
  product: { id: number; name: string };
  section: { id: number; name: string } | null;
  created_by: string | null;
  submitted_by: string | null;
  features: { id: number; feature_id: number; title: string }[];
  platforms: {
    os: string | null;
    category: string | null;
    min_version: string | null;
    max_version: string | null;
    browsers: string[];
  }[];
  synced_at: string;
  bugs_synced_at: string | null;
}

/** Freshness stamps of a test. */
export interface TestStamps {
  id: number;
  product_id: number;
  status: string;
  synced_at: string;
  bugs_synced_at: string | null;
  final_at: string | null;
}

/** Sort keys of `TestsRepo.list`: the SQL each sorts by. */
export const TEST_SORTS = {
  end_at: "end_at",
  start_at: "start_at",
  status: "status",
  title: "title COLLATE NOCASE",
  bug_count: "bug_count",
} as const;
export type TestSort = keyof typeof TEST_SORTS;

/** Filters of `TestsRepo.list`. */
export interface TestQuery {
  productId: number;
  statuses?: string[];
  testingType?: string;
  /** Inclusive bounds on end_at (UTC ISO). */
  endFrom?: string | null;
  endTo?: string | null;
  sortBy: TestSort;
  sortOrder: SortOrder;
  limit: number;
  offset: number;
}

/** A list row as stored: the test environment in two columns. */
export interface RawListRow extends Omit<TestListRow, "test_environment"> {
  test_environment_id: number | null;
  test_environment_title: string | null;
}

/** The test environment of a stored row, or null when the test has none. */
export function env(r: { test_environment_id: number | null; test_environment_title: string | null }) {
  return r.test_environment_id === null
    ? null
    : { id: r.test_environment_id, title: r.test_environment_title ?? "" };
}

/** The columns of a {@link TestListRow}, in the order `TestsRepo.list` reads them. */
export const LIST_COLUMNS =
  `id, title, status, review_status, testing_type, start_at, end_at, test_environment_id,
  test_environment_title, bug_count`;

/** The list row of a tuple read with {@link LIST_COLUMNS} (further columns are ignored). */
export function listRowOf(r: Tuple): TestListRow {
  return {
    id: r[0] as number,
    title: r[1] as string,
    status: r[2] as string,
    review_status: r[3] as string | null,
    testing_type: r[4] as string | null,
    start_at: r[5] as string | null,
    end_at: r[6] as string | null,
    test_environment: r[7] === null ? null : { id: r[7] as number, title: (r[8] as string | null) ?? "" },
    bug_count: r[9] as number,
  };
}
