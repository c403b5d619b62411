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

/**
 * The environment of a `deno` command that downloads (npm packages, esbuild for `deno bundle`,
 * denort for `deno compile`): Deno's own certificate store lacks the CA of a TLS-inspecting proxy,
 * the system store has it.
 */
export const DOWNLOAD_ENV: Readonly<Record<string, string>> = Object.freeze({
  DENO_TLS_CA_STORE: "mozilla,system",
});

/** A task's command line: the variables it sets and the arguments it gives `deno`. */
export interface DenoTask {
  env: Record<string, string>;
  /** What follows `deno`. */
  args: string[];
}

/** The `tasks` of `<root>deno.json`. */
export async function readTasks(root: string): Promise<Record<string, string>> {
  const config = JSON.parse(await Deno.readTextFile(`${root}deno.json`)) as {
    tasks?: Record<string, string>;
  };
  return config.tasks ?? {};
}

/**
 * Splits a task that runs one `deno` command (`NAME=value … deno ARGS`) into its variables and
 * arguments; `$HOME` and other variables are left as written.
 *
 * @throws {Error} when the task is a pipeline or runs something other than `deno`.
 */
export function parseTask(name: string, text: string): DenoTask {
  if (/[|&;<>`]/.test(text)) throw new Error(`task '${name}' is not a single deno command: ${text}`);
  const words = text.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
    const word = words.shift()!;
    env[word.slice(0, word.indexOf("="))] = word.slice(word.indexOf("=") + 1);
  }
  if (words.shift() !== "deno") throw new Error(`task '${name}' does not run deno: ${text}`);
  return { env, args: words };
}

/** The task `name` of `<root>deno.json` as a command. */
export async function readTask(root: string, name: string): Promise<DenoTask> {
  const text = (await readTasks(root))[name];
  if (text === undefined) throw new Error(`deno.json has no task '${name}'`);
  return parseTask(name, text);
}

/**
 * The permission and V8 flags of every task that runs `main.ts <command>`, by command: what a
 * launcher must pass to run the same command with the same least privilege.
 *
 * @example
 * ```ts
 * launchFlags({ sync: "deno run --allow-net=api.test.io main.ts sync" });
 * // { sync: ["--allow-net=api.test.io"] }
 * ```
 */
export function launchFlags(tasks: Record<string, string>): Record<string, string[]> {
  const flags: Record<string, string[]> = {};
  for (const [name, text] of Object.entries(tasks)) {
    let task: DenoTask;
    try {
      task = parseTask(name, text);
    } catch {
      continue;
    }
    const [verb, ...rest] = task.args;
    const main = rest.indexOf("main.ts");
    if (verb !== "run" || main < 0 || rest.length !== main + 2) continue;
    const command = rest[main + 1];
    // `start` and `serve` may both run serve: the first one wins, they must agree (a test checks).
    flags[command] ??= rest.slice(0, main);
  }
  return flags;
}
