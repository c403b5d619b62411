/**
 * Domain errors. Every error carries what a person needs to act on it: the message says what went
 * wrong, `hint` the likely cause and `action` what to do next. The MCP layer renders the three parts;
 * the CLI prints them on stderr.
 *
 * @example
 * ```ts
 * throw new NotFoundError("Test 123 not found", {
 *   hint: "It may not be synced yet or the token cannot see it",
 *   action: "Call list_tests with its product_id, or sync_data",
 * });
 * ```
 */

/** Options shared by every {@link AppError}. */
export interface AppErrorOptions {
  /** The likely cause, in words a user understands. */
  hint?: string;
  /** What to do next. */
  action?: string;
  /** The underlying error. */
  cause?: unknown;
}

/** Base class of every error this program raises on purpose. */
export class AppError extends Error {
  override name = "AppError";
  readonly hint?: string;
  readonly action?: string;

  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.hint = options.hint;
    this.action = options.action;
  }
}

/** Bad input from a person or an assistant: tool arguments, CLI flags, date phrases. */
export class InputError extends AppError {
  override name = "InputError";
}

/** A requested entity does not exist in the cache (or in the API). */
export class NotFoundError extends AppError {
  override name = "NotFoundError";
}

/** Invalid settings; `issues` holds one line per bad variable. */
export class ConfigError extends AppError {
  override name = "ConfigError";
  readonly issues: string[];
  constructor(issues: string[], options: AppErrorOptions = {}) {
    super(`Invalid settings:\n${issues.map((i) => `  - ${i}`).join("\n")}`, options);
    this.issues = issues;
  }
}

/**
 * The settings error of a command or sync that needs the API token when none is configured.
 * `demoCommand` is the demo as the person runs it (`src/launch.ts`, a layer above, renders it).
 */
export function missingTokenError(demoCommand = "testio-mcp demo"): ConfigError {
  return new ConfigError(["TESTIO_CUSTOMER_API_TOKEN=(unset): required to reach the TestIO API"], {
    hint: "Create a token in TestIO under Integrations → API (https://testcloud.test.io/account/api)",
    action: `Set TESTIO_CUSTOMER_API_TOKEN in your environment or .env (or try '${demoCommand}')`,
  });
}

/**
 * The TestIO API answered with an error or could not be reached. `status` is the HTTP status,
 * 408 for a timeout and 0 for a network error. `url` never contains the token.
 */
export class UpstreamError extends AppError {
  override name = "UpstreamError";
  readonly status: number;
  readonly url: string;
  constructor(message: string, status: number, url: string, options: AppErrorOptions = {}) {
    super(message, options);
    this.status = status;
    this.url = url;
  }
}

/** A payload from the API did not have the documented shape. */
export class PayloadError extends AppError {
  override name = "PayloadError";
}

/** Another sync holds the lock. */
export class SyncBusyError extends AppError {
  override name = "SyncBusyError";
  readonly holder: { pid: number; host: string; startedAt: string };
  constructor(holder: { pid: number; host: string; startedAt: string }) {
    super(
      `Sync already in progress (pid ${holder.pid} on ${holder.host}, started at ${holder.startedAt})`,
      {
        hint: "Another sync process or the server's background sync is writing the cache",
        action: "Wait for it to finish (the data stays readable meanwhile), then retry",
      },
    );
    this.holder = holder;
  }
}

/** The database cannot be used as it is (newer schema, not a SQLite file, pending migrations). */
export class DatabaseStateError extends AppError {
  override name = "DatabaseStateError";
}

/** An operation was cancelled through its AbortSignal. */
export class CancelledError extends AppError {
  override name = "CancelledError";
  constructor(message = "Operation cancelled", options: AppErrorOptions = {}) {
    super(message, options);
  }
}

/** Turns any thrown value into a message string without a stack trace. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
