/**
 * The tasks and permission sets of deno.json, read the way `deno task` reads them, for the tests that
 * check least privilege: a task's permissions are its `--allow-*` flags plus the permission set it
 * loads with `-P=<name>`.
 *
 * @example
 * ```ts
 * taskCommand("demo"); // "deno run … -P=settings … main.ts demo"
 * taskPermission("start", "env"); // the variables of the "settings" permission set
 * taskPermission("migrate", "net"); // null: no network
 * ```
 */
import { ROOT } from "./mcp.ts";

type Task = string | { description?: string; command: string };
type PermissionSet = Record<string, boolean | string[]>;

const config = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)) as {
  tasks: Record<string, Task>;
  permissions?: Record<string, PermissionSet>;
};

/** The command line of a task. */
export function taskCommand(name: string): string {
  const task = config.tasks[name];
  if (task === undefined) throw new Error(`deno.json has no task '${name}'`);
  return typeof task === "string" ? task : task.command;
}

/** The description `deno task` lists for a task, if it has one. */
export function taskDescription(name: string): string | undefined {
  const task = config.tasks[name];
  return typeof task === "string" ? undefined : task?.description;
}

/** A permission set of deno.json. */
export function permissionSet(name: string): PermissionSet {
  const set = config.permissions?.[name];
  if (!set) throw new Error(`deno.json has no permission set '${name}'`);
  return set;
}

/**
 * What one kind of permission (`read`, `env`…) a task grants: the values of its `--allow-<kind>` flag
 * or of the permission set it loads (`[]` for a bare flag or `true`), or null when it grants none.
 */
export function taskPermission(task: string, kind: string): string[] | null {
  const line = taskCommand(task);
  const flag = new RegExp(`(?:^| )--allow-${kind}(?:=(\\S+))?(?: |$)`).exec(line);
  if (flag) return (flag[1] ?? "").split(",").filter(Boolean);
  const set = /(?:^| )(?:-P|--permission-set)=(\S+)(?: |$)/.exec(line)?.[1];
  const granted = set === undefined ? undefined : permissionSet(set)[kind];
  if (granted === undefined || granted === false) return null;
  return granted === true ? [] : [...granted];
}
