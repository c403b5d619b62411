/**
 * The settings file `setup` writes: rendered so that the settings loader reads back exactly the
 * values, other lines kept, written with mode 0600 and a backup of the previous file.
 *
 * @example
 * ```ts
 * writeSettingsFile("/home/me/.testio-mcp/.env", renderEnvFile(null, { TESTIO_CUSTOMER_API_TOKEN: "abc" }));
 * ```
 * @module
 */

/** A value as a `.env` line writes it, so that {@link parseDotenv} reads back exactly the value. */
function envValue(value: string): string {
  if (/^[A-Za-z0-9_\-.:/+=@,~%]*$/.test(value)) return value;
  if (!value.includes("'")) return `'${value}'`;
  return `"${value.replaceAll('"', '\\"')}"`;
}

/**
 * The text of the settings file with `updates` applied: other lines (comments, other settings a
 * person added) are kept in place, updated keys keep their position, new keys are appended.
 *
 * @example
 * ```ts
 * renderEnvFile("# mine\nTESTIO_MAX_PAGES=9\n", { TESTIO_CUSTOMER_API_TOKEN: "abc" });
 * // "# mine\nTESTIO_MAX_PAGES=9\nTESTIO_CUSTOMER_API_TOKEN=abc\n"
 * ```
 */
export function renderEnvFile(existing: string | null, updates: Record<string, string>): string {
  const lines = existing === null
    ? [
      "# testio-mcp settings, written by `testio-mcp setup`. It holds your API token: keep it mode 0600.",
      "# Any setting of the README can be added here; the environment and a project .env override it.",
    ]
    : existing.replace(/\r?\n$/, "").split(/\r?\n/);
  const written = new Set<string>();
  const out: string[] = [];
  for (const line of lines) {
    const key = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
    if (key === undefined || !(key in updates)) {
      out.push(line);
    } else if (!written.has(key)) {
      // Later duplicates are dropped: parseDotenv lets the last one win, which would undo the update.
      out.push(`${key}=${envValue(updates[key])}`);
      written.add(key);
    }
  }
  for (const [key, value] of Object.entries(updates)) {
    if (!written.has(key)) out.push(`${key}=${envValue(value)}`);
  }
  return out.join("\n") + "\n";
}

/** `20250131T120000Z`: sorts by time and has no characters that file systems reject. */
function fileStamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

/** What {@link writeSettingsFile} did. */
export interface WrittenSettings {
  path: string;
  /** The copy of the previous file, when there was one. */
  backup: string | null;
}

/**
 * Writes the settings file with mode 0600 (its folder 0700), replacing it atomically; an existing
 * file is first copied to `<path>.bak-<timestamp>` (also 0600: it holds the old token).
 */
export function writeSettingsFile(path: string, content: string, now = new Date()): WrittenSettings {
  const dir = path.slice(0, path.lastIndexOf("/"));
  Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  let backup: string | null = null;
  if (exists(path)) {
    backup = `${path}.bak-${fileStamp(now)}`;
    for (let n = 2; exists(backup); n++) backup = `${path}.bak-${fileStamp(now)}-${n}`;
    Deno.copyFileSync(path, backup);
    Deno.chmodSync(backup, 0o600);
  }
  const tmp = `${path}.tmp-${Deno.pid}`;
  try {
    Deno.removeSync(tmp);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  // createNew + mode: the token never sits in a file another user could open, not even briefly.
  Deno.writeTextFileSync(tmp, content, { createNew: true, mode: 0o600 });
  Deno.chmodSync(tmp, 0o600);
  Deno.renameSync(tmp, path);
  return { path, backup };
}

export function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

export function readIfExists(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}
