/**
 * Starts {@link ./fake_api_process.ts} as a child process and talks to it: the base URL and token to
 * point a client at, its request counters, and its process id (for memory sampling).
 *
 * @example
 * ```ts
 * import { DATASET_NOW } from "../dataset.ts";
 *
 * await using api = await spawnFakeApi({ scale: "M", seed: 1, now: DATASET_NOW, latencyMs: 25 });
 * // … sync against api.baseUrl …
 * const { requests, maxConcurrent } = await api.stats();
 * ```
 */
import type { Scale } from "../../src/testio/fake/mod.ts";
import type { DatasetCounts } from "../../src/testio/fake/mod.ts";
import type { FakeApiStats } from "./fake_api_process.ts";

export type { FakeApiStats };

/** Options of {@link spawnFakeApi}. */
export interface SpawnFakeApiOptions {
  scale: Scale;
  seed: number;
  /** The data clock; the same instant gives the same data. */
  now: Date;
  /** Delay the fake adds to every request (default 0). */
  latencyMs?: number;
}

/** A fake API running in a child process. */
export interface ChildFakeApi extends AsyncDisposable {
  readonly baseUrl: string;
  readonly token: string;
  readonly pid: number;
  readonly counts: DatasetCounts;
  readonly largestTestId: number;
  /** Request counters since start or the last {@link reset}. */
  stats(): Promise<FakeApiStats>;
  /** Forgets the request counters. */
  reset(): Promise<void>;
}

const SCRIPT = new URL("./fake_api_process.ts", import.meta.url).pathname;

/** Spawns the fake API and waits until it listens. */
export async function spawnFakeApi(options: SpawnFakeApiOptions): Promise<ChildFakeApi> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      "--allow-read",
      SCRIPT,
      "--scale",
      options.scale,
      "--seed",
      String(options.seed),
      "--now",
      options.now.toISOString(),
      "--latency-ms",
      String(options.latencyMs ?? 0),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const readLine = async (): Promise<string> => {
    while (!buffer.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) throw new Error("The fake API process ended before answering");
      buffer += value;
    }
    const nl = buffer.indexOf("\n");
    const line = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    return line;
  };
  const stdin = child.stdin.getWriter();
  const ask = async <T>(command: string): Promise<T> => {
    await stdin.write(new TextEncoder().encode(command + "\n"));
    return JSON.parse(await readLine()) as T;
  };
  const hello = JSON.parse(await readLine()) as {
    baseUrl: string;
    token: string;
    counts: DatasetCounts;
    largestTestId: number;
  };
  return {
    ...hello,
    pid: child.pid,
    stats: () => ask<FakeApiStats>("stats"),
    reset: async () => {
      await ask<{ ok: boolean }>("reset");
    },
    async [Symbol.asyncDispose]() {
      await stdin.close().catch(() => {});
      await lines.cancel().catch(() => {});
      await child.status;
    },
  };
}
