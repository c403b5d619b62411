/**
 * The deterministic synthetic-data generator behind the fake TestIO API. The same (scale, seed, now)
 * always gives the same dataset; bugs are produced lazily per test, so even scale L (100 products,
 * 20,000 tests, 400,000 bugs) is ready in well under a second.
 *
 * @example
 * ```ts
 * const data = generateDataset({ scale: "S", seed: 1, now: new Date("2025-11-20T00:00:00Z") });
 * data.counts; // { products: 4, tests: 130, bugs: ~2,200, … }
 * data.largestTestId; // the test with the most bugs
 * ```
 */

import { bugWeight } from "./bugs_gen.ts";
import { FakeDataset, type Scale } from "./dataset.ts";
import { IdAllocator } from "./ids.ts";
import { customerName, generateProduct, type ProductKind, type ProductModel } from "./products.ts";
import { mixSeed, Rng } from "./prng.ts";
import { buildTest, planTimeline, type TestModel, type TestPlan } from "./tests_gen.ts";
import { PRODUCT_TYPES, type ProductType } from "../../domain/products.ts";
import { TEST_STATUSES, type TestStatus } from "../../domain/tests.ts";
import { FIRST_NAMES, LAST_NAMES } from "./words.ts";

/** Target sizes of a scale. */
export interface ScaleSpec {
  products: number;
  tests: number;
  bugs: number;
  testers: number;
  /** Share of the tests per product, for the first products; the rest are random. */
  testShares?: readonly number[];
}

/** The sizes behind "S", "M" and "L". */
export const SCALES: Readonly<Record<Scale, ScaleSpec>> = {
  // One product above 150 tests at M, so "no page → newest 150" is observable.
  S: { products: 4, tests: 130, bugs: 2_200, testers: 40, testShares: [0.35, 0.3, 0.2, 0.15] },
  M: { products: 6, tests: 720, bugs: 8_000, testers: 90, testShares: [0.3, 0.22, 0.16, 0.13, 0.11, 0.08] },
  L: { products: 100, tests: 20_000, bugs: 400_000, testers: 800 },
};

/** Benchmarks need one test with at least this many bugs at scale L. */
const LARGE_TEST_BUGS = 1_200;

/** Options of {@link generateDataset}. */
export interface GenerateOptions {
  scale: Scale;
  /** Default 1. */
  seed?: number;
  /** Reference instant; default today 00:00 UTC, so a demo has recent data. */
  now?: Date;
  /** Bugs kept in memory at most (default 50,000); the rest are regenerated on demand. */
  bugCacheLimit?: number;
}

/** The first products cover every kind and type, so even scale S exercises all the section rules. */
const KIND_PATTERN: readonly ProductKind[] = [
  "legacy",
  "sectioned",
  "legacy",
  "default_sections",
  "sectioned",
  "legacy",
];
const TYPE_PATTERN: readonly ProductType[] = [
  "website",
  "mobile_app_android",
  "mobile_app_ios",
  "streaming_app",
  "gaming",
  "mobile_app_windows",
];

/** Today at 00:00 UTC. */
export function startOfUtcDay(date = new Date()): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

function splitTests(rng: Rng, spec: ScaleSpec): number[] {
  const shares = Array.from(
    { length: spec.products },
    (_, i) => spec.testShares?.[i] ?? Math.min(Math.exp(0.6 * rng.gauss()), 4),
  );
  const total = shares.reduce((a, b) => a + b, 0);
  return shares.map((s) => Math.max(1, Math.round((s / total) * spec.tests)));
}

function testers(rng: Rng, count: number): string[] {
  const names = new Set<string>();
  while (names.size < count) {
    const suffix = names.size >= FIRST_NAMES.length * LAST_NAMES.length / 2 ? rng.int(1, 99) : "";
    names.add(`tester_${rng.pick(FIRST_NAMES)}${rng.pick(LAST_NAMES).slice(0, 3)}${suffix}`);
  }
  return [...names];
}

/** Whether a test's timing fits a status: not started, running, or over. */
function fitsStatus(m: TestModel, status: TestStatus, nowMs: number): boolean {
  if (status === "initialized" || status === "waiting") return m.startMs > nowMs;
  if (status === "running") return m.startMs <= nowMs && nowMs < m.endMs;
  return m.endMs <= nowMs;
}

/**
 * Makes sure every test status occurs at least once: small datasets could miss the rare ones. A
 * test whose timing fits takes the missing status, unless it is the last of its own status.
 */
function coverStatuses(tests: TestModel[], nowMs: number): void {
  const present = new Set(tests.map((m) => m.test.status));
  const taken = new Set<number>();
  for (const status of TEST_STATUSES) {
    if (present.has(status)) continue;
    const counts = new Map<TestStatus, number>();
    for (const m of tests) counts.set(m.test.status, (counts.get(m.test.status) ?? 0) + 1);
    const candidate = tests.find((m) =>
      !taken.has(m.test.id) && (counts.get(m.test.status) ?? 0) > 1 && fitsStatus(m, status, nowMs)
    );
    if (candidate) {
      candidate.test.status = status;
      taken.add(candidate.test.id);
      present.add(status);
    }
  }
}

/**
 * Generates a dataset. Deterministic for the same scale, seed and `now`.
 */
export function generateDataset(options: GenerateOptions): FakeDataset {
  const spec = SCALES[options.scale];
  if (!spec) throw new RangeError(`'scale' must be S, M or L: got ${options.scale}`);
  const seed = options.seed ?? 1;
  const now = options.now ?? startOfUtcDay();
  const nowMs = now.getTime();
  const rng = new Rng(mixSeed(seed, 0x5ca1e));
  const ids = new IdAllocator();
  const usedNames = new Set<string>();

  const models: ProductModel[] = Array.from({ length: spec.products }, (_, index) =>
    generateProduct({
      rng,
      ids,
      index,
      usedNames,
      kind: KIND_PATTERN[index] ??
        rng.weighted([["legacy", 60], ["sectioned", 30], ["default_sections", 10]] as const),
      type: TYPE_PATTERN[index] ?? rng.weighted(PRODUCT_TYPES.map((t, i) => [t, i === 0 ? 5 : 1] as const)),
    }));
  // Customers of different products overlap now and then, as people move between teams.
  for (const m of models) if (rng.chance(0.2)) m.customers.push(customerName(rng));

  // Plan every product's timeline, then number tests globally by start time: ids grow with time.
  const planned: { model: ProductModel; plan: TestPlan; order: number }[] = [];
  splitTests(rng, spec).forEach((count, p) => {
    planTimeline(rng, count, nowMs).forEach((plan, order) => planned.push({ model: models[p], plan, order }));
  });
  planned.sort((a, b) => a.plan.startMs - b.plan.startMs || a.model.product.id - b.model.product.id);
  const tests = planned.map(({ model, plan }) =>
    buildTest({ seed, ids, model, plan, testId: ids.next("test"), nowMs })
  );
  coverStatuses(tests, nowMs);

  const weights = tests.map((m) => bugWeight(new Rng(mixSeed(seed, m.test.id, 0xc0)), m.test.status));
  const scale = spec.bugs / weights.reduce((a, b) => a + b, 0);
  tests.forEach((m, i) => m.bugCount = Math.round(weights[i] * scale));
  if (options.scale === "L") forceLargeTest(tests, nowMs);
  for (const m of tests) m.bugBase = ids.reserve("bug", m.bugCount);

  const testsByProduct = new Map<number, TestModel[]>(models.map((m) => [m.product.id, []]));
  for (const m of tests) testsByProduct.get(m.product.product.id)!.push(m);
  for (const list of testsByProduct.values()) list.sort((a, b) => b.endMs - a.endMs);

  const executed = tests.filter((m) => m.bugCount > 0).length || 1;
  return new FakeDataset({
    scale: options.scale,
    seed,
    now,
    ids,
    models,
    testsByProduct,
    testers: testers(rng, spec.testers),
    meanBugsPerTest: spec.bugs / executed,
    bugCacheLimit: options.bugCacheLimit,
  });
}

/** Gives a finished test of the busiest product {@link LARGE_TEST_BUGS} bugs. */
function forceLargeTest(tests: TestModel[], nowMs: number): void {
  const perProduct = new Map<number, number>();
  for (const m of tests) {
    perProduct.set(m.product.product.id, (perProduct.get(m.product.product.id) ?? 0) + 1);
  }
  const busiest = [...perProduct].sort((a, b) => b[1] - a[1])[0][0];
  const finished = tests.filter((m) =>
    m.product.product.id === busiest && m.endMs < nowMs && m.test.status !== "cancelled"
  );
  const target = finished[finished.length - 10] ?? finished[finished.length - 1];
  if (target) target.bugCount = LARGE_TEST_BUGS;
}
