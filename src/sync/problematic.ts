/**
 * Repairing problematic ranges (docs/domain.md, Page recovery): test-list offsets that failed with HTTP 500 at every
 * page size. A range with mapped test ids is retried by fetching those tests one by one
 * (`GET exploratory_tests/{id}`); a range without is re-read offset by offset (page size 1), after
 * checking that the tests recorded around it still sit there (newer tests shift every offset; the
 * cache tells by how much). A recovered range is removed.
 *
 * @example
 * ```ts
 * declare const deps: RetryDeps;
 * const outcomes = await retryProblematic(deps, 1000);
 * outcomes[0]; // { range_id: 3, status: "recovered", test_ids: [300245], message: "…" }
 * ```
 */
import type { ProblematicRange } from "../db/repos/problematic.ts";
import type { Repositories } from "../db/repos/index.ts";
import type { TestIOClient } from "../testio/client.ts";
import { type PageReader, readOffsets } from "./pages.ts";
import type { Refresher } from "./refresh.ts";
import { writeTests } from "./store.ts";

/** What retrying one range gave. */
export interface RetryOutcome {
  range_id: number;
  /** recovered: stored and removed; failed: still failing; moved: the range could not be located. */
  status: "recovered" | "failed" | "moved";
  /** Tests stored by this retry. */
  test_ids: number[];
  message: string;
}

/** What a retry needs. */
export interface RetryDeps {
  repos: Repositories;
  client: TestIOClient;
  refresher: Refresher;
}

/** Retries every problematic range of a product. */
export async function retryProblematic(
  deps: RetryDeps,
  productId: number,
  signal?: AbortSignal,
): Promise<RetryOutcome[]> {
  const outcomes: RetryOutcome[] = [];
  for (const range of deps.repos.problematic.list(productId)) {
    outcomes.push(
      range.mapped_test_ids.length
        ? await retryMapped(deps, range, signal)
        : await rereadRange(deps, range, signal),
    );
  }
  return outcomes;
}

async function retryMapped(
  deps: RetryDeps,
  range: ProblematicRange,
  signal?: AbortSignal,
): Promise<RetryOutcome> {
  const results = await deps.refresher.tests(range.mapped_test_ids, signal);
  const stored = [...results].filter(([, o]) => o.ok).map(([id]) => id);
  const errors = [...results].flatMap(([id, o]) => o.ok ? [] : [`test ${id}: ${o.error}`]);
  await deps.refresher.bugs(stored, signal);
  if (errors.length) {
    return { range_id: range.id, status: "failed", test_ids: stored, message: errors.join("; ") };
  }
  deps.repos.problematic.remove(range.id);
  return {
    range_id: range.id,
    status: "recovered",
    test_ids: stored,
    message: `stored ${stored.length} mapped test(s)`,
  };
}

async function rereadRange(
  deps: RetryDeps,
  range: ProblematicRange,
  signal?: AbortSignal,
): Promise<RetryOutcome> {
  const [from, to] = range.offsets;
  const read: PageReader = (page, size) =>
    deps.client.listTestsPage(range.product_id, page, size, { retry5xx: false, signal });
  const shifts = [0];
  if (range.before) {
    // With the cache complete above the range, the before-test sits after every newer cached test.
    const now = deps.repos.tests.newerCount(range.product_id, range.before.end_at, range.before.test_id);
    if (now + 1 - from !== 0) shifts.push(now + 1 - from);
  }
  for (const shift of shifts) {
    const lo = Math.max(0, from + shift - 1);
    const hi = to + shift + 1;
    const window = await readOffsets(read, lo, hi + 1, 1);
    const at = new Map(window.tests.map((t) => [t.offset, t.test]));
    const beforeOk = !range.before || at.get(from + shift - 1)?.id === range.before.test_id;
    const afterOk = !range.after || at.get(to + shift + 1)?.id === range.after.test_id;
    if (!beforeOk || !afterOk) continue;
    const inside = window.tests.filter((t) => t.offset >= from + shift && t.offset <= to + shift).map((t) =>
      t.test
    );
    const stillFailing = window.failed.filter((f) => f.offset >= from + shift && f.offset <= to + shift);
    if (stillFailing.length) {
      return {
        range_id: range.id,
        status: "failed",
        test_ids: [],
        message: `offsets ${from + shift}–${to + shift} still fail with HTTP 500; map their test ids with ` +
          `'problematic map ${range.id} TEST_ID…' to fetch them one by one`,
      };
    }
    writeTests(deps.repos, inside, new Date().toISOString());
    const ids = inside.map((t) => t.id);
    await deps.refresher.bugs(ids, signal);
    deps.repos.problematic.remove(range.id);
    return {
      range_id: range.id,
      status: "recovered",
      test_ids: ids,
      message: `re-read ${ids.length} test(s)`,
    };
  }
  return {
    range_id: range.id,
    status: "moved",
    test_ids: [],
    message:
      `the tests recorded around the range are no longer where expected; map the missing test ids with ` +
      `'problematic map ${range.id} TEST_ID…'`,
  };
}
