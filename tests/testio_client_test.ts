import assert from "node:assert/strict";
import { CancelledError, InputError, PayloadError, UpstreamError } from "../src/errors.ts";
import { createLogger, type Logger, silentLogger } from "../src/log.ts";
import { parseRetryAfter, TestIOClient, type TestIOClientOptions } from "../src/testio/client.ts";
import { startFakeApi } from "../src/testio/fake/server.ts";
import { hasSections, sectionIds } from "../src/testio/sections.ts";

const TOKEN = "tok_5ecret_abcdef123456";

interface Hit {
  path: string;
  search: string;
  auth: string | null;
  userAgent: string | null;
}

interface Api extends AsyncDisposable {
  /** Base URL, with the `/customer/v2` path of the real API. */
  base: string;
  origin: string;
  hits: Hit[];
  maxInFlight: number;
}

/** `hold()` waits until the server is disposed: a response that never comes while the test runs. */
type Handler = (req: Request, url: URL, n: number, hold: () => Promise<void>) => Response | Promise<Response>;

/** Serves `handler` on loopback, counting requests server-side. */
function serveApi(handler: Handler): Api {
  const hits: Hit[] = [];
  const gate = Promise.withResolvers<void>();
  let inFlight = 0;
  const api = {
    hits,
    maxInFlight: 0,
  } as Api;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    hits.push({
      path: url.pathname,
      search: url.search,
      auth: req.headers.get("authorization"),
      userAgent: req.headers.get("user-agent"),
    });
    inFlight++;
    api.maxInFlight = Math.max(api.maxInFlight, inFlight);
    try {
      return await handler(req, url, hits.length, () => gate.promise);
    } finally {
      inFlight--;
    }
  });
  api.origin = `http://127.0.0.1:${server.addr.port}`;
  api.base = `${api.origin}/customer/v2`;
  api[Symbol.asyncDispose] = () => {
    gate.resolve();
    return server.shutdown();
  };
  return api;
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function client(base: string, options: Partial<TestIOClientOptions> = {}): TestIOClient {
  return new TestIOClient({
    baseUrl: base,
    token: TOKEN,
    log: silentLogger(),
    timeoutMs: 2_000,
    maxConcurrent: 4,
    retryBaseMs: 1,
    retryAfterDefaultMs: 5,
    retryAfterMaxMs: 50,
    ...options,
  });
}

function capture(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ level: "debug", format: "json", sink: (l) => lines.push(l) }), lines };
}

const product = (id: number) => ({
  id,
  name: `Product ${id}`,
  type: "website",
  sections: [],
  sections_with_default: [{ id, name: "default-section" }],
});

const apiTest = (id: number, extra: Record<string, unknown> = {}) => ({
  id,
  title: `Test ${id}`,
  test_title: `Test ${id}`,
  status: "locked",
  start_at: "2025-11-09T22:00:00+01:00",
  end_at: "2025-11-10T22:00:00+01:00",
  test_environment: { id: 1, title: "Env", password: "pw" },
  features: [],
  requirements: [],
  section: { id: 1, name: "default-section" },
  product: product(1),
  ...extra,
});

const apiBug = (id: number, testId: number) => ({
  id,
  title: `Bug ${id}`,
  severity: "high",
  status: "forwarded",
  steps: ["a"],
  reported_at: "2025-11-10T14:03:12+01:00",
  author: { name: "tester" },
  test: { id: testId, title: "T" },
});

async function rejects<T extends Error>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => T,
  check: (err: T) => void = () => {},
): Promise<T> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof type, `expected ${type.name}, got ${err}`);
    check(err);
    return err;
  }
  assert.fail(`expected ${type.name}, nothing thrown`);
}

Deno.test("requests: URL, headers, query strings", async (t) => {
  await using api = serveApi((_req, url) => {
    if (url.pathname.endsWith("/products")) return json({ products: [product(1), product(2)] });
    if (url.pathname.endsWith("/bugs")) return json({ bugs: [apiBug(1, 7)], meta: { record_count: 1 } });
    if (url.pathname.endsWith("/exploratory_tests")) return json({ exploratory_tests: [apiTest(7)] });
    if (url.pathname.endsWith("/user_stories")) {
      return json({ user_stories: [{ id: 1, path: "S", title: "S" }] });
    }
    if (url.pathname.endsWith("/features")) {
      return json({ features: [{ id: 1, title: "F", user_stories: [] }] });
    }
    if (url.pathname.endsWith("/exploratory_tests/7")) return json({ exploratory_test: apiTest(7) });
    if (url.pathname.endsWith("/products/1")) return json({ product: product(1) });
    return json({}, 404);
  });

  await t.step("the base path is kept, with or without a trailing slash", async () => {
    for (const base of [api.base, `${api.base}/`]) {
      using c = client(base, { userAgent: "suite/1" });
      const { products, warnings } = await c.listProducts();
      assert.deepEqual(products.map((p) => p.id), [1, 2]);
      assert.deepEqual(warnings, []);
      const hit = api.hits.at(-1)!;
      assert.equal(hit.path, "/customer/v2/products");
      assert.equal(hit.auth, `Token ${TOKEN}`);
      assert.equal(hit.userAgent, "suite/1");
    }
  });

  await t.step("bug ids are plain comma-separated", async () => {
    using c = client(api.base);
    const { bugs } = await c.listBugs([1, 2, 3, 2]);
    assert.equal(bugs[0].test_id, 7);
    assert.equal(api.hits.at(-1)!.path, "/customer/v2/bugs");
    assert.equal(api.hits.at(-1)!.search, "?filter_test_cycle_ids=1,2,3");
  });

  await t.step("more than 15 bug ids is an input error and no ids sends nothing", async () => {
    using c = client(api.base);
    const before = api.hits.length;
    await rejects(c.listBugs(Array.from({ length: 16 }, (_, i) => i + 1)), InputError);
    await rejects(c.listBugs([0]), InputError);
    assert.deepEqual(await c.listBugs([]), { bugs: [], warnings: [] });
    assert.equal(api.hits.length, before);
    assert.equal(c.requestCount, 0);
  });

  await t.step("pages, single entities, features and user stories", async () => {
    using c = client(api.base);
    const page = await c.listTestsPage(5, 2, 25);
    assert.equal(api.hits.at(-1)!.path, "/customer/v2/products/5/exploratory_tests");
    assert.equal(api.hits.at(-1)!.search, "?page=2&per_page=25");
    assert.equal(page.received, 1);
    assert.equal(page.tests[0].product_id, 1);
    assert.equal(page.tests[0].start_at, "2025-11-09T21:00:00Z");
    assert.equal((await c.getTest(7)).title, "Test 7");
    assert.equal(api.hits.at(-1)!.path, "/customer/v2/exploratory_tests/7");
    assert.equal((await c.getProduct(1)).name, "Product 1");
    assert.equal((await c.listFeatures(1)).features[0].title, "F");
    assert.equal(api.hits.at(-1)!.path, "/customer/v2/products/1/features");
    await c.listSectionFeatures(1, 9);
    assert.equal(api.hits.at(-1)!.path, "/customer/v2/products/1/sections/9/features");
    assert.equal((await c.listUserStories(1, 9)).userStories[0].title, "S");
    assert.equal(api.hits.at(-1)!.search, "?section_id=9");
    await c.listUserStories(1);
    assert.equal(api.hits.at(-1)!.search, "");
    assert.equal(c.requestCount, 7);
    assert.equal(c.requestCounts.user_stories, 2);
    assert.equal(c.requestCounts.tests_page, 1);
    assert.equal(c.retryCount, 0);
  });

  await t.step("bad ids are input errors", async () => {
    using c = client(api.base);
    await rejects(c.getTest(-1), InputError);
    await rejects(c.listTestsPage(1, 0, 25), InputError);
  });
});

Deno.test("record-level tolerance", async (t) => {
  await using api = serveApi(() =>
    json({
      exploratory_tests: [
        apiTest(1),
        apiTest(2, { end_at: "2025-11-10T22:00:00" }),
        { id: 3 },
        apiTest(4),
      ],
    })
  );

  await t.step("bad records are skipped with warnings; received counts them all", async () => {
    using c = client(api.base);
    const page = await c.listTestsPage(1, 1, 25);
    assert.deepEqual(page.tests.map((x) => x.id), [1, 4]);
    assert.equal(page.received, 4);
    assert.equal(page.warnings.length, 2);
    assert.match(page.warnings[0], /^Skipped test 2: end_at: /);
    assert.match(page.warnings[1], /^Skipped test 3: /);
  });

  await t.step("environment secrets are gone from parsed tests", async () => {
    using c = client(api.base);
    const page = await c.listTestsPage(1, 1, 25);
    assert.equal(JSON.stringify(page.tests).includes("pw"), false);
  });
});

Deno.test("bodies that are not a JSON object", async (t) => {
  await using api = serveApi((_req, url) => {
    if (url.pathname.endsWith("/array")) return json([product(1)]);
    if (url.pathname.endsWith("/products")) return json([product(1)]);
    if (url.pathname.endsWith("/features")) return new Response("<html>proxy</html>");
    if (url.pathname.endsWith("/exploratory_tests/1")) return json({ exploratory_test: { id: 1 } });
    return json({ something_else: [] });
  });
  using c = client(api.base);

  await t.step("a top-level array is a PayloadError", async () => {
    await rejects(
      c.listProducts(),
      PayloadError,
      (err) => assert.match(err.message, /expected a JSON object, got an array/),
    );
  });
  await t.step("a body that is not JSON is a PayloadError", async () => {
    await rejects(c.listFeatures(1), PayloadError, (err) => assert.match(err.message, /not JSON/));
  });
  await t.step("a missing envelope key is a PayloadError", async () => {
    await rejects(c.listBugs([1]), PayloadError, (err) => assert.match(err.message, /no 'bugs' array/));
  });
  await t.step("an invalid single entity is a PayloadError", async () => {
    await rejects(c.getTest(1), PayloadError, (err) => assert.match(err.message, /Invalid test 1/));
  });
  assert.equal(api.hits.length, 4, "payload errors are not retried");
});

Deno.test("retries", async (t) => {
  await t.step("5xx is retried until it succeeds", async () => {
    await using api = serveApi((_req, _url, n) =>
      n < 4 ? json({}, 500 + n) : json({ products: [product(1)] })
    );
    using c = client(api.base);
    const { products } = await c.listProducts();
    assert.equal(products.length, 1);
    assert.equal(api.hits.length, 4);
    assert.equal(c.requestCount, 4);
    assert.equal(c.retryCount, 3);
  });

  await t.step("5xx gives up after 4 attempts with the status", async () => {
    await using api = serveApi(() => json({}, 503));
    using c = client(api.base);
    await rejects(c.listProducts(), UpstreamError, (err) => {
      assert.equal(err.status, 503);
      assert.match(err.message, /after 4 attempts/);
    });
    assert.equal(api.hits.length, 4);
  });

  await t.step("test-list pages can opt out of 5xx retries", async () => {
    await using api = serveApi(() => json({}, 500));
    using c = client(api.base);
    await rejects(
      c.listTestsPage(1, 3, 25, { retry5xx: false }),
      UpstreamError,
      (err) => assert.equal(err.status, 500),
    );
    assert.equal(api.hits.length, 1);
  });

  await t.step("HTTP 408 is retried", async () => {
    await using api = serveApi((_req, _url, n) => n === 1 ? json({}, 408) : json({ products: [] }));
    using c = client(api.base);
    await c.listProducts();
    assert.equal(api.hits.length, 2);
  });

  await t.step("a timeout is status 408 and is retried", async () => {
    await using api = serveApi(async (_req, _url, _n, hold) => {
      await hold();
      return json({ products: [] });
    });
    using c = client(api.base, { timeoutMs: 40, maxAttempts: 2 });
    await rejects(c.listProducts(), UpstreamError, (err) => {
      assert.equal(err.status, 408);
      assert.match(err.message, /did not answer within 40 ms/);
    });
    assert.equal(api.hits.length, 2);
    assert.equal(c.requestCount, 2);
  });

  await t.step("a network error is status 0 and is retried", async () => {
    const closed = serveApi(() => json({}));
    const base = closed.base;
    await closed[Symbol.asyncDispose]();
    using c = client(base);
    await rejects(c.listProducts(), UpstreamError, (err) => {
      assert.equal(err.status, 0);
      assert.match(err.message, /Cannot reach the TestIO API: GET .*: .*refused/i);
      assert.match(err.message, /after 4 attempts/);
    });
    assert.equal(c.requestCount, 4);
  });

  for (const status of [400, 401, 403, 404, 422]) {
    await t.step(`HTTP ${status} is not retried`, async () => {
      await using api = serveApi(() => json({ error: "no" }, status));
      using c = client(api.base);
      const err = await rejects(c.getTest(42), UpstreamError);
      assert.equal(err.status, status);
      assert.equal(api.hits.length, 1);
      if (status === 401) {
        assert.match(err.message, /rejected the token/);
        assert.match(err.hint ?? "", /invalid or expired/);
        assert.match(err.action ?? "", /TESTIO_CUSTOMER_API_TOKEN/);
      }
      if (status === 403) assert.match(err.hint ?? "", /lacks permission/);
      if (status === 404) assert.match(err.message, /test 42 not found/);
    });
  }
});

Deno.test("rate limiting (429)", async (t) => {
  await t.step("Retry-After values", () => {
    const now = Date.parse("2025-11-10T12:00:00Z");
    assert.equal(parseRetryAfter("7", now), 7_000);
    assert.equal(parseRetryAfter(" 0 ", now), 0);
    assert.equal(parseRetryAfter("Mon, 10 Nov 2025 12:00:30 GMT", now), 30_000);
    assert.equal(parseRetryAfter("Mon, 10 Nov 2025 11:00:00 GMT", now), 0);
    assert.equal(parseRetryAfter("soon", now), null);
    assert.equal(parseRetryAfter(null, now), null);
  });

  await t.step("waits Retry-After seconds, then retries", async () => {
    await using api = serveApi((_req, _url, n) =>
      n === 1 ? json({}, 429, { "retry-after": "0" }) : json({ products: [product(1)] })
    );
    using c = client(api.base);
    assert.equal((await c.listProducts()).products.length, 1);
    assert.equal(api.hits.length, 2);
    assert.equal(c.retryCount, 1);
  });

  await t.step("an HTTP date is honoured and the wait is capped", async () => {
    const later = new Date(Date.now() + 60_000).toUTCString();
    await using api = serveApi((_req, _url, n) =>
      n === 1 ? json({}, 429, { "retry-after": later }) : json({ products: [] })
    );
    using c = client(api.base, { retryAfterMaxMs: 60 });
    const started = performance.now();
    await c.listProducts();
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 55, `waited ${elapsed} ms`);
    assert.ok(elapsed < 1_000, `waited ${elapsed} ms`);
    assert.equal(api.hits.length, 2);
  });

  await t.step("without Retry-After the default wait applies", async () => {
    await using api = serveApi((_req, _url, n) => n === 1 ? json({}, 429) : json({ products: [] }));
    using c = client(api.base, { retryAfterDefaultMs: 40 });
    const started = performance.now();
    await c.listProducts();
    assert.ok(performance.now() - started >= 35);
  });

  await t.step("429 retries do not use up the budget of 5xx retries", async () => {
    await using api = serveApi((_req, _url, n) =>
      n <= 2 ? json({}, 429, { "retry-after": "0" }) : n <= 5 ? json({}, 502) : json({ products: [] })
    );
    using c = client(api.base);
    await c.listProducts();
    assert.equal(api.hits.length, 6);
    assert.equal(c.retryCount, 5);
  });

  await t.step("gives up after 3 retries", async () => {
    await using api = serveApi(() => json({}, 429, { "retry-after": "0" }));
    using c = client(api.base);
    await rejects(c.listProducts(), UpstreamError, (err) => {
      assert.equal(err.status, 429);
      assert.match(err.message, /after 3 retries/);
    });
    assert.equal(api.hits.length, 4);
  });
});

Deno.test("cancellation", async (t) => {
  await t.step("an abort during a request stops at once, without retry", async () => {
    await using api = serveApi(async (_req, _url, _n, hold) => {
      await hold();
      return json({ products: [] });
    });
    using c = client(api.base);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const started = performance.now();
    await rejects(c.listProducts(controller.signal), CancelledError);
    assert.ok(performance.now() - started < 1_000);
    assert.equal(api.hits.length, 1);
  });

  await t.step("an abort during the back-off stops the retries", async () => {
    await using api = serveApi(() => json({}, 500));
    using c = client(api.base, { retryBaseMs: 5_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await rejects(c.listProducts({ signal: controller.signal }), CancelledError);
    assert.equal(api.hits.length, 1);
  });

  await t.step("an already aborted signal sends nothing", async () => {
    await using api = serveApi(() => json({ products: [] }));
    using c = client(api.base);
    await rejects(c.getTest(1, AbortSignal.abort()), CancelledError);
    assert.equal(api.hits.length, 0);
  });

  await t.step("an abort while waiting for a permit sends nothing more", async () => {
    await using api = serveApi(async (_req, _url, _n, hold) => {
      await hold();
      return json({ products: [] });
    });
    using c = client(api.base, { maxConcurrent: 1 });
    const first = new AbortController();
    const second = new AbortController();
    const holding = c.listProducts(first.signal);
    const waiting = c.listProducts(second.signal);
    setTimeout(() => second.abort(), 30);
    await rejects(waiting, CancelledError);
    first.abort();
    await rejects(holding, CancelledError);
    assert.equal(api.hits.length, 1);
    assert.equal(c.requestCount, 1);
  });

  await t.step("disposing the client aborts requests in flight", async () => {
    await using api = serveApi(async (_req, _url, _n, hold) => {
      await hold();
      return json({ products: [] });
    });
    const c = client(api.base);
    const pending = c.listProducts();
    setTimeout(() => c[Symbol.dispose](), 30);
    await rejects(pending, CancelledError);
    await rejects(c.listProducts(), CancelledError);
    assert.equal(api.hits.length, 1);
  });
});

Deno.test("one request limit for the whole client", async () => {
  await using api = serveApi(async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return json({ exploratory_test: apiTest(1) });
  });
  using c = client(api.base, { maxConcurrent: 2 });
  await Promise.all([1, 2, 3, 4, 5, 6].map((id) => c.getTest(id)));
  assert.equal(api.hits.length, 6);
  assert.equal(api.maxInFlight, 2);
});

Deno.test("high-priority requests get the next free permit before normal ones", async () => {
  const release = Promise.withResolvers<void>();
  await using api = serveApi(async (_req, url, n) => {
    if (n === 1) await release.promise;
    return url.pathname.endsWith("/bugs")
      ? json({ bugs: [] })
      : json({ exploratory_tests: [], meta: { record_count: 0 } });
  });
  using c = client(api.base, { maxConcurrent: 1 });
  const holding = c.listBugs([1]);
  const normal = c.listBugs([2]);
  const high = c.listTestsPage(7, 1, 25, { priority: "high" });
  while (api.hits.length < 1) await new Promise((r) => setTimeout(r, 5));
  release.resolve();
  await Promise.all([holding, normal, high]);
  assert.deepEqual(api.hits.map((h) => h.path.split("/").at(-1)), ["bugs", "exploratory_tests", "bugs"]);
});

Deno.test("the token never leaks", async (t) => {
  await using api = serveApi((_req, url) =>
    url.pathname.includes("features") ? json({}, 500) : json({}, 404)
  );

  await t.step("errors and logs are redacted, even with the token inside the base URL", async () => {
    const { log, lines } = capture();
    using c = new TestIOClient({
      baseUrl: `${api.origin}/${TOKEN}/v2`,
      token: TOKEN,
      log,
      retryBaseMs: 1,
      maxAttempts: 2,
    });
    const notFound = await rejects(c.getProduct(3), UpstreamError);
    const serverError = await rejects(c.listFeatures(3), UpstreamError);
    for (const err of [notFound, serverError]) {
      assert.equal(err.message.includes(TOKEN), false, err.message);
      assert.equal(err.url.includes(TOKEN), false, err.url);
      assert.match(err.url, /\[REDACTED\]/);
    }
    assert.ok(lines.some((l) => l.includes('"msg":"api request"')));
    for (const line of lines) assert.equal(line.includes(TOKEN), false, line);
    const request = JSON.parse(lines.find((l) => l.includes('"msg":"api request"'))!);
    assert.deepEqual(Object.keys(request).sort(), ["level", "method", "ms", "msg", "path", "status", "time"]);
  });

  await t.step("credentials in the base URL are not shown", async () => {
    const closed = serveApi(() => json({}));
    await closed[Symbol.asyncDispose]();
    using c = client(closed.base.replace("//", "//user:pa55word@"), { maxAttempts: 1 });
    const err = await rejects(c.listProducts(), UpstreamError);
    assert.equal(err.message.includes("pa55word"), false, err.message);
    assert.equal(err.url.includes("pa55word"), false, err.url);
  });
});

Deno.test("checkAuth", async (t) => {
  await t.step("valid token", async () => {
    await using api = serveApi(() => json({ products: [product(1), product(2)] }));
    using c = client(api.base);
    assert.deepEqual(await c.checkAuth(), { ok: true, status: "valid", productCount: 2 });
  });

  for (const [httpStatus, status] of [[401, "unauthorized"], [403, "forbidden"], [500, "error"]] as const) {
    await t.step(`HTTP ${httpStatus} → ${status}, one request`, async () => {
      await using api = serveApi(() => json({}, httpStatus));
      using c = client(api.base);
      const answer = await c.checkAuth();
      assert.equal(answer.ok, false);
      assert.equal(answer.status, status);
      assert.equal(api.hits.length, 1);
    });
  }

  await t.step("unreachable", async () => {
    const closed = serveApi(() => json({}));
    await closed[Symbol.asyncDispose]();
    using c = client(closed.base);
    const answer = await c.checkAuth();
    assert.equal(answer.status, "unreachable");
    assert.equal(c.requestCount, 1);
  });
});

Deno.test("contract: every endpoint of the fake API parses without warnings (scale S)", async (t) => {
  await using fake = await startFakeApi({ scale: "S", seed: 3 });
  using c = new TestIOClient({
    baseUrl: fake.baseUrl,
    token: fake.token,
    log: silentLogger(),
    maxConcurrent: 8,
  });
  const warnings: string[] = [];
  const testIds: number[] = [];

  await t.step("products, features and user stories", async () => {
    const listed = await c.listProducts();
    warnings.push(...listed.warnings);
    assert.equal(listed.products.length, fake.dataset.counts.products);
    for (const listedProduct of listed.products) {
      const p = await c.getProduct(listedProduct.id);
      assert.deepEqual(p, listedProduct);
      assert.equal(hasSections(p), fake.dataset.hasSections(p.id), `sections of product ${p.id}`);
      if (hasSections(p)) {
        for (const sid of sectionIds(p)) {
          const features = await c.listSectionFeatures(p.id, sid);
          const stories = await c.listUserStories(p.id, sid);
          warnings.push(...features.warnings, ...stories.warnings);
        }
      } else {
        const features = await c.listFeatures(p.id);
        const stories = await c.listUserStories(p.id);
        warnings.push(...features.warnings, ...stories.warnings);
        assert.equal(features.features.length, fake.dataset.plainFeatures(p.id).length);
      }
    }
  });

  await t.step("every test page", async () => {
    for (const p of fake.dataset.products) {
      let seen = 0;
      for (let page = 1;; page++) {
        const result = await c.listTestsPage(p.id, page, 25, { retry5xx: false });
        warnings.push(...result.warnings);
        seen += result.received;
        for (const test of result.tests) {
          assert.equal(test.product_id, p.id);
          assert.match(test.end_at ?? "Z", /Z$/);
          testIds.push(test.id);
        }
        if (result.received < 25) break;
      }
      assert.equal(seen, fake.dataset.testsOf(p.id).length);
    }
    assert.equal(testIds.length, fake.dataset.counts.tests);
    const one = await c.getTest(testIds[0]);
    assert.equal(one.id, testIds[0]);
    assert.equal(JSON.stringify(one).includes('"password"'), false);
  });

  await t.step("every bug, in batches of 15", async () => {
    const bugs = [];
    const batches = [];
    for (let i = 0; i < testIds.length; i += 15) batches.push(testIds.slice(i, i + 15));
    for (const result of await Promise.all(batches.map((ids) => c.listBugs(ids)))) {
      warnings.push(...result.warnings);
      bugs.push(...result.bugs);
    }
    assert.equal(bugs.length, fake.dataset.counts.bugs);
    const statuses = new Set(bugs.map((b) => b.status));
    for (const s of ["forwarded", "accepted", "auto_accepted", "rejected"]) assert.ok(statuses.has(s), s);
    assert.ok(bugs.some((b) => b.rejection_reason !== null));
    assert.ok(bugs.every((b) => b.reported_at?.endsWith("Z")));
  });

  assert.deepEqual(warnings, []);
  assert.equal(c.requestCount, fake.requestCount);
  assert.ok(fake.maxConcurrent <= 8);
});

Deno.test("contract: the client survives the fake API's faults", async (t) => {
  await using fake = await startFakeApi({ scale: "S", seed: 5 });
  using c = client(fake.baseUrl, { token: fake.token });
  const productId = fake.dataset.products[0].id;

  await t.step("corrupted records become warnings naming them", async () => {
    fake.setFaults({ malformedRate: 0.3, routes: ["tests"] });
    const page = await c.listTestsPage(productId, 1, 25);
    assert.equal(page.received, 25);
    assert.ok(fake.corrupted.length > 0);
    assert.equal(page.warnings.length, fake.corrupted.length);
    assert.equal(page.tests.length + page.warnings.length, 25);
    for (const record of fake.corrupted) {
      assert.ok(page.warnings.some((w) => w.includes(String(record.id)) || /without id/.test(w)), record.how);
    }
    fake.clearFaults();
  });

  await t.step("random 500 and 429 answers are retried away", async () => {
    fake.setFaults({ status500Rate: 0.3, status429Rate: 0.2, retryAfterSeconds: 0, seed: 9 });
    fake.resetRequests();
    for (let i = 0; i < 10; i++) await c.listProducts();
    assert.ok(fake.requestCount > 10, "some requests were faulted");
    fake.clearFaults();
  });

  await t.step("a persistent page 500 reaches the caller at once without 5xx retries", async () => {
    fake.setFaults({ failOffsets: { [productId]: [3] } });
    fake.resetRequests();
    await rejects(c.listTestsPage(productId, 1, 25, { retry5xx: false }), UpstreamError, (err) => {
      assert.equal(err.status, 500);
    });
    assert.equal(fake.requestCount, 1);
    const next = await c.listTestsPage(productId, 2, 25, { retry5xx: false });
    assert.equal(next.warnings.length, 0);
    fake.clearFaults();
  });

  await t.step("a wrong token is a 401", async () => {
    using wrong = client(fake.baseUrl, { token: "not-the-token" });
    assert.equal((await wrong.checkAuth()).status, "unauthorized");
  });
});
