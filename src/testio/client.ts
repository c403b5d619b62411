/**
 * The TestIO Customer API client: one method per read-only endpoint, with zod parsing of every payload
 * at the boundary. Its requests run through one {@link ApiTransport} (`client/transport.ts`): fetch over
 * HTTPS with `Authorization: Token <token>`, one request limit shared by every call (a call may ask to
 * be served first), a timeout per request, retries (docs/testio-api.md, Errors and limits). The token
 * never appears in errors or logs.
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
import { CancelledError, errorMessage, InputError, UpstreamError } from "../errors.ts";
import type { Logger } from "../log.ts";
import {
  type ApiBug,
  type ApiFeature,
  type ApiProduct,
  type ApiTest,
  type ApiUserStory,
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
import {
  callOptions,
  type ListTestsPageOptions,
  type RequestKind,
  type RequestOptions,
  type TestIOClientOptions,
} from "./client/options.ts";
import { ApiTransport } from "./client/transport.ts";

export type {
  ListTestsPageOptions,
  RequestKind,
  RequestOptions,
  TestIOClientOptions,
} from "./client/options.ts";
export { parseRetryAfter } from "./client/retry.ts";

/** Most test ids the API takes in one `GET bugs` call. */
export const MAX_BUG_TEST_IDS = 15;

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

function requireId(value: number, label: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InputError(`'${label}' must be a positive integer: got ${value}`);
  }
}

/**
 * Client of the TestIO Customer API v2 (read-only endpoints). Disposing it aborts the requests in
 * flight; later calls fail with a CancelledError.
 */
export class TestIOClient implements Disposable {
  readonly baseUrl: string;
  readonly #log: Logger;
  readonly #transport: ApiTransport;

  /** @throws {InputError} for an empty token or base URL, or a bad limit. */
  constructor(options: TestIOClientOptions) {
    this.#transport = new ApiTransport(options);
    this.baseUrl = this.#transport.baseUrl;
    this.#log = options.log;
  }

  /** HTTP requests actually sent, retries included. */
  get requestCount(): number {
    return this.#transport.requestCount;
  }

  /** Whether a request sent now would start at once: a permit is free and nobody waits for one. */
  get idle(): boolean {
    return this.#transport.idle;
  }

  /** Requests that were retries of an earlier attempt (after 408, 429, 5xx or a network error). */
  get retryCount(): number {
    return this.#transport.retryCount;
  }

  /** Requests sent per kind, retries included. */
  get requestCounts(): Readonly<Record<RequestKind, number>> {
    return this.#transport.requestCounts;
  }

  /** Aborts the requests in flight; later calls fail with a CancelledError. */
  [Symbol.dispose](): void {
    this.#transport[Symbol.dispose]();
  }

  /** `GET products`: every product the token can see. Invalid records are skipped with a warning. */
  async listProducts(
    options?: AbortSignal | RequestOptions,
  ): Promise<{ products: ApiProduct[]; warnings: string[] }> {
    const body = await this.#transport.call({
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
    const body = await this.#transport.call({
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
    const body = await this.#transport.call({
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
    const body = await this.#transport.call({
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
    const body = await this.#transport.call({
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
    const body = await this.#transport.call({
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
    const body = await this.#transport.call({
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
    const body = await this.#transport.call({
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
      const body = await this.#transport.call({
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
      return { ok: false, status, httpStatus, message: this.#transport.redact(errorMessage(err)) };
    }
  }

  #parseList<T>(body: RawJson, key: string, kind: EntityKind, schema: RecordSchema<T>): ParsedList<T> {
    const parsed = parseListEnvelope(body, key, kind, schema);
    if (parsed.warnings.length > 0) {
      parsed.warnings = parsed.warnings.map((w) => this.#transport.redact(w));
      this.#log.debug("skipped invalid records", {
        kind,
        skipped: parsed.warnings.length,
        received: parsed.received,
      });
    }
    return parsed;
  }
}
