/**
 * What a sync covers: which products (docs/domain.md, Sync: an argument outside `TESTIO_PRODUCT_IDS` is an
 * error, never a silent widening) and from which date. `TESTIO_SYNC_SINCE`, CLI `--since` and the
 * `sync_data` tool's `since` are parsed by the same function, so a relative phrase means the same
 * everywhere (the reference client's background sync broke on relative values).
 *
 * @example
 * ```ts
 * import type { Config } from "../config.ts";
 *
 * declare const config: Config;
 * parseSince("last 90 days"); // { since: "2025-08-12T00:00:00.000Z", all: false }
 * parseSince("all"); // { since: null, all: true }
 * resolveScope(config, [598]); // [598], or an InputError when 598 is outside TESTIO_PRODUCT_IDS
 * ```
 */
import type { Config } from "../config.ts";
import { parseDateBound } from "../dates.ts";
import { InputError } from "../errors.ts";
import type { SyncMode, SyncOptions } from "./types.ts";

/** A parsed since-argument: a UTC lower bound on `end_at`, or `all` (no bound, full walk). */
export interface SinceBound {
  since: string | null;
  /** `all` asks for everything: a full sync. */
  all: boolean;
}

/**
 * Parses a since-argument: `all`, an ISO date or date-time, or a date phrase (`last 90 days`).
 *
 * @throws {InputError} for input `parseDateBound` cannot read.
 */
export function parseSince(input: string, now: Date = new Date()): SinceBound {
  const text = input.trim();
  if (text.toLowerCase() === "all") return { since: null, all: true };
  return { since: parseDateBound(text, "start", now), all: false };
}

/**
 * The products a sync covers: the requested ids (which must lie inside `TESTIO_PRODUCT_IDS` when that
 * is set), else `TESTIO_PRODUCT_IDS`, else null for every product the token sees.
 *
 * @throws {InputError} naming the ids outside the configured scope.
 */
export function resolveScope(
  config: Pick<Config, "productIds">,
  requested: readonly number[] | undefined,
): readonly number[] | null {
  if (!requested?.length) return config.productIds;
  const allowed = config.productIds;
  if (allowed) {
    const outside = requested.filter((id) => !allowed.includes(id));
    if (outside.length) {
      throw new InputError(
        `Product ${outside.join(", ")} ${outside.length > 1 ? "are" : "is"} outside TESTIO_PRODUCT_IDS (${
          allowed.join(", ")
        })`,
        {
          hint: "The sync scope is limited by the TESTIO_PRODUCT_IDS setting",
          action: "Pick ids from TESTIO_PRODUCT_IDS, or widen that setting",
        },
      );
    }
  }
  return [...new Set(requested)];
}

/**
 * The mode and since-bound of a run: `opts.since` when given (a UTC bound, a phrase or `all`),
 * else `TESTIO_SYNC_SINCE`. `all` turns the run into a full sync.
 */
export function resolveSince(
  config: Pick<Config, "syncSince">,
  opts: Pick<SyncOptions, "since" | "mode">,
  now: Date = new Date(),
): { since: string | null; mode: SyncMode } {
  const raw = opts.since === undefined ? config.syncSince : opts.since;
  if (raw === null) return { since: null, mode: opts.mode };
  const bound = parseSince(raw, now);
  return { since: bound.since, mode: bound.all ? "full" : opts.mode };
}
