/**
 * The shapes of bugs as the sync writes them and the tools read them.
 * @module
 */
import type { SortOrder } from "./base.ts";
import type { BugSort } from "./bugs.ts";

/** A device a bug was found on, reduced to what breakdowns need. */
export interface BugDevice {
  category: string | null;
  os: string | null;
  browsers: string[];
  name: string | null;
}

/** A bug as written by the sync. */
export interface BugInput {
  id: number;
  test_id: number;
  product_id: number;
  test_feature_id: number | null;
  feature_id: number | null;
  title: string;
  severity: string | null;
  status: string;
  auto_accepted: boolean;
  known: boolean;
  rejection_reason: string | null;
  actual_result: string | null;
  expected_result: string | null;
  steps: string[];
  location: string | null;
  author: string | null;
  reported_at: string | null;
  comments_count: number;
  devices: BugDevice[];
}

/** A row of `list_bugs`. */
export interface BugListRow {
  id: number;
  title: string;
  severity: string | null;
  status: string;
  known: boolean;
  rejection_reason: string | null;
  test_id: number;
  feature: { id: number; title: string } | null;
  reported_by: string | null;
  reported_at: string | null;
}

/** A bug with everything `get_bug_summary` shows. */
export interface BugDetail extends BugListRow {
  actual_result: string | null;
  expected_result: string | null;
  steps: string[];
  location: string | null;
  devices: BugDevice[];
  test: { id: number; title: string; status: string };
  product: { id: number; name: string };
  comments_count: number;
  /** When the bugs of its test were last fetched. */
  synced_at: string;
}

/** Bug counts of one test, as `get_test_summary` shows them. */
export interface BugBreakdown {
  total: number;
  known: number;
  by_status: { open: number; active_accepted: number; auto_accepted: number; rejected: number };
  by_severity: Record<string, number>;
  by_platform: {
    operating_systems: Record<string, number>;
    browsers: Record<string, number>;
    device_categories: Record<string, number>;
  };
  recent: {
    id: number;
    title: string;
    severity: string | null;
    status: string;
    reported_at: string | null;
  }[];
}

/**
 * Which bugs an aggregate covers; the fields combine with AND. An empty scope covers every bug.
 */
export interface BugScope {
  testIds?: readonly number[];
  productId?: number;
  featureId?: number;
  /** Bug author, exactly as stored (a `users.username`), so the author index applies. */
  author?: string;
}

/** Rejection-reason filter value for rejected bugs whose reason could not be read from the comments. */
export const UNKNOWN_REJECTION_REASON = "unknown";

/** Filters of {@link BugsRepo.list}. */
export interface BugQuery {
  testIds?: readonly number[];
  productId?: number;
  /** Derived statuses; "open" is accepted as forwarded. */
  statuses?: readonly string[];
  severities?: readonly string[];
  known?: boolean;
  /** Reason keys; {@link UNKNOWN_REJECTION_REASON} matches rejected bugs without a known reason. */
  rejectionReasons?: readonly string[];
  reportedBy?: string;
  reportedFrom?: string | null;
  reportedTo?: string | null;
  search?: string;
  sortBy: BugSort;
  sortOrder: SortOrder;
  limit: number;
  offset: number;
}
