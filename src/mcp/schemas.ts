/**
 * Output schema pieces shared by several tools.
 */
import { z } from "zod";

/** The five rates; null when undefined (no bugs, or nothing accepted). */
export const ratesSchema = z.object({
  active_acceptance_rate: z.number().min(0).max(1).nullable(),
  overall_acceptance_rate: z.number().min(0).max(1).nullable(),
  rejection_rate: z.number().min(0).max(1).nullable(),
  review_rate: z.number().min(0).max(1).nullable(),
  auto_acceptance_rate: z.number().min(0).max(1).nullable(),
});

const healthLevel = z.enum(["healthy", "warning", "critical", "unknown"]);

/** Health of the three indicator rates. */
export const healthSchema = z.object({
  rejection_rate: healthLevel,
  auto_acceptance_rate: healthLevel,
  review_rate: healthLevel,
});

/** Bug counts by outcome class (open = forwarded). */
export const bugClassesSchema = z.object({
  open: z.number().int(),
  active_accepted: z.number().int(),
  auto_accepted: z.number().int(),
  rejected: z.number().int(),
});

/** `{id, title}` of a test environment. */
export const testEnvironmentSchema = z.object({ id: z.number().int(), title: z.string() }).nullable();

/** `{id, name}` reference. */
export const namedRef = z.object({ id: z.number().int(), name: z.string() });

/** UTC time of the oldest sync stamp an answer depends on (null when the cache holds nothing relevant). */
export const dataAsOf = z.string().nullable().describe(
  "UTC ISO time of the oldest sync stamp behind this answer",
);

/** The oldest of the given sync stamps (ISO strings compare in time order), or null when none is set. */
export function oldestStamp(...stamps: (string | null | undefined)[]): string | null {
  let oldest: string | null = null;
  for (const s of stamps) if (s && (oldest === null || s < oldest)) oldest = s;
  return oldest;
}

/** Problems met while answering (refresh failures, unknown ids…). */
export const warningsSchema = z.array(z.string()).optional();

/** A count map such as by_status. */
export const countMap = z.record(z.string(), z.number().int());
