/**
 * The tasks of deno.json read as commands, so that the scripts and tests that build the program
 * (bundle, npm package) run exactly what `deno task` runs, with the same permissions.
 *
 * @example
 * ```ts
 * declare const root: string; // the repository folder, ending in "/"
 * const bundle = await readTask(root, "bundle");
 * // { env: { DENO_TLS_CA_STORE: "mozilla,system" }, args: ["bundle", "--platform", "deno", …] }
 * ```
 * @module
 */
import { type DenoTask, parseTask, type PermissionSet, type TaskEntry, taskText } from "../src/task_flags.ts";

export type { DenoTask };

/**
 * The environment of a `deno` command that downloads (npm packages, esbuild for `deno bundle`,
 * denort for `deno compile`): Deno's own certificate store lacks the CA of a TLS-inspecting proxy,
 * the system store has it.
 */
export const DOWNLOAD_ENV: Readonly<Record<string, string>> = Object.freeze({
  DENO_TLS_CA_STORE: "mozilla,system",
});

interface DenoConfig {
  tasks?: Record<string, TaskEntry>;
  permissions?: Record<string, PermissionSet>;
}

async function readConfig(root: string): Promise<DenoConfig> {
  return JSON.parse(await Deno.readTextFile(`${root}deno.json`)) as DenoConfig;
}

/** The command line of each task of `<root>deno.json`. */
export async function readTasks(root: string): Promise<Record<string, string>> {
  const tasks = (await readConfig(root)).tasks ?? {};
  return Object.fromEntries(Object.entries(tasks).map(([name, entry]) => [name, taskText(entry)]));
}

/** The permission sets of `<root>deno.json`. */
export async function readPermissionSets(root: string): Promise<Record<string, PermissionSet>> {
  return (await readConfig(root)).permissions ?? {};
}

/** The task `name` of `<root>deno.json` as a command. */
export async function readTask(root: string, name: string): Promise<DenoTask> {
  const text = (await readTasks(root))[name];
  if (text === undefined) throw new Error(`deno.json has no task '${name}'`);
  return parseTask(name, text);
}
