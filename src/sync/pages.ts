/**
 * Reading the test list by offset, with the page-500 recovery of docs/domain.md: some pages of the
 * live API fail with HTTP 500 every time (apparently because of particular tests), so a failing page is
 * re-read with smaller pages 25 → 10 → 5 → 2 → 1, narrowing to the part that fails. An offset that still
 * fails at page size 1 is skipped and reported; any error other than a 500 stops the recovery.
 *
 * For page size `s`, the page holding absolute offset `o` is `floor(o / s) + 1`.
 *
 * @example
 * ```ts
 * import type { TestIOClient } from "../testio/client.ts";
 *
 * declare const client: TestIOClient;
 * const read: PageReader = (page, size) => client.listTestsPage(598, page, size, { retry5xx: false });
 * const chunk = await readOffsets(read, 0, 25);
 * chunk.tests; // [{ offset: 0, test }, …] newest first, without the failing offsets
 * chunk.failed; // [{ offset: 17, attempts: 5 }]
 * ```
 */
import { UpstreamError } from "../errors.ts";
import type { ApiTest } from "../testio/schemas.ts";

/** Page size of the test walk. */
export const PAGE_SIZE = 25;
/** Smaller page sizes tried, in order, after a page fails with HTTP 500. */
export const RECOVERY_SIZES: readonly number[] = [10, 5, 2, 1];

/** Reads one page of the test list (1-based page, page size). */
export type PageReader = (
  page: number,
  perPage: number,
) => Promise<{ tests: ApiTest[]; received: number; warnings: string[]; skippedIds?: number[] }>;

/** A test and its absolute offset in the newest-first list. */
export interface OffsetTest {
  offset: number;
  test: ApiTest;
}

/** An offset that failed at every page size. */
export interface FailedOffset {
  offset: number;
  /** Failed requests that covered it (the first page included). */
  attempts: number;
}

/** What reading an offset range gave. */
export interface RangeRead {
  /** Tests in offset order, de-duplicated by id. */
  tests: OffsetTest[];
  /** Offsets skipped because they failed even at page size 1, ascending. */
  failed: FailedOffset[];
  /** True when a short or empty page showed that the list ends inside the range (or right at its end). */
  endReached: boolean;
  /** The length of the list when a short page showed it, else null. */
  listEnd: number | null;
  /** Records skipped by validation. */
  warnings: string[];
  /** Ids of the records skipped by validation (when readable). */
  skippedIds: number[];
}

/** Whether an error is the persistent HTTP 500 the recovery handles. */
function isServerError500(err: unknown): boolean {
  return err instanceof UpstreamError && err.status === 500;
}

/**
 * Reads offsets [from, to) with pages of `size`; a page failing with 500 is retried with the next
 * smaller size over its part of the range.
 */
export async function readOffsets(
  read: PageReader,
  from: number,
  to: number,
  size = PAGE_SIZE,
): Promise<RangeRead> {
  const out: RangeRead = {
    tests: [],
    failed: [],
    endReached: false,
    listEnd: null,
    warnings: [],
    skippedIds: [],
  };
  const seen = new Set<number>();
  await readWith(read, from, to, size, RECOVERY_SIZES.indexOf(size) + 1, 0, out, seen);
  out.tests.sort((a, b) => a.offset - b.offset);
  out.failed.sort((a, b) => a.offset - b.offset);
  return out;
}

async function readWith(
  read: PageReader,
  from: number,
  to: number,
  size: number,
  nextSize: number,
  failures: number,
  out: RangeRead,
  seen: Set<number>,
): Promise<void> {
  for (let page = Math.floor(from / size) + 1; (page - 1) * size < to && !out.endReached; page++) {
    const pageFrom = (page - 1) * size;
    const lo = Math.max(from, pageFrom);
    const hi = Math.min(to, pageFrom + size);
    let result;
    try {
      result = await read(page, size);
    } catch (err) {
      if (!isServerError500(err)) throw err;
      if (nextSize >= RECOVERY_SIZES.length) {
        for (let o = lo; o < hi; o++) out.failed.push({ offset: o, attempts: failures + 1 });
      } else {
        await readWith(read, lo, hi, RECOVERY_SIZES[nextSize], nextSize + 1, failures + 1, out, seen);
      }
      continue;
    }
    out.warnings.push(...result.warnings);
    out.skippedIds.push(...(result.skippedIds ?? []));
    // Records skipped by validation shift later records by one offset; only boundaries use offsets.
    result.tests.forEach((test, i) => {
      const offset = pageFrom + i;
      if (offset < lo || offset >= hi || seen.has(test.id)) return;
      seen.add(test.id);
      out.tests.push({ offset, test });
    });
    // A short page ends the list; when it ends past `to`, the range is complete but the list goes on.
    if (result.received < size) {
      out.listEnd = pageFrom + result.received;
      if (out.listEnd <= to) out.endReached = true;
    }
  }
}

/** Consecutive failed offsets grouped into inclusive ranges. */
export function groupFailures(
  failed: readonly FailedOffset[],
): { from: number; to: number; attempts: number }[] {
  const ranges: { from: number; to: number; attempts: number }[] = [];
  for (const f of failed) {
    const last = ranges[ranges.length - 1];
    if (last && f.offset === last.to + 1) {
      last.to = f.offset;
      last.attempts = Math.max(last.attempts, f.attempts);
    } else {
      ranges.push({ from: f.offset, to: f.offset, attempts: f.attempts });
    }
  }
  return ranges;
}
