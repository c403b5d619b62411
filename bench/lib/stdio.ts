/**
 * A real MCP stdio round trip for benchmarks: the SDK client spawns `main.ts serve --no-sync` on a
 * cached dataset and talks JSON-RPC over its stdin/stdout. Exposes the server's process id, so its
 * memory can be sampled from `/proc`.
 *
 * @example
 * ```ts
 * declare const env: Record<string, string>;
 * await using server = await spawnServer(env);
 * await server.call("list_products", {});
 * await server.client.ping();
 * ```
 */
import { Client, StdioClientTransport } from "../../src/mcp/sdk_client.ts";
import type { CallToolResult } from "../../src/mcp/sdk.ts";

/** The repository root (`main.ts` lives here). */
export const ROOT = new URL("../../", import.meta.url).pathname;

/** A spawned server with a connected client. */
export interface SpawnedServer extends AsyncDisposable {
  readonly client: Client;
  /** The server process (the `deno` child). */
  readonly pid: number;
  /** Calls a tool; throws when the result is an error result, so a broken case cannot pass as fast. */
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  /** Everything the server wrote on stderr so far. */
  stderr(): string;
}

/**
 * Spawns `deno run -A main.ts serve --no-sync` with `env` and connects a client over stdio;
 * `v8Flags` (e.g. `["--max-semi-space-size=2"]`) go to the server's V8.
 */
export async function spawnServer(
  env: Record<string, string>,
  v8Flags: string[] = [],
): Promise<SpawnedServer> {
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: [
      "run",
      "-A",
      ...(v8Flags.length ? [`--v8-flags=${v8Flags.join(",")}`] : []),
      `${ROOT}main.ts`,
      "serve",
      "--no-sync",
    ],
    env: childEnv(env),
    cwd: ROOT,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Uint8Array | string) => {
    stderr += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
  });
  const client = new Client({ name: "testio-mcp-bench", version: "1.0.0" });
  await client.connect(transport);
  const pid = transport.pid;
  if (pid === null) throw new Error("The server process has no pid");
  return {
    client,
    pid,
    stderr: () => stderr,
    async call(name, args) {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
      if (result.isError) {
        const first = result.content[0];
        throw new Error(`${name} failed: ${first && first.type === "text" ? first.text : "error result"}`);
      }
      return result;
    },
    async [Symbol.asyncDispose]() {
      await client.close();
    },
  };
}

/**
 * The environment of a spawned `deno`: this process's (so the child finds the same module cache and
 * certificates) without any `TESTIO_*` setting of the person running the benchmark, plus `env`.
 */
export function childEnv(env: Record<string, string>): Record<string, string> {
  const inherited = Object.entries(Deno.env.toObject()).filter(([k]) => !k.startsWith("TESTIO_"));
  return { ...Object.fromEntries(inherited), ...env };
}

/** A field of `/proc/<pid>/status` in MB (VmRSS, VmHWM, …), or null where /proc is unavailable. */
export function procStatusMb(pid: number, field: "VmRSS" | "VmHWM"): number | null {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/status`);
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}
