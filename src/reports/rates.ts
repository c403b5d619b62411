/**
 * Bug outcome classes, the five rates and the health indicators (behaviour.md §3). Pure functions.
 * Open means forwarded, everywhere. A rate with no data is `null`, never 0.
 *
 * @example
 * ```ts
 * const rates = computeRates({ open: 2, active_accepted: 5, auto_accepted: 1, rejected: 2 });
 * rates.rejection_rate; // 0.2
 * health(rates, config.thresholds).rejection_rate; // "warning" (boundaries count as the worse level)
 * ```
 */
import type { Config, Threshold } from "../config.ts";

/** Bug counts by outcome class. */
export interface BugClasses {
  open: number;
  active_accepted: number;
  auto_accepted: number;
  rejected: number;
}

/** The five rates, each in [0,1] or null when undefined. */
export interface Rates {
  active_acceptance_rate: number | null;
  overall_acceptance_rate: number | null;
  rejection_rate: number | null;
  review_rate: number | null;
  auto_acceptance_rate: number | null;
}

/** A health level. */
export type HealthLevel = "healthy" | "warning" | "critical" | "unknown";

/** Health of the three indicator rates. */
export interface Health {
  rejection_rate: HealthLevel;
  auto_acceptance_rate: HealthLevel;
  review_rate: HealthLevel;
}

const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);

/** Computes the five rates from class counts. */
export function computeRates(c: BugClasses): Rates {
  const total = c.open + c.active_accepted + c.auto_accepted + c.rejected;
  return {
    active_acceptance_rate: ratio(c.active_accepted, total),
    overall_acceptance_rate: ratio(c.active_accepted + c.auto_accepted, total),
    rejection_rate: ratio(c.rejected, total),
    review_rate: ratio(c.active_accepted + c.rejected, total),
    auto_acceptance_rate: ratio(c.auto_accepted, c.active_accepted + c.auto_accepted),
  };
}

/** The level of one rate against its threshold; a value on a boundary takes the worse level. */
export function level(value: number | null, t: Threshold): HealthLevel {
  if (value === null) return "unknown";
  if (t.direction === "above") {
    if (value >= t.critical) return "critical";
    if (value >= t.warning) return "warning";
    return "healthy";
  }
  if (value <= t.critical) return "critical";
  if (value <= t.warning) return "warning";
  return "healthy";
}

/** Health indicators of a set of rates. */
export function health(rates: Rates, thresholds: Config["thresholds"]): Health {
  return {
    rejection_rate: level(rates.rejection_rate, thresholds.rejection_rate),
    auto_acceptance_rate: level(rates.auto_acceptance_rate, thresholds.auto_acceptance_rate),
    review_rate: level(rates.review_rate, thresholds.review_rate),
  };
}
