/**
 * How a tool is declared and answered. A tool is a name, a description that tells the assistant
 * when to use it, zod input and output schemas, annotations and a handler returning typed data. The
 * server turns the data into `structuredContent` plus the same JSON as text, and any error into
 * the three-part message of docs/contract.md.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 *
 * export const pingTool = defineTool({
 *   name: "ping",
 *   title: "Ping",
 *   description: "Answers pong.",
 *   input: z.object({}),
 *   output: z.object({ pong: z.boolean() }),
 *   annotations: READ_ONLY,
 *   handler: () => ({ pong: true }),
 * });
 * ```
 */
import { z } from "zod";
import type { AppContext } from "./context.ts";
import type { CallToolResult, ToolAnnotations } from "./sdk.ts";
import {
  AppError,
  CancelledError,
  errorMessage,
  InputError,
  NotFoundError,
  UpstreamError,
} from "../errors.ts";
import type { Logger } from "../log.ts";

/**
 * A paragraph written over several source lines, as the one line a client shows: each line break
 * and the indentation around it become one space.
 *
 * @example
 * ```ts
 * prose`Lists products.
 *   Start here.`; // "Lists products. Start here."
 * ```
 */
export function prose(strings: TemplateStringsArray, ...values: unknown[]): string {
  return String.raw({ raw: strings }, ...values).replace(/\s*\n\s*/g, " ");
}

/** Annotations of a tool that only reads the local cache. */
export const READ_ONLY: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

/** Annotations of a cache reader that may refresh stale rows from the TestIO API first. */
export const READ_ONLY_REFRESHING: ToolAnnotations = { ...READ_ONLY, openWorldHint: true };

/** What a handler receives besides its arguments. */
export interface ToolCall {
  ctx: AppContext;
  /** Aborted when the client cancels the request or the server shuts down. */
  signal: AbortSignal;
  /** Sends an MCP progress notification when the request carried a progress token. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
}

/** A declared tool. */
export interface ToolDefinition<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  /** Other names the tool answers to (deprecated or convenience aliases). */
  aliases?: string[];
  handler(args: z.output<I>, call: ToolCall): z.input<O> | Promise<z.input<O>>;
}

/** Declares a tool, keeping the handler's argument and result types tied to the schemas. */
export function defineTool<I extends z.ZodType, O extends z.ZodType>(
  def: ToolDefinition<I, O>,
): ToolDefinition {
  return def as unknown as ToolDefinition;
}

/** The JSON Schemas a tool advertises in `tools/list`. */
export function toolJsonSchemas(
  def: ToolDefinition,
): { inputSchema: Record<string, unknown>; outputSchema: Record<string, unknown> } {
  const strip = (s: Record<string, unknown>) => {
    const { $schema: _ignored, ...rest } = s;
    return rest;
  };
  return {
    inputSchema: strip(
      z.toJSONSchema(def.input, { io: "input", unrepresentable: "any" }) as Record<string, unknown>,
    ),
    outputSchema: strip(
      z.toJSONSchema(def.output, { io: "output", unrepresentable: "any" }) as Record<string, unknown>,
    ),
  };
}

/** The three parts of an error message. */
export interface ErrorParts {
  what: string;
  why: string;
  next: string;
}

/** Turns a zod error on tool arguments into one readable line per issue. */
function describeZodError(err: z.ZodError): string {
  return err.issues.map((i) => {
    const path = i.path.length ? `'${i.path.join(".")}'` : "arguments";
    if (i.code === "unrecognized_keys") return `unknown argument(s): ${i.keys.join(", ")}`;
    if (i.message.startsWith("'")) return i.message;
    if (i.code === "invalid_type" && i.message.includes("undefined")) return `${path} is required`;
    return `${path}: ${i.message}`;
  }).join("; ");
}

/** Chooses the three parts for an error thrown by a tool. */
export function errorParts(err: unknown, toolName: string): ErrorParts {
  if (err instanceof z.ZodError) {
    return {
      what: `Invalid arguments for ${toolName}: ${describeZodError(err)}`,
      why: "An argument is missing, has the wrong type, or is out of range",
      next: `Check the input schema of ${toolName} (tools/list) and call it again`,
    };
  }
  if (err instanceof CancelledError) {
    return {
      what: err.message,
      why: err.hint ?? "The request was cancelled",
      next: err.action ?? "Call the tool again",
    };
  }
  if (err instanceof NotFoundError || err instanceof InputError) {
    return {
      what: err.message,
      why: err.hint ??
        (err instanceof NotFoundError ? "It may not be synced yet" : "An argument is not valid"),
      next: err.action ?? "Correct the arguments and call the tool again",
    };
  }
  if (err instanceof UpstreamError) {
    return {
      what: err.message,
      why: err.hint ?? "The TestIO API could not be reached or refused the request",
      next: err.action ?? "Retry later; cached data stays available through the other tools",
    };
  }
  if (err instanceof AppError) {
    return {
      what: err.message,
      why: err.hint ?? "See the server log",
      next: err.action ?? "Retry, or check the log",
    };
  }
  return {
    what: `Internal error in ${toolName}: ${errorMessage(err)}`,
    why: "An unexpected condition in the server",
    next: "Retry; if it persists, run get_server_diagnostics and report the server log",
  };
}

/**
 * The three-part, redacted text of an error (also used for resource and prompt errors); logs
 * unexpected errors with their stack.
 */
export function errorText(err: unknown, toolName: string, log: Logger): string {
  const parts = errorParts(err, toolName);
  const r = log.redactor;
  if (!(err instanceof AppError) && !(err instanceof z.ZodError)) {
    log.error("tool failed", { tool: toolName, error: errorMessage(err), stack: (err as Error)?.stack });
  }
  return `❌ ${r.redact(parts.what)}\nℹ️ ${r.redact(parts.why)}\n💡 ${r.redact(parts.next)}`;
}

/** Renders an error as the `isError` result of docs/contract.md. */
export function errorResult(err: unknown, toolName: string, log: Logger): CallToolResult {
  return { isError: true, content: [{ type: "text", text: errorText(err, toolName, log) }] };
}

/** Renders data as `structuredContent` plus the same compact JSON as text. */
export function dataResult(data: Record<string, unknown>): CallToolResult {
  return { structuredContent: data, content: [{ type: "text", text: JSON.stringify(data) }] };
}
