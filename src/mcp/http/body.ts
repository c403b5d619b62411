/**
 * The body check: a POST body is read up to a byte limit (declared or streamed), parsed as JSON,
 * and a JSON-RPC batch may hold a bounded number of messages. The parsed body goes on to the
 * session handler in `c.body`.
 */
import { type Check, jsonRpcError } from "./check.ts";

/** Options of {@link bodyLimit}. */
export interface BodyLimitOptions {
  maxBytes: number;
  /** Most messages in one JSON-RPC batch. */
  maxBatch: number;
}

/** Reads, bounds and parses POST bodies. */
export function bodyLimit(options: BodyLimitOptions): Check {
  const { maxBytes, maxBatch } = options;
  return async (c, next) => {
    if (c.req.method !== "POST") return next(c);
    const bytes = await readBounded(c.req, maxBytes);
    if (bytes === null) {
      return jsonRpcError(413, -32000, `Request body too large: at most ${maxBytes} bytes`);
    }
    try {
      c.body = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return jsonRpcError(400, -32700, "Parse error: the body is not valid JSON");
    }
    if (Array.isArray(c.body) && c.body.length > maxBatch) {
      return jsonRpcError(
        400,
        -32600,
        `Batch too large: ${c.body.length} messages, at most ${maxBatch} per request; ` +
          `send the calls in smaller batches`,
      );
    }
    return next(c);
  };
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
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}
