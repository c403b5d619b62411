/**
 * The state of the cache and its syncs, for `sync --status`: entity counts, the last runs, the
 * database size and whether a sync holds the lock right now.
 *
 * @example
 * ```ts
 * import type { Repositories } from "../db/repos/index.ts";
 *
 * declare const repos: Repositories;
 * const status = syncStatus(repos, "/home/me/.testio-mcp/cache.db");
 * console.error(formatStatus(status));
 * ```
 */
import { databaseFileBytes } from "../db/database.ts";
import type { CacheCounts, Repositories } from "../db/repos/index.ts";
import type { SyncEvent } from "../db/repos/sync_events.ts";
import { type LockHolder, readSyncLock } from "./lock.ts";
import { statusWords } from "./progress.ts";
import { commandHint } from "../launch.ts";

/** What `sync --status` reports. */
export interface SyncStatusReport {
  database: { path: string; size_bytes: number };
  counts: CacheCounts & { problematic_ranges: number };
  /** The newest run, whatever its outcome. */
  last_sync:
    | Pick<
      SyncEvent,
      "id" | "trigger" | "mode" | "status" | "started_at" | "finished_at" | "duration_ms" | "error"
    >
      & { warning_count: number }
    | null;
  /** When the newest successful run finished. */
  last_completed_at: string | null;
  /** The holder of the sync lock, when a sync is running. */
  running: LockHolder | null;
}

/** Reads the status of the cache at `dbPath`. */
export function syncStatus(repos: Repositories, dbPath: string): SyncStatusReport {
  const last = repos.syncEvents.recent(1)[0];
  return {
    database: { path: dbPath, size_bytes: databaseFileBytes(dbPath) },
    counts: { ...repos.counts(), problematic_ranges: repos.problematic.count() },
    last_sync: last
      ? {
        id: last.id,
        trigger: last.trigger,
        mode: last.mode,
        status: last.status,
        started_at: last.started_at,
        finished_at: last.finished_at,
        duration_ms: last.duration_ms,
        error: last.error,
        warning_count: last.warnings.length,
      }
      : null,
    last_completed_at: repos.syncEvents.lastCompleted()?.finished_at ?? null,
    running: readSyncLock(dbPath),
  };
}

/** The status as lines for a person. */
export function formatStatus(s: SyncStatusReport): string {
  const c = s.counts;
  const mib = (s.database.size_bytes / 1_048_576).toFixed(1);
  const lines = [
    `Database:  ${s.database.path} (${mib} MiB)`,
    `Cached:    ${c.products} products, ${c.features} features, ${c.user_stories} user stories, ` +
    `${c.tests} tests, ${c.bugs} bugs, ${c.users} users`,
    `Last sync: ${
      s.last_sync
        ? `#${s.last_sync.id} ${
          statusWords(s.last_sync.status, s.last_sync.warning_count)
        } (${s.last_sync.trigger}, ${s.last_sync.mode}) started ${s.last_sync.started_at}` +
          (s.last_sync.error ? `: ${s.last_sync.error}` : "")
        : "never"
    }`,
    `Last successful sync finished: ${s.last_completed_at ?? "never"}`,
    `Running:   ${
      s.running ? `yes (pid ${s.running.pid} on ${s.running.host}, started ${s.running.started_at})` : "no"
    }`,
  ];
  if (c.problematic_ranges) {
    lines.push(
      `Problematic test-list ranges: ${c.problematic_ranges} (see '${commandHint("problematic list")}')`,
    );
  }
  return lines.join("\n") + "\n";
}
