/**
 * Fault injection for the fake API: the failures a TestIO client must survive (persistent 500s on
 * particular test-list pages, random 5xx, 429 with `Retry-After`, hanging requests, slow responses,
 * corrupted records, non-object and unparseable bodies). Random faults come from a seeded stream, so a
 * run with the same request order fails the same way.
 *
 * @example
 * ```ts
 * const faults = new FaultInjector({ failOffsets: { 1000: [37] }, status429Rate: 0.1, retryAfter: "date" });
 * faults.set({ latencyMs: 50 });
 * faults.clear();
 * ```
 */

import { mixSeed, Rng } from "./prng.ts";
import type { RouteKind } from "./routes.ts";

/** Fault settings; every field is optional and off by default. */
export interface FaultOptions {
  /**
   * Per product id, absolute test-list offsets that fail: a test-list request answers 500 whenever
   * its page covers one of them, so a client's 25 → 10 → 5 → 2 → 1 recovery can narrow down to them.
   */
  failOffsets?: Record<number, readonly number[]>;
  /** Share (0–1) of requests that answer 500. */
  status500Rate?: number;
  /** Share (0–1) of requests that answer 429. */
  status429Rate?: number;
  /** How 429 responses state `Retry-After`: seconds (default), an HTTP date, or not at all. */
  retryAfter?: "seconds" | "date" | "none";
  /** The wait `Retry-After` asks for, in seconds (default 1). */
  retryAfterSeconds?: number;
  /**
   * Share (0–1) of requests that hang, so the client's timeout fires. A hanging request answers 504
   * after {@link hangMs}, or is released when the server closes.
   */
  timeoutRate?: number;
  /** How long a hanging request waits before it answers 504 (default 120,000 ms). */
  hangMs?: number;
  /** Delay added to every request, without blocking other requests. */
  latencyMs?: number;
  /** Share (0–1) of records in list responses that are corrupted. */
  malformedRate?: number;
  /** Ids of records that are always corrupted in list responses. */
  malformedIds?: readonly number[];
  /** Share (0–1) of successful responses whose top-level JSON is an array instead of an object. */
  nonObjectBodyRate?: number;
  /** Share (0–1) of successful responses whose body is truncated, invalid JSON. */
  invalidJsonRate?: number;
  /**
   * Statuses for the next authenticated requests to known routes (of {@link routes}, when set), one
   * each, in order: for example `[500, 500]` or `[429]`.
   */
  failNext?: readonly number[];
  /** Restricts random faults and {@link failNext} to these kinds of request (default: all). */
  routes?: readonly RouteKind[];
  /** Products the token may not see: every request addressing one answers 403. */
  forbiddenProductIds?: readonly number[];
  /** Seed of the random fault stream (default 1). */
  seed?: number;
}

/** What to do with one request. */
export type FaultDecision =
  | { type: "none" }
  | { type: "status"; status: number; headers: Record<string, string> }
  | { type: "hang"; ms: number }
  | { type: "non_object" }
  | { type: "invalid_json" };

/** How a record was corrupted. */
export type CorruptionKind = "id_string" | "id_missing" | "title_missing";

/** A record the fake corrupted on purpose, so tests can expect a warning naming it. */
export interface CorruptedRecord {
  route: RouteKind;
  /** The record's real id. */
  id: number;
  how: CorruptionKind;
}

const RATE_KEYS = [
  "status500Rate",
  "status429Rate",
  "timeoutRate",
  "malformedRate",
  "nonObjectBodyRate",
  "invalidJsonRate",
] as const;

/** Throws a RangeError naming the bad value when fault options are out of range. */
export function validateFaults(options: FaultOptions): void {
  for (const key of RATE_KEYS) {
    const value = options[key];
    if (value !== undefined && !(value >= 0 && value <= 1)) {
      throw new RangeError(`'${key}' must be between 0 and 1: got ${value}`);
    }
  }
  for (const key of ["latencyMs", "hangMs", "retryAfterSeconds"] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`'${key}' must be a non-negative number: got ${value}`);
    }
  }
}

/** The title-like field of each record kind, removed by the `title_missing` corruption. */
const TITLE_FIELDS: Partial<Record<RouteKind, readonly string[]>> = {
  products: ["name"],
  tests: ["title", "test_title"],
  bugs: ["title"],
  features: ["title"],
  section_features: ["title"],
  user_stories: ["title", "path"],
};

/** Holds the fault settings in force and makes the per-request decisions. */
export class FaultInjector {
  #options: FaultOptions = {};
  #rng = FaultInjector.#stream(1);
  #queue: number[] = [];

  static #stream(seed: number): Rng {
    return new Rng(mixSeed(seed, 0xfa17));
  }

  constructor(options: FaultOptions = {}) {
    this.set(options);
  }

  /** The settings in force (a copy). */
  get options(): FaultOptions {
    return { ...this.#options, failNext: [...this.#queue] };
  }

  /** Merges `partial` into the settings; `failNext` replaces the queue, `seed` restarts the stream. */
  set(partial: FaultOptions): void {
    validateFaults(partial);
    const { failNext, ...rest } = partial;
    this.#options = { ...this.#options, ...rest };
    if (failNext) this.#queue = [...failNext];
    if (partial.seed !== undefined) this.#rng = FaultInjector.#stream(partial.seed);
  }

  /** Turns every fault off. */
  clear(): void {
    this.#options = {};
    this.#queue = [];
    this.#rng = FaultInjector.#stream(1);
  }

  /** Delay before answering any request. */
  get latencyMs(): number {
    return this.#options.latencyMs ?? 0;
  }

  /** True when requests for this product must answer 403. */
  isForbidden(productId: number | undefined): boolean {
    return productId !== undefined && (this.#options.forbiddenProductIds?.includes(productId) ?? false);
  }

  /** True when a test-list request covering offsets [from, to) must fail with 500. */
  failsPage(productId: number, from: number, to: number): boolean {
    const offsets = this.#options.failOffsets?.[productId];
    return offsets?.some((o) => o >= from && o < to) ?? false;
  }

  /** Decides the fate of one request of the given kind. */
  decide(route: RouteKind): FaultDecision {
    const o = this.#options;
    if (o.routes && !o.routes.includes(route)) return { type: "none" };
    const scripted = this.#queue.shift();
    if (scripted !== undefined) return this.#status(scripted);
    const rates: [number | undefined, () => FaultDecision][] = [
      [o.status500Rate, () => this.#status(500)],
      [o.status429Rate, () => this.#status(429)],
      [o.timeoutRate, () => ({ type: "hang", ms: o.hangMs ?? 120_000 })],
      [o.nonObjectBodyRate, () => ({ type: "non_object" })],
      [o.invalidJsonRate, () => ({ type: "invalid_json" })],
    ];
    if (!rates.some(([rate]) => rate)) return { type: "none" };
    // One draw for all faults keeps the rates exact: 0.1 and 0.1 means 10 % each, 80 % clean.
    let u = this.#rng.next();
    for (const [rate, make] of rates) {
      if (!rate) continue;
      if (u < rate) return make();
      u -= rate;
    }
    return { type: "none" };
  }

  #status(status: number): FaultDecision {
    const headers: Record<string, string> = {};
    if (status === 429 && this.#options.retryAfter !== "none") {
      const seconds = this.#options.retryAfterSeconds ?? 1;
      headers["retry-after"] = this.#options.retryAfter === "date"
        // HTTP dates have whole seconds: round up so the wait is never shorter than asked.
        ? new Date((Math.ceil(Date.now() / 1000) + seconds) * 1000).toUTCString()
        : String(seconds);
    }
    return { type: "status", status, headers };
  }

  /**
   * Corrupts some records of a list response in place (each corrupted record is replaced by a damaged
   * copy, the dataset stays intact) and reports which.
   */
  corrupt(route: RouteKind, records: unknown[]): CorruptedRecord[] {
    const rate = this.#options.malformedRate ?? 0;
    const always = this.#options.malformedIds;
    if (!rate && !always?.length) return [];
    const out: CorruptedRecord[] = [];
    records.forEach((record, i) => {
      if (!isRecord(record) || typeof record.id !== "number") return;
      const id = record.id;
      const forced = always?.includes(id) ?? false;
      if (!forced && !(rate && this.#rng.next() < rate)) return;
      const kinds: CorruptionKind[] = TITLE_FIELDS[route]
        ? ["id_string", "id_missing", "title_missing"]
        : ["id_string", "id_missing"];
      // Forced ids corrupt the same way every time, so a test can rely on it.
      const how = forced ? kinds[mixSeed(id) % kinds.length] : this.#rng.pick(kinds);
      const copy: Record<string, unknown> = { ...record };
      if (how === "id_string") copy.id = `corrupt-${id}`;
      else if (how === "id_missing") delete copy.id;
      else for (const field of TITLE_FIELDS[route] ?? []) delete copy[field];
      records[i] = copy;
      out.push({ route, id, how });
    });
    return out;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
