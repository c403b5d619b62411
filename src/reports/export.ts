/**
 * Writing a report to a file, whatever permissions the process has. A report goes into the reports
 * folder (TESTIO_REPORTS_DIR) and nowhere else:
 *
 * - a relative name is placed in the reports folder (sub-folders inside it are created);
 * - an absolute path must lie inside the reports folder (spelled through its links or not);
 * - `..`, and links (folders or the file itself) that lead out of the folder, are refused;
 * - a folder outside the reports folder is never created;
 * - an existing file is never replaced: the write fails and the error names a free name to use. The
 *   file is created exclusively (written to a private file, then hard-linked into place), so two
 *   writers racing for one name cannot overwrite each other either, and nobody sees half a report.
 *
 * A path a person types on the command line (`report --output FILE`) is theirs to choose: with
 * `confine: false` it is taken relative to the working directory, but its folder must exist and an
 * existing file is still never replaced.
 *
 * @example
 * ```ts
 * const target = resolveReportPath("q3/shop.md", "/home/me/.testio-mcp/reports");
 * // { path: "/home/me/.testio-mcp/reports/q3/shop.md", format: "md", root: "/home/me/.testio-mcp/reports", … }
 * const bytes = await writeReportFile(target, "# Quality report…");
 * ```
 */
import { basename, dirname, extname, isAbsolute, join, normalize, relative, resolve, sep } from "node:path";
import { InputError } from "../errors.ts";
import { fileTrouble } from "../sandbox.ts";

/** The file formats a report is written in. */
export type ReportFormat = "json" | "md" | "html";

/** Where and how a report is written. */
export interface ReportTarget {
  /** Absolute path of the file. */
  path: string;
  format: ReportFormat;
  /** The folder the file must stay in (the reports folder), or null for a path a person chose. */
  root: string | null;
  /** The reports folder, absolute. */
  reportsDir: string;
  /** Whether the file lies in the reports folder. */
  insideReportsDir: boolean;
  /** The argument that named the file, for messages ("output_file", "--output"). */
  argName: string;
}

/** Options of {@link resolveReportPath}. */
export interface ReportPathOptions {
  /** Accepted formats (default json and md). */
  formats?: readonly ReportFormat[];
  /**
   * Keep the file inside the reports folder (default true). False for a path a person typed on the
   * command line: relative to `cwd`, its folder must exist, an existing file is still never replaced.
   */
  confine?: boolean;
  /** Base of a relative path when `confine` is false (default: the working directory). */
  cwd?: string;
  /** The argument's name in messages (default "output_file"). */
  argName?: string;
}

const EXTENSIONS: Record<string, ReportFormat> = { json: "json", md: "md", html: "html" };

const inside = (child: string, root: string) =>
  root === sep || child === root || child.startsWith(root + sep);

function actionFor(argName: string, formats: readonly ReportFormat[], confine = true): string {
  const ext = formats.map((f) => `.${f}`).join(", ");
  const example = `'shop-q3.${formats[0]}'`;
  return confine
    ? `Pass ${argName} as a file name such as ${example} or 'q3/shop.${formats[0]}' (${ext}); it is ` +
      "written in the reports folder"
    : `Pass ${argName} as a file name such as ${example} (${ext})`;
}

/**
 * Checks `outputFile` and places it (lexically; links are checked when writing). The third argument
 * is the options, or just the accepted formats (the file then stays inside the reports folder).
 *
 * @throws {InputError} for another extension, control characters, a `~` path, or a path that leads
 * out of the reports folder.
 */
export function resolveReportPath(
  outputFile: string,
  reportsDir: string,
  optionsOrFormats: ReportPathOptions | readonly ReportFormat[] = {},
): ReportTarget {
  const options: ReportPathOptions = Array.isArray(optionsOrFormats)
    ? { formats: optionsOrFormats as readonly ReportFormat[] }
    : optionsOrFormats as ReportPathOptions;
  const formats = options.formats ?? ["json", "md"];
  const argName = options.argName ?? "output_file";
  const confine = options.confine ?? true;
  const action = actionFor(argName, formats, confine);
  const file = outputFile.trim();
  // deno-lint-ignore no-control-regex
  if (!file || /[\u0000-\u001f]/.test(file)) {
    throw new InputError(`'${argName}' is empty or contains control characters`, {
      hint: "A file name is needed",
      action,
    });
  }
  const format = EXTENSIONS[extname(file).slice(1).toLowerCase()];
  if (!format || !formats.includes(format)) {
    throw new InputError(
      `'${argName}' must end in ${formats.map((f) => `.${f}`).join(" or ")}: got ${
        JSON.stringify(outputFile)
      }`,
      { hint: `Reports are written as ${formats.join(", ")} files`, action },
    );
  }
  if (file.startsWith("~")) {
    throw new InputError(`'${argName}' cannot start with '~': got ${JSON.stringify(outputFile)}`, {
      hint: "The home folder is not expanded in file names",
      action,
    });
  }
  if (confine && file.split(/[\\/]+/).includes("..")) {
    throw new InputError(`'${argName}' must not contain '..': got ${JSON.stringify(outputFile)}`, {
      hint: "Parent-folder segments could lead out of the reports folder",
      action,
    });
  }
  const root = resolve(reportsDir);
  if (!confine) {
    const path = resolve(options.cwd ?? Deno.cwd(), file);
    return { path, format, root: null, reportsDir: root, insideReportsDir: inside(path, root), argName };
  }
  const path = isAbsolute(file) ? normalize(file) : resolve(root, file);
  if (!inside(path, root) && !inside(path, realOrSelf(root))) {
    throw new InputError(
      `'${argName}' leads outside the reports folder ${root}: got ${JSON.stringify(outputFile)}`,
      {
        hint: isAbsolute(file)
          ? "An absolute path must lie inside the reports folder (TESTIO_REPORTS_DIR)"
          : "'..' may not climb out of the reports folder",
        action,
      },
    );
  }
  if (path === root || path === realOrSelf(root)) {
    throw new InputError(`'${argName}' names the reports folder itself`, {
      hint: "A file name is needed",
      action,
    });
  }
  return { path, format, root, reportsDir: root, insideReportsDir: true, argName };
}

function realOrSelf(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    return path;
  }
}

/**
 * Writes `content` to the target as a new file: never over an existing one, never through a link
 * leading out of the reports folder, never into a folder outside it that does not exist. Returns the
 * size in bytes.
 *
 * @throws {InputError} when the file exists (naming a free name), or a link leads out of the folder.
 * @throws {FileAccessError} when the sandbox, the operating system, a read-only file system or a full
 * disk refuses the write.
 */
export async function writeReportFile(target: ReportTarget, content: string): Promise<number> {
  try {
    const folder = target.root ? await confinedFolder(target) : await existingFolder(target);
    const path = join(folder, basename(target.path));
    return await createExclusive(path, new TextEncoder().encode(content), target);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw fileTrouble(err, {
      access: "write",
      path: target.path,
      setting: target.root ? "TESTIO_REPORTS_DIR" : undefined,
      what: "write the report",
    }) ?? err;
  }
}

/**
 * The real folder the report goes into, inside the real reports folder: each folder between them is
 * created when missing and refused when it is a link leading out.
 */
async function confinedFolder(target: ReportTarget): Promise<string> {
  const root = target.root!;
  await Deno.mkdir(root, { recursive: true });
  const realRoot = await Deno.realPath(root);
  // The target may be spelled through the real path of a linked reports folder.
  const base = inside(target.path, root) ? root : realRoot;
  const steps = relative(base, dirname(target.path)).split(sep).filter(Boolean);
  let current = realRoot;
  for (const step of steps) {
    const next = join(current, step);
    try {
      await Deno.mkdir(next);
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
    const real = await Deno.realPath(next);
    if (!inside(real, realRoot)) {
      throw new InputError(`'${target.argName}' leads outside the reports folder through a link: ${next}`, {
        hint: `${next} is a link to ${real}, outside ${realRoot}`,
        action: actionFor(target.argName, [target.format]),
      });
    }
    current = real;
  }
  return current;
}

/** The folder of a path a person chose: it must exist (nothing is created outside the reports folder). */
async function existingFolder(target: ReportTarget): Promise<string> {
  const folder = dirname(target.path);
  try {
    if ((await Deno.stat(folder)).isDirectory) return folder;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  throw new InputError(`The folder ${folder} does not exist`, {
    hint: "Folders are created only inside the reports folder",
    action: `Create it first (mkdir -p ${folder}), or pass a file name to write in ${target.reportsDir}`,
  });
}

/** Creates `path` with `bytes`, failing when anything (a file, a link) already has that name. */
async function createExclusive(path: string, bytes: Uint8Array, target: ReportTarget): Promise<number> {
  const temp = join(dirname(path), `.${basename(path)}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  try {
    await Deno.writeFile(temp, bytes, { createNew: true, mode: 0o644 });
    try {
      await Deno.link(temp, path);
      return bytes.byteLength;
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists) throw await exists(path, target);
      if (!(err instanceof Deno.errors.NotSupported || err instanceof Deno.errors.PermissionDenied)) {
        throw err;
      }
    }
    // No hard links on this file system: create exclusively, then write.
    try {
      await Deno.writeFile(path, bytes, { createNew: true, mode: 0o644 });
      return bytes.byteLength;
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists) throw await exists(path, target);
      await Deno.remove(path).catch(() => {});
      throw err;
    }
  } finally {
    await Deno.remove(temp).catch(() => {});
  }
}

/**
 * The first free name beside `path`: `shop-2.md`, `shop-3.md`, … (for a caller that makes up its own
 * file names and would rather pick a free one than fail; a name it was given is never changed).
 */
export async function freeName(path: string): Promise<string> {
  const ext = extname(path);
  const stem = path.slice(0, path.length - ext.length);
  for (let n = 2;; n++) {
    const candidate = `${stem}-${n}${ext}`;
    try {
      await Deno.lstat(candidate);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return candidate;
      throw err;
    }
  }
}

/** The error for a name that is taken, naming the first free `name-N.ext` beside it. */
async function exists(path: string, target: ReportTarget): Promise<InputError> {
  const free = await freeName(path);
  const shown = target.root && inside(free, target.root) ? relative(target.root, free) : free;
  return new InputError(`${path} already exists; it was kept as it is`, {
    hint: "A report never replaces an existing file",
    action: `Pass ${target.argName} '${shown}' (free), or remove or rename the old file first`,
  });
}
