/**
 * Flow control of the HTTP sessions: how much response data may wait for a client that does not
 * read. Requests of a session are dispatched to the MCP server through a gate: at most
 * `maxConcurrent` at a time, and none while the session's answers not yet taken by its client
 * exceed `maxBytes`, or all sessions' together exceed the shared budget (a session whose client
 * has taken everything may always go on). A client that stops
 * reading therefore holds at most about one budget of answers, not its whole batch; when it goes
 * away, its queued requests are answered with an error (so the SDK releases them) and never run.
 *
 * Bytes are counted per POST ("ticket"): the size of each answer sent on it, less what the
 * listener reports as flushed to the socket.
 */
import type { JSONRPCMessage, WebStandardStreamableHTTPServerTransport } from "../sdk.ts";

type RequestId = string | number;
type Transport = WebStandardStreamableHTTPServerTransport;
type OnMessage = NonNullable<Transport["onmessage"]>;
type Extra = Parameters<OnMessage>[1];

/** The answers of one POST on their way to the client. */
export class Ticket {
  produced = 0;
  flushed = 0;
  constructor(readonly ids: ReadonlySet<RequestId>) {}
  /** Bytes answered but not yet flushed. */
  get outstanding(): number {
    return Math.max(0, this.produced - this.flushed);
  }
}

/** The budget all sessions share, and the turn order between them. */
export class FlowBudget {
  readonly #flows = new Set<SessionFlow>();
  #running = 0;
  #scheduling = false;
  /**
   * @param maxBytes answers not yet flushed, over all sessions, beyond which requests wait
   * @param maxRunning requests running at once over all sessions; sessions take turns
   */
  constructor(readonly maxBytes: number, readonly maxRunning: number) {}
  /** Bytes answered and not yet flushed, over every session. */
  get outstanding(): number {
    let sum = 0;
    for (const f of this.#flows) sum += f.outstanding;
    return sum;
  }
  add(flow: SessionFlow): void {
    this.#flows.add(flow);
  }
  delete(flow: SessionFlow): void {
    this.#flows.delete(flow);
    this.wake();
  }
  /** A request finished (answered, cancelled or its session closed). */
  finished(count = 1): void {
    this.#running = Math.max(0, this.#running - count);
    this.wake();
  }
  /**
   * Dispatches what the limits now allow, one request per session per turn, so a client that
   * queued a large batch does not keep the others waiting behind it.
   */
  wake(): void {
    if (this.#scheduling) return;
    this.#scheduling = true;
    try {
      let progressed = true;
      while (progressed && this.#running < this.maxRunning) {
        progressed = false;
        for (const f of [...this.#flows]) {
          if (this.#running >= this.maxRunning) break;
          if (f.dispatchOne()) {
            this.#running++;
            progressed = true;
            // The session that was served goes to the back of the line.
            this.#flows.delete(f);
            this.#flows.add(f);
          }
        }
      }
    } finally {
      this.#scheduling = false;
    }
  }
}

/** Limits of one session. */
export interface SessionFlowLimits {
  /** Answers not yet flushed beyond which no further request of the session starts. */
  maxBytes: number;
  /** Requests of the session running at once. */
  maxConcurrent: number;
}

/** The request ids of a JSON-RPC body (single message or batch). */
export function requestIds(body: unknown): Set<RequestId> {
  const ids = new Set<RequestId>();
  for (const m of Array.isArray(body) ? body : [body]) {
    if (isRequest(m)) ids.add(m.id);
  }
  return ids;
}

function isRequest(m: unknown): m is { id: RequestId; method: string } {
  if (typeof m !== "object" || m === null) return false;
  const r = m as Record<string, unknown>;
  return typeof r.method === "string" && (typeof r.id === "string" || typeof r.id === "number");
}

function responseId(m: JSONRPCMessage): RequestId | undefined {
  const r = m as Record<string, unknown>;
  return !("method" in r) && (typeof r.id === "string" || typeof r.id === "number") ? r.id : undefined;
}

function cancelledId(m: JSONRPCMessage): RequestId | undefined {
  const r = m as { method?: unknown; params?: { requestId?: unknown } };
  const id = r.method === "notifications/cancelled" ? r.params?.requestId : undefined;
  return typeof id === "string" || typeof id === "number" ? id : undefined;
}

/** The gate between one session's transport and its MCP server. */
export class SessionFlow {
  readonly #queue: { message: JSONRPCMessage & { id: RequestId }; extra: Extra }[] = [];
  readonly #tickets = new Set<Ticket>();
  /** Requests dispatched and not yet answered (a cancelled request gets no answer). */
  readonly #running = new Set<RequestId>();
  #deliver: OnMessage | undefined;
  #send: Transport["send"] | undefined;

  constructor(readonly budget: FlowBudget, readonly limits: SessionFlowLimits) {
    budget.add(this);
  }

  /** Bytes answered on this session and not yet flushed. */
  get outstanding(): number {
    let sum = 0;
    for (const t of this.#tickets) sum += t.outstanding;
    return sum;
  }

  /** Puts the gate between `transport` and the server connected to it (call after `connect`). */
  attach(transport: Transport): void {
    const deliver = transport.onmessage;
    if (!deliver) throw new Error("attach the flow after connecting the server");
    this.#deliver = deliver;
    transport.onmessage = (message, extra) => {
      if (isRequest(message)) {
        this.#queue.push({ message: message as JSONRPCMessage & { id: RequestId }, extra });
        this.pump();
        return;
      }
      const cancelled = cancelledId(message);
      deliver(message, extra);
      if (cancelled !== undefined && this.#running.delete(cancelled)) this.budget.finished();
    };
    const send = transport.send.bind(transport);
    this.#send = send;
    // In SSE mode the SDK keeps every answer of a POST until all of them are sent, only to learn
    // that each was; a small stand-in keeps that knowledge without holding the answer (a batch of
    // 100 large answers would otherwise stay in memory as long as its slowest client).
    const retained = (transport as unknown as { _requestResponseMap?: unknown })._requestResponseMap;
    transport.send = async (message, options) => {
      const id = responseId(message);
      try {
        return await send(message, options);
      } finally {
        if (id !== undefined) {
          if (retained instanceof Map && retained.has(id)) {
            retained.set(id, { jsonrpc: "2.0", id, result: {} });
          }
          this.#answered(id, JSON.stringify(message).length);
        }
      }
    };
  }

  /** Starts counting the answers of one POST carrying `ids`. */
  open(ids: ReadonlySet<RequestId>): Ticket {
    const ticket = new Ticket(ids);
    this.#tickets.add(ticket);
    return ticket;
  }

  /** `bytes` of a ticket's answers reached the client. */
  flushed(ticket: Ticket, bytes: number): void {
    ticket.flushed += bytes;
    this.budget.wake();
  }

  /** The response of a ticket ended; when incomplete, its queued requests are dropped. */
  ended(ticket: Ticket, complete: boolean): void {
    this.#tickets.delete(ticket);
    if (!complete) {
      const dropped = this.#queue.filter((q) => ticket.ids.has(q.message.id));
      if (dropped.length) {
        this.#queue.splice(
          0,
          this.#queue.length,
          ...this.#queue.filter((q) => !ticket.ids.has(q.message.id)),
        );
        for (const { message } of dropped) {
          // The SDK releases a POST's bookkeeping once every request of it has an answer.
          void this.#send?.({
            jsonrpc: "2.0",
            id: message.id,
            error: { code: -32000, message: "The client went away before this request ran" },
          }).catch(() => {});
        }
      }
    }
    this.budget.wake();
  }

  /** Lets the shared scheduler dispatch what the limits now allow. */
  pump(): void {
    this.budget.wake();
  }

  /** Dispatches the next queued request if the limits allow; whether it did. */
  dispatchOne(): boolean {
    const deliver = this.#deliver;
    if (
      !deliver || !this.#queue.length || this.#running.size >= this.limits.maxConcurrent ||
      !this.#withinBudget()
    ) return false;
    const { message, extra } = this.#queue.shift()!;
    this.#running.add(message.id);
    // A macrotask, not a microtask: tool handlers read SQLite synchronously, and a chain of them
    // must leave the event loop free to accept connections and answer other clients in between.
    setTimeout(() => deliver(message, extra), 0);
    return true;
  }

  /**
   * Whether answers may be produced: the session's own are below its bound and all sessions' are
   * below the shared one. A session whose client has taken everything may always go on, so that
   * clients which read keep being served while others stall.
   */
  #withinBudget(): boolean {
    const own = this.outstanding;
    return own === 0 || (own < this.limits.maxBytes && this.budget.outstanding < this.budget.maxBytes);
  }

  /** Forgets queued requests (the session closed). */
  close(): void {
    this.#queue.length = 0;
    this.#tickets.clear();
    const running = this.#running.size;
    this.#running.clear();
    this.budget.delete(this);
    this.budget.finished(running);
  }

  #answered(id: RequestId, bytes: number): void {
    const finished = this.#running.delete(id);
    for (const t of this.#tickets) {
      if (t.ids.has(id)) {
        t.produced += bytes;
        break;
      }
    }
    if (finished) this.budget.finished();
    else this.pump();
  }
}
