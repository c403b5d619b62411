/**
 * Test discovery for one product (docs/domain.md, Sync): pages of 25, newest first, one page per
 * transaction together with the product's sync cursor.
 *
 * - **full**: every page, until a short or empty page (or the page cap).
 * - **incremental**: stops at the first page holding a test cached before this run. Two things can
 *   make it read on: a walk an earlier run left unfinished (cancelled, crashed, or bounded by a later
 *   since-date), which is resumed where it stopped; and stale mutable tests further down, when
 *   reading their pages costs fewer requests than fetching them one by one.
 * - **since**: tests ending before the bound are not stored; a page entirely older ends the walk.
 * - A page failing with HTTP 500 goes through the recovery of `pages.ts`; offsets that fail at every
 *   size are recorded as problematic ranges with the tests around them.
 *
 * The cursor (`sync_metadata` key `tests_cursor:<product>`) records how far the last walk got, as an
 * offset: newer tests only push old ones down, so an offset plus the tests found since is where to
 * resume.
 *
 * @example
 * ```ts
 * import type { SyncDeps } from "./refresh.ts";
 *
 * declare const deps: SyncDeps;
 * const result = await discoverTests({ deps, productId: 598, mode: "incremental", since: null, eventId: null });
 * result.inserted; // new tests stored
 * result.staleLeft; // stale mutable tests the walk did not reach: fetch them by id
 * ```
 */
import { UpstreamError } from "../errors.ts";
import type { ProblematicRange, RangeBoundary } from "../db/repos/problematic.ts";
import { throwIfCancelled } from "./cancel.ts";
import {
  type FailedOffset,
  groupFailures,
  PAGE_SIZE,
  type PageReader,
  type RangeRead,
  readOffsets,
} from "./pages.ts";
import type { SyncDeps } from "./refresh.ts";
import { ttlCutoff } from "./rules.ts";
import { writeTests } from "./store.ts";
import type { SyncMode } from "./types.ts";

/** Where the last walk of a product's test list got to. */
export interface TestCursor {
  /** First offset not yet walked (in the list as it was then). */
  next_offset: number;
  /** Whether that walk reached its end (list end, since-bound or page cap). */
  complete: boolean;
  /** The since-bound that walk used (null: none). */
  since: string | null;
  event_id: number | null;
  updated_at: string;
}

/** The `sync_metadata` key of a product's cursor. */
export function cursorKey(productId: number): string {
  return `tests_cursor:${productId}`;
}

/** What a discovery needs. */
export interface DiscoveryOptions {
  deps: SyncDeps;
  productId: number;
  mode: SyncMode;
  since: string | null;
  eventId: number | null;
  signal?: AbortSignal;
  /**
   * Told after every page is committed: pages read so far and the ids of the tests that page stored
   * (a test pushed down by newer ones can appear on two pages).
   */
  onPage?: (pages: number, stored: readonly number[]) => void;
}

/** What a discovery did. */
export interface DiscoveryResult {
  /** Tests stored that were not cached before. */
  inserted: number;
  /** Cached tests stored again. */
  updated: number;
  /** Pages of 25 walked (recovery requests not counted). */
  pages: number;
  /** Stale mutable tests (incremental) the walk did not reach: to fetch by id. */
  staleLeft: number[];
  /** Tests whose list records failed validation (by id): to fetch one by one. */
  skipped: number[];
  warnings: string[];
}

function readCursor(deps: SyncDeps, productId: number): TestCursor | null {
  const text = deps.repos.syncEvents.getMeta(cursorKey(productId));
  if (!text) return null;
  try {
    return JSON.parse(text) as TestCursor;
  } catch {
    return null;
  }
}

/** Whether `since` reaches further back than `bound` (null reaches furthest). */
function looser(since: string | null, bound: string | null): boolean {
  return bound !== null && (since === null || since < bound);
}

/**
 * Whether walking on beats fetching the remaining stale tests one by one: the best number of further
 * pages `k ≥ 1` must cost fewer requests (k pages plus the tests still beyond them) than fetching
 * all of them by id.
 */
function worthWalking(estimatedOffsets: readonly number[], nextFrom: number, pagesLeft: number): boolean {
  const ahead = estimatedOffsets.filter((o) => o >= nextFrom).sort((a, b) => a - b);
  if (!ahead.length) return false;
  for (let k = 1; k <= pagesLeft; k++) {
    const covered = nextFrom + k * PAGE_SIZE;
    const beyond = ahead.filter((o) => o >= covered).length;
    if (k + beyond < ahead.length) return true;
    if (covered > ahead[ahead.length - 1]) break;
  }
  return false;
}

/** Walks one product's test list and stores what it finds. */
export async function discoverTests(opts: DiscoveryOptions): Promise<DiscoveryResult> {
  const { deps, productId: pid, mode, since, signal } = opts;
  const { repos, client, config } = deps;
  const result: DiscoveryResult = {
    inserted: 0,
    updated: 0,
    pages: 0,
    staleLeft: [],
    skipped: [],
    warnings: [],
  };
  const stored = new Set<number>();
  // Ends a read of the next page (see below) that the walk no longer needs.
  const stopAhead = new AbortController();
  const readSignal = signal ? AbortSignal.any([signal, stopAhead.signal]) : stopAhead.signal;
  // Pages go before other requests waiting for the request limit: each page waits for the one before
  // it, and the product's bugs wait for its pages.
  const read: PageReader = async (page, size) => {
    const options = { signal: readSignal, priority: "high" as const };
    try {
      return await client.listTestsPage(pid, page, size, { ...options, retry5xx: false });
    } catch (err) {
      // Only a 500 is the persistent page fault; other 5xx are transient and get the usual retries.
      if (err instanceof UpstreamError && err.status > 500 && err.status < 600) {
        return await client.listTestsPage(pid, page, size, options);
      }
      throw err;
    }
  };

  const hadTests = repos.tests.count(pid) > 0;
  const prior = readCursor(deps, pid) ?? (hadTests ? { next_offset: 0, complete: true, since: null } : null);
  const incremental = mode === "incremental" && hadTests;
  // An earlier walk left unfinished, or bounded by a later since-date, is resumed at its offset.
  const resume = incremental && prior && (!prior.complete || looser(since, prior.since)) ? prior : null;
  const stale = incremental
    ? repos.tests.staleMutable(pid, ttlCutoff(new Date(), config.cacheTtlSeconds), since)
    : [];

  // Only what range boundaries need: holding whole parsed tests here cost hundreds of MB at scale L.
  const byOffset = new Map<number, RangeBoundary>();
  const offsetOf = new Map<number, number>();
  const failed: FailedOffset[] = [];
  let jumped = false;
  let listEnd: number | null = null;
  let firstOlder: number | null = null;
  let page = 1;
  let final: Omit<TestCursor, "event_id" | "updated_at"> | null = null;

  const cursorNow = (from: number): Omit<TestCursor, "event_id" | "updated_at"> => {
    // Until a pending resume point is reached, it stays the cursor (shifted by the tests found since).
    if (resume && !jumped) {
      return {
        next_offset: resume.next_offset + result.inserted,
        complete: resume.complete,
        since: resume.since,
      };
    }
    if (incremental && !resume) {
      return {
        next_offset: prior!.next_offset + result.inserted,
        complete: prior!.complete,
        since: prior!.since,
      };
    }
    return { next_offset: from + PAGE_SIZE, complete: false, since };
  };
  const saveCursor = (c: Omit<TestCursor, "event_id" | "updated_at">) =>
    repos.syncEvents.setMeta(
      cursorKey(pid),
      JSON.stringify(
        { ...c, event_id: opts.eventId, updated_at: new Date().toISOString() } satisfies TestCursor,
      ),
    );

  // When the walk is sure to go on and the request limit has room, the next page is requested before
  // this one is written: every later page, and the product's bugs, wait for the page chain, so the
  // write overlaps the request. With requests queueing (many products walking) it would only hold
  // parsed pages in memory (bench/RESULTS.md, Tuning).
  let ahead: Promise<RangeRead> | null = null;
  try {
    for (;;) {
      if (result.pages >= config.maxPages) {
        result.warnings.push(
          `Product ${pid}: stopped after ${config.maxPages} pages (TESTIO_MAX_PAGES); older tests were not synced`,
        );
        final = { next_offset: (page - 1) * PAGE_SIZE, complete: true, since };
        break;
      }
      throwIfCancelled(signal);
      const from = (page - 1) * PAGE_SIZE;
      const chunk = await (ahead ?? readOffsets(read, from, from + PAGE_SIZE));
      ahead = null;
      result.pages++;
      result.warnings.push(...chunk.warnings.map((w) => `Product ${pid}: ${w}`));
      result.skipped.push(...chunk.skippedIds);
      failed.push(...chunk.failed);
      for (const { offset, test } of chunk.tests) {
        byOffset.set(offset, { test_id: test.id, end_at: test.end_at });
        offsetOf.set(test.id, offset);
      }
      const tests = chunk.tests.map((t) => t.test);
      const kept = since ? tests.filter((t) => t.end_at === null || t.end_at >= since) : tests;
      // A later, looser since-bound resumes at the first test this bound left out.
      firstOlder ??= chunk.tests.find((t) => !kept.includes(t.test))?.offset ?? null;
      const known = incremental
        ? [...repos.tests.existingIds(tests.map((t) => t.id))].filter((id) => !stored.has(id))
        : [];
      const olderOnly = since !== null && tests.length > 0 && kept.length === 0;
      if (chunk.listEnd !== null) listEnd = chunk.listEnd;
      if (chunk.endReached || olderOnly) {
        final = { next_offset: olderOnly ? firstOlder ?? from : listEnd!, complete: true, since };
      }

      const onward = !final && (mode === "full" || !incremental || jumped || !known.length);
      if (onward && result.pages < config.maxPages && client.idle) {
        ahead = readOffsets(read, from + PAGE_SIZE, from + 2 * PAGE_SIZE);
        // Awaited on the next turn; this only keeps a read abandoned by a failed write quiet.
        ahead.catch(() => {});
      }

      throwIfCancelled(signal);
      const written = writeTests(
        repos,
        kept,
        new Date().toISOString(),
        () => saveCursor(final ?? cursorNow(from)),
      );
      result.inserted += written.inserted;
      result.updated += written.updated;
      for (const t of kept) stored.add(t.id);
      opts.onPage?.(result.pages, kept.map((t) => t.id));

      if (final) break;
      if (onward) {
        page++;
        continue;
      }
      if (resume) {
        jumped = true;
        page = Math.max(page + 1, Math.floor((resume.next_offset + result.inserted) / PAGE_SIZE) + 1);
        continue;
      }
      const remaining = stale.filter((s) => !offsetOf.has(s.id)).map((s) => s.rank + result.inserted);
      if (worthWalking(remaining, page * PAGE_SIZE, config.maxPages - result.pages)) {
        page++;
        continue;
      }
      final = cursorNow(from);
      break;
    }
  } finally {
    if (ahead) {
      stopAhead.abort();
      await ahead.catch(() => {});
    }
  }

  result.staleLeft = stale.filter((s) => !offsetOf.has(s.id)).map((s) => s.id);
  const ranges = await boundaries(read, groupFailures(failed), byOffset, listEnd);
  throwIfCancelled(signal);
  const recorded = repos.write(() => {
    saveCursor(final!);
    repos.products.markTestsSynced(pid, new Date().toISOString());
    const at = new Date().toISOString();
    const ids = ranges.map((r) =>
      repos.problematic.record({
        product_id: pid,
        offset_from: r.from,
        offset_to: r.to,
        before: r.before,
        after: r.after,
        attempts: r.attempts,
        sync_event_id: opts.eventId,
      }, at)
    );
    for (const range of repos.problematic.list(pid)) {
      if (recovered(range, offsetOf, failed, listEnd)) repos.problematic.remove(range.id);
    }
    return ids;
  });
  ranges.forEach((r, i) => {
    result.warnings.push(
      `Product ${pid}: test list ${r.from === r.to ? `offset ${r.from}` : `offsets ${r.from}–${r.to}`} ` +
        `failed with HTTP 500 at every page size and was skipped (problematic range ${recorded[i]}; ` +
        `see 'problematic list')`,
    );
  });
  return result;
}

/** Failed offset ranges with the tests just before and after them. */
async function boundaries(
  read: PageReader,
  ranges: { from: number; to: number; attempts: number }[],
  byOffset: Map<number, RangeBoundary>,
  listEnd: number | null,
): Promise<
  { from: number; to: number; attempts: number; before: RangeBoundary | null; after: RangeBoundary | null }[]
> {
  const boundary = async (offset: number): Promise<RangeBoundary | null> => {
    if (offset < 0 || (listEnd !== null && offset >= listEnd)) return null;
    const seen = byOffset.get(offset);
    if (seen) return seen;
    // The walk stopped right at the range: read the neighbour alone (page size 1).
    try {
      const test = (await read(offset + 1, 1)).tests[0];
      return test ? { test_id: test.id, end_at: test.end_at } : null;
    } catch {
      return null;
    }
  };
  return await Promise.all(ranges.map(async (r) => ({
    ...r,
    before: await boundary(r.from - 1),
    after: await boundary(r.to + 1),
  })));
}

/** A recorded range is recovered when this walk read its neighbours and everything between them. */
function recovered(
  range: ProblematicRange,
  offsetOf: Map<number, number>,
  failed: readonly FailedOffset[],
  listEnd: number | null,
): boolean {
  const lo = range.before ? offsetOf.get(range.before.test_id) : -1;
  const hi = range.after ? offsetOf.get(range.after.test_id) : listEnd ?? undefined;
  if (lo === undefined || hi === undefined || hi <= lo) return false;
  return !failed.some((f) => f.offset > lo && f.offset < hi);
}
