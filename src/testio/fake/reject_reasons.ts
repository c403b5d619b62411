/**
 * TestIO's canned reject reasons (docs/testio-api.md, Reject reasons). The default comment texts are exact:
 * clients find a rejected bug's reason by looking for them as substrings of its comments, so they must
 * not be reworded.
 *
 * @example
 * ```ts
 * const text = REJECT_REASONS.find((r) => r.key === "known_bug")?.default_comment;
 * ```
 */

import { REJECT_REASONS as TEXTS, type RejectReason } from "../../domain/bugs.ts";
import type { RawRejectReason } from "./types.ts";

/** The reject reasons in the order `GET bugs/reject_reasons` returns them. */
export const REJECT_REASONS: readonly Readonly<RawRejectReason>[] = (Object.entries(TEXTS) as [
  RejectReason,
  string,
][])
  // The API sends the same sentence as name and default comment.
  .map(([key, text]) => ({ key, name: text, default_comment: text }));

/** The default comment text of a reject reason. */
export function rejectReasonText(key: RejectReason): string {
  return TEXTS[key];
}
