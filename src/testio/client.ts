/**
 * The TestIO Customer API client: fetch over HTTPS with `Authorization: Token <token>`, one request
 * limit shared by every call (a call may ask to be served first), a timeout per request, retries
 * (docs/testio-api.md, Errors and limits) and zod parsing of every payload at the boundary. The token never appears in
 * errors or logs.
 *
 * @example
 * ```ts
 * import { silentLogger } from "../log.ts";
 *
 * using client = new TestIOClient({ baseUrl: "https://api.test.io/customer/v2", token: "…", log: silentLogger() });
 * const { tests, received, warnings } = await client.listTestsPage(598, 1, 25, { priority: "high" });
 * const { bugs } = await client.listBugs(tests.map((t) => t.id).slice(0, 15));
 * ```
 */
import { CancelledError, errorMessage, InputError, PayloadError, UpstreamError } from "../errors.ts";
import { type Logger, Redactor } from "../log.ts";
import { type Priority, Semaphore } from "./limit.ts";
import {
  type ApiBug,
  type ApiFeature,
  type ApiProduct,
  type ApiTest,
  type ApiUserStory,
  assertJsonObject,
  BugSchema,
  type EntityKind,
  FeatureSchema,
  type ParsedList,
  parseEntityEnvelope,
  parseListEnvelope,
  ProductSchema,
  type RawJson,
  type RecordSchema,
  TestSchema,
  UserStorySchema,
} from "./schemas.ts";
import { sandboxDenial } from "../sandbox.ts";

/** Most test ids the API takes in one `GET bugs` call. */
export const MAX_BUG_TEST_IDS = 15;

/** Settings of a {@link TestIOClient}. */
export interface TestIOClientOptions {
  /** For example `https://api.test.io/customer/v2`; a path in it is kept. */
  baseUrl: string;
  token: string;
  log: Logger;
  /** Timeout of one HTTP request (one attempt), in ms. Default 30 000. */
  timeoutMs?: number;
  /** Requests in flight at once, across every caller of this client. Default 10. */
  maxConcurrent?: number;
  /** Default `testio-mcp`. */
  userAgent?: string;
  /** Attempts in total for network errors, timeouts and 5xx. Default 4. */
  maxAttempts?: number;
  /** First back-off delay in ms; doubled per attempt, plus up to as much jitter. Default 500. */
  retryBaseMs?: number;
  /** Retries after HTTP 429. Default 3. */
  maxRateLimitRetries?: number;
  /** Wait after a 429 without a usable `Retry-After`, in ms. Default 30 000. */
  retryAfterDefaultMs?: number;
  /** Longest wait after a 429, in ms. Default 120 000. */
  retryAfterMaxMs?: number;
}

/** Per-call options. Every method also accepts a bare AbortSignal in their place. */
export interface RequestOptions {
  /** Aborting it stops the call at once with a CancelledError; no retry follows. */
  signal?: AbortSignal;
  /**
   * Place in the queue for the request limit (default `normal`): `high` requests get the next free
   * permit before any `normal` one.
   */
  priority?: Priority;
}

/** Options of {@link TestIOClient.listTestsPage}. */
export interface ListTestsPageOptions extends RequestOptions {
  /**
   * Retry a 5xx answer (default true). The sync turns this off: some pages fail with 500 every time
   * and its page-size recovery (25 → 10 → 5 → 2 → 1) must see the 500 at once.
   */
  retry5xx?: boolean;
}

/** The kinds of request the client counts. */
export type RequestKind =
  | "products"
  | "product"
  | "tests_page"
  | "test"
  | "bugs"
  | "features"
  | "section_features"
  | "user_stories";

/** The answer of {@link TestIOClient.checkAuth}. */
export type AuthCheck =
  | { ok: true; status: "valid"; productCount: number }
  | {
    ok: false;
    /** 401 → unauthorized, 403 → forbidden, network or timeout → unreachable, anything else → error. */
    status: "unauthorized" | "forbidden" | "unreachable" | "error";
    httpStatus: number;
    message: string;
  };

interface Attempt {
  status: number;
  retryAfter: string | null;
  body: string;
}

interface CallSpec {
  kind: RequestKind;
  path: string;
  query?: string;
  /** What is asked for, for messages: "test 123", "features of product 5". */
  what: string;
  signal?: AbortSignal;
  priority?: Priority;
  retry5xx?: boolean;
  /** False for a single attempt with no retry of any kind. */
  retry?: boolean;
}

/** The per-call options of a call spec, from either form a method accepts. */
function callOptions(options: AbortSignal | ListTestsPageOptions | undefined): ListTestsPageOptions {
  if (options instanceof AbortSignal) return { signal: options };
  return { signal: options?.signal, priority: options?.priority, retry5xx: options?.retry5xx };
}

function requireId(value: number, label: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InputError(`'${label}' must be a positive integer: got ${value}`);
  }
}

/** The useful part of a fetch failure: Deno puts the cause (refused, DNS…) in `cause`. */
function networkDetail(err: unknown): string {
  const text = err instanceof Error && err.cause instanceof Error ? err.cause.message : errorMessage(err);
  return text.replace(/^error sending request for url \([^)]*\):\s*/, "");
}

/** A signal that aborts after `ms`; disposing it clears the timer. */
function deadline(ms: number): { signal: AbortSignal } & Disposable {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  return { signal: controller.signal, [Symbol.dispose]: () => clearTimeout(timer) };
}

/**
 * The wait a `Retry-After` header asks for, in ms: integer seconds or an HTTP date; null when absent
 * or unreadable.
 */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/**
 * Client of the TestIO Customer API v2 (read-only endpoints). Disposing it aborts the requests in
 * flight; later calls fail with a CancelledError.
 */
export class TestIOClient implements Disposable {
  readonly baseUrl: string;
  readonly #token: string;
  readonly #log: Logger;
  readonly #redactor: Redactor;
  readonly #limit: Semaphore;
  readonly #timeoutMs: number;
  readonly #userAgent: string;
  readonly #maxAttempts: number;
  readonly #retryBaseMs: number;
  readonly #maxRateLimitRetries: number;
  readonly #retryAfterDefaultMs: number;
  readonly #retryAfterMaxMs: number;
  readonly #closed = new AbortController();
  #requestCount = 0;
  #retryCount = 0;
  readonly #counts: Record<RequestKind, number> = {
    products: 0,
    product: 0,
    tests_page: 0,
    test: 0,
    bugs: 0,
    features: 0,
    section_features: 0,
    user_stories: 0,
  };

  /** @throws {InputError} for an empty token or base URL, or a bad limit. */
  constructor(options: TestIOClientOptions) {
    if (!options.token) throw new InputError("The TestIO API token is empty");
    if (!options.baseUrl) throw new InputError("The TestIO API base URL is empty");
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#token = options.token;
    this.#log = options.log;
    this.#redactor = new Redactor([options.token]);
    const maxConcurrent = options.maxConcurrent ?? 10;
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
      throw new InputError(`'maxConcurrent' must be a positive integer: got ${maxConcurrent}`);
    }
    this.#limit = new Semaphore(maxConcurrent);
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#userAgent = options.userAgent ?? "testio-mcp";
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.#retryBaseMs = options.retryBaseMs ?? 500;
    this.#maxRateLimitRetries = options.maxRateLimitRetries ?? 3;
    this.#retryAfterDefaultMs = options.retryAfterDefaultMs ?? 30_000;
    this.#retryAfterMaxMs = options.retryAfterMaxMs ?? 120_000;
  }

  /** HTTP requests actually sent, retries included. */
  get requestCount(): number {
    return this.#requestCount;
  }

  /** Whether a request sent now would start at once: a permit is free and nobody waits for one. */
  get idle(): boolean {
    return this.#limit.waiting === 0 && this.#limit.active < this.#limit.max;
  }

  /** Requests that were retries of an earlier attempt (after 408, 429, 5xx or a network error). */
  get retryCount(): number {
    return this.#retryCount;
  }

  /** Requests sent per kind, retries included. */
  get requestCounts(): Readonly<Record<RequestKind, number>> {
    return { ...this.#counts };
  }

  /** Aborts the requests in flight; later calls fail with a CancelledError. */
  [Symbol.dispose](): void {
    this.#closed.abort();
  }

  /** `GET products`: every product the token can see. Invalid records are skipped with a warning. */
  async listProducts(
    options?: AbortSignal | RequestOptions,
  ): Promise<{ products: ApiProduct[]; warnings: string[] }> {
    const body = await this.#call({
      kind: "products",
      path: "products",
      what: "products",
      ...callOptions(options),
    });
    const parsed = this.#parseList(body, "products", "product", ProductSchema);
    return { products: parsed.items, warnings: parsed.warnings };
  }

  /** `GET products/{id}`. @throws {UpstreamError} status 404 when the product does not exist. */
  async getProduct(productId: number, options?: AbortSignal | RequestOptions): Promise<ApiProduct> {
    requireId(productId, "product_id");
    const body = await this.#call({
      kind: "product",
      path: `products/${productId}`,
      what: `product ${productId}`,
      ...callOptions(options),
    });
    return parseEntityEnvelope(body, "product", "product", ProductSchema);
  }

  /**
   * `GET products/{id}/exploratory_tests?page=&per_page=`: one page, newest first. `received` counts
   * the records on the page, valid or not, so that a short page is recognised even when some records
   * were skipped.
   */
  async listTestsPage(
    productId: number,
    page: number,
    perPage: number,
    options?: AbortSignal | ListTestsPageOptions,
  ): Promise<{ tests: ApiTest[]; received: number; warnings: string[]; skippedIds: number[] }> {
    requireId(productId, "product_id");
    requireId(page, "page");
    requireId(perPage, "per_page");
    const query = new URLSearchParams({ page: String(page), per_page: String(perPage) }).toString();
    const body = await this.#call({
      kind: "tests_page",
      path: `products/${productId}/exploratory_tests`,
      query,
      what: `tests page ${page} (per_page ${perPage}) of product ${productId}`,
      ...callOptions(options),
    });
    const parsed = this.#parseList(body, "exploratory_tests", "test", TestSchema);
    return {
      tests: parsed.items,
      received: parsed.received,
      warnings: parsed.warnings,
      skippedIds: parsed.skippedIds,
    };
  }

  /** `GET exploratory_tests/{id}`. @throws {UpstreamError} status 404 when the test does not exist. */
  async getTest(testId: number, options?: AbortSignal | RequestOptions): Promise<ApiTest> {
    requireId(testId, "test_id");
    const body = await this.#call({
      kind: "test",
      path: `exploratory_tests/${testId}`,
      what: `test ${testId}`,
      ...callOptions(options),
    });
    return parseEntityEnvelope(body, "exploratory_test", "test", TestSchema);
  }

  /**
   * `GET bugs?filter_test_cycle_ids=a,b,c`: every bug of up to 15 tests, mixed. No ids, no request.
   *
   * @throws {InputError} for more than {@link MAX_BUG_TEST_IDS} distinct ids or an invalid id.
   */
  async listBugs(
    testIds: readonly number[],
    options?: AbortSignal | RequestOptions,
  ): Promise<{ bugs: ApiBug[]; warnings: string[] }> {
    const ids = [...new Set(testIds)];
    for (const id of ids) requireId(id, "test_id");
    if (ids.length > MAX_BUG_TEST_IDS) {
      throw new InputError(`At most ${MAX_BUG_TEST_IDS} test ids per bugs request: got ${ids.length}`, {
        action: `Split the ids into batches of ${MAX_BUG_TEST_IDS}`,
      });
    }
    if (ids.length === 0) return { bugs: [], warnings: [] };
    const body = await this.#call({
      kind: "bugs",
      path: "bugs",
      // The API takes plain comma-separated ids; URLSearchParams would encode the commas.
      query: `filter_test_cycle_ids=${ids.join(",")}`,
      what: `bugs of tests ${ids.join(",")}`,
      ...callOptions(options),
    });
    const parsed = this.#parseList(body, "bugs", "bug", BugSchema);
    return { bugs: parsed.items, warnings: parsed.warnings };
  }

  /**
   * `GET products/{id}/features`, for products without sections (the API answers 422 for a product
   * with sections: use {@link listSectionFeatures}).
   */
  async listFeatures(
    productId: number,
    options?: AbortSignal | RequestOptions,
  ): Promise<{ features: ApiFeature[]; warnings: string[] }> {
    requireId(productId, "product_id");
    const body = await this.#call({
      kind: "features",
      path: `products/${productId}/features`,
      what: `features of product ${productId}`,
      ...callOptions(options),
    });
    const parsed = this.#parseList(body, "features", "feature", FeatureSchema);
    return { features: parsed.items, warnings: parsed.warnings };
  }

  /** `GET products/{id}/sections/{sid}/features` (undocumented), for products with sections. */
  async listSectionFeatures(
    productId: number,
    sectionId: number,
    options?: AbortSignal | RequestOptions,
  ): Promise<{ features: ApiFeature[]; warnings: string[] }> {
    requireId(productId, "product_id");
    requireId(sectionId, "section_id");
    const body = await this.#call({
      kind: "section_features",
      path: `products/${productId}/sections/${sectionId}/features`,
      what: `features of section ${sectionId} of product ${productId}`,
      ...callOptions(options),
    });
    const parsed = this.#parseList(body, "features", "feature", FeatureSchema);
    return { features: parsed.items, warnings: parsed.warnings };
  }

  /**
   * `GET products/{id}/user_stories[?section_id=]`. A product with sections needs `sectionId`; the
   * API answers 400 or 500 without it.
   */
  async listUserStories(
    productId: number,
    sectionId?: number | null,
    options?: AbortSignal | RequestOptions,
  ): Promise<{ userStories: ApiUserStory[]; warnings: string[] }> {
    requireId(productId, "product_id");
    if (sectionId !== undefined && sectionId !== null) requireId(sectionId, "section_id");
    const body = await this.#call({
      kind: "user_stories",
      path: `products/${productId}/user_stories`,
      query: sectionId ? new URLSearchParams({ section_id: String(sectionId) }).toString() : undefined,
      what: `user stories of product ${productId}${sectionId ? ` section ${sectionId}` : ""}`,
      ...callOptions(options),
    });
    const parsed = this.#parseList(body, "user_stories", "user story", UserStorySchema);
    return { userStories: parsed.items, warnings: parsed.warnings };
  }

  /**
   * One `GET products` without retries, telling whether the token works: for a setup command or a
   * health check. Never throws, except a CancelledError when `signal` aborts.
   */
  async checkAuth(options?: AbortSignal | RequestOptions): Promise<AuthCheck> {
    try {
      const body = await this.#call({
        kind: "products",
        path: "products",
        what: "products",
        retry: false,
        ...callOptions(options),
      });
      const products = body.products;
      return { ok: true, status: "valid", productCount: Array.isArray(products) ? products.length : 0 };
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      const httpStatus = err instanceof UpstreamError ? err.status : 0;
      const status = httpStatus === 401
        ? "unauthorized"
        : httpStatus === 403
        ? "forbidden"
        : err instanceof UpstreamError && (httpStatus === 0 || httpStatus === 408)
        ? "unreachable"
        : "error";
      return { ok: false, status, httpStatus, message: this.#redact(errorMessage(err)) };
    }
  }

  #parseList<T>(body: RawJson, key: string, kind: EntityKind, schema: RecordSchema<T>): ParsedList<T> {
    const parsed = parseListEnvelope(body, key, kind, schema);
    if (parsed.warnings.length > 0) {
      parsed.warnings = parsed.warnings.map((w) => this.#redact(w));
      this.#log.debug("skipped invalid records", {
        kind,
        skipped: parsed.warnings.length,
        received: parsed.received,
      });
    }
    return parsed;
  }

  /** Removes the token, any Authorization value and the credentials of URLs in `text`. */
  #redact(text: string): string {
    return this.#log.redactor.redact(this.#redactor.redact(text)).replace(
      /(\b[a-z][\w+.-]*:\/\/)[^/@\s]*@/gi,
      "$1",
    );
  }

  /** The URL of a path, without credentials or the token, for messages. */
  #display(spec: CallSpec): string {
    return this.#redact(`${this.baseUrl}/${spec.path}${spec.query ? `?${spec.query}` : ""}`);
  }

  /**
   * Runs one call with its retries and returns the JSON object of the answer. Transient failures
   * (network, 408, 5xx) and 429 answers have separate budgets.
   */
  async #call(spec: CallSpec): Promise<RawJson> {
    const url = `${this.baseUrl}/${spec.path}${spec.query ? `?${spec.query}` : ""}`;
    const shown = this.#display(spec);
    const retry = spec.retry ?? true;
    let sent = 0;
    let failures = 0;
    let rateLimited = 0;
    for (;;) {
      this.#throwIfCancelled(spec.signal);
      sent++;
      let answer: Attempt;
      try {
        answer = await this.#attempt(url, spec);
      } catch (err) {
        if (!(err instanceof UpstreamError) || !retry) throw err;
        failures++;
        if (failures >= this.#maxAttempts) throw this.#finalError(err, sent);
        await this.#backOff(spec, failures, err.status);
        continue;
      }
      const { status } = answer;
      if (status >= 200 && status < 300) return this.#json(answer.body, shown);
      if (status === 429 && retry && rateLimited < this.#maxRateLimitRetries) {
        rateLimited++;
        const asked = parseRetryAfter(answer.retryAfter) ?? this.#retryAfterDefaultMs;
        const wait = Math.min(asked, this.#retryAfterMaxMs);
        this.#log.warn("TestIO API rate limit hit, waiting before retrying", {
          path: this.#redact(spec.path),
          wait_ms: wait,
          retry: rateLimited,
        });
        await this.#sleep(wait, spec.signal);
        this.#retryCount++;
        continue;
      }
      const transient = status === 408 || (status >= 500 && (spec.retry5xx ?? true));
      if (transient && retry) {
        failures++;
        if (failures < this.#maxAttempts) {
          await this.#backOff(spec, failures, status);
          continue;
        }
      }
      throw this.#statusError(status, spec, shown, sent, rateLimited);
    }
  }

  /** One HTTP exchange under a permit of the request limit. */
  async #attempt(url: string, spec: CallSpec): Promise<Attempt> {
    const signals = [this.#closed.signal, ...(spec.signal ? [spec.signal] : [])];
    using _permit = await this.#limit.acquire(AbortSignal.any(signals), spec.priority);
    using timeout = deadline(this.#timeoutMs);
    const signal = AbortSignal.any([...signals, timeout.signal]);
    this.#requestCount++;
    this.#counts[spec.kind]++;
    const started = performance.now();
    const path = this.#redact(spec.query ? `${spec.path}?${spec.query}` : spec.path);
    try {
      const response = await fetch(url, {
        headers: {
          "Authorization": `Token ${this.#token}`,
          "Accept": "application/json",
          "User-Agent": this.#userAgent,
        },
        signal,
      });
      const ok = response.ok;
      // Error bodies are not documented and never read: discard them so the connection is freed.
      const body = ok ? await response.text() : "";
      if (!ok) await response.body?.cancel();
      const ms = Math.round(performance.now() - started);
      this.#log.debug("api request", { method: "GET", path, status: response.status, ms });
      return { status: response.status, retryAfter: response.headers.get("retry-after"), body };
    } catch (err) {
      const ms = Math.round(performance.now() - started);
      this.#throwIfCancelled(spec.signal);
      // The sandbox's refusal is certain: no retry, and words about the host rather than Deno's flag.
      if (err instanceof Deno.errors.NotCapable) throw sandboxDenial(err);
      const shown = this.#display(spec);
      if (timeout.signal.aborted) {
        this.#log.debug("api request", { method: "GET", path, status: 408, ms });
        throw new UpstreamError(
          `TestIO API did not answer within ${this.#timeoutMs} ms: GET ${shown}`,
          408,
          shown,
          {
            hint: "The API is slow or overloaded",
            action: "Retry later, or raise TESTIO_HTTP_TIMEOUT_SECONDS",
            cause: err,
          },
        );
      }
      this.#log.debug("api request", { method: "GET", path, status: 0, ms });
      throw new UpstreamError(
        `Cannot reach the TestIO API: GET ${shown}: ${this.#redact(networkDetail(err))}`,
        0,
        shown,
        {
          hint: "Network problem, DNS failure or a wrong base URL",
          action: "Check the network and TESTIO_CUSTOMER_API_BASE_URL, then retry",
          cause: err,
        },
      );
    }
  }

  #json(text: string, shown: string): RawJson {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new PayloadError(`TestIO API answered GET ${shown} with a body that is not JSON`, {
        hint: "A proxy or a wrong base URL may be answering instead of the API",
        action: "Check TESTIO_CUSTOMER_API_BASE_URL, then retry",
      });
    }
    assertJsonObject(body, `TestIO API answer to GET ${shown}`);
    return body;
  }

  async #backOff(spec: CallSpec, failures: number, status: number): Promise<void> {
    const base = this.#retryBaseMs * 2 ** (failures - 1);
    const wait = Math.round(base + Math.random() * base);
    this.#log.warn("TestIO API request failed, retrying", {
      path: this.#redact(spec.path),
      status,
      attempt: failures,
      wait_ms: wait,
    });
    await this.#sleep(wait, spec.signal);
    this.#retryCount++;
  }

  #finalError(err: UpstreamError, sent: number): UpstreamError {
    if (sent === 1) return err;
    return new UpstreamError(`${err.message} (after ${sent} attempts)`, err.status, err.url, {
      hint: err.hint,
      action: err.action,
    });
  }

  #statusError(
    status: number,
    spec: CallSpec,
    shown: string,
    sent: number,
    rateLimited: number,
  ): UpstreamError {
    const after = sent > 1 ? ` (after ${sent} attempts)` : "";
    switch (status) {
      case 401:
        return new UpstreamError(`TestIO API rejected the token (HTTP 401): GET ${shown}`, status, shown, {
          hint: "The API token is invalid or expired",
          action: "Run setup or check TESTIO_CUSTOMER_API_TOKEN (create a token at " +
            "https://testcloud.test.io/account/api)",
        });
      case 403:
        return new UpstreamError(
          `TestIO API refused access to ${spec.what} (HTTP 403): GET ${shown}`,
          status,
          shown,
          {
            hint: "The token lacks permission for this resource, or it belongs to another account",
            action: "Check the id, or use a token with access to it",
          },
        );
      case 404:
        return new UpstreamError(
          `TestIO API: ${spec.what} not found (HTTP 404): GET ${shown}`,
          status,
          shown,
          {
            hint: "The id does not exist or the token cannot see it",
            action: "Check the id",
          },
        );
      case 429:
        return new UpstreamError(
          `TestIO API rate limit still hit after ${rateLimited} retries (HTTP 429): GET ${shown}`,
          status,
          shown,
          {
            hint: "Too many requests for the API",
            action: "Wait a few minutes, or lower TESTIO_MAX_CONCURRENT_REQUESTS",
          },
        );
    }
    if (status >= 500 || status === 408) {
      return new UpstreamError(
        `TestIO API server error (HTTP ${status}) on ${spec.what}${after}: GET ${shown}`,
        status,
        shown,
        {
          hint: "The TestIO API failed to answer this request",
          action: "Retry later",
        },
      );
    }
    return new UpstreamError(
      `TestIO API rejected the request for ${spec.what} (HTTP ${status}): GET ${shown}`,
      status,
      shown,
      {
        hint: status === 422 || status === 400
          ? "The request does not fit this resource (for example, a product with sections lists features per section)"
          : "The API refused the request",
        action: "Check the ids and the product's sections",
      },
    );
  }

  #throwIfCancelled(signal: AbortSignal | undefined): void {
    if (signal?.aborted) throw new CancelledError("TestIO API request cancelled");
    if (this.#closed.signal.aborted) throw new CancelledError("TestIO API client closed");
  }

  #sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    const signals = [this.#closed.signal, ...(signal ? [signal] : [])];
    const any = AbortSignal.any(signals);
    if (any.aborted) return Promise.reject(new CancelledError("TestIO API request cancelled"));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(new CancelledError("TestIO API request cancelled"));
      };
      const timer = setTimeout(() => {
        any.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      any.addEventListener("abort", onAbort, { once: true });
    });
  }
}
