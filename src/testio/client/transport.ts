/**
 * The request machinery under the API client: every call goes through one request limit (a call may
 * ask to be served first), a timeout per attempt, retries with back-off for network errors, 408 and
 * 5xx, waits after 429 as `Retry-After` asks (docs/testio-api.md, Errors and limits), and the JSON
 * object of a success. The token is sent only in the `Authorization` header and never appears in
 * errors or logs.
 *
 * @example
 * ```ts
 * import { silentLogger } from "../../log.ts";
 *
 * using transport = new ApiTransport({ baseUrl: "https://api.test.io/customer/v2", token: "…", log: silentLogger() });
 * const body = await transport.call({ kind: "product", path: "products/598", what: "product 598" });
 * ```
 */
import { CancelledError, InputError, PayloadError, UpstreamError } from "../../errors.ts";
import { type Logger, Redactor } from "../../log.ts";
import { sandboxDenial } from "../../sandbox.ts";
import { type Priority, Semaphore } from "../limit.ts";
import { assertJsonObject } from "../schemas/envelope.ts";
import type { RawJson } from "../schemas/common.ts";
import type { RequestKind, TestIOClientOptions } from "./options.ts";
import { backOffDelay, deadline, parseRetryAfter, sleep } from "./retry.ts";
import { finalError, networkDetail, statusError } from "./status_errors.ts";

/** One GET the transport runs, with its retries. */
export interface CallSpec {
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

interface Attempt {
  status: number;
  retryAfter: string | null;
  body: string;
}

/**
 * Sends the GET requests of one API client and keeps their counts. Disposing it aborts the requests
 * in flight; later calls fail with a CancelledError.
 */
export class ApiTransport implements Disposable {
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

  /** Removes the token, any Authorization value and the credentials of URLs in `text`. */
  redact(text: string): string {
    return this.#log.redactor.redact(this.#redactor.redact(text)).replace(
      /(\b[a-z][\w+.-]*:\/\/)[^/@\s]*@/gi,
      "$1",
    );
  }

  /** The URL of a path, without credentials or the token, for messages. */
  #display(spec: CallSpec): string {
    return this.redact(`${this.baseUrl}/${spec.path}${spec.query ? `?${spec.query}` : ""}`);
  }

  /**
   * Runs one call with its retries and returns the JSON object of the answer. Transient failures
   * (network, 408, 5xx) and 429 answers have separate budgets.
   */
  async call(spec: CallSpec): Promise<RawJson> {
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
        if (failures >= this.#maxAttempts) throw finalError(err, sent);
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
          path: this.redact(spec.path),
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
      throw statusError(status, spec.what, shown, sent, rateLimited);
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
    const path = this.redact(spec.query ? `${spec.path}?${spec.query}` : spec.path);
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
        `Cannot reach the TestIO API: GET ${shown}: ${this.redact(networkDetail(err))}`,
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
    const wait = backOffDelay(this.#retryBaseMs, failures);
    this.#log.warn("TestIO API request failed, retrying", {
      path: this.redact(spec.path),
      status,
      attempt: failures,
      wait_ms: wait,
    });
    await this.#sleep(wait, spec.signal);
    this.#retryCount++;
  }

  #throwIfCancelled(signal: AbortSignal | undefined): void {
    if (signal?.aborted) throw new CancelledError("TestIO API request cancelled");
    if (this.#closed.signal.aborted) throw new CancelledError("TestIO API client closed");
  }

  #sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return sleep(ms, AbortSignal.any([this.#closed.signal, ...(signal ? [signal] : [])]));
  }
}
