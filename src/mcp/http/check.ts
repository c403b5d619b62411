/**
 * The shape of the HTTP transport's request checks, in the manner of hono's middleware: a check
 * receives the request context and the next handler, and either answers itself (a refusal, a
 * preflight) or calls `next` and may adjust what comes back. {@link compose} chains them.
 *
 * @example
 * ```ts
 * import { compose, type Check, jsonRpcError } from "./check.ts";
 * const onlyPost: Check = (c, next) =>
 *   c.req.method === "POST" ? next(c) : jsonRpcError(405, -32000, "Method not allowed");
 * const handler = compose([onlyPost], () => Promise.resolve(new Response("ok")));
 * ```
 */

/** What the listener learns about the delivery of a response body (for flow control). */
export interface Delivery {
  /** `bytes` of the body reached the client's socket. */
  flushed(bytes: number): void;
  /** The body ended; `complete` is false when the client went away or stopped reading. */
  ended(complete: boolean): void;
}

/** One request on its way through the checks. */
export interface HttpContext {
  readonly req: Request;
  readonly url: URL;
  /** The parsed JSON body of a POST, set by the body check. */
  body?: unknown;
  /** Set by the handler that streams a response it wants to hear about. */
  delivery?: Delivery;
}

/** The end of a chain: answers a request. */
export type Handler = (c: HttpContext) => Promise<Response>;

/** One link of a chain: answers itself or passes to `next`. */
export type Check = (c: HttpContext, next: Handler) => Response | Promise<Response>;

/** Chains `checks` in order in front of `last`. */
export function compose(checks: readonly Check[], last: Handler): Handler {
  return checks.reduceRight<Handler>((next, check) => async (c) => await check(c, next), last);
}

/** A JSON-RPC error response (the shape MCP clients expect even for transport-level refusals). */
export function jsonRpcError(
  status: number,
  code: number,
  message: string,
  headers: HeadersInit = {},
): Response {
  return Response.json({ jsonrpc: "2.0", error: { code, message }, id: null }, { status, headers });
}
