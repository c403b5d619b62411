/**
 * A counting semaphore handing out disposable permits: the global request limit of the API client.
 * Waiters queue by priority: a released permit goes to the oldest `high` waiter, then to the oldest
 * `normal` one. The sync asks `high` for test-list pages, the sequential chain every product's bugs
 * wait for, so that they never queue behind bug batches.
 *
 * @example
 * ```ts
 * const limit = new Semaphore(10);
 * {
 *   using _permit = await limit.acquire(undefined, "high");
 *   await fetch("http://127.0.0.1:8787/customer/v2/products");
 * } // the permit is released here, even when fetch throws
 * ```
 */
import { CancelledError } from "../errors.ts";

/** Which waiters are served first: `high` before `normal`, first come, first served within each. */
export type Priority = "high" | "normal";

interface Waiter {
  resolve: (permit: Disposable) => void;
  reject: (err: unknown) => void;
  signal?: AbortSignal;
  onAbort: () => void;
}

/** At most `max` holders at a time; waiters are served by priority, then first come, first served. */
export class Semaphore {
  readonly max: number;
  #active = 0;
  readonly #queues: Record<Priority, Waiter[]> = { high: [], normal: [] };

  /** @throws {RangeError} when `max` is not a positive integer. */
  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`Semaphore size must be ≥ 1: got ${max}`);
    this.max = max;
  }

  /** Permits currently held. */
  get active(): number {
    return this.#active;
  }

  /** Callers waiting for a permit, of both priorities. */
  get waiting(): number {
    return this.#queues.high.length + this.#queues.normal.length;
  }

  /**
   * Resolves with a permit once one is free. Dispose the permit to release it (once; later disposals
   * are no-ops).
   *
   * @throws {CancelledError} when `signal` aborts before a permit is granted.
   */
  acquire(signal?: AbortSignal, priority: Priority = "normal"): Promise<Disposable> {
    if (signal?.aborted) return Promise.reject(new CancelledError("Request cancelled"));
    if (this.#active < this.max) {
      this.#active++;
      return Promise.resolve(this.#permit());
    }
    const queue = this.#queues[priority];
    return new Promise<Disposable>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = queue.indexOf(waiter);
          if (i >= 0) queue.splice(i, 1);
          reject(new CancelledError("Request cancelled"));
        },
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      queue.push(waiter);
    });
  }

  #permit(): Disposable {
    let released = false;
    return {
      [Symbol.dispose]: () => {
        if (released) return;
        released = true;
        this.#release();
      },
    };
  }

  #release(): void {
    const next = this.#queues.high.shift() ?? this.#queues.normal.shift();
    if (!next) {
      this.#active--;
      return;
    }
    // The permit passes straight to the next waiter: `active` stays the same.
    next.signal?.removeEventListener("abort", next.onAbort);
    next.resolve(this.#permit());
  }
}
