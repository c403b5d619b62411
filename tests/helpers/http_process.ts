/**
 * `main.ts serve --transport http` as a child process: started on a free loopback port, ready once
 * it logs its URL, with its resident memory read from `/proc/<pid>/status`.
 *
 * @example
 * ```ts
 * import { spawnHttpServer } from "./http_process.ts";
 * await using server = await spawnHttpServer({ HOME: "/tmp/x" });
 * console.log(server.url, server.rssMiB());
 * ```
 */
import assert from "node:assert/strict";
import { ROOT } from "./mcp.ts";
import { childEnv } from "./stdio_process.ts";

/** A running HTTP server process. */
export interface HttpProcess extends AsyncDisposable {
  /** The MCP endpoint, e.g. `http://127.0.0.1:40123/mcp`. */
  url: string;
  port: number;
  pid: number;
  /** Resident set size of the server process in MiB. */
  rssMiB(): number;
  /** Every stderr line so far. */
  lines: string[];
  /** Sends SIGTERM and waits for the exit code (further log lines are collected). */
  stop(): Promise<number>;
}

/** Splits a byte stream into lines. */
export async function* splitLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    rest += chunk;
    const parts = rest.split("\n");
    rest = parts.pop()!;
    yield* parts;
  }
  if (rest) yield rest;
}

/** Reads JSON log lines until one matches; returns it. */
export async function waitForLog(
  lines: AsyncIterator<string>,
  match: (entry: Record<string, unknown>) => boolean,
  seen: string[],
): Promise<Record<string, unknown>> {
  for (;;) {
    const { value, done } = await lines.next();
    if (done) throw new Error(`the server exited before logging what was expected:\n${seen.join("\n")}`);
    seen.push(value);
    try {
      const entry = JSON.parse(value);
      if (match(entry)) return entry;
    } catch {
      // Not a JSON log line (e.g. a Deno warning): keep reading.
    }
  }
}

/** VmRSS of a process in MiB. */
export function rssMiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

/** Starts `main.ts serve --transport http --port 0 --no-sync` with the V8 flags of the tasks. */
export async function spawnHttpServer(env: Record<string, string>): Promise<HttpProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--optimize-for-size,--max-semi-space-size=1",
      `${ROOT}main.ts`,
      "serve",
      "--transport",
      "http",
      "--port",
      "0",
      "--no-sync",
    ],
    cwd: ROOT,
    env: await childEnv({ ...env, TESTIO_LOG_FORMAT: "json", TESTIO_LOG_LEVEL: "info" }),
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const iterator = splitLines(child.stderr);
  const lines: string[] = [];
  let drained: Promise<void> | undefined;
  const drain = () =>
    drained ??= (async () => {
      for await (const line of { [Symbol.asyncIterator]: () => iterator }) lines.push(line);
    })();
  let stopped: Promise<number> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      const { code } = await child.status;
      await drain();
      return code;
    })();
  try {
    const ready = await waitForLog(
      iterator,
      (e) => typeof e.url === "string" && String(e.msg).includes("HTTP"),
      lines,
    );
    const url = String(ready.url);
    void drain();
    return {
      url,
      port: Number(new URL(url).port),
      pid: child.pid,
      rssMiB: () => rssMiB(child.pid),
      lines,
      stop,
      async [Symbol.asyncDispose]() {
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The MCP protocol version the raw HTTP tests speak. */
export const PROTOCOL = "2025-06-18";

/** The headers of a JSON-RPC POST to `/mcp`. */
export const JSON_HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};

/** Opens an MCP session with plain fetch (initialize, then the initialized notification); returns its id. */
export async function openRawSession(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(url, {
    method: "POST",
    headers: { ...JSON_HEADERS, ...headers },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    }),
  });
  await res.text();
  const id = res.headers.get("mcp-session-id");
  assert.ok(id, `initialize answered ${res.status} without a session id`);
  const done = await fetch(url, {
    method: "POST",
    headers: { ...JSON_HEADERS, ...headers, "mcp-session-id": id, "mcp-protocol-version": PROTOCOL },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  await done.body?.cancel();
  return id;
}
