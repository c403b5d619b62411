/**
 * Writing a report to a file: path rules and the atomic write. Only `.json` and `.md` files are
 * written. A relative path lands inside the reports folder (TESTIO_REPORTS_DIR) and may not climb out
 * of it (`..`, or a symlinked sub-folder pointing elsewhere); an absolute path is taken as given, but
 * never with `..` segments and never over an existing file outside the reports folder, so a report
 * cannot clobber unrelated files.
 *
 * @example
 * ```ts
 * const target = resolveReportPath("q3/shop.md", "/home/me/.testio-mcp/reports");
 * // { path: "/home/me/.testio-mcp/reports/q3/shop.md", format: "md", insideReportsDir: true }
 * const bytes = await writeReportFile(target, "# Quality report…");
 * ```
 */
import { dirname, isAbsolute, join, resolve, sep } from "node:path";
import { InputError } from "../errors.ts";

/** The file formats a report can be written in (`html` only from the `report` command). */
export type ReportFormat = "json" | "md" | "html";

/** Where and how a report is written. */
export interface ReportTarget {
  path: string;
  format: ReportFormat;
  insideReportsDir: boolean;
  reportsDir: string;
}

const ACTION = "Pass output_file as a name such as 'shop-q3.md' or 'reports/shop.json' (kept under the " +
  "reports folder), or an absolute path ending in .json or .md";

/**
 * Resolves `output_file` against the reports folder.
 *
 * @throws {InputError} for another extension, `..` segments, a home-relative path or control characters.
 */
export function resolveReportPath(
  outputFile: string,
  reportsDir: string,
  formats: readonly ReportFormat[] = ["json", "md"],
): ReportTarget {
  const file = outputFile.trim();
  // deno-lint-ignore no-control-regex
  if (!file || /[\u0000-\u001f]/.test(file)) {
    throw new InputError("'output_file' is empty or contains control characters", {
      hint: "A file name is needed",
      action: ACTION,
    });
  }
  const ext = /\.([A-Za-z]+)$/.exec(file)?.[1]?.toLowerCase() as ReportFormat | undefined;
  if (!ext || !formats.includes(ext)) {
    const dotted = formats.map((f) => `.${f}`);
    const list = dotted.length > 1 ? `${dotted.slice(0, -1).join(", ")} or ${dotted.at(-1)}` : dotted[0];
    throw new InputError(`'output_file' must end in ${list}: got ${JSON.stringify(outputFile)}`, {
      hint: formats.includes("html")
        ? "Reports are written as JSON, Markdown or HTML only"
        : "Reports are written as JSON or Markdown only",
      action: ACTION,
    });
  }
  if (file.split(/[\\/]+/).includes("..")) {
    throw new InputError(`'output_file' must not contain '..': got ${JSON.stringify(outputFile)}`, {
      hint: "Parent-folder segments could write outside the reports folder",
      action: ACTION,
    });
  }
  if (file.startsWith("~")) {
    throw new InputError(`'output_file' cannot start with '~': got ${JSON.stringify(outputFile)}`, {
      hint: "The home folder is not expanded in file names",
      action: ACTION,
    });
  }
  const root = resolve(reportsDir);
  if (isAbsolute(file)) {
    const path = resolve(file);
    return { path, format: ext, insideReportsDir: path.startsWith(root + sep), reportsDir: root };
  }
  const path = resolve(join(root, file));
  if (!path.startsWith(root + sep)) {
    throw new InputError(`'output_file' resolves outside the reports folder: ${JSON.stringify(outputFile)}`, {
      hint: `Relative paths are kept under ${root}`,
      action: ACTION,
    });
  }
  return { path, format: ext, insideReportsDir: true, reportsDir: root };
}

/**
 * Writes `content` to the target atomically (a temp file renamed into place, so readers never see a
 * half-written report), creating folders as needed. Returns the size in bytes.
 *
 * @throws {InputError} when the file would escape the reports folder through a symlink, or would
 * replace an existing file outside the reports folder.
 */
export async function writeReportFile(target: ReportTarget, content: string): Promise<number> {
  try {
    return await writeReport(target, content);
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied) {
      throw new InputError(`Cannot write the report to ${target.path}: ${(err as Error).message}`, {
        hint: "The server may not write there (its Deno permissions or the file system's)",
        action: `Pass output_file as a relative name, kept under the reports folder ${target.reportsDir}`,
        cause: err,
      });
    }
    throw err;
  }
}

async function writeReport(target: ReportTarget, content: string): Promise<number> {
  const folder = dirname(target.path);
  await Deno.mkdir(folder, { recursive: true });
  if (target.insideReportsDir) {
    const [realRoot, realFolder] = await Promise.all([
      Deno.realPath(target.reportsDir),
      Deno.realPath(folder),
    ]);
    if (realFolder !== realRoot && !realFolder.startsWith(realRoot + sep)) {
      throw new InputError(`'output_file' leads outside the reports folder through a link: ${target.path}`, {
        hint: `${folder} is a symbolic link to ${realFolder}`,
        action: ACTION,
      });
    }
  } else if (await exists(target.path)) {
    throw new InputError(`${target.path} already exists and is outside the reports folder`, {
      hint: `Reports overwrite files only inside ${target.reportsDir}`,
      action: "Choose a new file name, or a relative name to write into the reports folder",
    });
  }
  const bytes = new TextEncoder().encode(content);
  const temp = `${target.path}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.writeFile(temp, bytes, { mode: 0o644 });
    await Deno.rename(temp, target.path);
  } catch (err) {
    await Deno.remove(temp).catch(() => {});
    throw err;
  }
  return bytes.byteLength;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}
