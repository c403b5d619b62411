import assert from "node:assert/strict";
import { BUG_SEVERITIES } from "../src/domain/bugs.ts";
import { PRODUCT_TYPES } from "../src/domain/products.ts";
import { TEST_STATUSES } from "../src/domain/tests.ts";
import {
  type FakeApi,
  generateDataset,
  hasSections,
  type RawBug,
  type RawFeature,
  type RawProduct,
  type RawTest,
  type RawUserStory,
  REJECT_REASONS,
  runFakeApi,
  SCALES,
  startFakeApi,
  startOfUtcDay,
} from "../src/testio/fake/mod.ts";

const NOW = new Date("2025-11-20T00:00:00Z");
const OFFSET = /(Z|[+-]\d\d:\d\d)$/;

interface Reply<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** GETs a path below the base URL with the fake's token and always consumes the body. */
async function get<T = Record<string, unknown>>(
  api: FakeApi,
  path: string,
  init: { token?: string | null; scheme?: string; signal?: AbortSignal } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = {};
  const token = init.token === undefined ? api.token : init.token;
  if (token !== null) headers.authorization = `${init.scheme ?? "Token"} ${token}`;
  const res = await fetch(`${api.baseUrl}/${path}`, { headers, signal: init.signal });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as T };
}

function productOfKind(
  products: RawProduct[],
  kind: "legacy" | "sectioned" | "default_sections",
): RawProduct {
  const found = products.find((p) =>
    kind === "legacy"
      ? !hasSections(p)
      : kind === "sectioned"
      ? p.sections.length >= 2
      : p.sections.length === 0 && p.sections_with_default.length >= 2
  );
  assert.ok(found, `a ${kind} product`);
  return found;
}

const within = (value: number, target: number) => Math.abs(value - target) <= target * 0.2;

Deno.test("generator: deterministic data of the requested size", async (t) => {
  await t.step("same seed and now give the same data; another seed differs", () => {
    const a = generateDataset({ scale: "S", seed: 7, now: NOW });
    const b = generateDataset({ scale: "S", seed: 7, now: NOW });
    const c = generateDataset({ scale: "S", seed: 8, now: NOW });
    const snapshot = (d: typeof a) => {
      const tests = d.products.flatMap((p) => d.testsOf(p.id));
      return JSON.stringify({
        products: d.products,
        features: d.products.map((p) => d.featuresOf(p.id)),
        tests,
        bugs: tests.slice(0, 20).map((x) => d.bugsOf(x.id)),
      });
    };
    assert.equal(snapshot(a), snapshot(b));
    assert.notEqual(snapshot(a), snapshot(c));
    assert.deepEqual(a.counts, b.counts);
  });

  await t.step("bugs regenerated after cache eviction are identical", () => {
    const small = generateDataset({ scale: "S", seed: 7, now: NOW, bugCacheLimit: 10 });
    const id = small.largestTestId;
    const first = JSON.stringify(small.bugsOf(id));
    for (const other of small.allTestIds()) small.bugsOf(other);
    assert.equal(JSON.stringify(small.bugsOf(id)), first);
  });

  await t.step("now defaults to today 00:00 UTC", () => {
    const d = generateDataset({ scale: "S" });
    assert.equal(d.now.getTime(), startOfUtcDay().getTime());
    assert.equal(d.now.toISOString().slice(11), "00:00:00.000Z");
  });

  for (const scale of ["S", "M"] as const) {
    await t.step(`scale ${scale} is within 20 % of its targets`, () => {
      const d = generateDataset({ scale, seed: 1, now: NOW });
      const spec = SCALES[scale];
      const counts = d.counts;
      assert.equal(counts.products, spec.products);
      assert.ok(within(counts.tests, spec.tests), `tests ${counts.tests}`);
      assert.ok(within(counts.bugs, spec.bugs), `bugs ${counts.bugs}`);
      const materialized = d.allTestIds().reduce((n, id) => n + d.bugsOf(id).length, 0);
      assert.equal(materialized, counts.bugs);
    });
  }

  await t.step("ids are unique across all entities", () => {
    const d = generateDataset({ scale: "M", seed: 3, now: NOW });
    const seen = new Set<number>();
    const add = (id: number) => {
      assert.ok(!seen.has(id), `duplicate id ${id}`);
      seen.add(id);
    };
    for (const p of d.products) {
      add(p.id);
      p.sections_with_default.forEach((s) => add(s.id));
      d.featuresOf(p.id).forEach((f) => add(f.feature.id));
      d.userStoriesOf(p.id).forEach((s) => add(s.id));
      for (const test of d.testsOf(p.id)) {
        add(test.id);
        test.features.forEach((f) => add(f.id));
        test.requirements.forEach((r) => add(r.id));
        for (const bug of d.bugsOf(test.id)) {
          add(bug.id);
          bug.comments.forEach((c) => add(c.id));
          bug.attachments.forEach((a) => add(a.id));
          assert.equal(d.testIdOfBug(bug.id), test.id);
        }
      }
    }
  });
});

Deno.test("generator: the data covers what clients must handle (scale S)", async (t) => {
  const d = generateDataset({ scale: "S", seed: 1, now: NOW });
  const products = d.products;
  const tests = products.flatMap((p) => d.testsOf(p.id));
  const bugs = tests.flatMap((x) => d.bugsOf(x.id));

  await t.step("products of every section kind, full shape", () => {
    const legacy = productOfKind(products, "legacy");
    assert.deepEqual(legacy.sections, []);
    assert.equal(legacy.sections_with_default.length, 1);
    assert.equal(legacy.sections_with_default[0].name, "default-section");
    assert.equal(legacy.default_section_id, legacy.sections_with_default[0].id);
    productOfKind(products, "sectioned");
    productOfKind(products, "default_sections");
    assert.ok(products.some((p) => p.description === null));
    for (const p of products) {
      assert.ok(PRODUCT_TYPES.includes(p.type));
      assert.equal(p.connection, null);
      assert.equal(typeof p.remote_device_testing, "boolean");
    }
    const m = generateDataset({ scale: "M", seed: 1, now: NOW });
    assert.deepEqual(new Set(m.products.map((p) => p.type)), new Set(PRODUCT_TYPES));
  });

  await t.step("every test status, newest tests not started or running", () => {
    assert.deepEqual(new Set(tests.map((x) => x.status)), new Set(TEST_STATUSES));
    for (const p of products) {
      const [newest] = d.testsOf(p.id);
      assert.ok(["initialized", "waiting"].includes(newest.status), newest.status);
    }
    assert.ok(tests.every((x) => x.title === x.test_title));
    assert.ok(tests.some((x) => x.features.length === 0));
  });

  await t.step("dates carry an offset, both +01:00 and +02:00 and a few Z", () => {
    const dates = [...tests.flatMap((x) => [x.start_at!, x.end_at!]), ...bugs.map((b) => b.reported_at)];
    assert.ok(dates.every((s) => OFFSET.test(s)));
    for (const suffix of ["+01:00", "+02:00", "Z"]) assert.ok(dates.some((s) => s.endsWith(suffix)), suffix);
  });

  await t.step("test-features point at real features; bugs at test-features of their test", () => {
    for (const p of products) {
      const featureIds = new Set(d.featuresOf(p.id).map((f) => f.feature.id));
      for (const test of d.testsOf(p.id)) {
        assert.equal(test.product.id, p.id);
        test.features.forEach((tf) => assert.ok(featureIds.has(tf.feature_id)));
        const testFeatureIds = new Set(test.features.map((tf) => tf.id));
        for (const bug of d.bugsOf(test.id)) {
          assert.equal(bug.test.id, test.id);
          if (bug.test_feature) assert.ok(testFeatureIds.has(bug.test_feature.id));
        }
      }
    }
    assert.ok(bugs.some((b) => b.test_feature === undefined));
    assert.ok(tests.some((x) => x.test_environment?.password.startsWith("env-secret-")));
  });

  await t.step("every severity, status, auto and manual acceptance, missing auto_accepted", () => {
    assert.deepEqual(new Set(bugs.map((b) => b.severity)), new Set(BUG_SEVERITIES));
    assert.ok(bugs.some((b) => b.status === "forwarded"));
    assert.ok(bugs.some((b) => b.status === "rejected"));
    assert.ok(bugs.some((b) => b.status === "accepted" && b.auto_accepted === true));
    assert.ok(bugs.some((b) => b.status === "accepted" && b.auto_accepted === false));
    assert.ok(bugs.some((b) => !("auto_accepted" in b)));
    assert.ok(bugs.some((b) => b.known));
    assert.ok(bugs.every((b) => Array.isArray(b.steps) && b.steps.every((s) => typeof s === "string")));
  });

  await t.step("rejected bugs mostly carry exactly one canned reject text", () => {
    const texts = REJECT_REASONS.map((r) => r.default_comment);
    const cannedIn = (b: RawBug) =>
      texts.filter((text) => b.comments.some((c) => c.body.includes(text))).length;
    const rejected = bugs.filter((b) => b.status === "rejected");
    const withReason = rejected.filter((b) => cannedIn(b) === 1);
    assert.ok(withReason.length / rejected.length > 0.7);
    assert.ok(rejected.some((b) => cannedIn(b) === 0));
    assert.ok(rejected.every((b) => cannedIn(b) <= 1));
    assert.ok(bugs.filter((b) => b.status !== "rejected").every((b) => cannedIn(b) === 0));
  });
});

Deno.test({
  name: "generator: scale L is fast, lazy and has a test with over 1,000 bugs",
  ignore: !Deno.env.get("TESTIO_LONG_TESTS"),
  fn() {
    const started = performance.now();
    const d = generateDataset({ scale: "L", seed: 1, now: NOW });
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 30_000, `generated in ${elapsed} ms`);
    const counts = d.counts;
    assert.equal(counts.products, SCALES.L.products);
    assert.ok(within(counts.tests, SCALES.L.tests));
    assert.ok(within(counts.bugs, SCALES.L.bugs));
    assert.ok(d.bugsOf(d.largestTestId).length >= 1_000);
    const all = d.allTestIds().reduce((n, id) => n + d.bugsOf(id).length, 0);
    assert.equal(all, counts.bugs);
  },
});

Deno.test("fake API: authentication and plain routes", async (t) => {
  await using api = await startFakeApi({ scale: "S", seed: 1, now: NOW });
  const data = api.dataset;

  await t.step("base URL has no trailing slash and keeps /customer/v2", () => {
    assert.match(api.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/customer\/v2$/);
  });

  await t.step("401 without or with a wrong token; the scheme is case-insensitive", async () => {
    assert.equal((await get(api, "products", { token: null })).status, 401);
    const wrong = await get(api, "products", { token: "nope" });
    assert.equal(wrong.status, 401);
    assert.equal(typeof wrong.body.error, "string");
    assert.equal((await get(api, "products", { scheme: "token" })).status, 200);
  });

  await t.step("products list and detail, 404 for unknown ids and routes", async () => {
    const list = await get<{ products: RawProduct[] }>(api, "products");
    assert.equal(list.status, 200);
    assert.equal(list.headers.get("cache-control"), "no-cache");
    assert.deepEqual(list.body.products, data.products);
    const one = await get<{ product: RawProduct }>(api, `products/${data.products[0].id}`);
    assert.deepEqual(one.body.product, data.products[0]);
    assert.equal((await get(api, "products/999999")).status, 404);
    assert.equal((await get(api, "nothing/here")).status, 404);
    assert.equal((await get(api, "exploratory_tests/1")).status, 404);
    assert.equal((await get(api, "bugs/1")).status, 404);
  });

  await t.step("test detail equals the list entry", async () => {
    const test = data.testsOf(data.products[0].id)[3];
    const res = await get<{ exploratory_test: RawTest }>(api, `exploratory_tests/${test.id}`);
    assert.deepEqual(res.body.exploratory_test, test);
  });

  await t.step("features: 200 plain, 422 for sectioned, per section with repeated ids", async () => {
    const legacy = productOfKind(data.products, "legacy");
    const plain = await get<{ features: RawFeature[] }>(api, `products/${legacy.id}/features`);
    assert.equal(plain.status, 200);
    assert.equal(plain.body.features.length, data.featuresOf(legacy.id).length);
    for (const kind of ["sectioned", "default_sections"] as const) {
      const p = productOfKind(data.products, kind);
      assert.equal((await get(api, `products/${p.id}/features`)).status, 422);
      const seen = new Map<number, number>();
      for (const sid of data.sectionIdsOf(p.id)) {
        const res = await get<{ features: RawFeature[] }>(api, `products/${p.id}/sections/${sid}/features`);
        assert.equal(res.status, 200);
        res.body.features.forEach((f) => seen.set(f.id, (seen.get(f.id) ?? 0) + 1));
      }
      assert.equal(seen.size, data.featuresOf(p.id).length);
      assert.ok([...seen.values()].some((n) => n > 1), `${kind}: a feature listed in two sections`);
      assert.equal((await get(api, `products/${p.id}/sections/1/features`)).status, 404);
    }
    assert.equal((await get(api, "products/999999/features")).status, 404);
  });

  await t.step("user stories: 400 without section_id on a sectioned product", async () => {
    const sectioned = productOfKind(data.products, "sectioned");
    assert.equal((await get(api, `products/${sectioned.id}/user_stories`)).status, 400);
    const sid = data.sectionIdsOf(sectioned.id)[0];
    const res = await get<{ user_stories: RawUserStory[] }>(
      api,
      `products/${sectioned.id}/user_stories?section_id=${sid}`,
    );
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.user_stories, data.userStoriesOf(sectioned.id, sid));
    const legacy = productOfKind(data.products, "legacy");
    const all = await get<{ user_stories: RawUserStory[] }>(api, `products/${legacy.id}/user_stories`);
    assert.ok(all.body.user_stories.length > 0);
    for (const story of all.body.user_stories) {
      assert.deepEqual(Object.keys(story).sort(), ["id", "path", "title"]);
      assert.equal(story.path, story.title);
    }
  });

  await t.step("reject reasons", async () => {
    const res = await get<{ reject_reasons: typeof REJECT_REASONS }>(api, "bugs/reject_reasons");
    assert.deepEqual(res.body.reject_reasons, REJECT_REASONS);
  });
});

Deno.test("fake API: test-list paging", async (t) => {
  await using api = await startFakeApi({ scale: "M", seed: 1, now: NOW });
  const data = api.dataset;
  const big = data.products.find((p) => data.testsOf(p.id).length > 150)!;
  const all = data.testsOf(big.id);
  const list = async (query: string) =>
    (await get<{ exploratory_tests: RawTest[] }>(api, `products/${big.id}/exploratory_tests${query}`)).body
      .exploratory_tests;

  await t.step("no page gives the newest 150, per_page alone is ignored", async () => {
    assert.deepEqual((await list("")).map((x) => x.id), all.slice(0, 150).map((x) => x.id));
    assert.equal((await list("?per_page=10")).length, 150);
  });

  await t.step("page with default 25 and explicit per_page; unknown params ignored", async () => {
    assert.deepEqual((await list("?page=1")).map((x) => x.id), all.slice(0, 25).map((x) => x.id));
    assert.deepEqual(
      (await list("?page=3&per_page=10")).map((x) => x.id),
      all.slice(20, 30).map((x) => x.id),
    );
    assert.deepEqual(
      (await list("?page=2&per_page=25&status=archived")).map((x) => x.id),
      all.slice(25, 50).map((x) => x.id),
    );
  });

  await t.step("past the end gives []; a short last page", async () => {
    const last = Math.ceil(all.length / 25);
    assert.equal((await list(`?page=${last}`)).length, all.length - (last - 1) * 25);
    assert.deepEqual(await list(`?page=${last + 1}`), []);
  });

  await t.step("newest first by end_at and start_at across pages", async () => {
    const walked: RawTest[] = [];
    for (let page = 1;; page++) {
      const items = await list(`?page=${page}&per_page=25`);
      walked.push(...items);
      if (items.length < 25) break;
    }
    assert.deepEqual(walked.map((x) => x.id), all.map((x) => x.id));
    for (let i = 1; i < walked.length; i++) {
      assert.ok(Date.parse(walked[i - 1].end_at!) > Date.parse(walked[i].end_at!));
      assert.ok(Date.parse(walked[i - 1].start_at!) > Date.parse(walked[i].start_at!));
    }
  });

  await t.step("bad page values answer 400", async () => {
    assert.equal((await get(api, `products/${big.id}/exploratory_tests?page=0`)).status, 400);
    assert.equal((await get(api, `products/${big.id}/exploratory_tests?page=x`)).status, 400);
  });
});

Deno.test("fake API: bugs", async (t) => {
  await using api = await startFakeApi({ scale: "S", seed: 1, now: NOW });
  const data = api.dataset;
  const product = data.products[0];
  const tests = data.testsOf(product.id).slice(2, 17);
  type BugList = { bugs: RawBug[]; meta: { record_count: number } };

  await t.step("by test ids (comma list) with meta.record_count", async () => {
    const res = await get<BugList>(api, `bugs?filter_test_cycle_ids=${tests.map((x) => x.id).join(",")}`);
    const expected = tests.flatMap((x) => data.bugsOf(x.id));
    assert.ok(expected.length > 0);
    assert.equal(res.body.meta.record_count, expected.length);
    assert.deepEqual(res.body.bugs, expected);
    const none = await get<BugList>(api, `bugs?filter_test_cycle_ids=${data.testsOf(product.id)[0].id}`);
    assert.deepEqual(none.body, { bugs: [], meta: { record_count: 0 } });
  });

  await t.step("by product and by section", async () => {
    const byProduct = await get<BugList>(api, `bugs?filter_product_ids=${product.id}`);
    const expected = data.testsOf(product.id).reduce((n, x) => n + data.bugCountOf(x.id), 0);
    assert.equal(byProduct.body.meta.record_count, expected);
    const sectioned = productOfKind(data.products, "sectioned");
    const sid = data.testsOf(sectioned.id)[5].section.id;
    const bySection = await get<BugList>(api, `bugs?filter_section_ids=${sid}`);
    assert.ok(bySection.body.bugs.length > 0);
    assert.ok(bySection.body.bugs.every((b) => data.test(b.test.id)!.section.id === sid));
  });

  await t.step("single bug", async () => {
    const bug = data.bugsOf(tests[0].id)[0];
    const res = await get<{ bug: RawBug }>(api, `bugs/${bug.id}`);
    assert.deepEqual(res.body.bug, bug);
  });
});

Deno.test("fake API: faults", async (t) => {
  await using api = await startFakeApi({ scale: "S", seed: 1, now: NOW });
  const data = api.dataset;
  const product = data.products[0];
  const testsPath = `products/${product.id}/exploratory_tests`;

  await t.step("failOffsets fail exactly the pages that cover them", async () => {
    api.setFaults({ failOffsets: { [product.id]: [37] } });
    const status = async (q: string) => (await get(api, `${testsPath}${q}`)).status;
    assert.equal(await status("?page=1&per_page=25"), 200);
    assert.equal(await status("?page=2&per_page=25"), 500);
    assert.equal(await status("?page=4&per_page=10"), 500);
    assert.equal(await status("?page=3&per_page=10"), 200);
    assert.equal(await status("?page=8&per_page=5"), 500);
    assert.equal(await status("?page=19&per_page=2"), 500);
    assert.equal(await status("?page=38&per_page=1"), 500);
    assert.equal(await status("?page=37&per_page=1"), 200);
    assert.equal(await status("?page=39&per_page=1"), 200);
    assert.equal(await status(""), 500);
    const single = data.testsOf(product.id)[37];
    assert.equal((await get(api, `exploratory_tests/${single.id}`)).status, 200);
    api.clearFaults();
    assert.equal(await status("?page=2"), 200);
  });

  await t.step("429 with Retry-After in seconds and as an HTTP date", async () => {
    api.setFaults({ status429Rate: 1, retryAfterSeconds: 3 });
    const seconds = await get(api, "products");
    assert.equal(seconds.status, 429);
    assert.equal(seconds.headers.get("retry-after"), "3");
    api.setFaults({ retryAfter: "date" });
    const dated = await get(api, "products");
    assert.equal(dated.status, 429);
    const at = Date.parse(dated.headers.get("retry-after")!);
    assert.match(dated.headers.get("retry-after")!, /GMT$/);
    assert.ok(at - Date.now() > 1_000 && at - Date.now() <= 4_000);
    api.clearFaults();
  });

  await t.step("failNext scripts the next statuses; routes restricts faults", async () => {
    api.setFaults({ failNext: [500, 503], routes: ["bugs"] });
    assert.equal((await get(api, "products")).status, 200);
    assert.equal((await get(api, "bugs?filter_test_cycle_ids=1")).status, 500);
    assert.equal((await get(api, "bugs?filter_test_cycle_ids=1")).status, 503);
    assert.equal((await get(api, "bugs?filter_test_cycle_ids=1")).status, 200);
    api.setFaults({ status500Rate: 1 });
    assert.equal((await get(api, "products")).status, 200);
    assert.equal((await get(api, "bugs?filter_test_cycle_ids=1")).status, 500);
    api.clearFaults();
  });

  await t.step("random 500s follow the rate and the seed", async () => {
    const run = async () => {
      api.setFaults({ status500Rate: 0.5, seed: 42 });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await get(api, "products")).status);
      api.clearFaults();
      return statuses;
    };
    const first = await run();
    assert.deepEqual(await run(), first);
    const failed = first.filter((s) => s === 500).length;
    assert.ok(failed > 8 && failed < 32, `${failed} of 40 failed`);
  });

  await t.step("latency delays without serialising concurrent requests", async () => {
    api.setFaults({ latencyMs: 300 });
    const started = performance.now();
    const replies = await Promise.all(Array.from({ length: 6 }, () => get(api, "bugs/reject_reasons")));
    const elapsed = performance.now() - started;
    api.clearFaults();
    assert.ok(replies.every((r) => r.status === 200));
    // Serialised, six requests would take 1.8 s.
    assert.ok(elapsed >= 290 && elapsed < 1_200, `${elapsed} ms`);
    assert.ok(api.maxConcurrent >= 2, `peak ${api.maxConcurrent}`);
  });

  await t.step("a hanging request times the client out, then answers 504", async () => {
    api.setFaults({ timeoutRate: 1, hangMs: 300 });
    await assert.rejects(get(api, "products", { signal: AbortSignal.timeout(100) }), {
      name: "TimeoutError",
    });
    api.clearFaults();
    assert.equal((await get(api, "products")).status, 200, "other requests are not blocked");
    while (!api.requests.some((r) => r.status === 504)) await new Promise((r) => setTimeout(r, 20));
  });

  await t.step("non-object and invalid JSON bodies", async () => {
    api.setFaults({ nonObjectBodyRate: 1 });
    const list = await get<unknown>(api, "products");
    assert.equal(list.status, 200);
    assert.ok(Array.isArray(list.body));
    const single = await get<unknown>(api, `products/${product.id}`);
    assert.ok(Array.isArray(single.body));
    api.setFaults({ nonObjectBodyRate: 0, invalidJsonRate: 1 });
    const res = await fetch(`${api.baseUrl}/products`, { headers: { authorization: `Token ${api.token}` } });
    assert.equal(res.status, 200);
    await assert.rejects(res.json());
    api.clearFaults();
  });

  await t.step("malformed records: forced ids and a rate, reported in corrupted", async () => {
    const tests = data.testsOf(product.id);
    api.resetRequests();
    api.setFaults({ malformedIds: [tests[1].id] });
    const page = await get<{ exploratory_tests: Record<string, unknown>[] }>(api, `${testsPath}?page=1`);
    const broken = page.body.exploratory_tests[1];
    assert.notDeepEqual(broken, tests[1]);
    assert.deepEqual(page.body.exploratory_tests[0], tests[0]);
    assert.deepEqual(api.corrupted.map((c) => c.id), [tests[1].id]);
    assert.ok(
      typeof broken.id === "string" || !("id" in broken) ||
        (!("title" in broken) && !("test_title" in broken)),
    );
    assert.deepEqual(data.test(tests[1].id), tests[1], "the dataset stays intact");
    api.setFaults({ malformedIds: [], malformedRate: 1 });
    const features = await get<{ features: Record<string, unknown>[] }>(
      api,
      `products/${productOfKind(data.products, "legacy").id}/features`,
    );
    assert.ok(features.body.features.every((f) => typeof f.id !== "number" || !("title" in f)));
    api.clearFaults();
  });

  await t.step("forbidden products answer 403", async () => {
    api.setFaults({ forbiddenProductIds: [product.id] });
    assert.equal((await get(api, `products/${product.id}`)).status, 403);
    assert.equal((await get(api, testsPath)).status, 403);
    assert.equal((await get(api, `exploratory_tests/${data.testsOf(product.id)[0].id}`)).status, 403);
    assert.equal((await get(api, `products/${data.products[1].id}`)).status, 200);
    api.clearFaults();
  });

  await t.step("bad fault settings are rejected with the bad value", () => {
    assert.throws(
      () => api.setFaults({ status500Rate: 2 }),
      /'status500Rate' must be between 0 and 1: got 2/,
    );
  });
});

Deno.test("fake API: mutations are visible immediately", async (t) => {
  await using api = await startFakeApi({ scale: "S", seed: 1, now: NOW });
  const data = api.dataset;
  const product = data.products[0];
  const before = data.testsOf(product.id);

  await t.step("addTests puts new tests with bugs at the head of the list", async () => {
    const added = data.addTests(product.id, 3);
    assert.equal(added.length, 3);
    const page = await get<{ exploratory_tests: RawTest[] }>(
      api,
      `products/${product.id}/exploratory_tests?page=1`,
    );
    assert.deepEqual(
      page.body.exploratory_tests.slice(0, 4).map((x) => x.id),
      [...added, before[0]].map((x) => x.id),
    );
    assert.ok(added[0].id > added[1].id && added[1].id > before[0].id);
    assert.ok(Date.parse(added[2].end_at!) > Date.parse(before[0].end_at!));
    const bugs = await get<{ bugs: RawBug[] }>(
      api,
      `bugs?filter_test_cycle_ids=${added.map((x) => x.id).join(",")}`,
    );
    assert.ok(bugs.body.bugs.length >= 3);
    assert.equal(data.counts.tests, generateDataset({ scale: "S", seed: 1, now: NOW }).counts.tests + 3);
  });

  await t.step("setTestStatus", async () => {
    const test = before[5];
    data.setTestStatus(test.id, "archived");
    const res = await get<{ exploratory_test: RawTest }>(api, `exploratory_tests/${test.id}`);
    assert.equal(res.body.exploratory_test.status, "archived");
  });

  await t.step("setBugStatus and removeBug", async () => {
    const testId = data.largestTestId;
    const [first, second, third] = data.bugsOf(testId);
    data.setBugStatus(first.id, "accepted", true);
    data.setBugStatus(second.id, "rejected");
    const one = await get<{ bug: RawBug }>(api, `bugs/${first.id}`);
    assert.equal(one.body.bug.status, "accepted");
    assert.equal(one.body.bug.auto_accepted, true);
    const two = await get<{ bug: RawBug }>(api, `bugs/${second.id}`);
    assert.equal(two.body.bug.status, "rejected");
    const texts = REJECT_REASONS.map((r) => r.default_comment);
    assert.ok(two.body.bug.comments.some((c) => texts.some((text) => c.body.includes(text))));
    assert.throws(() => data.setBugStatus(third.id, "rejected", true), /autoAccepted/);

    const count = data.bugCountOf(testId);
    data.removeBug(third.id);
    assert.equal((await get(api, `bugs/${third.id}`)).status, 404);
    const list = await get<{ meta: { record_count: number } }>(api, `bugs?filter_test_cycle_ids=${testId}`);
    assert.equal(list.body.meta.record_count, count - 1);
  });
});

Deno.test("fake API: close() releases requests that hang on purpose", async () => {
  const api = await startFakeApi({ scale: "S", seed: 1, now: NOW, faults: { timeoutRate: 1 } });
  await assert.rejects(get(api, "products", { signal: AbortSignal.timeout(100) }), { name: "TimeoutError" });
  const started = performance.now();
  await api.close();
  assert.ok(performance.now() - started < 2_000);
  await api.close();
});

Deno.test("fake API: request accounting", async (t) => {
  await using api = await startFakeApi({ scale: "S", seed: 1, now: NOW });
  await t.step("counts by kind, keeps path and query, resets", async () => {
    await get(api, "products");
    await get(api, `products/${api.dataset.products[0].id}/exploratory_tests?page=2&per_page=10`);
    await get(api, "nowhere");
    assert.equal(api.requestCount, 3);
    assert.equal(api.countRequests("products"), 1);
    assert.equal(api.countRequests("tests"), 1);
    assert.equal(api.countRequests("unknown"), 1);
    const record = api.requests[1];
    assert.equal(record.query, "page=2&per_page=10");
    assert.equal(record.status, 200);
    assert.ok(!JSON.stringify(api.requests).includes(api.token));
    await Promise.all(Array.from({ length: 5 }, () => get(api, "products")));
    assert.ok(api.maxConcurrent >= 1);
    api.resetRequests();
    assert.equal(api.requestCount, 0);
  });
});

Deno.test("fake API: runFakeApi prints one stdout line and stops on abort", async () => {
  const out: string[] = [];
  const err: string[] = [];
  const stop = new AbortController();
  const running = runFakeApi({
    scale: "S",
    seed: 2,
    token: "t0ken",
    signal: stop.signal,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  while (out.length === 0) await new Promise((r) => setTimeout(r, 10));
  const [line] = out;
  const match = /^TESTIO_CUSTOMER_API_BASE_URL=(\S+) TESTIO_CUSTOMER_API_TOKEN=t0ken$/.exec(line);
  assert.ok(match, line);
  const res = await fetch(`${match[1]}/products`, { headers: { authorization: "Token t0ken" } });
  assert.equal(res.status, 200);
  await res.body?.cancel();
  stop.abort();
  await running;
  assert.equal(out.length, 1);
  assert.ok(err.some((l) => l.includes("Ctrl+C")));
  await assert.rejects(runFakeApi({ faultRate: 3 }), /'--fault-rate' must be between 0 and 1: got 3/);
});
