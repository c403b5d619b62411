/**
 * Streamable HTTP transport: `Deno.serve` in front of the SDK's web-standard transport, one MCP
 * server and transport per session, all built from the same {@link AppContext} (one database, one
 * sync scheduler).
 *
 * Guards, in order: `GET /health` answers without credentials; every other request must come from a
 * loopback or allowed `Origin` (DNS-rebinding protection — a browser page on another site must not
 * reach a server on 127.0.0.1), and, when bound to loopback, carry a loopback `Host`; CORS preflights
 * are answered then; with a token set, `Authorization: Bearer <token>` (compared in constant time);
 * POST bodies are bounded. Binding beyond loopback requires a token.
 *
 * @example
 * ```ts
 * import type { AppContext } from "./context.ts";
 *
 * declare const ctx: AppContext;
 * await using http = serveHttp({ ctx, log: ctx.log, port: 0, httpToken: ctx.config.httpToken });
 * console.error(`MCP at ${http.url}`); // http://127.0.0.1:53121/mcp
 * ```
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { AppContext } from "./context.ts";
import { isInitializeRequest, type McpServer, WebStandardStreamableHTTPServerTransport } from "./sdk.ts";
import { createMcpServer } from "./server.ts";
import type { Logger } from "../log.ts";
import { ConfigError, errorMessage } from "../errors.ts";

/** Path of the MCP endpoint. */
export const MCP_PATH = "/mcp";
/** Path of the health check. */
export const HEALTH_PATH = "/health";
/** Default bound on a POST body: MCP requests are small; 1 MiB leaves ample room. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Sessions not used for this long are closed (a client that vanished never sends DELETE). */
export const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;
/** At most this many concurrent sessions; more is a misbehaving client, not a workload. */
export const DEFAULT_MAX_SESSIONS = 100;

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
  /** Idle time after which a session is closed; default {@link DEFAULT_SESSION_IDLE_MS}. */
  sessionIdleMs?: number;
  /** Most concurrent sessions; default {@link DEFAULT_MAX_SESSIONS}. */
  maxSessions?: number;
}

/** A running HTTP server. Disposing it closes every session and stops listening. */
export interface HttpServer extends AsyncDisposable {
  /** URL of the MCP endpoint, e.g. `http://127.0.0.1:8080/mcp`. */
  readonly url: string;
  /** The port actually bound. */
  readonly port: number;
  /** Open sessions. */
  readonly sessionCount: number;
  /** Closes every session, then stops listening (in-flight requests finish first). */
  close(): Promise<void>;
}

interface Session {
  id: string;
  transport: WebStandardStreamableHTTPServerTransport;
  cleanup: () => Promise<void>;
  lastSeen: number;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** The hostname of an `Origin` or `Host` value, or null when it cannot be parsed. */
function hostnameOf(value: string, withScheme: boolean): string | null {
  try {
    return new URL(withScheme ? value : `http://${value}`).hostname;
  } catch {
    return null;
  }
}

/** A JSON-RPC error response (the shape MCP clients expect even for transport-level refusals). */
function jsonRpcError(status: number, code: number, message: string, headers: HeadersInit = {}): Response {
  return Response.json({ jsonrpc: "2.0", error: { code, message }, id: null }, { status, headers });
}

/** Reads a body up to `max` bytes; null when it is larger (the rest is not read). */
async function readBounded(req: Request, max: number): Promise<Uint8Array | null> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > max) return null;
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.byteLength;
  }
  return body;
}

/** Whether a JSON-RPC payload (single or batch) opens a session. */
function opensSession(body: unknown): boolean {
  return Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);
}

/**
 * Starts the Streamable HTTP server; it listens when this returns.
 *
 * @throws when the address cannot be bound (e.g. the port is in use).
 */
export function serveHttp(options: HttpServeOptions): HttpServer {
  const { ctx, log } = options;
  const host = options.host ?? "127.0.0.1";
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const idleMs = options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const factory = options.createServer ?? (() => createMcpServer(ctx));
  const allowedOrigins = new Set(
    (options.allowedOrigins ?? []).map((o) => {
      try {
        return new URL(o).origin;
      } catch {
        throw new ConfigError([`allowed HTTP origin ${JSON.stringify(o)} is not a URL`], {
          action: "List origins as scheme://host[:port], e.g. https://app.example.com",
        });
      }
    }),
  );
  const allowedHosts = new Set([...allowedOrigins].map((o) => new URL(o).hostname));
  const boundToLoopback = isLoopbackHost(host);
  if (!boundToLoopback && !options.httpToken) {
    // Beyond loopback neither the Host check nor the browser's Origin protects the cache.
    throw new ConfigError([`--host ${host}: serving beyond this machine needs TESTIO_HTTP_TOKEN`], {
      hint: "Without a token anyone who can reach the port could read the cache and start syncs",
      action:
        "Set TESTIO_HTTP_TOKEN to a random string of 16+ characters, or keep the default --host 127.0.0.1",
    });
  }
  const tokenDigest = options.httpToken ? createHash("sha256").update(options.httpToken).digest() : null;
  const sessions = new Map<string, Session>();
  let closing = false;

  const corsHeaders = (origin: string | null): Record<string, string> =>
    origin
      ? {
        "access-control-allow-origin": origin,
        "access-control-expose-headers": "mcp-session-id, mcp-protocol-version, www-authenticate",
        vary: "origin",
      }
      : {};

  /** Refusal of a request's origin or host; null when it may proceed. */
  const originGuard = (req: Request): Response | null => {
    const origin = req.headers.get("origin");
    if (origin !== null) {
      const hostname = hostnameOf(origin, true);
      const ok = hostname !== null &&
        (isLoopbackHost(hostname) || allowedOrigins.has(new URL(origin).origin));
      if (!ok) {
        log.warn("http request refused: origin not allowed", { origin });
        return jsonRpcError(403, -32000, `Forbidden: origin ${origin} is not allowed`);
      }
    }
    if (boundToLoopback) {
      const hostHeader = req.headers.get("host");
      const hostname = hostHeader === null ? null : hostnameOf(hostHeader, false);
      if (hostname === null || !(isLoopbackHost(hostname) || allowedHosts.has(hostname))) {
        log.warn("http request refused: host not allowed", { host: hostHeader });
        return jsonRpcError(403, -32000, `Forbidden: host ${hostHeader ?? "(none)"} is not allowed`);
      }
    }
    return null;
  };

  /** Refusal of a request without the bearer token (when one is set); null when it may proceed. */
  const authGuard = (req: Request): Response | null => {
    const origin = req.headers.get("origin");
    if (tokenDigest) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.get("authorization") ?? "");
      const given = m ? createHash("sha256").update(m[1]).digest() : null;
      if (!given || !timingSafeEqual(given, tokenDigest)) {
        return jsonRpcError(401, -32001, "Unauthorized: send Authorization: Bearer <TESTIO_HTTP_TOKEN>", {
          "www-authenticate": `Bearer realm="testio-mcp"${m ? ', error="invalid_token"' : ""}`,
          ...corsHeaders(origin),
        });
      }
    }
    return null;
  };

  const closeSession = async (id: string, reason: string) => {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    log.debug("http session closed", { session: id, reason });
    await session.transport.close().catch(() => {});
    await session.cleanup().catch((err) =>
      log.warn("closing a session failed", { error: errorMessage(err) })
    );
  };

  const openSession = async (req: Request, body: unknown): Promise<Response> => {
    if (sessions.size >= maxSessions) {
      return jsonRpcError(503, -32000, `Too many sessions (${maxSessions}): close unused ones and retry`);
    }
    const { server, cleanup } = factory();
    let session: Session | undefined;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (id) => {
        session = { id, transport, cleanup, lastSeen: Date.now() };
        sessions.set(id, session);
        log.debug("http session opened", { session: id });
      },
    });
    // Set before connect: the SDK chains its own close handler after ours.
    transport.onclose = () => {
      if (session) void closeSession(session.id, "transport closed");
    };
    await server.connect(transport);
    const response = await transport.handleRequest(req, { parsedBody: body });
    if (!session) await cleanup().catch(() => {});
    return response;
  };

  const handleMcp = async (req: Request): Promise<Response> => {
    if (!["GET", "POST", "DELETE"].includes(req.method)) {
      return jsonRpcError(405, -32000, `Method ${req.method} not allowed`, { allow: "GET, POST, DELETE" });
    }
    if (closing) return jsonRpcError(503, -32000, "The server is shutting down");
    let body: unknown;
    if (req.method === "POST") {
      const bytes = await readBounded(req, maxBody);
      if (bytes === null) {
        return jsonRpcError(413, -32000, `Request body too large: at most ${maxBody} bytes`);
      }
      try {
        body = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        return jsonRpcError(400, -32700, "Parse error: the body is not valid JSON");
      }
    }
    const sessionId = req.headers.get("mcp-session-id");
    if (sessionId === null) {
      if (req.method === "POST" && opensSession(body)) return await openSession(req, body);
      return jsonRpcError(400, -32000, "Bad Request: no Mcp-Session-Id header; send initialize first");
    }
    const session = sessions.get(sessionId);
    if (!session) {
      return jsonRpcError(404, -32001, "Session not found: it expired or was closed; initialize again");
    }
    session.lastSeen = Date.now();
    return await session.transport.handleRequest(req, body === undefined ? undefined : { parsedBody: body });
  };

  const handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    if (url.pathname === HEALTH_PATH) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        return new Response("Method not allowed", { status: 405, headers: { allow: "GET, HEAD" } });
      }
      return Response.json({
        status: "ok",
        version: ctx.version,
        uptime_s: Math.floor((ctx.now().getTime() - ctx.startedAt.getTime()) / 1000),
        sessions: sessions.size,
      });
    }
    if (url.pathname !== MCP_PATH) {
      return jsonRpcError(404, -32000, `Not found: the MCP endpoint is ${MCP_PATH}`);
    }
    const refused = originGuard(req);
    if (refused) return refused;
    // Browsers send CORS preflights without credentials, so they are answered before the token check.
    if (req.method === "OPTIONS") {
      return new Response(null, {
        status: 204,
        headers: {
          ...corsHeaders(req.headers.get("origin")),
          "access-control-allow-methods": "GET, POST, DELETE",
          "access-control-allow-headers":
            "content-type, accept, authorization, mcp-session-id, mcp-protocol-version, last-event-id",
        },
      });
    }
    const unauthorized = authGuard(req);
    if (unauthorized) return unauthorized;
    try {
      const response = await handleMcp(req);
      const cors = corsHeaders(req.headers.get("origin"));
      for (const [k, v] of Object.entries(cors)) response.headers.set(k, v);
      return response;
    } catch (err) {
      log.error("http request failed", { error: errorMessage(err), stack: (err as Error)?.stack });
      return jsonRpcError(500, -32603, "Internal error");
    }
  };

  const server = Deno.serve({
    hostname: host,
    port: options.port ?? 8080,
    // The default onListen prints to stdout; our logs go to stderr through the logger.
    onListen: () => {},
    onError: (err) => {
      log.error("http handler failed", { error: errorMessage(err) });
      return jsonRpcError(500, -32603, "Internal error");
    },
  }, handler);
  const addr = server.addr;

  const sweep = setInterval(() => {
    const cutoff = Date.now() - idleMs;
    for (const s of [...sessions.values()]) if (s.lastSeen < cutoff) void closeSession(s.id, "idle");
  }, Math.max(1000, Math.min(60_000, Math.floor(idleMs / 2))));
  Deno.unrefTimer(sweep);

  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  let closed: Promise<void> | undefined;
  const close = () =>
    closed ??= (async () => {
      closing = true;
      clearInterval(sweep);
      await Promise.all([...sessions.keys()].map((id) => closeSession(id, "server shutdown")));
      await server.shutdown();
    })();

  return {
    url: `http://${urlHost}:${addr.port}${MCP_PATH}`,
    port: addr.port,
    get sessionCount() {
      return sessions.size;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
