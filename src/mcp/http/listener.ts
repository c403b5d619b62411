/**
 * The HTTP listener: `node:http` turned into web `Request`s for the checks, with the resources of
 * every connection bounded. `Deno.serve` offers no header or body timeouts; in Deno's `node:http`
 * (measured on 2.9.6) `server.headersTimeout` and `server.requestTimeout` have no effect, while
 * `socket.setTimeout` and socket events work, so the deadlines below are timers on the socket:
 *
 * - a connection must finish its request headers within `headersTimeoutMs` (also the keep-alive
 *   idle time between requests), and its body within `bodyTimeoutMs` after the headers;
 * - at most `maxConnections` connections are open; past that, the connection that has waited
 *   longest for its client's headers or body is closed to make room (a connection busy with an
 *   answer is never closed for this; when all are busy, the new connection is refused);
 * - a response body is pulled only as fast as the client reads it: a write waits for the socket to
 *   drain, and a client that takes no data for `writeStallMs` is disconnected;
 * - a dropped client costs one concise debug line, never a stack trace.
 */
import http from "node:http";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import type { Handler, HttpContext } from "./check.ts";
import { jsonRpcError } from "./check.ts";
import type { Logger } from "../../log.ts";
import { errorMessage } from "../../errors.ts";

/** Options of {@link listen}. */
export interface ListenerOptions {
  host: string;
  port: number;
  log: Logger;
  /** Time to send the request headers (and the idle time of a kept-alive connection). */
  headersTimeoutMs: number;
  /** Time to send the body once the headers are in. */
  bodyTimeoutMs: number;
  /** Time a response may wait for a client that reads nothing before the connection is closed. */
  writeStallMs: number;
  /** Most connections open at once. */
  maxConnections: number;
}

/** A listening HTTP server. */
export interface Listener {
  readonly port: number;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** Starts listening; resolves once the port is bound. */
export async function listen(options: ListenerOptions, handler: Handler): Promise<Listener> {
  const { log } = options;
  const sockets = new Set<Socket>();
  const deadlines = new Map<Socket, ReturnType<typeof setTimeout>>();

  const clearDeadline = (socket: Socket) => {
    clearTimeout(deadlines.get(socket));
    deadlines.delete(socket);
  };

  /** Closes `socket` unless cleared before `ms`; `what` says what it did not finish. */
  const deadline = (socket: Socket, ms: number, what: string) => {
    clearDeadline(socket);
    // Re-inserted, so the map stays in the order the waits began (oldest first, see below).
    deadlines.set(
      socket,
      setTimeout(() => {
        log.debug("http connection closed", { reason: `${what} not received within ${ms} ms` });
        socket.destroy();
      }, ms),
    );
  };

  const server = http.createServer();
  server.on("connection", (socket: Socket) => {
    socket.on("error", () => {}); // a reset by the peer is reported by 'close'
    if (sockets.size >= options.maxConnections) {
      // At the cap, the connection that has waited longest for its client to send something makes
      // room: clients that hold connections open without sending cannot lock out the others.
      const waiting = deadlines.keys().next();
      if (waiting.done) {
        log.debug("http connection refused", { reason: `more than ${options.maxConnections} connections` });
        socket.destroy();
        return;
      }
      log.debug("http connection closed", { reason: "the connection limit needed room" });
      clearDeadline(waiting.value);
      waiting.value.destroy();
      sockets.delete(waiting.value);
    }
    sockets.add(socket);
    deadline(socket, options.headersTimeoutMs, "request headers");
    socket.once("close", () => {
      sockets.delete(socket);
      clearDeadline(socket);
    });
  });
  server.on("clientError", (err: Error, socket: Socket) => {
    log.debug("http connection closed", { reason: errorMessage(err) });
    socket.destroy();
  });
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    req.on("error", () => {});
    res.on("error", () => {});
    if (
      req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS" || req.method === "DELETE"
    ) {
      clearDeadline(socket);
    } else {
      deadline(socket, options.bodyTimeoutMs, "request body");
      req.once("end", () => clearDeadline(socket));
    }
    res.once("finish", () => {
      if (!socket.destroyed) deadline(socket, options.headersTimeoutMs, "request headers");
    });
    void answer(req, res, handler, options);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;

  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        for (const t of deadlines.values()) clearTimeout(t);
        deadlines.clear();
      }),
  };
}

/** The web request of a node request. */
function toRequest(req: http.IncomingMessage): { request: Request; url: URL } {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  const method = req.method ?? "GET";
  const body = method === "GET" || method === "HEAD"
    ? undefined
    : Readable.toWeb(req) as ReadableStream<Uint8Array>;
  return { request: new Request(url, { method, headers, body, duplex: "half" } as RequestInit), url };
}

async function answer(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  handler: Handler,
  options: ListenerOptions,
): Promise<void> {
  const { log } = options;
  let c: HttpContext | undefined;
  let response: Response;
  try {
    const { request, url } = toRequest(req);
    c = { req: request, url };
    response = await handler(c);
  } catch (err) {
    if (req.destroyed || res.destroyed) {
      // The client went away mid-request (e.g. while sending its body): nothing to answer, and
      // nothing to log (the connection's own 'clientError' line said it already).
      c?.delivery?.ended(false);
      return;
    }
    log.error("http request failed", { error: errorMessage(err) });
    response = jsonRpcError(500, -32603, "Internal error");
  }
  const complete = await deliver(response, res, req.method === "HEAD", options, c?.delivery);
  c?.delivery?.ended(complete);
}

/** Writes `response` to `res` as fast as the client reads it; false when the client went away. */
async function deliver(
  response: Response,
  res: http.ServerResponse,
  head: boolean,
  options: ListenerOptions,
  delivery?: { flushed(bytes: number): void },
): Promise<boolean> {
  if (res.destroyed) {
    await response.body?.cancel().catch(() => {});
    return false;
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => headers[k] = v);
  res.writeHead(response.status, headers);
  if (!response.body || head) {
    await response.body?.cancel().catch(() => {});
    res.end();
    return true;
  }
  res.flushHeaders();
  const reader = response.body.getReader();
  let gone = false;
  const onClose = () => {
    if (!res.writableFinished) {
      gone = true;
      reader.cancel().catch(() => {});
    }
  };
  res.once("close", onClose);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || gone) break;
      const bytes = value.byteLength;
      const ok = res.write(value, (err) => {
        if (!err) delivery?.flushed(bytes);
      });
      if (!ok && !await drained(res, options.writeStallMs)) {
        if (!gone) {
          options.log.info("http client stopped reading; connection closed", {
            stalled_ms: options.writeStallMs,
          });
        }
        gone = true;
        await reader.cancel().catch(() => {});
        res.destroy();
        break;
      }
    }
  } catch (err) {
    gone = true;
    options.log.debug("http response ended early", { error: errorMessage(err) });
  }
  res.off("close", onClose);
  if (!gone) res.end();
  else if (!res.destroyed) res.destroy();
  return !gone;
}

/** Whether `res` drained within `ms` (false on timeout or when the connection closed). */
function drained(res: http.ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(() => done(false), ms);
    res.once("drain", onDrain);
    res.once("close", onClose);
  });
}
