/**
 * Synthetic bugs of one test, generated on demand from (dataset seed, test id). At scale L there are
 * 400,000 bugs; holding them all would cost gigabytes, while regenerating one test's bugs takes well
 * under a millisecond. Bug ids are the test's reserved range, so a bug id maps back to its test.
 *
 * @example
 * ```ts
 * import { Rng } from "./prng.ts";
 * // FakeDataset calls generateBugs per test; the relative bug count of a test comes from here:
 * const weight = bugWeight(new Rng(1), "archived");
 * ```
 */

import { DAY, formatApiTime } from "./api_time.ts";
import { bugChildId } from "./ids.ts";
import { PLATFORMS_BY_TYPE } from "./platforms.ts";
import { ACCESSIBILITY_REPORT } from "./products.ts";
import { mixSeed, Rng } from "./prng.ts";
import { rejectReasonText } from "./reject_reasons.ts";
import type { TestModel } from "./tests_gen.ts";
import type {
  BugSeverity,
  BugStatus,
  RawBug,
  RawBugDevice,
  RawComment,
  RejectReasonKey,
  TestStatus,
} from "./types.ts";
import { BUG_STORIES, type BugStory } from "./bug_stories.ts";
import { CONTROLS, GENERIC_COMMENTS, UI_ELEMENTS } from "./words.ts";

/** Bugs nobody triaged are auto-accepted after about ten days (docs/testio-api.md, Bugs). */
const AUTO_ACCEPT_AFTER = 10 * DAY;

/** What bug generation needs besides the test. */
export interface BugContext {
  seed: number;
  nowMs: number;
  /** Tester usernames; the first ones report the most bugs. */
  testers: readonly string[];
}

const SEVERITIES: readonly (readonly [BugSeverity, number])[] = [
  ["low", 30],
  ["high", 28],
  ["critical", 10],
  ["visual", 16],
  ["content", 12],
  ["custom", 4],
];

const REJECT_WEIGHTS: readonly (readonly [RejectReasonKey, number])[] = [
  ["not_reproducible", 25],
  ["intended_behavior", 20],
  ["known_bug", 15],
  ["irrelevant", 15],
  ["device_not_relevant", 10],
  ["ignored_instructions", 10],
  ["request_timeout", 5],
];

/** Picks the bug outcome; recent bugs are often still open, old ones were triaged or auto-accepted. */
function outcome(rng: Rng, reportedMs: number, nowMs: number): { status: BugStatus; auto: boolean } {
  const recent = nowMs - reportedMs < AUTO_ACCEPT_AFTER;
  const pick = recent
    ? rng.weighted([["forwarded", 45], ["accepted", 35], ["rejected", 20]] as const)
    : rng.weighted([["accepted", 50], ["auto", 22], ["rejected", 23], ["forwarded", 5]] as const);
  return pick === "auto" ? { status: "accepted", auto: true } : { status: pick, auto: false };
}

/** A reject comment holding exactly one canned text, as TestIO reviewers leave them. */
export function rejectComment(id: number, key: RejectReasonKey, author: string, rng: Rng): RawComment {
  const text = rejectReasonText(key);
  const body = rng.weighted(
    [
      [text, 60],
      [`Rejected: ${text}`, 25],
      [`${text} Thanks for testing anyway.`, 15],
    ] as const,
  );
  return { id, body, author: { name: author } };
}

function comments(rng: Rng, bugId: number, status: BugStatus, customer: string): RawComment[] {
  const list: RawComment[] = [];
  const generic = (author: string) => {
    list.push({
      id: bugChildId("bugComment", bugId, list.length),
      body: rng.pick(GENERIC_COMMENTS),
      author: { name: author },
    });
  };
  if (status === "rejected") {
    if (rng.chance(0.25)) generic(customer);
    // Most rejected bugs carry a canned reason; the rest leave the reason unknown.
    if (rng.chance(0.85)) {
      const key = rng.weighted(REJECT_WEIGHTS);
      list.push(rejectComment(bugChildId("bugComment", bugId, list.length), key, customer, rng));
    }
  } else if (rng.chance(0.25)) {
    generic(customer);
    if (rng.chance(0.3)) generic(customer);
  }
  return list;
}

function device(rng: Rng, model: TestModel): RawBugDevice {
  const requirement = model.test.requirements.length ? rng.pick(model.test.requirements) : null;
  const platforms = PLATFORMS_BY_TYPE[model.product.product.type];
  const platform = platforms.find((p) => p.os.id === requirement?.operating_system.id) ?? rng.pick(platforms);
  const deviceModel = rng.pick(platform.models);
  const version = rng.pick(platform.versions).name;
  const browsers = requirement?.browsers.length ? requirement.browsers : platform.browsers;
  return {
    id: deviceModel.id,
    category: { name: platform.category.name },
    vendor: { name: deviceModel.vendor.name },
    devices: { name: deviceModel.name },
    operating_system: { id: platform.os.id, name: `${platform.os.name} ${version}` },
    browsers: browsers.length ? [{ name: rng.pick(browsers).name }] : [],
  };
}

/** Empty, whitespace-only, null or missing now and then: clients must trim and tolerate all four. */
function result(rng: Rng, text: string): string | null | undefined {
  return rng.weighted(
    [
      [text, 90],
      ["", 3],
      ["   ", 2],
      [null, 3],
      [undefined, 2],
    ] as const,
  );
}

/** A bug story told about one feature, control and element, each sentence starting with a capital. */
function tell(story: BugStory, feature: string, control: string, element: string): BugStory {
  const fill = (text: string) => {
    const filled = text.replaceAll("{f}", feature).replaceAll("{c}", control).replaceAll("{e}", element);
    return filled[0].toUpperCase() + filled.slice(1);
  };
  return {
    title: fill(story.title),
    steps: story.steps.map(fill),
    actual: fill(story.actual),
    expected: fill(story.expected),
  };
}

/** Generates the bugs of one test, ordered by id (= by report time). */
export function generateBugs(ctx: BugContext, model: TestModel): RawBug[] {
  const { test } = model;
  if (model.bugCount === 0) return [];
  const rng = new Rng(mixSeed(ctx.seed, test.id, 0xb06));
  const to = Math.min(model.endMs, ctx.nowMs);
  // Tests added in the future by mutations still get bugs inside their own window.
  const [from, until] = to > model.startMs ? [model.startMs, to] : [model.startMs, model.endMs];
  const times = Array.from({ length: model.bugCount }, () => from + Math.floor(rng.next() * (until - from)))
    .sort((a, b) => a - b);
  const customer = test.created_by ?? model.product.customers[0] ?? "customer";
  const language = test.report_language;
  const domain = model.product.domain;
  const bugs: RawBug[] = new Array(model.bugCount);

  for (let k = 0; k < model.bugCount; k++) {
    const id = model.bugBase + k;
    const severity = rng.weighted(SEVERITIES);
    const testFeature = test.features.length ? rng.pick(test.features) : undefined;
    const featureTitle = testFeature?.title ?? "the start page";
    const story = tell(
      rng.pick(BUG_STORIES[severity]),
      featureTitle,
      rng.pick(CONTROLS),
      rng.pick(UI_ELEMENTS),
    );
    const { status, auto } = outcome(rng, times[k], ctx.nowMs);
    const exported = status === "accepted" && rng.chance(0.1);
    const loggedIn = !story.steps.some((step) => /\blog (in|out)\b/i.test(step)) && rng.chance(0.5);
    const bug: RawBug = {
      id,
      title: story.title,
      severity,
      status,
      auto_accepted: auto,
      known: rng.chance(0.07),
      // Exported to the customer's tracker after triage, never later than today.
      exported_at: exported ? formatApiTime(Math.min(times[k] + rng.int(1, 5) * DAY, ctx.nowMs)) : null,
      external_idx: exported ? `JIRA-${id % 100_000}` : null,
      fixed: null,
      language,
      location: model.product.product.type === "website"
        ? `https://${domain}/${
          testFeature ? testFeature.title.toLowerCase().replace(/[^a-z0-9]+/g, "-") : ""
        }`
        : `${featureTitle} screen`,
      expected_result: result(rng, story.expected),
      actual_result: result(rng, story.actual),
      steps: loggedIn ? ["Log in with the test account", ...story.steps] : [...story.steps],
      reported_at: formatApiTime(times[k], rng.chance(0.05) ? "utc" : "berlin"),
      author: { name: ctx.testers[Math.floor(ctx.testers.length * rng.next() ** 2)] },
      devices: [device(rng, model)],
      attachments: Array.from(
        { length: rng.weighted([[0, 50], [1, 35], [2, 15]] as const) },
        (_, i) => ({
          id: bugChildId("bugAttachment", id, i),
          url: `https://uploads.example.com/bugs/${id}/${i}.png`,
        }),
      ),
      comments: comments(rng, id, status, customer),
      test: { id: test.id, title: test.title },
      product: model.product.product,
    };
    // Staging omits the key entirely; keep a few such bugs so clients handle it.
    if (rng.chance(0.03)) delete bug.auto_accepted;
    if (bug.expected_result === undefined) delete bug.expected_result;
    if (bug.actual_result === undefined) delete bug.actual_result;
    if (testFeature) {
      const feature = model.product.bugFeatures.get(testFeature.feature_id);
      if (feature) {
        bug.feature = severity === "custom"
          ? { ...feature, custom_report_configurations: [ACCESSIBILITY_REPORT] }
          : feature;
      }
      if (rng.chance(0.92)) bug.test_feature = { id: testFeature.id };
    }
    bugs[k] = bug;
  }
  return bugs;
}

/**
 * The relative number of bugs a test gets, before scaling to the dataset's target: tests that have
 * not started have none, running and cancelled ones fewer, and sizes vary log-normally like real tests.
 */
export function bugWeight(rng: Rng, status: TestStatus): number {
  const spread = Math.exp(0.8 * rng.gauss());
  switch (status) {
    case "initialized":
    case "waiting":
      return 0;
    case "running":
      return 0.5 * spread;
    case "cancelled":
      return 0.15 * spread;
    default:
      return spread;
  }
}
