/**
 * The vocabulary of exploratory tests: the statuses the API sends, which of them are final and which
 * count as executed, and the testing types. See docs/domain.md (Tests).
 *
 * @example
 * ```ts
 * import { isFinalStatus } from "./tests.ts";
 * isFinalStatus("archived"); // true: the test never changes again
 * isFinalStatus("running"); // false
 * ```
 */

/** Every test status the API is known to send, oldest lifecycle stage first. */
export const TEST_STATUSES = [
  "initialized",
  "waiting",
  "running",
  "locked",
  "customer_finalized",
  "archived",
  "cancelled",
] as const;
/** One of {@link TEST_STATUSES}. */
export type TestStatus = typeof TEST_STATUSES[number];

/** Statuses after which a test never changes. */
export const FINAL_TEST_STATUSES = ["archived", "cancelled"] as const;

/** Statuses counted as "executed" by reports and analytics. */
export const EXECUTED_TEST_STATUSES = ["running", "locked", "archived", "customer_finalized"] as const;

/** `testing_type` values a test can carry (`custom` is deprecated: kept in old tests, never created). */
export const TESTING_TYPES = ["coverage", "rapid", "focused", "usability", "custom"] as const;
/** One of {@link TESTING_TYPES}. */
export type TestingType = typeof TESTING_TYPES[number];

/** Whether a test status is final (unknown statuses are treated as mutable). */
export function isFinalStatus(status: string): boolean {
  return (FINAL_TEST_STATUSES as readonly string[]).includes(status);
}
