/**
 * The sessions of the HTTP transport: one MCP server and one SDK web-standard transport per
 * session, opened by `initialize`, found by `Mcp-Session-Id`, closed by DELETE, by the idle sweep
 * or at shutdown. Each session's requests pass its {@link SessionFlow} gate.
 */
import { type Handler, jsonRpcError } from "./check.ts";
import { FlowBudget, requestIds, SessionFlow, type SessionFlowLimits } from "./flow.ts";
import { isInitializeRequest, type McpServer, WebStandardStreamableHTTPServerTransport } from "../sdk.ts";
import type { Logger } from "../../log.ts";
import { errorMessage } from "../../errors.ts";

/** Options of {@link SessionStore}. */
export interface SessionStoreOptions {
  log: Logger;
  /** Builds the MCP server of a new session. */
  createServer: () => { server: McpServer; cleanup: () => Promise<void> };
  maxSessions: number;
  /** Idle time after which a session is closed (a client that vanished never sends DELETE). */
  idleMs: number;
  /** Answers not yet taken by their clients, over all sessions, beyond which requests wait. */
  maxBytesInFlight: number;
  /** Requests running at once over all sessions (sessions take turns). */
  maxRunning: number;
  /** Per-session limits of the flow gate. */
  flow: SessionFlowLimits;
}

interface Session {
  id: string;
  transport: WebStandardStreamableHTTPServerTransport;
  flow: SessionFlow;
  cleanup: () => Promise<void>;
  lastSeen: number;
}

/** Whether a JSON-RPC payload (single or batch) opens a session. */
function opensSession(body: unknown): boolean {
  return Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);
}

/** The open sessions and the handler of `/mcp` requests that passed the checks. */
export class SessionStore implements AsyncDisposable {
  readonly #sessions = new Map<string, Session>();
  readonly #budget: FlowBudget;
  readonly #sweep: ReturnType<typeof setInterval>;
  #closing = false;

  constructor(readonly options: SessionStoreOptions) {
    this.#budget = new FlowBudget(options.maxBytesInFlight, options.maxRunning);
    const { idleMs } = options;
    this.#sweep = setInterval(() => {
      const cutoff = Date.now() - idleMs;
      for (const s of [...this.#sessions.values()]) {
        if (s.lastSeen < cutoff) void this.#closeSession(s.id, "idle");
      }
    }, Math.max(1000, Math.min(60_000, Math.floor(idleMs / 2))));
    Deno.unrefTimer(Number(this.#sweep));
  }

  /** Open sessions. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Answers a `/mcp` request whose body (for POST) the body check parsed into `c.body`. */
  readonly handle: Handler = async (c) => {
    const { req } = c;
    if (!["GET", "POST", "DELETE"].includes(req.method)) {
      return jsonRpcError(405, -32000, `Method ${req.method} not allowed`, { allow: "GET, POST, DELETE" });
    }
    if (this.#closing) return jsonRpcError(503, -32000, "The server is shutting down");
    const body = c.body;
    const sessionId = req.headers.get("mcp-session-id");
    if (sessionId === null) {
      if (req.method === "POST" && opensSession(body)) return await this.#open(c);
      return jsonRpcError(400, -32000, "Bad Request: no Mcp-Session-Id header; send initialize first");
    }
    const session = this.#sessions.get(sessionId);
    if (!session) {
      return jsonRpcError(404, -32001, "Session not found: it expired or was closed; initialize again");
    }
    session.lastSeen = Date.now();
    this.#track(c, session.flow);
    return await session.transport.handleRequest(req, body === undefined ? undefined : { parsedBody: body });
  };

  /** Closes every session; later requests get 503. */
  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#sweep);
    await Promise.all([...this.#sessions.keys()].map((id) => this.#closeSession(id, "server shutdown")));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Counts the answers of a POST against its session's flow, as the listener delivers them. */
  #track(c: Parameters<Handler>[0], flow: SessionFlow): void {
    if (c.req.method !== "POST") return;
    const ids = requestIds(c.body);
    if (!ids.size) return;
    const ticket = flow.open(ids);
    c.delivery = {
      flushed: (bytes) => flow.flushed(ticket, bytes),
      ended: (complete) => flow.ended(ticket, complete),
    };
  }

  async #open(c: Parameters<Handler>[0]): Promise<Response> {
    const { log, maxSessions } = this.options;
    if (this.#sessions.size >= maxSessions) {
      return jsonRpcError(503, -32000, `Too many sessions (${maxSessions}): close unused ones and retry`);
    }
    const { server, cleanup } = this.options.createServer();
    const flow = new SessionFlow(this.#budget, this.options.flow);
    let session: Session | undefined;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (id) => {
        session = { id, transport, flow, cleanup, lastSeen: Date.now() };
        this.#sessions.set(id, session);
        log.debug("http session opened", { session: id });
      },
    });
    // Set before connect: the SDK chains its own close handler after ours.
    transport.onclose = () => {
      if (session) void this.#closeSession(session.id, "transport closed");
    };
    await server.connect(transport);
    flow.attach(transport);
    this.#track(c, flow);
    const response = await transport.handleRequest(c.req, { parsedBody: c.body });
    if (!session) {
      flow.close();
      await cleanup().catch(() => {});
    }
    return response;
  }

  async #closeSession(id: string, reason: string): Promise<void> {
    const session = this.#sessions.get(id);
    if (!session) return;
    this.#sessions.delete(id);
    this.options.log.debug("http session closed", { session: id, reason });
    session.flow.close();
    await session.transport.close().catch(() => {});
    await session.cleanup().catch((err) =>
      this.options.log.warn("closing a session failed", { error: errorMessage(err) })
    );
  }
}
