/**
 * The settings of the API client and of each of its calls: timeouts, the request limit, retry budgets,
 * cancellation and queue priority. A method takes either a {@link RequestOptions} or a bare AbortSignal.
 *
 * @example
 * ```ts
 * callOptions(AbortSignal.timeout(5_000)); // { signal }
 * callOptions({ priority: "high", retry5xx: false }); // { signal: undefined, priority: "high", retry5xx: false }
 * ```
 */
import type { Logger } from "../../log.ts";
import type { Priority } from "../limit.ts";

/** Settings of a `TestIOClient`. */
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

/** Options of `TestIOClient.listTestsPage`. */
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

/** The per-call options of a call spec, from either form a method accepts. */
export function callOptions(options: AbortSignal | ListTestsPageOptions | undefined): ListTestsPageOptions {
  if (options instanceof AbortSignal) return { signal: options };
  return { signal: options?.signal, priority: options?.priority, retry5xx: options?.retry5xx };
}
