/**
 * Logging to stderr, as text or JSON lines, with secret redaction built in: every message and every
 * string field passes through {@link Redactor} before it is written. stdout belongs to the MCP
 * protocol and is never touched here.
 *
 * @example
 * ```ts
 * const token = "secret-token";
 * const log = createLogger({ level: "info", format: "text", secrets: [token] });
 * log.info("sync finished", { products: 3 });
 * log.warn(`request with ${token} failed`); // "… request with [REDACTED] failed"
 * ```
 */

/** Log levels, least to most severe. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = typeof LOG_LEVELS[number];
export type LogFormat = "text" | "json";
export type LogFields = Record<string, unknown>;

/** The logger every module receives. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
  /** The redactor in force, for code that builds messages outside the logger. */
  readonly redactor: Redactor;
}

const AUTH_HEADER = /(authorization"?\s*[:=]\s*"?)(token|bearer)\s+[^\s",;]+/gi;

/**
 * Replaces known secrets and any `Authorization: Token|Bearer <value>` with `[REDACTED]`.
 */
export class Redactor {
  readonly #secrets: string[];

  constructor(secrets: Iterable<string | undefined | null> = []) {
    // Only non-trivial strings: redacting "a" would shred every message.
    this.#secrets = [...secrets].filter((s): s is string => typeof s === "string" && s.length >= 4)
      .sort((a, b) => b.length - a.length);
  }

  /** Returns `text` with every secret replaced. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) {
      if (out.includes(secret)) out = out.split(secret).join("[REDACTED]");
    }
    return out.replace(AUTH_HEADER, "$1$2 [REDACTED]");
  }

  /** Deeply redacts the strings inside a JSON-like value. */
  redactValue(value: unknown): unknown {
    if (typeof value === "string") return this.redact(value);
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v));
    if (value instanceof Error) return this.redact(value.message);
    if (value && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        out[k] = /token|authorization|password|secret/i.test(k) && typeof v === "string"
          ? "[REDACTED]"
          : this.redactValue(v);
      }
      return out;
    }
    return value;
  }
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  secrets?: Iterable<string | undefined | null>;
  /** Where lines go; stderr unless a test captures them. */
  sink?: (line: string) => void;
}

const encoder = new TextEncoder();
function writeStderr(line: string): void {
  try {
    Deno.stderr.writeSync(encoder.encode(line + "\n"));
  } catch {
    // stderr closed (the client went away): nothing useful left to do with a log line.
  }
}

/** Creates a logger writing to stderr. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const redactor = new Redactor(options.secrets ?? []);
  const min = LOG_LEVELS.indexOf(options.level ?? "info");
  const format = options.format ?? "text";
  const sink = options.sink ?? writeStderr;

  const make = (bound: LogFields): Logger => {
    const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
      if (LOG_LEVELS.indexOf(level) < min) return;
      const all = redactor.redactValue({ ...bound, ...fields }) as LogFields;
      const text = redactor.redact(msg);
      const time = new Date().toISOString();
      if (format === "json") {
        sink(JSON.stringify({ time, level, msg: text, ...all }));
      } else {
        const extra = Object.entries(all).map(([k, v]) =>
          `${k}=${typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v)}`
        ).join(" ");
        sink(`${time} ${level.toUpperCase().padEnd(5)} ${text}${extra ? " " + extra : ""}`);
      }
    };
    return {
      debug: (m, f) => emit("debug", m, f),
      info: (m, f) => emit("info", m, f),
      warn: (m, f) => emit("warn", m, f),
      error: (m, f) => emit("error", m, f),
      child: (fields) => make({ ...bound, ...fields }),
      redactor,
    };
  };
  return make({});
}

/** A logger that drops everything (for library use and quiet tests). */
export function silentLogger(): Logger {
  return createLogger({ level: "error", sink: () => {} });
}
