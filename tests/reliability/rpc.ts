/**
 * A raw JSON-RPC client over a spawned server's stdio, for tests that must see every byte the server
 * writes: each stdout line is parsed on its own, so anything that is not a JSON-RPC message (a stray
 * log line, a warning, half a message) is caught and kept in {@link RawServer.strayLines}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { syncedFixture } from "../helpers/fixture.ts";
 *
 * await using fx = await syncedFixture({ scale: "S" });
 * await using server = await spawnRawServer(fx.env);
 * const result = await server.callTool("list_products", {});
 * assert.deepEqual(server.strayLines, []);
 * ```
 */
import { ROOT } from "../helpers/mcp.ts";
import { childEnv } from "../helpers/stdio_process.ts";

/** A JSON-RPC response as received. */
export interface RpcResponse {
  jsonrpc: "2.0";
  id: number;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

/** A tool call's result as received. */
export interface ToolReply {
  isError?: boolean;
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
}

/** A server process spoken to over raw stdio. */
export interface RawServer extends AsyncDisposable {
  readonly child: Deno.ChildProcess;
  readonly pid: number;
  /** stdout lines that were not JSON-RPC 2.0 messages. */
  readonly strayLines: string[];
  /** Messages received that answered no request (notifications, or ids never sent). */
  readonly notifications: unknown[];
  /** Everything the server wrote on stderr so far. */
  stderr(): string;
  request(method: string, params?: unknown): Promise<RpcResponse>;
  notify(method: string, params?: unknown): Promise<void>;
  /** `tools/call`; a JSON-RPC error is returned as `{ rpcError }`. */
  callTool(name: string, args: unknown): Promise<ToolReply | { rpcError: RpcResponse["error"] }>;
  /** Closes stdin and waits for the exit; resolves to the exit status and the time it took. */
  closeStdin(): Promise<{ status: Deno.CommandStatus; ms: number }>;
  /** Whether the process has exited. */
  readonly exited: boolean;
}

/** Options of {@link spawnRawServer}. */
export interface RawServerOptions {
  /** Deno permission flags (default `-A`). */
  permissions?: string[];
  /** Command and flags after `main.ts` (default `serve --no-sync`). */
  args?: string[];
  cwd?: string;
}

const encoder = new TextEncoder();

/** Spawns `main.ts` and performs the MCP initialize handshake. */
export async function spawnRawServer(
  env: Record<string, string>,
  options: RawServerOptions = {},
): Promise<RawServer> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...(options.permissions ?? ["-A"]),
      `${ROOT}main.ts`,
      ...(options.args ?? ["serve", "--no-sync"]),
    ],
    env: await childEnv(env),
    clearEnv: true,
    cwd: options.cwd ?? ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const pending = new Map<number, (r: RpcResponse) => void>();
  const strayLines: string[] = [];
  const notifications: unknown[] = [];
  let stderr = "";
  let nextId = 1;
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });

  (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) stderr += chunk;
  })().catch(() => {});
  const reading = (async () => {
    let rest = "";
    const handle = (line: string) => {
      if (!line) return;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line);
      } catch {
        strayLines.push(line);
        return;
      }
      if (!msg || typeof msg !== "object" || msg.jsonrpc !== "2.0") {
        strayLines.push(line);
        return;
      }
      const resolve = typeof msg.id === "number" ? pending.get(msg.id) : undefined;
      if (resolve && ("result" in msg || "error" in msg)) {
        pending.delete(msg.id as number);
        resolve(msg as unknown as RpcResponse);
      } else notifications.push(msg);
    };
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      const lines = rest.split("\n");
      rest = lines.pop()!;
      lines.forEach(handle);
    }
    if (rest) handle(rest);
    for (const [id, resolve] of pending) {
      resolve({ jsonrpc: "2.0", id, error: { code: -1, message: "server exited" } });
    }
    pending.clear();
  })();

  const send = async (msg: unknown) => {
    await writer.write(encoder.encode(JSON.stringify(msg) + "\n"));
  };
  const request = (method: string, params?: unknown): Promise<RpcResponse> => {
    const id = nextId++;
    const answer = new Promise<RpcResponse>((resolve) => pending.set(id, resolve));
    return send({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) }).then(
      () => answer,
      (err) => {
        pending.delete(id);
        throw err;
      },
    );
  };

  const server: RawServer = {
    child,
    pid: child.pid,
    strayLines,
    notifications,
    stderr: () => stderr,
    get exited() {
      return exited;
    },
    request,
    notify: (method, params) => send({ jsonrpc: "2.0", method, ...(params === undefined ? {} : { params }) }),
    async callTool(name, args) {
      const r = await request("tools/call", { name, arguments: args });
      return r.error ? { rpcError: r.error } : (r.result as unknown as ToolReply);
    },
    async closeStdin() {
      const started = performance.now();
      await writer.close().catch(() => {});
      const s = await status;
      const ms = performance.now() - started;
      await reading.catch(() => {});
      return { status: s, ms };
    },
    async [Symbol.asyncDispose]() {
      await writer.close().catch(() => {});
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // Already gone.
        }
      }, 5_000);
      await status;
      clearTimeout(timer);
      await reading.catch(() => {});
    },
  };

  const init = await request("initialize", {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "reliability", version: "1" },
  });
  if (init.error) throw new Error(`initialize failed: ${init.error.message}\n${stderr}`);
  await server.notify("notifications/initialized");
  return server;
}

/** The three parts of an error reply: ❌ what, ℹ️ why, 💡 what next (each starts a line; the first may span several). */
export const THREE_PART = /^❌ \S.*\nℹ️ \S.*\n💡 \S.*$/su;
