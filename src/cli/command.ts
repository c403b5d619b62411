/**
 * The shape of a CLI command and its exit codes. `main.ts` parses the command name and hands the
 * remaining arguments to the command, which parses its own flags with `node:util` `parseArgs`.
 *
 * @example
 * ```ts
 * export const migrateCommand: Command = {
 *   name: "migrate",
 *   summary: "Apply or roll back schema migrations",
 *   usage: "migrate [up|down [N]|status]",
 *   help: "Options:\n  --json   print the result as JSON",
 *   run: (_args, io) => {
 *     io.stdout("schema is up to date\n");
 *     return Promise.resolve(EXIT.OK);
 *   },
 * };
 * ```
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { InputError } from "../errors.ts";

/** Exit codes shared by every command (docs/contract.md). */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, BUSY: 3 } as const;

/** Where a command writes. stdout is for results (and MCP messages); everything else goes to stderr. */
export interface CliIO {
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal (progress bars). */
  isTerminal: boolean;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
}

/** A CLI command. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** The help text after the usage line. */
  help: string;
  run(args: string[], io: CliIO): Promise<number>;
}

/** Options every command that reads settings accepts. */
export const COMMON_OPTIONS = {
  "env-file": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

/**
 * Parses flags strictly: an unknown flag or a missing value is an InputError naming it, with a
 * hint to run `--help`.
 */
export function parseFlags<O extends NonNullable<ParseArgsConfig["options"]>>(
  command: string,
  args: string[],
  options: O,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options: { ...COMMON_OPTIONS, ...options }, allowPositionals, strict: true });
  } catch (err) {
    const msg = (err as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    throw new InputError(`${command}: ${msg}`, {
      action: `Run 'testio-mcp ${command} --help' for the flags`,
      cause: err,
    });
  }
}

/** Formats a command's help. */
export function helpText(c: Command): string {
  return `Usage: testio-mcp ${c.usage}\n\n${c.summary}\n\n${c.help}`.trimEnd() + "\n";
}
