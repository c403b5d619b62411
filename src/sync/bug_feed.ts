/**
 * The bug batches of a run: {@link BugFeed} queues test ids from every product pipeline and sends a
 * batch as soon as 15 are queued; {@link settle} waits for a set of tasks, stopping the others at the
 * first failure.
 * @module
 */
import { MAX_BUG_TEST_IDS } from "../testio/client.ts";

/**
 * Waits for every task; the first failure aborts the others (through `stop`) and is rethrown once all
 * have settled, so no task is still writing when the run ends.
 */
export async function settle(tasks: Promise<unknown>[], stop: AbortController): Promise<void> {
  let failure: { err: unknown } | undefined;
  await Promise.all(tasks.map((t) =>
    t.catch((err) => {
      failure ??= { err };
      stop.abort();
    })
  ));
  if (failure) throw failure.err;
}

/**
 * Test ids waiting for their bugs, from every product of a run: a batch goes out as soon as 15 ids are
 * queued, the rest when {@link BugFeed.flush} is called. Each id is queued once per run.
 */
export class BugFeed {
  readonly #send: (ids: number[]) => Promise<void>;
  readonly #queued = new Set<number>();
  readonly #sent: Promise<void>[] = [];
  #pending: number[] = [];

  constructor(send: (ids: number[]) => Promise<void>) {
    this.#send = send;
  }

  /** Queues the ids not queued before and sends every full batch. */
  add(ids: Iterable<number>): void {
    for (const id of ids) {
      if (this.#queued.has(id)) continue;
      this.#queued.add(id);
      this.#pending.push(id);
      if (this.#pending.length === MAX_BUG_TEST_IDS) this.#sent.push(this.#send(this.#pending.splice(0)));
    }
  }

  /** Sends what is queued as one last, short batch. */
  flush(): void {
    if (this.#pending.length) this.#sent.push(this.#send(this.#pending.splice(0)));
  }

  /** Resolves once every batch sent so far has settled; rejects then with the first failure. */
  async settled(): Promise<void> {
    const failed = (await Promise.allSettled(this.#sent)).find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  }
}
