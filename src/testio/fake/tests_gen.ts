/**
 * Synthetic exploratory tests. A product's tests are planned as a timeline going back from `now`
 * (newest first: one not yet started, one running, then older ones), so that the list endpoint's
 * newest-first order by `end_at` holds with `start_at` in the same order, and statuses follow age the
 * way they do on the live API (recent tests locked, old ones archived, a few cancelled).
 *
 * @example
 * ```ts
 * import { IdAllocator } from "./ids.ts";
 * import { generateProduct } from "./products.ts";
 * import { Rng } from "./prng.ts";
 * const rng = new Rng(1);
 * const ids = new IdAllocator();
 * const product = generateProduct({ rng, ids, index: 0, kind: "legacy", type: "website" });
 * const nowMs = Date.UTC(2025, 10, 20);
 * const [plan] = planTimeline(rng, 40, nowMs);
 * const { test } = buildTest({ seed: 1, ids, model: product, plan, testId: ids.next("test"), nowMs });
 * ```
 */

import { type ApiTimeStyle, DAY, formatApiTime, HOUR } from "./api_time.ts";
import type { IdAllocator } from "./ids.ts";
import { PLATFORMS_BY_TYPE } from "./platforms.ts";
import { ACCESSIBILITY_REPORT, type ProductModel } from "./products.ts";
import { mixSeed, Rng } from "./prng.ts";
import type {
  RawRequirement,
  RawReview,
  RawTest,
  RawTestFeature,
  ReviewStatus,
  TestingType,
  TestStatus,
} from "./types.ts";
import { TEST_TITLES } from "./words.ts";

/** When a test runs and how; the id and content come later. */
export interface TestPlan {
  startMs: number;
  endMs: number;
  testingType: TestingType;
}

/** A generated test with the bookkeeping the dataset needs for lazy bugs. */
export interface TestModel {
  test: RawTest;
  product: ProductModel;
  startMs: number;
  endMs: number;
  /** First bug id of this test; its bugs use `bugBase … bugBase + bugCount - 1`. */
  bugBase: number;
  /** Bugs generated for this test, before removals. */
  bugCount: number;
}

function durationHours(rng: Rng, type: TestingType): number {
  switch (type) {
    case "rapid":
      return rng.int(2, 4);
    case "focused":
    case "usability":
      return 24;
    case "coverage":
      return rng.pick([28, 36, 48, 72]);
  }
}

function testingType(rng: Rng): TestingType {
  return rng.weighted([["coverage", 60], ["rapid", 20], ["focused", 12], ["usability", 8]] as const);
}

/**
 * Plans `count` tests ending before, around and just after `nowMs`, newest first. The newest test
 * starts in the future, the second is running; `end_at` and `start_at` are strictly decreasing.
 */
export function planTimeline(rng: Rng, count: number, nowMs: number, meanGapHours = 40): TestPlan[] {
  const plans: TestPlan[] = [];
  let start = nowMs + rng.int(18, 96) * HOUR;
  for (let i = 0; i < count; i++) {
    if (i === 1) start = nowMs - rng.int(2, 20) * HOUR;
    else if (i > 1) start -= rng.int(4, 2 * meanGapHours - 4) * HOUR;
    const type = testingType(rng);
    plans.push({ startMs: start, endMs: start + durationHours(rng, type) * HOUR, testingType: type });
  }
  // A long old test could end after a short newer one; push newer ends out so both orders agree.
  for (let i = count - 2; i >= 0; i--) {
    plans[i].endMs = Math.max(plans[i].endMs, plans[i + 1].endMs + HOUR);
  }
  return plans;
}

/** Plans `count` tests newer than a product's current newest test (for mutations). */
export function planAfter(
  rng: Rng,
  count: number,
  newest: { startMs: number; endMs: number } | undefined,
  nowMs: number,
): TestPlan[] {
  let start = newest ? newest.startMs : nowMs - DAY;
  let minEnd = newest ? newest.endMs : nowMs;
  const plans: TestPlan[] = [];
  for (let i = 0; i < count; i++) {
    start += rng.int(1, 12) * HOUR;
    const type = testingType(rng);
    const end = Math.max(start + durationHours(rng, type) * HOUR, minEnd + HOUR);
    minEnd = end;
    plans.unshift({ startMs: start, endMs: end, testingType: type });
  }
  return plans;
}

/** The status a test of this age most likely has on the live API. */
export function statusForAge(rng: Rng, plan: TestPlan, nowMs: number): TestStatus {
  if (plan.startMs > nowMs) return rng.chance(0.35) ? "waiting" : "initialized";
  if (plan.endMs > nowMs) return "running";
  if (rng.chance(0.04)) return "cancelled";
  const ageDays = (nowMs - plan.endMs) / DAY;
  if (ageDays < 3) return "locked";
  if (ageDays < 14) return rng.chance(0.5) ? "locked" : "customer_finalized";
  if (ageDays < 45) {
    return rng.weighted([["archived", 50], ["customer_finalized", 40], ["locked", 10]] as const);
  }
  return rng.weighted([["archived", 95], ["customer_finalized", 3], ["locked", 2]] as const);
}

function timeStyle(rng: Rng): ApiTimeStyle {
  return rng.weighted([["berlin", 90], ["utc", 7], ["utc_ms", 3]] as const);
}

function review(rng: Rng, status: ReviewStatus, atMs: number): RawReview[] {
  if (status === "review_in_progress") return [];
  const failed = status === "review_failed";
  return [{
    status: failed ? "failed" : "successful",
    instruction_comment: failed ? "Please describe which accounts testers may use." : null,
    test_environment_comment: null,
    feature_comment: null,
    bug_type_comment: null,
    reviewed_at: formatApiTime(atMs - rng.int(2, 30) * HOUR),
  }];
}

function reviewStatus(rng: Rng, status: TestStatus): ReviewStatus | null {
  if (status === "initialized") return rng.chance(0.5) ? null : "review_in_progress";
  if (status === "cancelled" && rng.chance(0.3)) return "review_failed";
  return rng.chance(0.97) ? "review_successful" : "review_failed";
}

function requirements(rng: Rng, ids: IdAllocator, model: ProductModel): RawRequirement[] {
  return rng.sample(PLATFORMS_BY_TYPE[model.product.type], rng.int(1, 3)).map((p) => {
    const min = rng.pick(p.versions);
    return {
      id: ids.next("requirement"),
      category: p.category,
      operating_system: p.os,
      min_operating_system_version: rng.chance(0.8) ? min : null,
      max_operating_system_version: rng.chance(0.3) ? p.versions[p.versions.length - 1] : null,
      browsers: p.browsers.length ? rng.sample(p.browsers, rng.int(1, p.browsers.length)) : [],
      devices: rng.chance(0.3) ? [{ id: p.models[0].id, name: p.models[0].name }] : [],
      input_devices: [],
      vendor: rng.chance(0.2) ? p.models[0].vendor : null,
      browser_based: p.browsers.length > 0 && model.product.type === "website",
      gaming: p.gaming,
    };
  });
}

function testFeatures(rng: Rng, ids: IdAllocator, model: ProductModel, sectionId: number): RawTestFeature[] {
  if (rng.chance(0.05)) return [];
  const pool = model.featureSectionIds.length
    ? model.features.filter((f) => f.sectionIds.includes(sectionId))
    : model.features;
  return rng.sample(pool, rng.int(1, 5)).map(({ feature: f }) => ({
    id: ids.next("testFeature"),
    feature_id: f.id,
    title: f.title,
    description: f.description,
    location: f.howtofind,
    howtofind: f.howtofind,
    target_idx: null,
    enable_default: true,
    enable_content: rng.chance(0.2) ? null : rng.chance(0.7),
    enable_visual: rng.chance(0.2) ? null : rng.chance(0.8),
    custom_report_configurations: rng.chance(0.15) ? [ACCESSIBILITY_REPORT] : [],
    // The API sometimes sends null here; clients coerce it to [].
    user_stories: rng.chance(0.05) ? null : f.user_stories,
  }));
}

/** Options of {@link buildTest}. */
export interface BuildTestOptions {
  seed: number;
  ids: IdAllocator;
  model: ProductModel;
  plan: TestPlan;
  testId: number;
  nowMs: number;
  /** Overrides the age-based status. */
  status?: TestStatus;
}

/** Builds one full test object (docs/testio-api.md, Tests). Content depends only on (seed, test id, plan, product). */
export function buildTest(options: BuildTestOptions): TestModel {
  const { ids, model, plan, testId, nowMs } = options;
  const rng = new Rng(mixSeed(options.seed, testId));
  const status = options.status ?? statusForAge(rng, plan, nowMs);
  const section = rng.pick(model.testSections);
  const features = testFeatures(rng, ids, model, section.id);
  const focus = features[0]?.title ?? model.product.name;
  const version = `${rng.int(1, 9)}.${rng.int(0, 30)}`;
  const title = rng.pick(TEST_TITLES).replace("{f}", focus).replace("{v}", version);
  const other = features[1]?.title ?? "the main user journeys";
  const outOfScope = rng.chance(0.05) ? null : rng.chance(0.05) ? "" : "Payments with real money";
  const review_status = reviewStatus(rng, status);
  const style = timeStyle(rng);
  const createdBy = rng.chance(0.95) ? rng.pick(model.customers) : null;
  const submitted = status !== "initialized" && rng.chance(0.6) ? rng.pick(model.customers) : null;

  const test: RawTest = {
    id: testId,
    test_title: title,
    title,
    status,
    review_status,
    testing_type: plan.testingType,
    report_language: rng.chance(0.1) ? "de" : "en",
    goal: `**Find bugs in ${focus}**\n\nPay special attention to ${other}.`,
    goal_text: `Find bugs in ${focus}\n\nPay special attention to ${other}.`,
    instructions: `1. Log in with the *test account*\n2. Use version **${version}**`,
    instructions_text: `1. Log in with the test account\n2. Use version ${version}`,
    out_of_scope: outOfScope === null ? null : outOfScope && `*${outOfScope}*`,
    out_of_scope_text: outOfScope,
    start_at: formatApiTime(plan.startMs, style),
    end_at: formatApiTime(plan.endMs, style),
    created_by: createdBy,
    submitted_by: submitted,
    enable_low: plan.testingType !== "focused" || rng.chance(0.5),
    enable_high: true,
    enable_critical: true,
    allow_device_clouds_test_scenario: rng.chance(0.1),
    allowed_bug_types: rng.chance(0.8) ? ["default", "content", "visual"] : ["default"],
    demo: false,
    attachments: rng.chance(0.15)
      ? [{
        id: ids.next("testAttachment"),
        url: `https://uploads.example.com/${testId}/spec.png`,
        thumbnail_urls: { small: `https://uploads.example.com/${testId}/spec-s.png` },
        content_type: "image/png",
        original_filename: "spec.png",
      }]
      : [],
    test_environment: rng.chance(0.03) ? null : rng.pick(model.environments),
    features,
    requirements: requirements(rng, ids, model),
    reviews: review_status ? review(rng, review_status, plan.startMs) : [],
    section,
    product: model.product,
  };
  return { test, product: model, startMs: plan.startMs, endMs: plan.endMs, bugBase: 0, bugCount: 0 };
}
