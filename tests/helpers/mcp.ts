/**
 * MCP clients for tests: an in-process server over the SDK's in-memory transport, and the real
 * `main.ts serve` spawned as a child process over stdio.
 *
 * @example
 * ```ts
 * import { syncedFixture } from "./fixture.ts";
 *
 * await using fx = await syncedFixture();
 * await using mcp = await spawnStdioServer(fx.env);
 * const result = await mcp.client.callTool({ name: "list_products", arguments: {} });
 * ```
 */
import { Client, InMemoryTransport } from "../../src/mcp/sdk_client.ts";
import type { CallToolResult } from "../../src/mcp/sdk.ts";
import { openApp } from "../../src/app.ts";
import { buildContext } from "../../src/cli/serve.ts";
import { createMcpServer } from "../../src/mcp/server.ts";
import type { AppContext } from "../../src/mcp/context.ts";
import { silentLogger } from "../../src/log.ts";
import { SyncScheduler } from "../../src/sync/scheduler.ts";
import type { Fixture } from "./fixture.ts";
import { childEnv, connectStdio, type StdioProcess } from "./stdio_process.ts";

/** Repository root (tests spawn `main.ts` from here). */
export const ROOT = new URL("../../", import.meta.url).pathname;

/** A connected client and its server's context. */
export interface InProcessServer extends AsyncDisposable {
  client: Client;
  ctx: AppContext;
  /** Calls a tool and returns the result typed as a tool result. */
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
}

/** A server for `fx` in this process, connected to a client through linked in-memory transports. */
export async function inProcessServer(
  fx: Fixture,
  overrides: Record<string, string> = {},
  patch: (ctx: AppContext) => AppContext = (c) => c,
): Promise<InProcessServer> {
  const stack = new AsyncDisposableStack();
  const app = stack.use(openApp(fx.config(overrides), silentLogger()));
  const scheduler = stack.use(
    new SyncScheduler({ engine: app.engine, repos: app.repos, config: app.config, log: app.log }),
  );
  const ctx = patch(buildContext(app, scheduler, "stdio"));
  const { server } = createMcpServer(ctx);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "test", version: "1.0.0" });
  await client.connect(clientSide);
  stack.defer(async () => {
    await client.close();
    await server.close();
  });
  const moved = stack.move();
  return {
    client,
    ctx,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    [Symbol.asyncDispose]: () => moved.disposeAsync(),
  };
}

/** Spawns `deno run -A main.ts <args>` (default: `serve --no-sync`) connected over stdio. */
export async function spawnStdioServer(
  env: Record<string, string>,
  args: string[] = ["serve", "--no-sync"],
): Promise<StdioProcess> {
  return await connectStdio(
    Deno.execPath(),
    ["run", "-A", `${ROOT}main.ts`, ...args],
    await childEnv(env),
    ROOT,
  );
}

/** The structured content of a successful tool result (fails the test on an error result). */
export function structured<T = Record<string, unknown>>(result: CallToolResult): T {
  if (result.isError) {
    throw new Error(`tool returned an error: ${JSON.stringify(result.content)}`);
  }
  return result.structuredContent as T;
}

/** The text of an error result (fails the test on a success). */
export function errorText(result: CallToolResult): string {
  if (!result.isError) throw new Error(`expected an error, got ${JSON.stringify(result.structuredContent)}`);
  const first = result.content[0];
  return first && first.type === "text" ? first.text : "";
}
