/**
 * The `fake-api` command: runs the fake TestIO API in the foreground until SIGINT or SIGTERM, for
 * trying the client by hand or pointing a benchmark at it. stdout gets exactly one line (the settings
 * a client needs); the explanation goes to stderr.
 *
 * @example
 * ```ts
 * await runFakeApi({ port: 8787, scale: "M", seed: 1, latencyMs: 20, faultRate: 0.05 });
 * // stdout: TESTIO_CUSTOMER_API_BASE_URL=http://127.0.0.1:8787/customer/v2 TESTIO_CUSTOMER_API_TOKEN=fake-token
 * ```
 */

import { InputError } from "../../errors.ts";
import type { Scale } from "./dataset.ts";
import type { FaultOptions } from "./faults.ts";
import { startFakeApi } from "./server.ts";

/** Options of {@link runFakeApi}, as the CLI parses them. */
export interface RunFakeApiOptions {
  /** 0 (default) picks any free port. */
  port?: number;
  /** Default "S". */
  scale?: Scale;
  seed?: number;
  /** Delay added to every request. */
  latencyMs?: number;
  /** Share (0–1) of requests that fail, half with 500 and half with 429 (`Retry-After: 1`). */
  faultRate?: number;
  /** Default "fake-token". */
  token?: string;
  /** Stops the server when aborted (besides SIGINT/SIGTERM); for tests and embedding. */
  signal?: AbortSignal;
  /** Where the one stdout line goes; default stdout. */
  out?: (line: string) => void;
  /** Where the explanation goes; default stderr. */
  err?: (line: string) => void;
}

const encoder = new TextEncoder();
const writeLine = (stream: { writeSync(p: Uint8Array): number }) => (line: string) => {
  stream.writeSync(encoder.encode(line + "\n"));
};

function validate(options: RunFakeApiOptions): void {
  const { port, scale, latencyMs, faultRate } = options;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new InputError(`'--port' must be an integer 0–65535: got ${port}`, {
      action: "Use 0 for any free port",
    });
  }
  if (scale !== undefined && !["S", "M", "L"].includes(scale)) {
    throw new InputError(`'--scale' must be S, M or L: got ${scale}`);
  }
  if (latencyMs !== undefined && !(Number.isFinite(latencyMs) && latencyMs >= 0)) {
    throw new InputError(`'--latency-ms' must be a non-negative number: got ${latencyMs}`);
  }
  if (faultRate !== undefined && !(faultRate >= 0 && faultRate <= 1)) {
    throw new InputError(`'--fault-rate' must be between 0 and 1: got ${faultRate}`);
  }
}

/** Waits for SIGINT, SIGTERM or `signal`, whichever comes first. */
function untilStopped(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
    const stop = () => {
      for (const s of signals) Deno.removeSignalListener(s, stop);
      signal?.removeEventListener("abort", stop);
      resolve();
    };
    for (const s of signals) Deno.addSignalListener(s, stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener("abort", stop, { once: true });
  });
}

/** Runs the fake API until stopped. Throws {@link InputError} for bad options. */
export async function runFakeApi(options: RunFakeApiOptions = {}): Promise<void> {
  validate(options);
  const out = options.out ?? writeLine(Deno.stdout);
  const err = options.err ?? writeLine(Deno.stderr);
  const rate = options.faultRate ?? 0;
  const faults: FaultOptions = {
    latencyMs: options.latencyMs,
    status500Rate: rate / 2,
    status429Rate: rate / 2,
    retryAfter: "seconds",
    retryAfterSeconds: 1,
  };
  await using api = await startFakeApi({
    port: options.port ?? 0,
    scale: options.scale ?? "S",
    seed: options.seed,
    token: options.token,
    faults,
  });
  const c = api.dataset.counts;
  out(`TESTIO_CUSTOMER_API_BASE_URL=${api.baseUrl} TESTIO_CUSTOMER_API_TOKEN=${api.token}`);
  err(
    `Fake TestIO API on ${api.baseUrl} (scale ${api.dataset.scale}, seed ${api.dataset.seed}): ` +
      `${c.products} products, ${c.tests} tests, ${c.bugs} bugs, synthetic data only.`,
  );
  err(
    `Send "Authorization: Token ${api.token}". Latency ${options.latencyMs ?? 0} ms, fault rate ${rate}. ` +
      `Press Ctrl+C to stop.`,
  );
  await untilStopped(options.signal);
  err("Fake TestIO API stopped.");
}
