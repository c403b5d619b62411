/**
 * A counting semaphore handing out disposable permits: the global request limit of the API client.
 *
 * @example
 * ```ts
 * const limit = new Semaphore(10);
 * {
 *   using _permit = await limit.acquire(signal);
 *   await fetch(url);
 * } // the permit is released here, even when fetch throws
 * ```
 */
import { CancelledError } from "../errors.ts";

interface Waiter {
  resolve: (permit: Disposable) => void;
  reject: (err: unknown) => void;
  signal?: AbortSignal;
  onAbort: () => void;
}

/** At most `max` holders at a time; waiters are served first come, first served. */
export class Semaphore {
  readonly max: number;
  #active = 0;
  readonly #waiters: Waiter[] = [];

  /** @throws {RangeError} when `max` is not a positive integer. */
  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`Semaphore size must be ≥ 1: got ${max}`);
    this.max = max;
  }

  /** Permits currently held. */
  get active(): number {
    return this.#active;
  }

  /** Callers waiting for a permit. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Resolves with a permit once one is free. Dispose the permit to release it (once; later disposals
   * are no-ops).
   *
   * @throws {CancelledError} when `signal` aborts before a permit is granted.
   */
  acquire(signal?: AbortSignal): Promise<Disposable> {
    if (signal?.aborted) return Promise.reject(new CancelledError("Request cancelled"));
    if (this.#active < this.max) {
      this.#active++;
      return Promise.resolve(this.#permit());
    }
    return new Promise<Disposable>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(new CancelledError("Request cancelled"));
        },
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
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
    const next = this.#waiters.shift();
    if (!next) {
      this.#active--;
      return;
    }
    // The permit passes straight to the next waiter: `active` stays the same.
    next.signal?.removeEventListener("abort", next.onAbort);
    next.resolve(this.#permit());
  }
}
