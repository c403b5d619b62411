/**
 * The tasks of deno.json read as commands, so that the scripts and tests that build the program
 * (bundle, npm package) run exactly what `deno task` runs, with the same permissions.
 *
 * @example
 * ```ts
 * const bundle = await readTask(ROOT, "bundle");
 * // { env: { DENO_TLS_CA_STORE: "mozilla,system" }, args: ["bundle", "--platform", "deno", …] }
 * ```
 * @module
 */
import { type DenoTask, parseTask } from "../src/task_flags.ts";

export type { DenoTask };

/**
 * The environment of a `deno` command that downloads (npm packages, esbuild for `deno bundle`,
 * denort for `deno compile`): Deno's own certificate store lacks the CA of a TLS-inspecting proxy,
 * the system store has it.
 */
export const DOWNLOAD_ENV: Readonly<Record<string, string>> = Object.freeze({
  DENO_TLS_CA_STORE: "mozilla,system",
});

/** The `tasks` of `<root>deno.json`. */
export async function readTasks(root: string): Promise<Record<string, string>> {
  const config = JSON.parse(await Deno.readTextFile(`${root}deno.json`)) as {
    tasks?: Record<string, string>;
  };
  return config.tasks ?? {};
}

/** The task `name` of `<root>deno.json` as a command. */
export async function readTask(root: string, name: string): Promise<DenoTask> {
  const text = (await readTasks(root))[name];
  if (text === undefined) throw new Error(`deno.json has no task '${name}'`);
  return parseTask(name, text);
}
