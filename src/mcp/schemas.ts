/**
 * Output schema pieces shared by several tools: rates, health, bug classes, references and row shapes.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { bugRowShape, featureRef } from "./schemas.ts";
 *
 * const bug = z.object({ ...bugRowShape, feature: featureRef.nullable() });
 * ```
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

/** `{id, title}` of a feature. */
export const featureRef = z.object({ id: z.number().int(), title: z.string() });

/** The fields every test row starts with, in the order answers show them. */
export const testRowShape = {
  id: z.number().int(),
  title: z.string(),
  status: z.string(),
};

/** The fields every bug row starts with, in the order answers show them. */
export const bugRowShape = {
  id: z.number().int(),
  title: z.string(),
  severity: z.string().nullable(),
  status: z.string().describe("forwarded (open), accepted, auto_accepted or rejected"),
  known: z.boolean(),
  rejection_reason: z.string().nullable(),
};

/** A count map such as by_status. */
export const countMap = z.record(z.string(), z.number().int());
