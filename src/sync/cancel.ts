/**
 * Cancellation helpers: the sync speaks {@link CancelledError} everywhere (the CLI, the tools and the
 * sync events key on it), whatever aborted.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * throwIfCancelled(controller.signal); // before committing a page: nothing happens yet
 * controller.abort();
 * throwIfCancelled(controller.signal); // throws a CancelledError
 * ```
 */
import { CancelledError } from "../errors.ts";

/** Throws a CancelledError when `signal` has aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined, what = "Sync cancelled"): void {
  if (signal?.aborted) throw new CancelledError(what);
}

/** Whether an error means "cancelled" (our CancelledError or a DOM AbortError). */
export function isCancellation(err: unknown): boolean {
  return err instanceof CancelledError || (err instanceof DOMException && err.name === "AbortError");
}
