/**
 * A {@link CliIO} for running commands in-process: stdout and stderr are collected, the environment is
 * the test's own.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { syncCommand } from "../../src/cli/sync.ts";
 * import { fakeFixture } from "./fixture.ts";
 *
 * await using fx = await fakeFixture({ scale: "S" });
 * const io = captureIO(fx.env);
 * assert.equal(await syncCommand.run(["--json"], io), 0);
 * JSON.parse(io.out());
 * ```
 */
import type { CliIO } from "../../src/cli/command.ts";

/** A CliIO that records what a command writes. */
export interface CapturedIO extends CliIO {
  out(): string;
  err(): string;
}

/** A CliIO over `env`; `isTerminal` makes progress render as a terminal bar. */
export function captureIO(env: Record<string, string>, isTerminal = false): CapturedIO {
  let out = "";
  let err = "";
  return {
    env,
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    isTerminal,
    signal: new AbortController().signal,
    out: () => out,
    err: () => err,
  };
}
