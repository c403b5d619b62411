/**
 * Sync bookkeeping: one `sync_events` row per run, written and read with one vocabulary of
 * statuses ({@link SYNC_STATUSES}), and the `sync_metadata` key/value table.
 *
 * @example
 * ```ts
 * import type { Database } from "../database.ts";
 * declare const db: Database;
 *
 * using events = new SyncEventsRepo(db);
 * const id = events.start({ trigger: "cli", mode: "incremental", productIds: [] });
 * events.finish(id, { status: "completed", counters: {}, warnings: [] });
 * ```
 */
import { int, json, Repository } from "./base.ts";

/** Every status a sync event can have. */
export const SYNC_STATUSES = [
  "running",
  "completed",
  "completed_with_warnings",
  "failed",
  "cancelled",
] as const;
export type SyncStatus = typeof SYNC_STATUSES[number];
/** What started a sync. */
export type SyncTrigger = "cli" | "mcp" | "startup" | "background" | "test";

/** A sync event as read back. */
export interface SyncEvent {
  id: number;
  trigger: SyncTrigger;
  mode: string;
  status: SyncStatus;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  product_ids: number[];
  counters: Record<string, number>;
  warnings: string[];
  error: string | null;
  pid: number | null;
}

interface RawEvent extends Omit<SyncEvent, "product_ids" | "counters" | "warnings"> {
  product_ids: string;
  counters: string;
  warnings: string;
}

/** Reads and writes `sync_events` and `sync_metadata`. */
export class SyncEventsRepo extends Repository {
  /** Records the start of a run; returns the event id. */
  start(
    e: { trigger: SyncTrigger; mode: string; productIds: readonly number[]; startedAt?: string },
  ): number {
    const row = this.one<{ id: number }>(
      `INSERT INTO sync_events (trigger, mode, status, started_at, product_ids, pid)
       VALUES (:trigger, :mode, 'running', :started_at, :product_ids, :pid) RETURNING id`,
      {
        trigger: e.trigger,
        mode: e.mode,
        started_at: e.startedAt ?? new Date().toISOString(),
        product_ids: JSON.stringify(e.productIds),
        pid: int(Deno.pid),
      },
    )!;
    return row.id;
  }

  /** Records the end of a run. */
  finish(
    id: number,
    e: {
      status: Exclude<SyncStatus, "running">;
      counters: Record<string, number>;
      warnings: string[];
      error?: string | null;
    },
  ): void {
    const finished = new Date();
    this.run(
      `UPDATE sync_events SET status = :status, finished_at = :finished_at,
         duration_ms = CAST(round((julianday(:finished_at) - julianday(started_at)) * 86400000) AS INTEGER),
         counters = :counters, warnings = :warnings, error = :error
       WHERE id = :id`,
      {
        id: int(id),
        status: e.status,
        finished_at: finished.toISOString(),
        counters: JSON.stringify(e.counters),
        warnings: JSON.stringify(e.warnings.slice(0, 200)),
        error: e.error ?? null,
      },
    );
  }

  /** Marks runs left `running` by a process that died as failed (called under the sync lock). */
  failOrphans(reason: string): number {
    return this.run(
      `UPDATE sync_events SET status = 'failed', error = :reason, finished_at = :now WHERE status = 'running'`,
      { reason, now: new Date().toISOString() },
    );
  }

  /** The newest events first. */
  recent(limit: number): SyncEvent[] {
    return this.all<RawEvent>("SELECT * FROM sync_events ORDER BY id DESC LIMIT :n", { n: int(limit) }).map((
      r,
    ) => ({
      ...r,
      product_ids: json<number[]>(r.product_ids, []),
      counters: json<Record<string, number>>(r.counters, {}),
      warnings: json<string[]>(r.warnings, []),
    }));
  }

  /** One event by id. */
  get(id: number): SyncEvent | undefined {
    const r = this.one<RawEvent>("SELECT * FROM sync_events WHERE id = :id", { id: int(id) });
    return r
      ? {
        ...r,
        product_ids: json<number[]>(r.product_ids, []),
        counters: json<Record<string, number>>(r.counters, {}),
        warnings: json<string[]>(r.warnings, []),
      }
      : undefined;
  }

  /** The newest successful run (completed or completed_with_warnings). */
  lastCompleted(): SyncEvent | undefined {
    const r = this.one<{ id: number }>(
      `SELECT id FROM sync_events WHERE status IN ('completed', 'completed_with_warnings')
       ORDER BY finished_at DESC LIMIT 1`,
    );
    return r ? this.get(r.id) : undefined;
  }

  /** Counts of finished runs since `since` by outcome. */
  outcomesSince(since: string): { successes: number; failures: number } {
    return this.one<{ successes: number; failures: number }>(
      `SELECT coalesce(sum(status IN ('completed', 'completed_with_warnings')), 0) AS successes,
         coalesce(sum(status = 'failed'), 0) AS failures
       FROM sync_events WHERE started_at >= :since`,
      { since },
    )!;
  }

  /** A `sync_metadata` value. */
  getMeta(key: string): string | undefined {
    return this.one<{ value: string }>("SELECT value FROM sync_metadata WHERE key = :key", { key })?.value;
  }

  /** Removes a `sync_metadata` value (nothing when absent). */
  deleteMeta(key: string): void {
    this.run("DELETE FROM sync_metadata WHERE key = :key", { key });
  }

  /** Sets a `sync_metadata` value. */
  setMeta(key: string, value: string): void {
    this.run(
      "INSERT INTO sync_metadata (key, value) VALUES (:key, :value) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      { key, value },
    );
  }
}
