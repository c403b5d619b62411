/**
 * Problematic ranges: test-list offsets that failed with HTTP 500 even at page size 1 (docs/domain.md,
 * Page recovery). A range is identified by its product and the tests just before and after it, because offsets
 * shift whenever newer tests are added; the offsets are those of the latest sighting.
 *
 * @example
 * ```ts
 * import type { Database } from "../database.ts";
 * declare const db: Database;
 *
 * using problematic = new ProblematicRepo(db);
 * const id = problematic.record({ product_id: 1000, offset_from: 37, offset_to: 37, before: null, after: null,
 *   attempts: 5, sync_event_id: 1 }, new Date().toISOString());
 * problematic.mapTests(id, [300123]);
 * ```
 */
import { int, json, Repository } from "./base.ts";

/** A test at the edge of a problematic range. */
export interface RangeBoundary {
  test_id: number;
  end_at: string | null;
}

/** A problematic range as written by the sync. */
export interface ProblematicRangeInput {
  product_id: number;
  /** First failing offset (0-based, in the newest-first test list). */
  offset_from: number;
  /** Last failing offset, inclusive. */
  offset_to: number;
  before: RangeBoundary | null;
  after: RangeBoundary | null;
  /** Failed requests that covered the range in this sighting. */
  attempts: number;
  sync_event_id: number | null;
}

/** A problematic range as `get_problematic_tests` and `problematic list` show it. */
export interface ProblematicRange {
  id: number;
  product_id: number;
  offsets: [number, number];
  before: RangeBoundary | null;
  after: RangeBoundary | null;
  attempts: number;
  recorded_at: string;
  mapped_test_ids: number[];
  sync_event_id: number | null;
}

interface RawRange {
  id: number;
  product_id: number;
  offset_from: number;
  offset_to: number;
  before_test_id: number | null;
  before_end_at: string | null;
  after_test_id: number | null;
  after_end_at: string | null;
  attempts: number;
  recorded_at: string;
  mapped_test_ids: string;
  sync_event_id: number | null;
}

function toRange(r: RawRange): ProblematicRange {
  return {
    id: r.id,
    product_id: r.product_id,
    offsets: [r.offset_from, r.offset_to],
    before: r.before_test_id === null ? null : { test_id: r.before_test_id, end_at: r.before_end_at },
    after: r.after_test_id === null ? null : { test_id: r.after_test_id, end_at: r.after_end_at },
    attempts: r.attempts,
    recorded_at: r.recorded_at,
    mapped_test_ids: json<number[]>(r.mapped_test_ids, []),
    sync_event_id: r.sync_event_id,
  };
}

const nullableInt = (n: number | null | undefined) => (n === null || n === undefined ? null : int(n));

/** Reads and writes `problematic_ranges`. */
export class ProblematicRepo extends Repository {
  /**
   * Records a sighting. A range already known for the same product and boundary tests (or the same
   * offsets) is updated in place and its attempts accumulate; otherwise a row is added. Returns its id.
   */
  record(r: ProblematicRangeInput, recordedAt: string): number {
    const params = {
      product_id: int(r.product_id),
      offset_from: int(r.offset_from),
      offset_to: int(r.offset_to),
      before_test_id: nullableInt(r.before?.test_id),
      before_end_at: r.before?.end_at ?? null,
      after_test_id: nullableInt(r.after?.test_id),
      after_end_at: r.after?.end_at ?? null,
      attempts: int(r.attempts),
      recorded_at: recordedAt,
      sync_event_id: nullableInt(r.sync_event_id),
    };
    const existing = this.one<{ id: number }>(
      `SELECT id FROM problematic_ranges WHERE product_id = :product_id AND (
         (offset_from = :offset_from AND offset_to = :offset_to)
         OR (before_test_id IS :before_test_id AND after_test_id IS :after_test_id
           AND (before_test_id IS NOT NULL OR after_test_id IS NOT NULL)))
       ORDER BY id LIMIT 1`,
      {
        product_id: params.product_id,
        offset_from: params.offset_from,
        offset_to: params.offset_to,
        before_test_id: params.before_test_id,
        after_test_id: params.after_test_id,
      },
    );
    if (existing) {
      // Another row may already hold the new offsets (an older, shifted sighting): it is superseded.
      this.run(
        `DELETE FROM problematic_ranges WHERE product_id = :product_id AND offset_from = :offset_from
           AND offset_to = :offset_to AND id <> :id`,
        {
          product_id: params.product_id,
          offset_from: params.offset_from,
          offset_to: params.offset_to,
          id: int(existing.id),
        },
      );
      this.run(
        `UPDATE problematic_ranges SET offset_from = :offset_from, offset_to = :offset_to,
           before_test_id = :before_test_id, before_end_at = :before_end_at, after_test_id = :after_test_id,
           after_end_at = :after_end_at, attempts = attempts + :attempts, recorded_at = :recorded_at,
           sync_event_id = :sync_event_id
         WHERE id = :id`,
        {
          offset_from: params.offset_from,
          offset_to: params.offset_to,
          before_test_id: params.before_test_id,
          before_end_at: params.before_end_at,
          after_test_id: params.after_test_id,
          after_end_at: params.after_end_at,
          attempts: params.attempts,
          recorded_at: params.recorded_at,
          sync_event_id: params.sync_event_id,
          id: int(existing.id),
        },
      );
      return existing.id;
    }
    return this.one<{ id: number }>(
      `INSERT INTO problematic_ranges (product_id, offset_from, offset_to, before_test_id, before_end_at,
         after_test_id, after_end_at, attempts, recorded_at, sync_event_id)
       VALUES (:product_id, :offset_from, :offset_to, :before_test_id, :before_end_at, :after_test_id,
         :after_end_at, :attempts, :recorded_at, :sync_event_id)
       RETURNING id`,
      params,
    )!.id;
  }

  /** Every range (of one product when given), oldest product first, then by offset. */
  list(productId?: number): ProblematicRange[] {
    const rows = productId === undefined
      ? this.all<RawRange>("SELECT * FROM problematic_ranges ORDER BY product_id, offset_from, id")
      : this.all<RawRange>(
        "SELECT * FROM problematic_ranges WHERE product_id = :p ORDER BY offset_from, id",
        { p: int(productId) },
      );
    return rows.map(toRange);
  }

  /** One range, or undefined. */
  get(id: number): ProblematicRange | undefined {
    const r = this.one<RawRange>("SELECT * FROM problematic_ranges WHERE id = :id", { id: int(id) });
    return r ? toRange(r) : undefined;
  }

  /** Adds test ids to a range's mapped ids (kept unique, in order). Returns the merged list. */
  mapTests(id: number, testIds: readonly number[]): number[] {
    const range = this.get(id);
    if (!range) return [];
    const merged = [...new Set([...range.mapped_test_ids, ...testIds])];
    this.run("UPDATE problematic_ranges SET mapped_test_ids = :ids WHERE id = :id", {
      id: int(id),
      ids: JSON.stringify(merged),
    });
    return merged;
  }

  /** Deletes a range (it was recovered). Returns whether it existed. */
  remove(id: number): boolean {
    return this.run("DELETE FROM problematic_ranges WHERE id = :id", { id: int(id) }) > 0;
  }

  /** Deletes every range; returns how many there were. */
  clear(): number {
    return this.run("DELETE FROM problematic_ranges");
  }

  /** Number of recorded ranges. */
  count(): number {
    return this.one<{ n: number }>("SELECT count(*) AS n FROM problematic_ranges")!.n;
  }
}
