/**
 * The fake TestIO Customer API over real HTTP on 127.0.0.1: the routes of docs/testio-api.md served
 * from a {@link FakeDataset}, token authentication, request accounting and fault injection. Tests,
 * benchmarks and the `demo` command run the real client against it.
 *
 * @example
 * ```ts
 * await using api = await startFakeApi({ scale: "S", seed: 7, faults: { latencyMs: 5 } });
 * const res = await fetch(`${api.baseUrl}/products`, { headers: { Authorization: `Token ${api.token}` } });
 * const { products } = await res.json();
 * api.countRequests("products"); // 1
 * ```
 */

import type { Scale } from "./dataset.ts";
import type { FakeDataset } from "./dataset.ts";
import { type CorruptedRecord, FaultInjector, type FaultOptions } from "./faults.ts";
import { generateDataset } from "./generator.ts";
import { handleRoute, type HandlerResult } from "./handlers.ts";
import { API_PREFIX, matchRoute, type RouteKind, type RouteMatch } from "./routes.ts";

/** Options of {@link startFakeApi}. */
export interface StartFakeApiOptions {
  /** The data to serve; generated from `scale`, `seed` and `now` when missing. */
  dataset?: FakeDataset;
  /** Default "S". */
  scale?: Scale;
  seed?: number;
  now?: Date;
  /** The token clients must send as `Authorization: Token <token>`; default "fake-token". */
  token?: string;
  /** Default 0: any free port. */
  port?: number;
  faults?: FaultOptions;
  /** Receives one line per request (method, path, status, time); never headers. */
  log?: (line: string) => void;
}

/** One request as the fake saw it. */
export interface RequestRecord {
  method: string;
  /** Path without the query, for example `/customer/v2/products/1000/exploratory_tests`. */
  path: string;
  /** The query string without `?`. */
  query: string;
  /** The route kind, or "unknown" for paths that match no route. */
  kind: RouteKind | "unknown";
  status: number;
  ms: number;
}

/** A running fake API. Dispose it (or call {@link FakeApi.close}) to stop it. */
export interface FakeApi extends AsyncDisposable {
  /** For example `http://127.0.0.1:41234/customer/v2` (no trailing slash). */
  readonly baseUrl: string;
  readonly port: number;
  readonly token: string;
  readonly dataset: FakeDataset;
  /** The fault settings in force. */
  readonly faults: FaultOptions;
  /** Merges fault settings (see {@link FaultOptions}). */
  setFaults(partial: FaultOptions): void;
  /** Turns every fault off. */
  clearFaults(): void;
  /** Requests answered since start or the last {@link resetRequests}. */
  readonly requestCount: number;
  readonly requests: readonly RequestRecord[];
  /** Records corrupted by malformed-record faults. */
  readonly corrupted: readonly CorruptedRecord[];
  /** The most requests that were in progress at the same time. */
  readonly maxConcurrent: number;
  /** Forgets the request log, the corrupted records and the concurrency peak. */
  resetRequests(): void;
  /** Requests of one kind, or all requests. */
  countRequests(kind?: RouteKind | "unknown"): number;
  /** Stops the server; requests that hang on purpose are released first. */
  close(): Promise<void>;
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-cache" };

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

/** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

const TOKEN_HEADER = /^token\s+(\S+)\s*$/i;

class FakeApiServer implements FakeApi {
  readonly baseUrl: string;
  readonly port: number;
  readonly token: string;
  readonly dataset: FakeDataset;
  #faults: FaultInjector;
  #log?: (line: string) => void;
  #requests: RequestRecord[] = [];
  #corrupted: CorruptedRecord[] = [];
  #inFlight = 0;
  #maxConcurrent = 0;
  #closing = new AbortController();
  #server: Deno.HttpServer<Deno.NetAddr>;
  #closed?: Promise<void>;
  /** Settles once the socket listens. */
  readonly listening: Promise<void>;

  constructor(options: StartFakeApiOptions, dataset: FakeDataset, faults: FaultInjector) {
    this.token = options.token ?? "fake-token";
    this.dataset = dataset;
    this.#faults = faults;
    this.#log = options.log;
    const listening = Promise.withResolvers<void>();
    this.listening = listening.promise;
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: options.port ?? 0, onListen: () => listening.resolve() },
      (request) => this.#handle(request),
    );
    this.port = this.#server.addr.port;
    this.baseUrl = `http://127.0.0.1:${this.port}${API_PREFIX}`;
  }

  get faults(): FaultOptions {
    return this.#faults.options;
  }

  setFaults(partial: FaultOptions): void {
    this.#faults.set(partial);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  get requestCount(): number {
    return this.#requests.length;
  }

  get requests(): readonly RequestRecord[] {
    return this.#requests;
  }

  get corrupted(): readonly CorruptedRecord[] {
    return this.#corrupted;
  }

  get maxConcurrent(): number {
    return this.#maxConcurrent;
  }

  resetRequests(): void {
    this.#requests = [];
    this.#corrupted = [];
    this.#maxConcurrent = this.#inFlight;
  }

  countRequests(kind?: RouteKind | "unknown"): number {
    return kind === undefined ? this.#requests.length : this.#requests.filter((r) => r.kind === kind).length;
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort();
      await this.#server.shutdown();
    })();
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #handle(request: Request): Promise<Response> {
    const started = performance.now();
    this.#inFlight++;
    this.#maxConcurrent = Math.max(this.#maxConcurrent, this.#inFlight);
    const url = new URL(request.url);
    const match = matchRoute(url.pathname);
    let response: Response;
    try {
      response = await this.#respond(request, url, match);
    } catch (err) {
      // A bug in the fake must surface as a 500 the test sees, not as a dropped connection.
      response = json(500, {
        error: `Fake API failure: ${err instanceof Error ? err.message : String(err)}`,
      });
    } finally {
      this.#inFlight--;
    }
    const ms = Math.round(performance.now() - started);
    const kind = match?.kind ?? "unknown";
    this.#requests.push({
      method: request.method,
      path: url.pathname,
      query: url.search.slice(1),
      kind,
      status: response.status,
      ms,
    });
    this.#log?.(`${request.method} ${url.pathname}${url.search} ${response.status} ${ms}ms`);
    return response;
  }

  async #respond(request: Request, url: URL, match: RouteMatch | undefined): Promise<Response> {
    // Latency ignores the client going away: a real slow server would not notice either.
    await sleep(this.#faults.latencyMs, this.#closing.signal);

    const auth = TOKEN_HEADER.exec(request.headers.get("authorization") ?? "");
    if (!auth) return json(401, { error: "Authentication credentials were not provided" });
    if (auth[1] !== this.token) return json(401, { error: "Invalid token" });
    if (request.method !== "GET") {
      return json(405, { error: `Method ${request.method} not allowed` }, { allow: "GET" });
    }
    if (!match) return json(404, { error: "Not found" });

    const fault = this.#faults.decide(match.kind);
    if (fault.type === "status") {
      return json(fault.status, { error: `Injected HTTP ${fault.status}` }, fault.headers);
    }
    if (fault.type === "hang") {
      // Not woken by the client giving up: reading request.signal makes Deno print a deprecation
      // warning (legacy abort semantics). close() releases every hanging request instead.
      await sleep(fault.ms, this.#closing.signal);
      return json(504, { error: "Gateway Timeout" });
    }

    const result: HandlerResult = handleRoute(match, url.searchParams, this.dataset, this.#faults);
    if (result.status !== 200) return json(result.status, result.body);
    const list = result.listKey ? result.body[result.listKey] : undefined;
    if (Array.isArray(list)) this.#corrupted.push(...this.#faults.corrupt(match.kind, list));
    if (fault.type === "non_object") return json(200, Array.isArray(list) ? list : [result.body]);
    if (fault.type === "invalid_json") {
      const text = JSON.stringify(result.body);
      return new Response(text.slice(0, Math.max(1, Math.floor(text.length / 2))), {
        status: 200,
        headers: JSON_HEADERS,
      });
    }
    return json(200, result.body);
  }
}

/**
 * Starts the fake API on 127.0.0.1. The dataset is generated unless one is passed in.
 */
export async function startFakeApi(options: StartFakeApiOptions = {}): Promise<FakeApi> {
  const dataset = options.dataset ??
    generateDataset({ scale: options.scale ?? "S", seed: options.seed, now: options.now });
  const server = new FakeApiServer(options, dataset, new FaultInjector(options.faults));
  await server.listening;
  return server;
}
