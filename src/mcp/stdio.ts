/**
 * MCP over stdio with a bound on the size of a message. The SDK's stdio transport buffers a line of
 * any length up to 10 MiB and, past that, closes the transport: the server ended without a word.
 * Here a line longer than {@link MAX_MESSAGE_BYTES} (the same bound as an HTTP body) is skipped
 * as it streams in, never held whole, and answered with a JSON-RPC error (carrying the request's
 * id when it can be read from the line's start or end); the server keeps serving. A line that is
 * not JSON-RPC gets a parse error. Lines are split in linear time.
 *
 * @example
 * ```ts
 * import { BoundedStdioTransport } from "./stdio.ts";
 * import type { McpServer } from "./sdk.ts";
 * declare const server: McpServer;
 * await server.connect(new BoundedStdioTransport());
 * ```
 */
import process from "node:process";
import { type JSONRPCMessage, JSONRPCMessageSchema, type Transport } from "./sdk.ts";
import { MAX_MESSAGE_BYTES } from "./limits.ts";

/** How much of a skipped line's start and end is kept to find its request id. */
const EDGE_BYTES = 256;

type Readable = Pick<typeof process.stdin, "on" | "off" | "pause" | "listenerCount">;
type Writable = Pick<typeof process.stdout, "write" | "once">;

/** A stdio server transport that refuses oversized messages instead of closing. */
export class BoundedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport["onmessage"];

  readonly #stdin: Readable;
  readonly #stdout: Writable;
  readonly #maxBytes: number;
  #chunks: Uint8Array[] = [];
  #size = 0;
  /** Set while the current line is over the limit: only its edges are kept. */
  #skipping: { head: Uint8Array; tail: Uint8Array } | null = null;

  constructor(
    options: { stdin?: Readable; stdout?: Writable; maxBytes?: number } = {},
  ) {
    this.#stdin = options.stdin ?? process.stdin;
    this.#stdout = options.stdout ?? process.stdout;
    this.#maxBytes = options.maxBytes ?? MAX_MESSAGE_BYTES;
  }

  start(): Promise<void> {
    this.#stdin.on("data", this.#onData);
    this.#stdin.on("error", this.#onError);
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.#stdout.write(JSON.stringify(message) + "\n")) resolve();
      else this.#stdout.once("drain", () => resolve());
    });
  }

  close(): Promise<void> {
    this.#stdin.off("data", this.#onData);
    this.#stdin.off("error", this.#onError);
    if (this.#stdin.listenerCount("data") === 0) this.#stdin.pause();
    this.#chunks = [];
    this.#size = 0;
    this.#skipping = null;
    this.onclose?.();
    return Promise.resolve();
  }

  readonly #onError = (error: Error) => this.onerror?.(error);

  readonly #onData = (chunk: Uint8Array | string) => {
    const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
    let start = 0;
    for (;;) {
      const newline = bytes.indexOf(10, start);
      this.#append(bytes.subarray(start, newline === -1 ? bytes.length : newline));
      if (newline === -1) return;
      this.#endLine();
      start = newline + 1;
    }
  };

  #append(piece: Uint8Array): void {
    if (!piece.byteLength) return;
    this.#size += piece.byteLength;
    if (this.#skipping) {
      this.#skipping.tail = lastBytes(this.#skipping.tail, piece);
      return;
    }
    if (this.#size > this.#maxBytes) {
      const held = concat(this.#chunks, this.#size - piece.byteLength);
      this.#skipping = { head: held.slice(0, EDGE_BYTES), tail: lastBytes(held, piece) };
      this.#chunks = [];
      return;
    }
    // Copied: the stream may reuse the chunk's memory.
    this.#chunks.push(piece.slice());
  }

  #endLine(): void {
    const size = this.#size;
    const skipped = this.#skipping;
    const line = skipped ? null : concat(this.#chunks, size);
    this.#chunks = [];
    this.#size = 0;
    this.#skipping = null;
    if (skipped) {
      const id = requestIdOf(new TextDecoder().decode(skipped.head), new TextDecoder().decode(skipped.tail));
      this.onerror?.(new Error(`stdio message of ${size} bytes refused: at most ${this.#maxBytes}`));
      void this.send({
        jsonrpc: "2.0",
        id: id as string | number,
        error: {
          code: -32600,
          message: `Message too large: ${size} bytes, at most ${this.#maxBytes}; ` +
            `send a smaller request (e.g. fewer ids, or several calls)`,
        },
      } as JSONRPCMessage);
      return;
    }
    const text = new TextDecoder().decode(line!).replace(/\r$/, "");
    if (!text.trim()) return;
    let message: JSONRPCMessage;
    try {
      message = JSONRPCMessageSchema.parse(JSON.parse(text));
    } catch (err) {
      this.onerror?.(err instanceof Error ? err : new Error(String(err)));
      void this.send({
        jsonrpc: "2.0",
        id: null,
        error: { code: -32700, message: "Parse error: the line is not a JSON-RPC message" },
      } as unknown as JSONRPCMessage);
      return;
    }
    this.onmessage?.(message);
  }
}

/** The id of a JSON-RPC request from the start or the end of its text, else null. */
export function requestIdOf(head: string, tail: string): string | number | null {
  const value =
    /^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")/.exec(head)?.[1] ??
      /"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")\s*\}\s*$/.exec(tail)?.[1];
  if (value === undefined) return null;
  try {
    const id: unknown = JSON.parse(value);
    return typeof id === "number" || typeof id === "string" ? id : null;
  } catch {
    return null;
  }
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** The last {@link EDGE_BYTES} of `a` followed by `b`. */
function lastBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (b.byteLength >= EDGE_BYTES) return b.slice(b.byteLength - EDGE_BYTES);
  const keep = Math.min(a.byteLength, EDGE_BYTES - b.byteLength);
  return concat([a.subarray(a.byteLength - keep), b], keep + b.byteLength);
}
