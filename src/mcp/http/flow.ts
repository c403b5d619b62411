/**
 * Flow control of the HTTP sessions: how much response data may wait for a client that does not
 * read. Requests of a session are dispatched to the MCP server through a gate: at most
 * `maxConcurrent` at a time, and none while the session's answers not yet taken by its client
 * exceed `maxBytes`, or all sessions' together exceed the shared budget. A client that stops
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

/** The budget all sessions share. */
export class FlowBudget {
  readonly #flows = new Set<SessionFlow>();
  constructor(readonly maxBytes: number) {}
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
  /** Lets every session dispatch what the budget now allows. */
  wake(): void {
    for (const f of this.#flows) f.pump();
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
      if (cancelled !== undefined && this.#running.delete(cancelled)) this.pump();
    };
    const send = transport.send.bind(transport);
    this.#send = send;
    transport.send = async (message, options) => {
      const id = responseId(message);
      try {
        return await send(message, options);
      } finally {
        if (id !== undefined) this.#answered(id, JSON.stringify(message).length);
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

  /** Dispatches queued requests while the limits allow. */
  pump(): void {
    const deliver = this.#deliver;
    if (!deliver) return;
    while (
      this.#queue.length && this.#running.size < this.limits.maxConcurrent &&
      this.outstanding < this.limits.maxBytes && this.budget.outstanding < this.budget.maxBytes
    ) {
      const { message, extra } = this.#queue.shift()!;
      this.#running.add(message.id);
      deliver(message, extra);
    }
  }

  /** Forgets queued requests (the session closed). */
  close(): void {
    this.#queue.length = 0;
    this.#tickets.clear();
    this.#running.clear();
    this.budget.delete(this);
  }

  #answered(id: RequestId, bytes: number): void {
    this.#running.delete(id);
    for (const t of this.#tickets) {
      if (t.ids.has(id)) {
        t.produced += bytes;
        break;
      }
    }
    this.pump();
  }
}
