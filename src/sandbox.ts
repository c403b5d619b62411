/**
 * Messages for file operations that fail for a reason outside the program: Deno's sandbox refused the
 * access (`NotCapable`: the process was started without the permission), the operating system refused
 * it (`PermissionDenied`: owner and mode), the file system is read-only, or the disk is full. Each gets
 * its own message that names the path, the setting that chose it and how to widen or fix it, instead of
 * Deno's "run again with the --allow-write flag" (which is not how a `deno task` command or an MCP
 * client starts the program).
 *
 * How to widen the sandbox depends on how the program was started; {@link widenAdvice} is the one
 * place that words it.
 *
 * @example
 * ```ts
 * const dir = "/home/me/.testio-mcp";
 * try {
 *   Deno.mkdirSync(dir, { recursive: true });
 * } catch (err) {
 *   const ctx = { access: "write", path: dir, setting: "TESTIO_DB_PATH", what: "create the cache folder" } as const;
 *   throw fileTrouble(err, ctx) ?? err;
 * }
 * ```
 */
import { dirname, resolve, sep } from "node:path";
import { AppError } from "./errors.ts";
import { commandHint as launchCommand, currentLaunch } from "./launch.ts";

/** The access Deno checks for a path. */
export type FileAccess = "read" | "write";

/** What was being done, for {@link fileTrouble}. */
export interface FileContext {
  access: FileAccess;
  /** The path that was refused. */
  path: string;
  /** The setting that chose the path (TESTIO_DB_PATH, TESTIO_REPORTS_DIR), if any. */
  setting?: string;
  /** What the program tried, as a phrase: "create the cache folder", "write the report". */
  what: string;
}

/** Why a file operation failed, when the reason lies outside the program. */
export type FileTroubleKind = "sandbox" | "os-permission" | "read-only" | "disk-full";

/** A file operation refused by the sandbox, the operating system or the file system. */
export class FileAccessError extends AppError {
  override name = "FileAccessError";
  readonly kind: FileTroubleKind;
  readonly path: string;
  constructor(
    kind: FileTroubleKind,
    path: string,
    message: string,
    hint: string,
    action: string,
    cause: unknown,
  ) {
    super(message, { hint, action, cause });
    this.kind = kind;
    this.path = path;
  }
}

/**
 * Where the permissions of this process come from: the flags it was started with (a checkout's task,
 * a client configuration or a bundle), those baked into a compiled binary, or the npm package's fixed
 * launcher.
 */
export type Launch = "binary" | "npm" | "checkout";

/** The {@link Launch} of this process, from how it was started (`src/launch.ts`). */
export function launchKind(): Launch {
  const { kind } = currentLaunch();
  return kind === "binary" ? "binary" : kind === "npx" || kind === "npm" ? "npm" : "checkout";
}

/** Whether Deno grants `access` to `path` without asking. */
function granted(access: FileAccess, path?: string): boolean {
  const descriptor: Deno.PermissionDescriptor = path === undefined
    ? { name: access }
    : { name: access, path };
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

/** The value of `get()`, or undefined where the sandbox does not allow it. */
function allowed<T>(get: () => T): T | undefined {
  try {
    return get();
  } catch {
    return undefined;
  }
}

/** Home-relative spelling of a path, for messages. */
function tilde(path: string): string {
  const home = allowed(() => Deno.env.get("HOME"));
  return home && (path === home || path.startsWith(home + sep)) ? `~${path.slice(home.length)}` : path;
}

/**
 * The folders this process may access, among those the program uses (the data folder under HOME and
 * the working directory): Deno cannot list its own allow-list, so the likely ones are asked about.
 */
export function grantedFolders(access: FileAccess): string[] {
  const home = allowed(() => Deno.env.get("HOME"));
  const cwd = allowed(() => Deno.cwd());
  const all = [...(home ? [`${home}/.testio-mcp`] : []), ...(cwd ? [cwd] : [])];
  return [...new Set(all.map((p) => resolve(p)))].filter((p) => granted(access, p));
}

/**
 * What to do when the sandbox refuses `access` to `path`: keep the setting inside a folder the
 * process may use, or start it with wider permissions, in the words of the way it was started.
 */
export function widenAdvice(
  access: FileAccess,
  path: string,
  setting?: string,
  launch = launchKind(),
): string {
  // Absolute in flags: a shell does not expand "~" after "=".
  const folder = dirname(resolve(path));
  // A setting names a file the program writes (the cache, reports): it needs both accesses.
  const inside = setting ? grantedFolders("write").map(tilde) : [];
  const keep = inside.length ? `Point ${setting} inside ${inside.join(" or ")}, or ` : "";
  const flag = setting || access === "write"
    ? `--allow-read=${folder} and --allow-write=${folder}`
    : `--allow-read=${folder}`;
  const advice = (() => {
    switch (launch) {
      case "checkout":
        return `${keep}add ${flag} to the permissions it starts with: the task's flags in deno.json, or the ` +
          "deno arguments in your MCP client's configuration";
      case "npm":
        // The package's launcher starts Deno with the tasks' flags, which the client cannot change.
        return `${keep}run it from a checkout (where ${flag} can be added to the task's flags in deno.json): ` +
          "the npm package starts Deno with the fixed permissions of the tasks";
      case "binary":
        return `${keep}use a build whose baked-in permissions include ${folder} (see \`deno task compile\`)`;
    }
  })();
  return advice[0].toUpperCase() + advice.slice(1);
}

const CODES_READ_ONLY = new Set(["EROFS"]);
const CODES_FULL = new Set(["ENOSPC", "EDQUOT"]);

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function whoAmI(): string {
  const uid = allowed(() => Deno.uid());
  return uid === null || uid === undefined ? "this user" : `uid ${uid}`;
}

/**
 * Turns a sandbox, permission, read-only or disk-full failure into a {@link FileAccessError} with its
 * own message; returns null for any other error (the caller keeps its own handling).
 */
export function fileTrouble(err: unknown, ctx: FileContext): FileAccessError | null {
  if (err instanceof FileAccessError) return err;
  const by = ctx.setting ? ` (${ctx.setting})` : "";
  if (err instanceof Deno.errors.NotCapable) {
    const where = grantedFolders(ctx.access).map(tilde);
    return new FileAccessError(
      "sandbox",
      ctx.path,
      `Cannot ${ctx.what}: this process may not ${ctx.access} ${ctx.path}${by}`,
      `Deno's sandbox refused it: the process was started with --allow-${ctx.access} limited to ` +
        (where.length ? where.join(", ") : "other folders"),
      widenAdvice(ctx.access, ctx.path, ctx.setting),
      err,
    );
  }
  const code = codeOf(err);
  if (err instanceof Deno.errors.PermissionDenied || code === "EACCES" || code === "EPERM") {
    return new FileAccessError(
      "os-permission",
      ctx.path,
      `Cannot ${ctx.what}: the operating system refused to let ${whoAmI()} ${ctx.access} ${ctx.path}${by}`,
      "The file or one of its folders belongs to another user or lacks the permission bits",
      `Check the owner and mode of ${ctx.path} and its folder (ls -ld), or point ${
        ctx.setting ?? "the setting"
      } at a folder this user owns`,
      err,
    );
  }
  if (code && CODES_READ_ONLY.has(code)) return readOnlyError(ctx, err);
  if (code && CODES_FULL.has(code)) return diskFullError(ctx, err);
  return null;
}

/** The error for a folder on a read-only file system. */
export function readOnlyError(ctx: FileContext, cause: unknown): FileAccessError {
  return new FileAccessError(
    "read-only",
    ctx.path,
    `Cannot ${ctx.what}: ${dirname(resolve(ctx.path))} is on a read-only file system`,
    "The file system is mounted read-only (a read-only volume or container mount); the files on it are intact",
    `Mount it read-write, or point ${
      ctx.setting ?? "the setting"
    } at a writable folder (a copy of the cache works)`,
    cause,
  );
}

/** The error for a full disk. */
export function diskFullError(ctx: FileContext, cause: unknown): FileAccessError {
  return new FileAccessError(
    "disk-full",
    ctx.path,
    `Cannot ${ctx.what}: no space left on the disk of ${dirname(resolve(ctx.path))}`,
    "The disk (or the user's quota) is full; what was written before is kept",
    `Free disk space, or point ${
      ctx.setting ?? "the setting"
    } at a disk with room, then run the command again`,
    cause,
  );
}

/**
 * Finds out whether `folder` can take a write right now, by writing and removing a small probe file:
 * "read-only", "disk-full", "sandbox", "os-permission", or null when it can (or the folder is missing).
 * Used to tell a healthy file on a read-only or full disk from a damaged one when SQLite only says
 * "unable to open database file" or "disk I/O error".
 */
export function probeWritable(folder: string): { kind: FileTroubleKind; cause: unknown } | null {
  const probe = `${folder}/.testio-mcp-probe-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  let file: Deno.FsFile | undefined;
  try {
    file = Deno.openSync(probe, { write: true, createNew: true, mode: 0o600 });
    // One page, so a disk with no free block answers ENOSPC even when an empty inode still fits.
    file.writeSync(new Uint8Array(4096));
    file.syncSync();
    return null;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    const trouble = fileTrouble(err, { access: "write", path: probe, what: "write" });
    return trouble ? { kind: trouble.kind, cause: err } : null;
  } finally {
    file?.close();
    try {
      Deno.removeSync(probe);
    } catch {
      // Never created.
    }
  }
}

/** A command as the person runs it (`src/launch.ts`), quoted for a message. */
export function commandHint(command: string): string {
  return `\`${launchCommand(command)}\``;
}

const NET_ADVICE: Record<Launch, string> = {
  checkout:
    "add the host to --allow-net where the program is started: the task's flags in deno.json, or the " +
    "deno arguments in your MCP client's configuration",
  npm: "run it from a checkout and add the host to --allow-net of the task in deno.json: the npm package " +
    "starts Deno with the fixed permissions of the tasks",
  binary: "use a build whose baked-in --allow-net includes the host (see `deno task compile`)",
};

/**
 * Any refusal of Deno's sandbox as a three-part error: a file access names the folder to allow, a
 * network access the host (usually TESTIO_CUSTOMER_API_BASE_URL), instead of Deno's "run again with
 * the --allow-… flag", which is not how a task, the binary or an MCP client starts the program.
 */
export function sandboxDenial(err: Deno.errors.NotCapable, launch = launchKind()): AppError {
  const m = /Requires (\w+) access to "([^"]*)"/.exec(err.message);
  const [kind, target] = m ? [m[1], m[2]] : ["", ""];
  if (kind === "read" || kind === "write") {
    return fileTrouble(err, { access: kind, path: target, what: "go on" })!;
  }
  if (kind === "net") {
    return new AppError(
      `Cannot connect to ${target}: this process may not reach that host (its --allow-net names other ` +
        "hosts; check TESTIO_CUSTOMER_API_BASE_URL)",
      {
        hint: "Deno's sandbox refused it: the process was started with --allow-net limited to other hosts " +
          "(check TESTIO_CUSTOMER_API_BASE_URL)",
        action: `Use the TestIO API host (the default), or ${NET_ADVICE[launch]}`,
        cause: err,
      },
    );
  }
  const what = err.message.replace(/, run again with the --allow-\S+ flag\.?$/, "");
  return new AppError(`Deno's sandbox refused an operation: ${what}`, {
    hint: "The process was started without that permission",
    action: launch === "checkout"
      ? "Run the command through its `deno task`, which carries the permissions it needs"
      : "Start the program the way its README shows; it needs no other permission",
    cause: err,
  });
}
