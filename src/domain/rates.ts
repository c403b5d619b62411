/**
 * Bug outcome classes, the five rates and the health indicators (docs/domain.md, Rates and health). Pure functions.
 * Open means forwarded, everywhere. A rate with no data is `null`, never 0.
 *
 * @example
 * ```ts
 * const rates = computeRates({ open: 2, active_accepted: 5, auto_accepted: 1, rejected: 2 });
 * rates.rejection_rate; // 0.2
 * const thresholds: Thresholds = {
 *   rejection_rate: { warning: 0.2, critical: 0.35, direction: "above" },
 *   auto_acceptance_rate: { warning: 0.2, critical: 0.4, direction: "above" },
 *   review_rate: { warning: 0.8, critical: 0.6, direction: "below" },
 * };
 * health(rates, thresholds).rejection_rate; // "warning" (boundaries count as the worse level)
 * ```
 */

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

/** A health threshold pair. `direction` says which side of the value is bad. */
export interface Threshold {
  warning: number;
  critical: number;
  direction: "above" | "below";
}

/** The thresholds of the three health indicators. */
export interface Thresholds {
  readonly rejection_rate: Threshold;
  readonly auto_acceptance_rate: Threshold;
  readonly review_rate: Threshold;
}

/** A health level. */
export type HealthLevel = "healthy" | "warning" | "critical" | "unknown";

/** Health of the three indicator rates. */
export interface Health {
  rejection_rate: HealthLevel;
  auto_acceptance_rate: HealthLevel;
  review_rate: HealthLevel;
}

/** One rate as a ratio of summed class counts. */
export interface RateDefinition {
  numerator: readonly (keyof BugClasses)[];
  denominator: readonly (keyof BugClasses)[];
  /** When the rate is undefined (denominator 0), in words. */
  undefinedWhen: string;
}

const ALL_CLASSES = ["open", "active_accepted", "auto_accepted", "rejected"] as const;

/**
 * The five rates as data, so the SQL of the metric cube (sorting by a rate) and the formulas shown
 * by get_analytics_capabilities derive from the same definition as {@link computeRates}.
 */
export const RATE_DEFINITIONS: Readonly<Record<keyof Rates, RateDefinition>> = Object.freeze({
  active_acceptance_rate: {
    numerator: ["active_accepted"],
    denominator: ALL_CLASSES,
    undefinedWhen: "no bugs",
  },
  overall_acceptance_rate: {
    numerator: ["active_accepted", "auto_accepted"],
    denominator: ALL_CLASSES,
    undefinedWhen: "no bugs",
  },
  rejection_rate: { numerator: ["rejected"], denominator: ALL_CLASSES, undefinedWhen: "no bugs" },
  review_rate: {
    numerator: ["active_accepted", "rejected"],
    denominator: ALL_CLASSES,
    undefinedWhen: "no bugs",
  },
  auto_acceptance_rate: {
    numerator: ["auto_accepted"],
    denominator: ["active_accepted", "auto_accepted"],
    undefinedWhen: "nothing accepted",
  },
});

/** The rate keys in their documented order. */
export const RATE_KEYS = Object.keys(RATE_DEFINITIONS) as (keyof Rates)[];

const sum = (c: BugClasses, keys: readonly (keyof BugClasses)[]): number =>
  keys.reduce((n, k) => n + c[k], 0);

/** One rate from class counts; null when its denominator is 0. */
export function rateOf(key: keyof Rates, c: BugClasses): number | null {
  const def = RATE_DEFINITIONS[key];
  const d = sum(c, def.denominator);
  return d === 0 ? null : sum(c, def.numerator) / d;
}

/** Computes the five rates from class counts. */
export function computeRates(c: BugClasses): Rates {
  return {
    active_acceptance_rate: rateOf("active_acceptance_rate", c),
    overall_acceptance_rate: rateOf("overall_acceptance_rate", c),
    rejection_rate: rateOf("rejection_rate", c),
    review_rate: rateOf("review_rate", c),
    auto_acceptance_rate: rateOf("auto_acceptance_rate", c),
  };
}

/** The total of the four classes. */
export function totalBugs(c: BugClasses): number {
  return sum(c, ALL_CLASSES);
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
export function health(rates: Rates, thresholds: Thresholds): Health {
  return {
    rejection_rate: level(rates.rejection_rate, thresholds.rejection_rate),
    auto_acceptance_rate: level(rates.auto_acceptance_rate, thresholds.auto_acceptance_rate),
    review_rate: level(rates.review_rate, thresholds.review_rate),
  };
}
