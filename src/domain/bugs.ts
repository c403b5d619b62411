/**
 * The vocabulary of bugs: the statuses the API sends, the derived statuses the cache stores, and the
 * severities (the field doubles as the bug type). See docs/domain.md (Bugs).
 *
 * @example
 * ```ts
 * import { BUG_SEVERITIES, BUG_STATUSES } from "./bugs.ts";
 * BUG_STATUSES.includes("auto_accepted"); // true: derived from the API's `accepted` + `auto_accepted`
 * BUG_SEVERITIES[0]; // "critical"
 * ```
 */

/** The only bug statuses the API sends. */
export const API_BUG_STATUSES = ["forwarded", "accepted", "rejected"] as const;
/** One of {@link API_BUG_STATUSES}. */
export type ApiBugStatus = typeof API_BUG_STATUSES[number];

/** Derived bug statuses as stored; "open" in arguments and summaries means forwarded. */
export const BUG_STATUSES = ["forwarded", "accepted", "auto_accepted", "rejected"] as const;
/** One of {@link BUG_STATUSES}. */
export type BugStatus = typeof BUG_STATUSES[number];

/** Bug severities, most severe first (the field doubles as the bug type). */
export const BUG_SEVERITIES = ["critical", "high", "low", "visual", "content", "custom"] as const;
/** One of {@link BUG_SEVERITIES}. */
export type BugSeverity = typeof BUG_SEVERITIES[number];

/**
 * TestIO's canned reviewer texts by reject-reason key (docs/testio-api.md, Reject reasons). These are exact strings: a
 * rejected bug's reason is found by looking for them inside its comments.
 */
export const REJECT_REASONS = {
  device_not_relevant: "This device is not relevant and the bug will not be fixed.",
  ignored_instructions: "The test instructions were not followed.",
  intended_behavior: "The behaviour/design described here is intentional.",
  irrelevant: "This bug is not relevant and will not be fixed.",
  known_bug: "This is a legit bug but already known.",
  not_reproducible: "With the information provided it was not possible to reproduce this bug.",
  request_timeout:
    "Your bug was rejected automatically, because you didn't respond to the request within 24 hours",
} as const;

/** A reject-reason key. */
export type RejectReason = keyof typeof REJECT_REASONS;
