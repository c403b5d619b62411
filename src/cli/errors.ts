/**
 * How the CLI reports a failure: the three parts on stderr (what, why, what next), secrets redacted,
 * and the exit code the command contract promises.
 */
import { AppError, ConfigError, errorMessage, InputError, SyncBusyError } from "../errors.ts";
import { Redactor } from "../log.ts";
import { sandboxDenial } from "../sandbox.ts";
import { EXIT } from "./command.ts";

/** The exit code for an error: 2 bad arguments or settings, 3 sync lock busy, 1 anything else. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof InputError || err instanceof ConfigError) return EXIT.USAGE;
  if (err instanceof SyncBusyError) return EXIT.BUSY;
  return EXIT.FAILED;
}

/** Formats an error for a person reading a terminal. */
export function formatCliError(err: unknown, secrets: Iterable<string | undefined> = []): string {
  const r = new Redactor(secrets);
  // Deno's own words ("run again with the --allow-… flag") are not how a task or a client starts us.
  if (err instanceof Deno.errors.NotCapable) err = sandboxDenial(err);
  const lines = [`error: ${r.redact(errorMessage(err))}`];
  if (err instanceof AppError) {
    if (err.hint) lines.push(`  cause: ${r.redact(err.hint)}`);
    if (err.action) lines.push(`  next:  ${r.redact(err.action)}`);
  }
  return lines.join("\n");
}
