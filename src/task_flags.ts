/**
 * The permission and V8 flags of the `deno task`s, read from deno.json (embedded in the program,
 * the bundle and the binary): the one place where the least privilege of each command is written.
 * The npm package's launcher and the configuration `setup` prints for a bundle use exactly these.
 *
 * @example
 * ```ts
 * taskFlags("sync", "/home/me"); // ["--v8-flags=…", "--allow-net=api.test.io,…", "--allow-read=.,/home/me/.testio-mcp", …]
 * ```
 * @module
 */
import config from "../deno.json" with { type: "json" };

/** A task's command line: the variables it sets and the arguments it gives `deno`. */
export interface DenoTask {
  env: Record<string, string>;
  /** What follows `deno`. */
  args: string[];
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

/**
 * The flags of every task that runs `main.ts <command>`, by command (`start` and `serve` both serve:
 * the first one wins, and a test checks that they agree).
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
    flags[rest[main + 1]] ??= rest.slice(0, main);
  }
  return flags;
}

/** `$HOME` and `${HOME}` in a task's flag, as the task runner expands them. */
export function expandHome(flag: string, home: string): string {
  return flag.replaceAll(/\$\{HOME\}|\$HOME\b/g, home);
}

/** The flags of the task that runs `command`, with HOME expanded; null when no task runs it. */
export function taskFlags(command: string, home: string): string[] | null {
  const flags = launchFlags((config as { tasks: Record<string, string> }).tasks)[command];
  return flags ? flags.map((f) => expandHome(f, home)) : null;
}
