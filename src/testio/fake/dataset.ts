/**
 * The fake API's data: products, features, user stories and tests held in memory, bugs generated on
 * demand per test (with a bounded cache), plus the mutations incremental-sync tests need. Tests that
 * compare a cache with its source read the expected values from here.
 *
 * @example
 * ```ts
 * import { generateDataset } from "./generator.ts";
 * const data = generateDataset({ scale: "S", seed: 7, now: new Date("2025-11-20T00:00:00Z") });
 * const [product] = data.products;
 * const newest = data.testsOf(product.id)[0];
 * const bugs = data.bugsOf(newest.id);
 * data.setTestStatus(newest.id, "locked");
 * ```
 */

import { type BugContext, bugWeight, generateBugs, rejectComment } from "./bugs_gen.ts";
import { bugChildId, type IdAllocator } from "./ids.ts";
import type { MergedFeature, MergedUserStory, ProductModel } from "./products.ts";
import { hasSections } from "./products.ts";
import { mixSeed, Rng } from "./prng.ts";
import { REJECT_REASONS } from "./reject_reasons.ts";
import { buildTest, planAfter, type TestModel } from "./tests_gen.ts";
import type {
  BugStatus,
  RawBug,
  RawComment,
  RawFeature,
  RawProduct,
  RawTest,
  RawUserStory,
  RejectReasonKey,
  TestStatus,
} from "./types.ts";

/** Dataset sizes: S for unit tests, M for integration tests, L for benchmarks. */
export type Scale = "S" | "M" | "L";

/** Entity counts of a dataset. */
export interface DatasetCounts {
  products: number;
  features: number;
  userStories: number;
  tests: number;
  bugs: number;
}

/** What the generator hands to {@link FakeDataset}. */
export interface DatasetParts {
  scale: Scale;
  seed: number;
  now: Date;
  ids: IdAllocator;
  models: ProductModel[];
  /** Tests per product id, newest first, with bug ranges already reserved. */
  testsByProduct: Map<number, TestModel[]>;
  testers: string[];
  /** Average bugs per executed test, used for tests added by {@link FakeDataset.addTests}. */
  meanBugsPerTest: number;
  /** How many generated bugs to keep in memory at most (default 50,000). */
  bugCacheLimit?: number;
}

/** Options of {@link FakeDataset.addTests}. */
export interface AddTestsOptions {
  /** Status of the new tests; default `running`. */
  status?: TestStatus;
  /** Bugs per new test; default around the dataset's average. */
  bugsPerTest?: number;
}

interface BugOverride {
  status: BugStatus;
  autoAccepted?: boolean;
  comment?: RawComment;
}

interface ProductEntry {
  model: ProductModel;
  tests: TestModel[];
}

/** Index of the comment slot reserved for reject comments added by mutations (generation uses 0–1). */
const MUTATION_COMMENT = 3;

/** In-memory source of truth of the fake API. Returned objects are shared: treat them as read-only. */
export class FakeDataset {
  /** The scale it was generated at. */
  readonly scale: Scale;
  /** The seed it was generated from. */
  readonly seed: number;
  /** The instant the data was generated relative to (tests run around it). */
  readonly now: Date;
  /** Tester usernames (bug authors). */
  readonly testers: readonly string[];

  #ids: IdAllocator;
  #products: Map<number, ProductEntry>;
  #tests = new Map<number, TestModel>();
  /** Tests with bugs, ascending by `bugBase`, to map a bug id to its test. */
  #bugRanges: TestModel[] = [];
  #bugContext: BugContext;
  #meanBugs: number;
  #cache = new Map<number, RawBug[]>();
  #cached = 0;
  #cacheLimit: number;
  #overrides = new Map<number, BugOverride>();
  #removed = new Set<number>();
  #removedPerTest = new Map<number, number>();
  #bugTotal = 0;

  constructor(parts: DatasetParts) {
    this.scale = parts.scale;
    this.seed = parts.seed;
    this.now = parts.now;
    this.testers = parts.testers;
    this.#ids = parts.ids;
    this.#meanBugs = parts.meanBugsPerTest;
    this.#cacheLimit = parts.bugCacheLimit ?? 50_000;
    this.#bugContext = { seed: parts.seed, nowMs: parts.now.getTime(), testers: parts.testers };
    this.#products = new Map(parts.models.map((m) => [m.product.id, { model: m, tests: [] }]));
    const all: TestModel[] = [];
    for (const [productId, tests] of parts.testsByProduct) {
      this.#entry(productId).tests = tests;
      all.push(...tests);
    }
    all.sort((a, b) => a.bugBase - b.bugBase);
    for (const model of all) this.#index(model);
  }

  #index(model: TestModel): void {
    this.#tests.set(model.test.id, model);
    this.#bugTotal += model.bugCount;
    if (model.bugCount > 0) this.#bugRanges.push(model);
  }

  #entry(productId: number): ProductEntry {
    const entry = this.#products.get(productId);
    if (!entry) throw new RangeError(`Unknown product id: ${productId}`);
    return entry;
  }

  #testModel(testId: number): TestModel {
    const model = this.#tests.get(testId);
    if (!model) throw new RangeError(`Unknown test id: ${testId}`);
    return model;
  }

  /** Every product, in id order. */
  get products(): RawProduct[] {
    return [...this.#products.values()].map((e) => e.model.product);
  }

  /** One product, or undefined. */
  product(productId: number): RawProduct | undefined {
    return this.#products.get(productId)?.model.product;
  }

  /** True when the product uses the per-section endpoints (docs/testio-api.md, Sections). */
  hasSections(productId: number): boolean {
    return hasSections(this.#entry(productId).model.product);
  }

  /** The sections whose features endpoint lists features; empty for products without sections. */
  sectionIdsOf(productId: number): number[] {
    return [...this.#entry(productId).model.featureSectionIds];
  }

  /** Every feature of a product once, with the ids of the sections that list it. */
  featuresOf(productId: number): MergedFeature[] {
    return this.#entry(productId).model.features.map((f) => ({ ...f, sectionIds: [...f.sectionIds] }));
  }

  /** What `GET products/{pid}/features` lists (ignores sections). */
  plainFeatures(productId: number): RawFeature[] {
    return this.#entry(productId).model.features.map((f) => f.feature);
  }

  /**
   * What `GET products/{pid}/sections/{sid}/features` lists, or undefined when the product has no
   * such section. The default section of a product without sections lists every feature.
   */
  sectionFeatures(productId: number, sectionId: number): RawFeature[] | undefined {
    const { model } = this.#entry(productId);
    if (!model.product.sections_with_default.some((s) => s.id === sectionId)) return undefined;
    if (!model.featureSectionIds.length) return model.features.map((f) => f.feature);
    return model.features.filter((f) => f.sectionIds.includes(sectionId)).map((f) => f.feature);
  }

  /** User stories of a product, optionally of one section only. */
  userStoriesOf(productId: number, sectionId?: number): RawUserStory[] {
    return this.userStoryRecordsOf(productId, sectionId).map((s) => s.story);
  }

  /** User stories with the feature they belong to (a link the API does not expose). */
  userStoryRecordsOf(productId: number, sectionId?: number): MergedUserStory[] {
    const { model } = this.#entry(productId);
    if (sectionId === undefined || !model.featureSectionIds.length) return [...model.userStories];
    return model.userStories.filter((s) => s.sectionIds.includes(sectionId));
  }

  /** A product's tests, newest first (the order of the list endpoint). */
  testsOf(productId: number): RawTest[] {
    return this.#entry(productId).tests.map((m) => m.test);
  }

  /** One test, or undefined. */
  test(testId: number): RawTest | undefined {
    return this.#tests.get(testId)?.test;
  }

  /** The product id of a test, or undefined for an unknown test. */
  productIdOfTest(testId: number): number | undefined {
    return this.#tests.get(testId)?.product.product.id;
  }

  /** Every test id, ascending. */
  allTestIds(): number[] {
    return [...this.#tests.keys()].sort((a, b) => a - b);
  }

  /** Number of bugs of a test without generating them. */
  bugCountOf(testId: number): number {
    const model = this.#tests.get(testId);
    return model ? model.bugCount - (this.#removedPerTest.get(testId) ?? 0) : 0;
  }

  /** The bugs of a test, ordered by id; empty for an unknown test. */
  bugsOf(testId: number): RawBug[] {
    const model = this.#tests.get(testId);
    return model ? [...this.#materialize(model)] : [];
  }

  /** The test id a bug belongs to, or undefined. */
  testIdOfBug(bugId: number): number | undefined {
    if (this.#removed.has(bugId)) return undefined;
    const ranges = this.#bugRanges;
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = ranges[mid];
      if (bugId < m.bugBase) hi = mid - 1;
      else if (bugId >= m.bugBase + m.bugCount) lo = mid + 1;
      else return m.test.id;
    }
    return undefined;
  }

  /** One bug, or undefined. */
  bug(bugId: number): RawBug | undefined {
    const testId = this.testIdOfBug(bugId);
    if (testId === undefined) return undefined;
    return this.#materialize(this.#testModel(testId)).find((b) => b.id === bugId);
  }

  /** The test with the most bugs (benchmarks need one with over 1,000 at scale L). */
  get largestTestId(): number {
    let best: TestModel | undefined;
    for (const m of this.#tests.values()) {
      if (!best || this.bugCountOf(m.test.id) > this.bugCountOf(best.test.id)) best = m;
    }
    if (!best) throw new RangeError("The dataset has no tests");
    return best.test.id;
  }

  /** Entity counts, bugs included, without generating any bug. */
  get counts(): DatasetCounts {
    let features = 0;
    let userStories = 0;
    for (const { model } of this.#products.values()) {
      features += model.features.length;
      userStories += model.userStories.length;
    }
    return {
      products: this.#products.size,
      features,
      userStories,
      tests: this.#tests.size,
      bugs: this.#bugTotal - this.#removed.size,
    };
  }

  /**
   * Adds `count` tests newer than the product's newest test (they come first in the list), each with
   * bugs. Returns them newest first.
   */
  addTests(productId: number, count: number, options: AddTestsOptions = {}): RawTest[] {
    if (!Number.isInteger(count) || count < 1) {
      throw new RangeError(`'count' must be a positive integer: got ${count}`);
    }
    const entry = this.#entry(productId);
    const nowMs = this.now.getTime();
    const rng = new Rng(mixSeed(this.seed, productId, entry.tests.length, 0xadd));
    const plans = planAfter(rng, count, entry.tests[0], nowMs);
    const added: TestModel[] = [];
    // Oldest first, so that ids grow with time as they do on the live API.
    for (const plan of plans.reverse()) {
      const model = buildTest({
        seed: this.seed,
        ids: this.#ids,
        model: entry.model,
        plan,
        testId: this.#ids.next("test"),
        nowMs,
        status: options.status ?? "running",
      });
      model.bugCount = options.bugsPerTest ??
        Math.max(1, Math.round(this.#meanBugs * Math.max(bugWeight(rng, "locked"), 0.2)));
      model.bugBase = this.#ids.reserve("bug", model.bugCount);
      this.#index(model);
      added.unshift(model);
    }
    entry.tests = [...added, ...entry.tests];
    return added.map((m) => m.test);
  }

  /** Changes a test's status in place. */
  setTestStatus(testId: number, status: TestStatus): void {
    this.#testModel(testId).test.status = status;
  }

  /**
   * Changes a bug's status. `autoAccepted` only goes with `accepted` (default false). A bug rejected
   * here gets a canned reject comment unless it already has one.
   */
  setBugStatus(bugId: number, status: BugStatus, autoAccepted?: boolean): void {
    if (autoAccepted && status !== "accepted") {
      throw new RangeError(`'autoAccepted' needs status 'accepted': got '${status}'`);
    }
    const current = this.bug(bugId);
    const testId = this.testIdOfBug(bugId);
    if (!current || testId === undefined) throw new RangeError(`Unknown bug id: ${bugId}`);
    const override: BugOverride = { status, autoAccepted };
    const canned = REJECT_REASONS.map((r) => r.default_comment);
    if (status === "rejected" && !current.comments.some((c) => canned.some((t) => c.body.includes(t)))) {
      const rng = new Rng(mixSeed(this.seed, bugId, 0x4e7));
      const key: RejectReasonKey = rng.pick(REJECT_REASONS).key;
      const author = this.#testModel(testId).test.created_by ?? "customer";
      override.comment = rejectComment(bugChildId("bugComment", bugId, MUTATION_COMMENT), key, author, rng);
    }
    this.#overrides.set(bugId, { ...this.#overrides.get(bugId), ...override });
    this.#evict(testId);
  }

  /** Deletes a bug, as if TestIO had removed it. */
  removeBug(bugId: number): void {
    const testId = this.testIdOfBug(bugId);
    if (testId === undefined) throw new RangeError(`Unknown bug id: ${bugId}`);
    this.#removed.add(bugId);
    this.#removedPerTest.set(testId, (this.#removedPerTest.get(testId) ?? 0) + 1);
    this.#evict(testId);
  }

  #evict(testId: number): void {
    const cached = this.#cache.get(testId);
    if (cached) {
      this.#cached -= cached.length;
      this.#cache.delete(testId);
    }
  }

  #materialize(model: TestModel): RawBug[] {
    const id = model.test.id;
    const hit = this.#cache.get(id);
    if (hit) {
      // Re-insert to keep Map order = least recently used first.
      this.#cache.delete(id);
      this.#cache.set(id, hit);
      return hit;
    }
    let bugs = generateBugs(this.#bugContext, model);
    if (this.#removedPerTest.has(id)) bugs = bugs.filter((b) => !this.#removed.has(b.id));
    if (this.#overrides.size) { for (const bug of bugs) this.#applyOverride(bug); }
    this.#cache.set(id, bugs);
    this.#cached += bugs.length;
    for (const [oldId, old] of this.#cache) {
      if (this.#cached <= this.#cacheLimit || oldId === id) break;
      this.#cached -= old.length;
      this.#cache.delete(oldId);
    }
    return bugs;
  }

  #applyOverride(bug: RawBug): void {
    const override = this.#overrides.get(bug.id);
    if (!override) return;
    bug.status = override.status;
    // A staging-like bug without the key keeps lacking it unless a value was given.
    if ("auto_accepted" in bug || override.autoAccepted !== undefined) {
      bug.auto_accepted = override.status === "accepted" && (override.autoAccepted ?? false);
    }
    if (override.comment) bug.comments = [...bug.comments, override.comment];
  }
}
