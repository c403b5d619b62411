/**
 * The raw JSON shapes of the TestIO Customer API v2 as the fake server emits them. They follow the
 * API as docs/testio-api.md describes it; optional keys are the ones the live API sometimes
 * leaves out. These types describe what goes over the wire, not what the cache stores.
 *
 * @example
 * ```ts
 * import type { RawBug } from "./types.ts";
 * const open = (bugs: RawBug[]) => bugs.filter((b) => b.status === "forwarded");
 * ```
 */

import type { ApiBugStatus, BugSeverity, RejectReason } from "../../domain/bugs.ts";
import type { ProductType } from "../../domain/products.ts";
import type { TestingType as AnyTestingType, TestStatus } from "../../domain/tests.ts";

export type { BugSeverity, ProductType, TestStatus };
/** A bug status as the API sends it. */
export type BugStatus = ApiBugStatus;
/** The testing types still created (`custom` is deprecated and never generated). */
export type TestingType = Exclude<AnyTestingType, "custom">;

/** `review_status` values; only `review_successful` was observed live, the others are plausible. */
export type ReviewStatus = "review_successful" | "review_in_progress" | "review_failed";

/** Keys of the canned reject reasons. */
export type RejectReasonKey = RejectReason;

/** `{id, key, name}` catalog reference (requirement categories, operating systems). */
export interface RawKeyedRef {
  id: number;
  key: string;
  name: string;
}

/** `{id, name}` catalog reference (OS versions, vendors, devices). */
export interface RawNamedRef {
  id: number;
  name: string;
}

/** A product or section connection (always null in generated data, typed for completeness). */
export interface RawConnection {
  id: number;
  name: string;
  url: string | null;
  fixed: boolean;
}

/** A section as listed on a product. */
export interface RawSection {
  id: number;
  name: string;
  connection: RawConnection | null;
  test_templates: { total: number; count: number };
  features_amount?: number;
  user_stories_amount?: number;
}

/** The Product entity. */
export interface RawProduct {
  id: number;
  name: string;
  description: string | null;
  type: ProductType;
  default_section_id: number;
  sections: RawSection[];
  sections_with_default: RawSection[];
  connection: RawConnection | null;
  remote_device_testing: boolean;
}

/** A global feature as the features endpoints list it. */
export interface RawFeature {
  id: number;
  title: string;
  description: string | null;
  howtofind: string | null;
  user_stories: string[];
}

/** A user story of the user-stories endpoint: ids, but no feature link. */
export interface RawUserStory {
  id: number;
  path: string;
  title: string;
}

/** A custom report configuration (for example accessibility reports). */
export interface RawCustomReportConfiguration {
  id: number;
  title: string;
  keys: { value: string; label: string }[];
}

/** A test-feature snapshot inside a test: own `id`, global id in `feature_id`. */
export interface RawTestFeature {
  id: number;
  feature_id: number;
  title: string;
  description: string | null;
  location: string | null;
  howtofind: string | null;
  target_idx: string | null;
  enable_default: boolean | null;
  enable_content: boolean | null;
  enable_visual: boolean | null;
  custom_report_configurations: RawCustomReportConfiguration[];
  user_stories: string[] | null;
}

/** A platform requirement of a test. */
export interface RawRequirement {
  id: number;
  category: RawKeyedRef;
  operating_system: RawKeyedRef;
  min_operating_system_version: RawNamedRef | null;
  max_operating_system_version: RawNamedRef | null;
  browsers: { id: number; name: string; key: string }[];
  devices: RawNamedRef[];
  input_devices: { id: number; input_type: string }[];
  vendor: RawNamedRef | null;
  browser_based: boolean;
  gaming: boolean;
}

/** The test environment entity. */
export interface RawTestEnvironment {
  id: number;
  title: string;
  url: string;
  username: string;
  password: string;
  access: string;
  proxy: boolean;
  allow_orders: boolean;
  access_type: string;
  environment_test_information: {
    id: number;
    page_url: string;
    description: string | null;
    data_type: "custom";
  } | null;
  binary_app: { id: number; filename: string; file_size: number } | null;
}

/** One review of a test. */
export interface RawReview {
  status: "successful" | "failed";
  instruction_comment: string | null;
  test_environment_comment: string | null;
  feature_comment: string | null;
  bug_type_comment: string | null;
  reviewed_at: string;
}

/** An attachment of a test. */
export interface RawTestAttachment {
  id: number;
  url: string;
  thumbnail_urls: Record<string, string>;
  content_type: string;
  original_filename: string;
}

/** The section object embedded in a test. */
export interface RawTestSection {
  id: number;
  name: string;
  connection: RawConnection | null;
  test_templates: { total: number; count: number };
}

/** The exploratory test entity; list and detail share this shape. */
export interface RawTest {
  id: number;
  test_title: string;
  title: string;
  status: TestStatus;
  review_status: ReviewStatus | null;
  testing_type: TestingType;
  report_language: "en" | "de";
  goal: string | null;
  goal_text: string | null;
  instructions: string | null;
  instructions_text: string | null;
  out_of_scope: string | null;
  out_of_scope_text: string | null;
  start_at: string | null;
  end_at: string | null;
  created_by: string | null;
  submitted_by: string | null;
  enable_low: boolean;
  enable_high: boolean;
  enable_critical: boolean;
  allow_device_clouds_test_scenario: boolean;
  allowed_bug_types: ("default" | "content" | "visual")[];
  demo: boolean;
  attachments: RawTestAttachment[];
  test_environment: RawTestEnvironment | null;
  features: RawTestFeature[];
  requirements: RawRequirement[];
  reviews: RawReview[];
  section: RawTestSection;
  product: RawProduct;
}

/** A device a bug was found on (Blueprint shape, note the singular object named `devices`). */
export interface RawBugDevice {
  id: number;
  category: { name: string };
  vendor: { name: string };
  devices: { name: string };
  operating_system: { id: number; name: string };
  browsers: { name: string }[];
}

/** A comment on a bug. */
export interface RawComment {
  id: number;
  body: string;
  author: { name: string };
}

/** The global feature as embedded in a bug. */
export interface RawBugFeature {
  id: number;
  title: string;
  description: string | null;
  howtofind: string | null;
  user_stories: string[];
  custom_report_configurations: RawCustomReportConfiguration[];
}

/** The Bug entity. Optional keys are absent on some bugs, as on the live API. */
export interface RawBug {
  id: number;
  title: string;
  severity: BugSeverity;
  status: BugStatus;
  /** Missing on staging-like bugs. */
  auto_accepted?: boolean;
  known: boolean;
  exported_at: string | null;
  external_idx: string | null;
  fixed: null;
  language: "en" | "de";
  location: string;
  /** Can be empty, whitespace only, null or missing. */
  expected_result?: string | null;
  /** Can be empty, whitespace only, null or missing. */
  actual_result?: string | null;
  steps: string[];
  reported_at: string;
  author: { name: string };
  devices: RawBugDevice[];
  attachments: { id: number; url: string }[];
  comments: RawComment[];
  /** Missing when the test has no features. */
  feature?: RawBugFeature;
  /** Missing on some bugs; otherwise a test-feature id of the bug's test. */
  test_feature?: { id: number };
  test: { id: number; title: string };
  product: RawProduct;
}

/** A reject reason of `GET bugs/reject_reasons`. */
export interface RawRejectReason {
  key: RejectReasonKey;
  name: string;
  default_comment: string;
}
