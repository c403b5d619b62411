/**
 * The permission and V8 flags of the `deno task`s, read from deno.json (embedded in the program,
 * the bundle and the binary): the one place where the least privilege of each command is written.
 * The npm package's launcher and the configuration `setup` prints for a bundle use exactly these.
 *
 * @example
 * ```ts
 * taskFlags("sync", "/home/me"); // ["--v8-flags=…", "--allow-net=api.test.io,…", "--allow-read=.,/home/me/.testio-mcp", …]
 * // (a `-P=settings` of the task comes out as the flags of that permission set)
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

/** A task of deno.json: its command line, or an object with the command and a description. */
export type TaskEntry = string | { description?: string; command: string };

/** A permission set of deno.json (`"permissions": { "settings": { "env": [...] } }`). */
export type PermissionSet = Record<string, boolean | string[] | { allow?: boolean | string[] }>;

/** The command line of a task entry. */
export function taskText(entry: TaskEntry): string {
  return typeof entry === "string" ? entry : entry.command;
}

/**
 * `-P=<set>` (`--permission-set=<set>`) written out as the `--allow-*` flags of that set of
 * deno.json, so that the flags also work where no deno.json is read (`deno run --no-config`).
 */
export function expandPermissionSets(flags: string[], sets: Record<string, PermissionSet>): string[] {
  return flags.flatMap((flag) => {
    const name = /^(?:-P|--permission-set)=(.+)$/.exec(flag)?.[1];
    if (name === undefined) return [flag];
    const set = sets[name];
    if (!set) throw new Error(`deno.json has no permission set '${name}'`);
    return Object.entries(set).flatMap(([kind, value]) => {
      const granted = typeof value === "object" && !Array.isArray(value) ? value.allow : value;
      if (granted === true) return [`--allow-${kind}`];
      if (Array.isArray(granted)) return [`--allow-${kind}=${granted.join(",")}`];
      return [];
    });
  });
}

/**
 * The flags of every task that runs `main.ts <command>`, by command, with permission sets written out
 * (`start` and `serve` both serve: the first one wins, and a test checks that they agree).
 *
 * @example
 * ```ts
 * launchFlags({ sync: "deno run --allow-net=api.test.io main.ts sync" });
 * // { sync: ["--allow-net=api.test.io"] }
 * ```
 */
export function launchFlags(
  tasks: Record<string, TaskEntry>,
  sets: Record<string, PermissionSet> = {},
): Record<string, string[]> {
  const flags: Record<string, string[]> = {};
  for (const [name, entry] of Object.entries(tasks)) {
    let task: DenoTask;
    try {
      task = parseTask(name, taskText(entry));
    } catch {
      continue;
    }
    const [verb, ...rest] = task.args;
    const main = rest.indexOf("main.ts");
    if (verb !== "run" || main < 0 || rest.length !== main + 2) continue;
    flags[rest[main + 1]] ??= expandPermissionSets(rest.slice(0, main), sets);
  }
  return flags;
}

/** `$HOME` and `${HOME}` in a task's flag, as the task runner expands them. */
export function expandHome(flag: string, home: string): string {
  return flag.replaceAll(/\$\{HOME\}|\$HOME\b/g, home);
}

/** The flags of the task that runs `command`, with HOME expanded; null when no task runs it. */
export function taskFlags(command: string, home: string): string[] | null {
  const { tasks, permissions } = config as {
    tasks: Record<string, TaskEntry>;
    permissions?: Record<string, PermissionSet>;
  };
  const flags = launchFlags(tasks, permissions)[command];
  return flags ? flags.map((f) => expandHome(f, home)) : null;
}
