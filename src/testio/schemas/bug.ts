/**
 * The bug payload (`GET bugs`): validated by a plain shape, then mapped to the value the sync stores,
 * with the derived status (`auto_accepted`) and, for rejected bugs, the rejection reason read from the
 * reviewer's canned comment.
 *
 * @example
 * ```ts
 * const bug = BugSchema.parse({ id: 7, title: "Cart empties", status: "accepted", auto_accepted: true, test: { id: 1 } });
 * bug.status; // "auto_accepted"
 * ```
 */
import { z } from "zod";
import { REJECT_REASONS, type RejectReason } from "../../domain/bugs.ts";
import {
  id,
  isArrayOf,
  isId,
  isMaybeArrayOf,
  isMaybeId,
  isMaybeText,
  isNamed,
  isObject,
  mappedSchema,
  maybeId,
  maybeText,
  named,
  type Reject,
  trimmed,
  utcOf,
} from "./common.ts";

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

const isString = (v: unknown): boolean => typeof v === "string";
const isStep = (v: unknown): boolean => v === null || typeof v === "string";
const isComment = (c: unknown): boolean =>
  isObject(c) && isMaybeId(c.id) && isMaybeText(c.body) && isNamed(c.author);
const isBrowser = (b: unknown): boolean => isObject(b) && isMaybeText(b.name);
const isDevice = (d: unknown): boolean =>
  isObject(d) && isNamed(d.category) && isNamed(d.operating_system) &&
  isMaybeArrayOf(d.browsers, isBrowser) &&
  isNamed(d.devices) && isNamed(d.vendor);

/**
 * True for exactly the records {@link BugRecordSchema} accepts, field by field, without zod's cost
 * (a fifth of the CPU a bug took in a sync, bench/RESULTS.md, Tuning); the others go through zod.
 */
export function isBugRecord(b: unknown): boolean {
  if (!isObject(b)) return false;
  const { steps, test, test_feature, feature } = b;
  return isId(b.id) && isString(b.title) && isMaybeText(b.severity) && isString(b.status) &&
    (steps === null || steps === undefined || isString(steps) || isArrayOf(steps, isStep)) &&
    isMaybeText(b.expected_result) && isMaybeText(b.actual_result) && isMaybeText(b.reported_at) &&
    isMaybeText(b.exported_at) && isNamed(b.author) && isMaybeArrayOf(b.comments, isComment) &&
    isObject(test) && isId(test.id) &&
    (test_feature === null || test_feature === undefined ||
      (isObject(test_feature) && isMaybeId(test_feature.id))) &&
    (feature === null || feature === undefined ||
      (isObject(feature) && isId(feature.id) && isMaybeText(feature.title))) &&
    isMaybeArrayOf(b.devices, isDevice) && isMaybeText(b.location) && isMaybeText(b.language);
}

/** Schema of one bug record: {@link BugRecordSchema} mapped by {@link toApiBug}. */
export const BugSchema = mappedSchema(BugRecordSchema, toApiBug, isBugRecord);
