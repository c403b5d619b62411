/**
 * The data the quality dashboard draws: the answer of `generate_quality_report` (as the tool's output
 * schema describes it), plus what the product switcher and the drill-down read from
 * `list_products` and `get_test_summary`. The shapes are the server's own types (type-only imports: no
 * server code reaches the view's bundle).
 */
import type { BugClasses, Health, Rates, Threshold } from "../../domain/rates.ts";
import type { MonthSummary, ReasonCount, RejectionDrivers } from "../../reports/quality_trends.ts";

export type { BugClasses, Health, Rates, ReasonCount, Threshold };

export interface Summary {
  total_tests: number;
  total_bugs: number;
  bugs_by_status: BugClasses;
  rates: Rates;
  health: Health;
  avg_bugs_per_test: number | null;
  period: {
    start: string | null;
    end: string | null;
    first_test_end_at: string | null;
    last_test_end_at: string | null;
  };
}

export interface QualityReport {
  products: { id: number; name: string }[];
  summary: Summary;
  by_product?: (Summary & { product: { id: number; name: string } })[];
  thresholds: { rejection_rate: Threshold; auto_acceptance_rate: Threshold; review_rate: Threshold };
  tests?: {
    id: number;
    title: string;
    product_id: number;
    status: string;
    end_at: string | null;
    total_bugs: number;
    bugs_by_status: BugClasses;
    rates: Rates;
    health: Health;
  }[];
  by_month?: MonthSummary[];
  rejection_drivers?: RejectionDrivers;
  data_as_of: string | null;
  warnings?: string[];
}

/** The outcome classes in drawing order, with their labels and colours. */
export const OUTCOMES: readonly { key: keyof BugClasses; label: string; color: string }[] = [
  { key: "open", label: "Open", color: "--open" },
  { key: "active_accepted", label: "Active accepted", color: "--accepted" },
  { key: "auto_accepted", label: "Auto accepted", color: "--auto" },
  { key: "rejected", label: "Rejected", color: "--rejected" },
];

/** The five rates in drawing order. */
export const RATES: readonly { key: keyof Rates; label: string; color: string }[] = [
  { key: "active_acceptance_rate", label: "Active acceptance", color: "--rate-1" },
  { key: "overall_acceptance_rate", label: "Overall acceptance", color: "--rate-2" },
  { key: "rejection_rate", label: "Rejection", color: "--rate-3" },
  { key: "review_rate", label: "Review", color: "--rate-4" },
  { key: "auto_acceptance_rate", label: "Auto acceptance", color: "--rate-5" },
];

/** The three health indicators. */
export const INDICATORS: readonly { key: keyof Health; label: string }[] = [
  { key: "rejection_rate", label: "Rejection rate" },
  { key: "auto_acceptance_rate", label: "Auto-acceptance rate" },
  { key: "review_rate", label: "Review rate" },
];

/** Whether a tool answer looks like a quality report (rather than a product summary). */
export function isQualityReport(
  data: Record<string, unknown>,
): data is Record<string, unknown> & QualityReport {
  return typeof data.summary === "object" && data.summary !== null && Array.isArray(data.products);
}

/** The product id of a `get_product_summary` answer. */
export function productSummaryId(data: Record<string, unknown>): number | null {
  const p = data.product as { id?: unknown } | undefined;
  return typeof p?.id === "number" ? p.id : null;
}
