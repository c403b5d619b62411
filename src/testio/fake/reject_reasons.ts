/**
 * TestIO's canned reject reasons (§5.3 of the API reference). The default comment texts are exact:
 * clients find a rejected bug's reason by looking for them as substrings of its comments, so they must
 * not be reworded.
 *
 * @example
 * ```ts
 * const text = REJECT_REASONS.find((r) => r.key === "known_bug")?.default_comment;
 * ```
 */

import type { RawRejectReason, RejectReasonKey } from "./types.ts";

/** The reject reasons in the order `GET bugs/reject_reasons` returns them. */
const reason = (key: RejectReasonKey, text: string): RawRejectReason => // The API sends the same sentence as name and default comment (§2.11).
({ key, name: text, default_comment: text });

/** The reject reasons in the order `GET bugs/reject_reasons` returns them. */
export const REJECT_REASONS: readonly Readonly<RawRejectReason>[] = [
  reason("device_not_relevant", "This device is not relevant and the bug will not be fixed."),
  reason("ignored_instructions", "The test instructions were not followed."),
  reason("intended_behavior", "The behaviour/design described here is intentional."),
  reason("irrelevant", "This bug is not relevant and will not be fixed."),
  reason("known_bug", "This is a legit bug but already known."),
  reason("not_reproducible", "With the information provided it was not possible to reproduce this bug."),
  reason(
    "request_timeout",
    "Your bug was rejected automatically, because you didn't respond to the request within 24 hours",
  ),
];

/** The default comment text of a reject reason. */
export function rejectReasonText(key: RejectReasonKey): string {
  const found = REJECT_REASONS.find((r) => r.key === key);
  if (!found) throw new RangeError(`Unknown reject reason: ${key}`);
  return found.default_comment;
}
