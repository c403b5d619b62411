/**
 * The timing of the API client's retries: the exponential back-off with jitter after a transient
 * failure, the wait a `Retry-After` header asks for after HTTP 429, a cancellable sleep, and the
 * deadline of one request.
 *
 * @example
 * ```ts
 * parseRetryAfter("120"); // 120_000
 * backOffDelay(500, 2); // between 1000 and 2000
 * await sleep(10, AbortSignal.timeout(1_000));
 * ```
 */
import { CancelledError } from "../../errors.ts";

/**
 * The wait a `Retry-After` header asks for, in ms: integer seconds or an HTTP date; null when absent
 * or unreadable.
 */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/** The wait before retry number `failures` (from 1), in ms: `baseMs` doubled per failure, plus up to as much jitter. */
export function backOffDelay(baseMs: number, failures: number): number {
  const base = baseMs * 2 ** (failures - 1);
  return Math.round(base + Math.random() * base);
}

/** A signal that aborts after `ms`; disposing it clears the timer. */
export function deadline(ms: number): { signal: AbortSignal } & Disposable {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  return { signal: controller.signal, [Symbol.dispose]: () => clearTimeout(timer) };
}

/** Waits `ms`; rejects with a CancelledError as soon as `signal` aborts (at once if it already has). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new CancelledError("TestIO API request cancelled"));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError("TestIO API request cancelled"));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
