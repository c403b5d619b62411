/**
 * Writes that become ready close together share one transaction: a commit writes every page the
 * transaction touched to the WAL (and now and then checkpoints it), so a commit per bug batch cost
 * as much as the batch's own statements (bench/RESULTS.md, Tuning). A write is queued, and the queue
 * is written {@link WRITE_WINDOW_MS} after its first write was queued (or as soon as it holds
 * {@link MAX_SHARED_WRITES}), so the batches whose answers arrived meanwhile are committed together;
 * a batch alone waits no longer than that, little beside the request that fetched it.
 *
 * Each write still stands on its own (docs/domain.md, Sync: one transaction may hold several
 * batches): when a shared transaction fails, it is rolled back and every write is tried again in a
 * transaction of its own, so one bad batch fails alone.
 *
 * @example
 * ```ts
 * import type { Repositories } from "../db/repos/index.ts";
 *
 * declare const repos: Repositories;
 * const queue = new WriteQueue((fn) => repos.write(fn));
 * const [a, b] = await Promise.all([queue.run(() => 1), queue.run(() => 2)]); // one transaction
 * ```
 */

interface Job {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Most writes one transaction takes (bug batches: about 4,500 bugs at the L scale's 300 per batch). */
export const MAX_SHARED_WRITES = 15;

/** How long the first queued write waits for others, in ms. */
export const WRITE_WINDOW_MS = 10;

/** Queues writes and commits those ready at the same time in one transaction. */
export class WriteQueue {
  readonly #transaction: <T>(fn: () => T) => T;
  readonly #max: number;
  #jobs: Job[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** `transaction` runs its function in one transaction (`Repositories.write`). */
  constructor(transaction: <T>(fn: () => T) => T, max = MAX_SHARED_WRITES) {
    this.#transaction = transaction;
    this.#max = max;
  }

  /** Runs `fn` in a transaction, possibly with other queued writes; resolves once it is committed. */
  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#jobs.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (this.#jobs.length >= this.#max) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), WRITE_WINDOW_MS);
    });
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const jobs = this.#jobs.splice(0);
    if (!jobs.length) return;
    let results: unknown[];
    try {
      results = this.#transaction(() => jobs.map((job) => job.fn()));
    } catch (err) {
      if (jobs.length === 1) return jobs[0].reject(err);
      for (const job of jobs) {
        try {
          job.resolve(this.#transaction(job.fn));
        } catch (alone) {
          job.reject(alone);
        }
      }
      return;
    }
    jobs.forEach((job, i) => job.resolve(results[i]));
  }
}
