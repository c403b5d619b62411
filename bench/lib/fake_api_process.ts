/**
 * The fake TestIO API in a process of its own, for benchmarks: its JSON generation must not run on
 * the measured process's event loop. Unlike `main.ts fake-api` it pins the data clock (`--now`), so
 * every run serves the same dataset, and it answers two commands on stdin, one per line: `stats`
 * (prints the request counters as one JSON line) and `reset` (forgets them). It stops when stdin
 * closes or on SIGTERM.
 *
 * @example
 * ```sh
 * deno run --allow-net=127.0.0.1 bench/lib/fake_api_process.ts --scale M --seed 1 \
 *   --now 2026-11-01T00:00:00Z --latency-ms 25
 * # stdout: {"baseUrl":"http://127.0.0.1:40123/customer/v2","token":"fake-token",...}
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { type Scale, startFakeApi } from "../../src/testio/fake/mod.ts";
import type { FakeApi, RouteKind } from "../../src/testio/fake/mod.ts";

/** The counters the `stats` command prints. */
export interface FakeApiStats {
  requests: number;
  maxConcurrent: number;
  byKind: Partial<Record<RouteKind | "unknown", number>>;
  /** Responses by HTTP status. */
  byStatus: Record<string, number>;
}

/** The counters of a running fake API. */
export function statsOf(api: FakeApi): FakeApiStats {
  const byKind: Partial<Record<RouteKind | "unknown", number>> = {};
  const byStatus: Record<string, number> = {};
  for (const r of api.requests) {
    byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  }
  return { requests: api.requestCount, maxConcurrent: api.maxConcurrent, byKind, byStatus };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      scale: { type: "string", default: "S" },
      seed: { type: "string", default: "1" },
      now: { type: "string" },
      "latency-ms": { type: "string", default: "0" },
    },
  });
  const scale = values.scale as Scale;
  if (!["S", "M", "L"].includes(scale)) throw new Error(`--scale must be S, M or L: got '${values.scale}'`);
  const now = values.now ? new Date(values.now) : undefined;
  if (now && Number.isNaN(now.getTime())) {
    throw new Error(`--now must be an ISO instant: got '${values.now}'`);
  }
  await using api = await startFakeApi({
    scale,
    seed: Number(values.seed),
    now,
    faults: { latencyMs: Number(values["latency-ms"]) },
  });
  const write = (value: unknown) =>
    Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(value) + "\n"));
  write({
    baseUrl: api.baseUrl,
    token: api.token,
    counts: api.dataset.counts,
    largestTestId: api.dataset.largestTestId,
  });
  const stop = Promise.withResolvers<void>();
  Deno.addSignalListener("SIGTERM", () => stop.resolve());
  (async () => {
    let buffer = "";
    for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const command = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (command === "stats") write(statsOf(api));
        else if (command === "reset") {
          api.resetRequests();
          write({ ok: true });
        } else write({ error: `unknown command '${command}'` });
      }
    }
    stop.resolve();
  })();
  await stop.promise;
}

if (import.meta.main) await main();
