/**
 * The staleness rules of docs/domain.md, Freshness, as pure functions over the stamps the cache keeps. The first
 * matching rule wins; the sync (which tests' bugs to fetch) and read-through refreshes share them.
 *
 * @example
 * ```ts
 * import type { TestStamps } from "../db/repos/tests.ts";
 *
 * declare const stamp: TestStamps;
 * const cutoff = ttlCutoff(new Date(), 3600);
 * isTestStale(stamp, cutoff); // mutable and synced before the cutoff
 * ```
 */
import type { TestStamps } from "../db/repos/tests.ts";
import { isFinalStatus } from "../domain/tests.ts";

/** The instant before which a stamp is older than the TTL, as a UTC ISO string. */
export function ttlCutoff(now: Date, ttlSeconds: number): string {
  return new Date(now.getTime() - ttlSeconds * 1000).toISOString();
}

/** Test rule: final → cached forever; mutable and synced before the cutoff → fetch. */
export function isTestStale(
  t: Pick<TestStamps, "status" | "synced_at">,
  cutoff: string,
  force = false,
): boolean {
  if (force) return true;
  if (isFinalStatus(t.status)) return false;
  return t.synced_at < cutoff;
}

/**
 * Bugs rule: never synced → fetch; the test is final and its bugs were synced after it became final →
 * cached forever; bugs synced before the test became final → fetch once more (they may have changed on
 * the way); mutable and synced before the cutoff → fetch.
 */
export function areBugsStale(
  t: Pick<TestStamps, "status" | "bugs_synced_at" | "final_at">,
  cutoff: string,
  force = false,
): boolean {
  if (t.bugs_synced_at === null || force) return true;
  if (isFinalStatus(t.status)) return t.final_at === null || t.bugs_synced_at < t.final_at;
  return t.bugs_synced_at < cutoff;
}

/** Features rule: never synced, forced, or synced before the cutoff → fetch. */
export function areFeaturesStale(featuresSyncedAt: string | null, cutoff: string, force = false): boolean {
  return force || featuresSyncedAt === null || featuresSyncedAt < cutoff;
}

/** "2 h", "5 min", "40 s": how long ago a stamp was, for warnings. */
export function ago(stamp: string | null, now: Date = new Date()): string {
  if (stamp === null) return "never";
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(stamp)) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}
