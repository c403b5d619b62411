/**
 * How the CLI reports a failure: the three parts on stderr (what, why, what next), secrets redacted,
 * and the exit code the command contract promises.
 */
import { AppError, ConfigError, errorMessage, InputError, SyncBusyError } from "../errors.ts";
import { Redactor } from "../log.ts";
import { sandboxDenial } from "../sandbox.ts";
import { EXIT, helpHint } from "./command.ts";

/** The exit code for an error: 2 bad arguments or settings, 3 sync lock busy, 1 anything else. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof InputError || err instanceof ConfigError) return EXIT.USAGE;
  if (err instanceof SyncBusyError) return EXIT.BUSY;
  return EXIT.FAILED;
}

/**
 * A failure as every command prints it: `error: what`, then `  cause: …` and `  next:  …` when known.
 * One style for the whole command line, whether the failure is thrown or reported in a summary.
 */
export function formatProblem(what: string, cause?: string, next?: string): string {
  const lines = [`error: ${what}`];
  if (cause) lines.push(`  cause: ${cause}`);
  if (next) lines.push(`  next:  ${next}`);
  return lines.join("\n");
}

/**
 * Formats an error for a person reading a terminal. Bad arguments to `command` that name no next
 * step get one: the command's help.
 */
export function formatCliError(
  err: unknown,
  secrets: Iterable<string | undefined> = [],
  command?: string,
): string {
  const r = new Redactor(secrets);
  // Deno's own words ("run again with the --allow-… flag") are not how a task or a client starts us.
  if (err instanceof Deno.errors.NotCapable) err = sandboxDenial(err);
  const app = err instanceof AppError ? err : undefined;
  const next = app?.action ?? (err instanceof InputError && command ? helpHint(command) : undefined);
  return formatProblem(r.redact(errorMessage(err)), app?.hint && r.redact(app.hint), next && r.redact(next));
}
