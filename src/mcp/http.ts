/**
 * Streamable HTTP transport: one MCP server and SDK web-standard transport per session, all built
 * from the same {@link AppContext} (one database, one sync scheduler), behind a chain of small
 * request checks (`src/mcp/http/`):
 *
 * 1. `/health` answers any caller `{"status":"ok"}`; version, uptime and session count only when
 *    the request passes the Origin/Host and token checks of `/mcp`;
 * 2. Origin and Host (DNS-rebinding protection, {@link originCheck});
 * 3. CORS preflights and headers ({@link cors});
 * 4. `Authorization: Bearer <token>` when a token is set ({@link bearerAuth});
 * 5. the body limit and the JSON-RPC batch size ({@link bodyLimit});
 * 6. the sessions, whose requests pass a flow gate that bounds the answers waiting for a client
 *    ({@link SessionStore}).
 *
 * The listener ({@link listen}) bounds every connection: header and body read timeouts, a
 * connection cap, and responses written only as fast as the client reads them. Binding beyond
 * loopback requires a token.
 *
 * @example
 * ```ts
 * import type { AppContext } from "./context.ts";
 *
 * declare const ctx: AppContext;
 * await using http = await serveHttp({ ctx, log: ctx.log, port: 0, httpToken: ctx.config.httpToken });
 * console.error(`MCP at ${http.url}`); // http://127.0.0.1:53121/mcp
 * ```
 */
import type { AppContext } from "./context.ts";
import type { McpServer } from "./sdk.ts";
import { createMcpServer } from "./server.ts";
import type { Logger } from "../log.ts";
import { ConfigError } from "../errors.ts";
import { type Check, compose, type Handler, jsonRpcError } from "./http/check.ts";
import { isLoopbackHost, originCheck, parseAllowedOrigins } from "./http/origin.ts";
import { bearerAuth } from "./http/auth.ts";
import { cors } from "./http/cors.ts";
import { bodyLimit } from "./http/body.ts";
import { SessionStore } from "./http/sessions.ts";
import { health } from "./http/health.ts";
import { listen } from "./http/listener.ts";
import { MAX_MESSAGE_BYTES } from "./limits.ts";

/** Path of the MCP endpoint. */
export const MCP_PATH = "/mcp";
/** Path of the health check. */
export const HEALTH_PATH = "/health";
/** Default bound on a POST body: the same as a stdio message ({@link MAX_MESSAGE_BYTES}). */
export const DEFAULT_MAX_BODY_BYTES = MAX_MESSAGE_BYTES;
/** Default bound on the messages of one JSON-RPC batch. */
export const DEFAULT_MAX_BATCH = 100;
/** Sessions not used for this long are closed (a client that vanished never sends DELETE). */
export const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;
/** At most this many concurrent sessions; more is a misbehaving client, not a workload. */
export const DEFAULT_MAX_SESSIONS = 100;
/** Default time to send the request headers, and the idle time of a kept-alive connection. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** Default time to send a body once the headers are in. */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;
/** Default time a response waits for a client that reads nothing before it is disconnected. */
export const DEFAULT_WRITE_STALL_MS = 30_000;
/** Default bound on open connections. */
export const DEFAULT_MAX_CONNECTIONS = 256;
/** Default bound on answers not yet taken by one session's client before its next request waits. */
export const DEFAULT_SESSION_BYTES_IN_FLIGHT = 1024 * 1024;
/** Default bound on answers not yet taken, over all sessions. */
export const DEFAULT_TOTAL_BYTES_IN_FLIGHT = 8 * 1024 * 1024;
/** Default bound on the requests running at once over all sessions (sessions take turns). */
export const DEFAULT_TOTAL_CONCURRENCY = 16;
/** Default bound on the requests of one session running at once. */
export const DEFAULT_SESSION_CONCURRENCY = 4;

/** Options of {@link serveHttp}. */
export interface HttpServeOptions {
  /** The shared context every session's server is built from. */
  ctx: AppContext;
  log: Logger;
  /** Builds one MCP server per session; default `createMcpServer(ctx)`. */
  createServer?: () => { server: McpServer; cleanup: () => Promise<void> };
  /** Bind address; default 127.0.0.1 (loopback only). */
  host?: string;
  /** Port; default 8080, 0 picks a free one. */
  port?: number;
  /** When set, `/mcp` requires `Authorization: Bearer <httpToken>`. */
  httpToken?: string;
  /** Origins allowed besides loopback ones, e.g. `https://app.example.com`. */
  allowedOrigins?: readonly string[];
  /** Largest accepted POST body in bytes; default {@link DEFAULT_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
  /** Most messages in one JSON-RPC batch; default {@link DEFAULT_MAX_BATCH}. */
  maxBatch?: number;
  /** Idle time after which a session is closed; default {@link DEFAULT_SESSION_IDLE_MS}. */
  sessionIdleMs?: number;
  /** Most concurrent sessions; default {@link DEFAULT_MAX_SESSIONS}. */
  maxSessions?: number;
  /** Default {@link DEFAULT_HEADERS_TIMEOUT_MS}. */
  headersTimeoutMs?: number;
  /** Default {@link DEFAULT_BODY_TIMEOUT_MS}. */
  bodyTimeoutMs?: number;
  /** Default {@link DEFAULT_WRITE_STALL_MS}. */
  writeStallMs?: number;
  /** Default {@link DEFAULT_MAX_CONNECTIONS}. */
  maxConnections?: number;
  /** Default {@link DEFAULT_SESSION_BYTES_IN_FLIGHT}. */
  sessionBytesInFlight?: number;
  /** Default {@link DEFAULT_TOTAL_BYTES_IN_FLIGHT}. */
  totalBytesInFlight?: number;
}

/** A running HTTP server. Disposing it closes every session and stops listening. */
export interface HttpServer extends AsyncDisposable {
  /** URL of the MCP endpoint, e.g. `http://127.0.0.1:8080/mcp`. */
  readonly url: string;
  /** The port actually bound. */
  readonly port: number;
  /** Open sessions. */
  readonly sessionCount: number;
  /** Closes every session, then stops listening. */
  close(): Promise<void>;
}

/** Answers requests for `path` with `handler`; everything else is 404. */
function route(routes: Record<string, Handler>): Handler {
  return (c) =>
    routes[c.url.pathname]?.(c) ??
      Promise.resolve(jsonRpcError(404, -32000, `Not found: the MCP endpoint is ${MCP_PATH}`));
}

/**
 * Starts the Streamable HTTP server; it listens when the promise resolves.
 *
 * @throws {ConfigError} when serving beyond loopback without a token, or an origin is not a URL.
 */
export async function serveHttp(options: HttpServeOptions): Promise<HttpServer> {
  const { ctx, log } = options;
  const host = options.host ?? "127.0.0.1";
  const allowedOrigins = parseAllowedOrigins(options.allowedOrigins ?? []);
  const boundToLoopback = isLoopbackHost(host);
  if (!boundToLoopback && !options.httpToken) {
    // Beyond loopback neither the Host check nor the browser's Origin protects the cache.
    throw new ConfigError([`--host ${host}: serving beyond this machine needs TESTIO_HTTP_TOKEN`], {
      hint: "Without a token anyone who can reach the port could read the cache and start syncs",
      action:
        "Set TESTIO_HTTP_TOKEN to a random string of 16+ characters, or keep the default --host 127.0.0.1",
    });
  }
  const sessions = new SessionStore({
    log,
    createServer: options.createServer ?? (() => createMcpServer(ctx)),
    maxSessions: options.maxSessions ?? DEFAULT_MAX_SESSIONS,
    idleMs: options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS,
    maxBytesInFlight: options.totalBytesInFlight ?? DEFAULT_TOTAL_BYTES_IN_FLIGHT,
    maxRunning: DEFAULT_TOTAL_CONCURRENCY,
    flow: {
      maxBytes: options.sessionBytesInFlight ?? DEFAULT_SESSION_BYTES_IN_FLIGHT,
      maxConcurrent: DEFAULT_SESSION_CONCURRENCY,
    },
  });
  const auth = bearerAuth(options.httpToken);
  const quietTrust: Check[] = [originCheck({ allowedOrigins, boundToLoopback, log: null }), auth];
  const mcp = compose([
    originCheck({ allowedOrigins, boundToLoopback, log }),
    cors(),
    auth,
    bodyLimit({
      maxBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      maxBatch: options.maxBatch ?? DEFAULT_MAX_BATCH,
    }),
  ], sessions.handle);
  const handler = route({
    [HEALTH_PATH]: health(quietTrust, () => ({
      version: ctx.version,
      uptime_s: Math.floor((ctx.now().getTime() - ctx.startedAt.getTime()) / 1000),
      sessions: sessions.size,
    })),
    [MCP_PATH]: mcp,
  });
  const listener = await listen({
    host,
    port: options.port ?? 8080,
    log,
    headersTimeoutMs: options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
    bodyTimeoutMs: options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
    writeStallMs: options.writeStallMs ?? DEFAULT_WRITE_STALL_MS,
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
  }, handler);

  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  let closed: Promise<void> | undefined;
  const close = () =>
    closed ??= (async () => {
      await sessions.close();
      await listener.close();
    })();
  return {
    url: `http://${urlHost}:${listener.port}${MCP_PATH}`,
    port: listener.port,
    get sessionCount() {
      return sessions.size;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
