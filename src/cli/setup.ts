/**
 * `setup`: the guided first run. Asks for the API base URL (or account subdomain) and the token
 * (typed without echo), checks them against the TestIO API, writes `~/.testio-mcp/.env` with mode
 * 0600 (keeping a backup of an existing file) and prints the MCP client configurations with the
 * absolute paths of this installation. Flags make the same run scriptable.
 *
 * @example
 * ```sh
 * testio-mcp setup                                           # asks on the terminal
 * printf '%s\n' "$TOKEN" | testio-mcp setup --non-interactive --token-stdin
 * ```
 */
import { type CliIO, type Command, EXIT, helpText, parseFlags } from "./command.ts";
import { MEMORY_FLAGS, RUNTIME_PERMISSIONS } from "./permissions.ts";
import { DEFAULT_BASE_URL, homeEnvPath, parseDotenv } from "../config.ts";
import { CancelledError, InputError } from "../errors.ts";
import { silentLogger } from "../log.ts";
import { type AuthCheck, TestIOClient } from "../testio/client.ts";

/** Where tokens are created in TestIO. */
export const TOKEN_PAGE = "https://testcloud.test.io/account/api";
/** How long the token check may take: longer than a probe, since a person is waiting for a verdict. */
const CHECK_TIMEOUT_MS = 15_000;
const TOKEN_KEY = "TESTIO_CUSTOMER_API_TOKEN";
const BASE_URL_KEY = "TESTIO_CUSTOMER_API_BASE_URL";
const API_HOST = new URL(DEFAULT_BASE_URL).host;
const API_PATH = new URL(DEFAULT_BASE_URL).pathname;

/** A base URL as {@link normalizeBaseUrl} understood it. */
export interface BaseUrlChoice {
  url: string;
  /** Said to the person when the input was read in a way they may not expect. */
  note?: string;
}

const SUBDOMAIN_NOTE =
  `TestIO accounts (such as acme.test.io) all use the Customer API at ${DEFAULT_BASE_URL}`;

/**
 * Turns what a person typed into an API base URL: empty means production; a full URL is kept (the
 * API path is added when it has none); a host gets `https://` and the API path; a TestIO account
 * subdomain (`acme`, `acme.test.io`) means production, since every account shares the API host.
 *
 * @example
 * ```ts
 * normalizeBaseUrl("").url; // "https://api.test.io/customer/v2"
 * normalizeBaseUrl("acme").note; // "TestIO accounts (such as acme.test.io) all use …"
 * normalizeBaseUrl("http://127.0.0.1:8080/customer/v2/").url; // "http://127.0.0.1:8080/customer/v2"
 * ```
 * @throws {InputError} when it is neither a URL, a host nor a subdomain.
 */
export function normalizeBaseUrl(input: string): BaseUrlChoice {
  const s = input.trim();
  if (s === "") return { url: DEFAULT_BASE_URL };
  const isAccountHost = (host: string) => host.endsWith(".test.io") && host !== API_HOST;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new InputError(`'${s}' is not a valid URL`, {
        action: `Enter a URL such as ${DEFAULT_BASE_URL}`,
      });
    }
    if (u.protocol !== "https:" && u.protocol !== "http:") {
      throw new InputError(`The base URL must use https (or http): got '${s}'`);
    }
    if (isAccountHost(u.hostname)) return { url: DEFAULT_BASE_URL, note: SUBDOMAIN_NOTE };
    const path = u.pathname.replace(/\/+$/, "");
    if (path === "") {
      return { url: `${u.origin}${API_PATH}`, note: `Added the API path: ${u.origin}${API_PATH}` };
    }
    return { url: `${u.origin}${path}` };
  }
  if (/^[a-z0-9-]+$/i.test(s)) return { url: DEFAULT_BASE_URL, note: SUBDOMAIN_NOTE };
  if (/^[a-z0-9.-]+(:\d+)?$/i.test(s)) {
    if (isAccountHost(s.replace(/:\d+$/, "").toLowerCase())) {
      return { url: DEFAULT_BASE_URL, note: SUBDOMAIN_NOTE };
    }
    return { url: `https://${s.toLowerCase()}${API_PATH}` };
  }
  throw new InputError(`'${s}' is neither a URL, a host name nor a TestIO subdomain`, {
    action: `Enter a URL such as ${DEFAULT_BASE_URL}, or press Enter for that default`,
  });
}

/** Rejects what cannot be a token, before a request is wasted on it. */
function checkTokenShape(token: string): string {
  const t = token.trim();
  if (t === "") throw new InputError("The token is empty", { action: `Create one at ${TOKEN_PAGE}` });
  if (/\s/.test(t)) {
    throw new InputError("The token contains spaces or line breaks", {
      action: "Paste only the token itself",
    });
  }
  return t;
}

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

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

function readIfExists(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

/**
 * Whether the running executable is a `deno compile` binary rather than `deno` itself (which runs
 * `main.ts` or a bundle).
 */
export function isCompiledBinary(execPath: string = Deno.execPath()): boolean {
  const name = execPath.split(/[\\/]/).pop()?.toLowerCase() ?? "";
  return name !== "deno" && name !== "deno.exe";
}

/** How an MCP client starts this installation. */
export interface Launch {
  command: string;
  args: string[];
}

/** What {@link detectLaunch} looks at; injectable for tests. */
export interface LaunchProbe {
  /** `Deno.execPath()`: the compiled binary, or the `deno` executable. */
  execPath: string;
  /** `Deno.mainModule`: `main.ts` of a checkout, or a bundle file. */
  mainModule: string;
  /** Whether a file exists (to find the checkout's `deno.json`). */
  exists(path: string): boolean;
}

/**
 * The command line that serves MCP from this installation: the compiled binary itself, or `deno run`
 * with the least-privilege permissions on the absolute path of `main.ts` (or the bundle), with the
 * checkout's `deno.json` named explicitly because MCP clients start servers from any folder.
 */
export function detectLaunch(probe: LaunchProbe = defaultProbe()): Launch {
  if (isCompiledBinary(probe.execPath)) return { command: probe.execPath, args: ["serve"] };
  const main = probe.mainModule.startsWith("file:")
    ? decodeURIComponent(new URL(probe.mainModule).pathname)
    : probe.mainModule;
  const config = `${main.slice(0, main.lastIndexOf("/"))}/deno.json`;
  return {
    command: probe.execPath,
    args: [
      "run",
      ...RUNTIME_PERMISSIONS,
      ...MEMORY_FLAGS,
      ...(probe.exists(config) ? ["--config", config] : []),
      main,
      "serve",
    ],
  };
}

function defaultProbe(): LaunchProbe {
  return { execPath: Deno.execPath(), mainModule: Deno.mainModule, exists };
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_\-.,:/=@+%]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * The configuration of Claude Desktop, Claude Code, Cursor and VS Code for `launch`. They hold no
 * token: the server reads it from `~/.testio-mcp/.env`.
 */
export function clientSnippets(launch: Launch): string {
  const server = { command: launch.command, args: launch.args };
  const mcpServers = JSON.stringify({ mcpServers: { testio: server } }, null, 2);
  const vscode = JSON.stringify({ servers: { testio: { type: "stdio", ...server } } }, null, 2);
  const claudeCode = [
    "claude",
    "mcp",
    "add",
    "--scope",
    "user",
    "testio",
    "--",
    launch.command,
    ...launch.args,
  ]
    .map(shellQuote).join(" ");
  return `MCP client configuration (the token stays in ~/.testio-mcp/.env; none of these holds it):

Claude Desktop: claude_desktop_config.json (Settings → Developer → Edit Config)
${mcpServers}

Claude Code:
${claudeCode}

Cursor: ~/.cursor/mcp.json
${mcpServers}

VS Code: .vscode/mcp.json in a workspace (or "MCP: Open User Configuration")
${vscode}
`;
}

/** One line per outcome of the token check, and what to do about a failure. */
export function describeCheck(
  check: AuthCheck,
  baseUrl: string,
): { ok: boolean; line: string; next?: string } {
  if (check.ok) {
    const n = check.productCount;
    return {
      ok: true,
      line: `✓ Valid: ${baseUrl} accepted the token (${n} product${n === 1 ? "" : "s"} visible)`,
    };
  }
  switch (check.status) {
    case "unauthorized":
      return {
        ok: false,
        line: `✗ HTTP 401 from ${baseUrl}: the token was rejected (mistyped, revoked or expired)`,
        next: `Copy the token again, or create a new one at ${TOKEN_PAGE}`,
      };
    case "forbidden":
      return {
        ok: false,
        line: `✗ HTTP 403 from ${baseUrl}: the token is known but may not list products`,
        next: "Ask your TestIO administrator for Customer API access, or use another user's token",
      };
    case "unreachable":
      return {
        ok: false,
        line: `✗ Unreachable: ${baseUrl} did not answer (${check.message})`,
        next: "Check the base URL and the network (proxy, VPN), or save anyway with --force or --skip-check",
      };
    default:
      return {
        ok: false,
        line: `✗ HTTP ${check.httpStatus} from ${baseUrl}: ${check.message}`,
        next: "Check the base URL; if it is right, retry later or save anyway with --force",
      };
  }
}

/** Checks `token` against `baseUrl` with one request and no retries. */
export async function checkToken(baseUrl: string, token: string, signal?: AbortSignal): Promise<AuthCheck> {
  using client = new TestIOClient({
    baseUrl,
    token,
    log: silentLogger(),
    timeoutMs: CHECK_TIMEOUT_MS,
    maxConcurrent: 1,
  });
  return await client.checkAuth(signal);
}

const ESC = 0x1b;

/** Reads the terminal a byte or a line at a time, keeping what one read returned beyond the need. */
class TerminalInput {
  #pending: number[] = [];
  #chunk = new Uint8Array(1024);
  readonly #aborted: Promise<never>;

  /**
   * `signal` is the CLI's SIGINT/SIGTERM signal: a pending read of stdin cannot be cancelled, so it
   * is raced against the signal, or Ctrl+C at a prompt would be ignored until a second press.
   */
  constructor(signal: AbortSignal) {
    this.#aborted = new Promise<never>((_, reject) => {
      const cancel = () => reject(new CancelledError("Setup cancelled: nothing was written"));
      if (signal.aborted) cancel();
      else signal.addEventListener("abort", cancel, { once: true });
    });
    this.#aborted.catch(() => {});
  }

  async byte(): Promise<number | null> {
    if (this.#pending.length === 0) {
      const n = await Promise.race([Deno.stdin.read(this.#chunk), this.#aborted]);
      if (n === null) return null;
      this.#pending.push(...this.#chunk.subarray(0, n));
    }
    return this.#pending.shift() ?? null;
  }

  async line(): Promise<string | null> {
    const bytes: number[] = [];
    for (;;) {
      const b = await this.byte();
      if (b === null) return bytes.length ? new TextDecoder().decode(new Uint8Array(bytes)) : null;
      if (b === 0x0a) break;
      if (b !== 0x0d) bytes.push(b);
    }
    return new TextDecoder().decode(new Uint8Array(bytes));
  }

  /**
   * A line typed with the terminal in raw mode: nothing is echoed. Raw mode also turns Ctrl+C into
   * a plain byte, so it is handled here.
   */
  async secret(prompt: () => void): Promise<string> {
    // Raw mode first, prompt second: a fast typist (or a paste) must never meet an echoing terminal.
    Deno.stdin.setRaw(true);
    try {
      prompt();
      const bytes: number[] = [];
      for (;;) {
        const b = await this.byte();
        if (b === null || b === 0x0d || b === 0x0a) break;
        if (b === 0x03) throw new CancelledError("Setup cancelled: nothing was written");
        if (b === 0x04) {
          if (bytes.length === 0) throw new CancelledError("Setup cancelled: nothing was written");
          break;
        }
        if (b === 0x7f || b === 0x08) {
          // Drop a whole UTF-8 character: its continuation bytes (10xxxxxx), then its lead byte.
          while (bytes.length && (bytes[bytes.length - 1] & 0xc0) === 0x80) bytes.pop();
          bytes.pop();
        } else if (b === 0x15) {
          bytes.length = 0;
        } else if (b === ESC) {
          await this.#skipEscape();
        } else if (b >= 0x20) {
          bytes.push(b);
        }
      }
      return new TextDecoder().decode(new Uint8Array(bytes));
    } finally {
      Deno.stdin.setRaw(false);
    }
  }

  /** Arrow and function keys arrive as `ESC [ … final`; none of them belongs in a token. */
  async #skipEscape(): Promise<void> {
    const next = await this.byte();
    if (next !== 0x5b && next !== 0x4f) return;
    for (;;) {
      const b = await this.byte();
      if (b === null || (b >= 0x40 && b <= 0x7e)) return;
    }
  }
}

/** Questions asked on the terminal; prompts go to stderr so stdout carries only the configuration. */
class Prompter {
  readonly #io: CliIO;
  readonly #input: TerminalInput;

  constructor(io: CliIO) {
    this.#io = io;
    this.#input = new TerminalInput(io.signal);
  }

  async ask(question: string, fallback: string): Promise<string> {
    this.#io.stderr(`${question} [${fallback}]: `);
    const answer = await this.#input.line();
    if (answer === null) throw new CancelledError("Setup cancelled (end of input): nothing was written");
    return answer.trim() === "" ? fallback : answer.trim();
  }

  async secret(question: string): Promise<string> {
    const answer = await this.#input.secret(() => this.#io.stderr(`${question}: `));
    this.#io.stderr("\n");
    return answer;
  }

  async confirm(question: string): Promise<boolean> {
    this.#io.stderr(`${question} [y/N]: `);
    const answer = await this.#input.line();
    return /^y(es)?$/i.test(answer?.trim() ?? "");
  }
}

/** The settings `setup` will write, and whether they passed the check. */
interface Answers {
  baseUrl: string;
  token: string;
  /** True when checked and valid, false when checked and failed, null when not checked. */
  valid: boolean | null;
}

const MAX_TOKEN_TRIES = 3;

async function interactive(
  io: CliIO,
  current: Record<string, string>,
  presetUrl: string | undefined,
  skipCheck: boolean,
): Promise<Answers | null> {
  const ask = new Prompter(io);
  let baseUrl: string;
  for (;;) {
    const typed = presetUrl ??
      await ask.ask("TestIO API base URL or account subdomain", current[BASE_URL_KEY] ?? DEFAULT_BASE_URL);
    try {
      const choice = normalizeBaseUrl(typed);
      if (choice.note) io.stderr(`  ${choice.note}\n`);
      baseUrl = choice.url;
      break;
    } catch (err) {
      if (!(err instanceof InputError) || presetUrl !== undefined) throw err;
      io.stderr(`  ${err.message}\n`);
    }
  }
  const saved = current[TOKEN_KEY];
  for (let attempt = 1;; attempt++) {
    const typed = await ask.secret(
      `API token from ${TOKEN_PAGE} (input hidden${saved ? "; Enter keeps the saved one" : ""})`,
    );
    let token: string;
    try {
      token = typed.trim() === "" && saved ? saved : checkTokenShape(typed);
    } catch (err) {
      if (!(err instanceof InputError) || attempt >= MAX_TOKEN_TRIES) throw err;
      io.stderr(`  ${err.message}\n`);
      continue;
    }
    if (skipCheck) return { baseUrl, token, valid: null };
    io.stderr(`Checking the token against ${baseUrl} …\n`);
    const check = await checkToken(baseUrl, token, io.signal);
    const verdict = describeCheck(check, baseUrl);
    io.stderr(`${verdict.line}\n`);
    if (verdict.ok) return { baseUrl, token, valid: true };
    if (verdict.next) io.stderr(`  next: ${verdict.next}\n`);
    // A rejected token is most often a copy-and-paste slip: offer another try before giving up.
    if (!check.ok && check.status === "unauthorized" && attempt < MAX_TOKEN_TRIES) continue;
    if (await ask.confirm("Save these settings anyway?")) return { baseUrl, token, valid: false };
    return null;
  }
}

async function readTokenFromStdin(): Promise<string> {
  const text = await new Response(Deno.stdin.readable).text();
  return text.split(/\r?\n/)[0] ?? "";
}

/** The notes about settings that would override the file just written. */
function shadowingNotes(io: CliIO): string[] {
  const notes: string[] = [];
  for (const key of [TOKEN_KEY, BASE_URL_KEY]) {
    if (io.env[key]) notes.push(`${key} is set in the environment and overrides the file`);
  }
  const local = readIfExists(".env");
  if (local !== null) {
    const parsed = parseDotenv(local);
    for (const key of [TOKEN_KEY, BASE_URL_KEY]) {
      if (parsed[key]) notes.push(`${key} in ./.env (the working directory) overrides the file`);
    }
  }
  return notes;
}

/** The `setup` command: see the module documentation. */
export const setupCommand: Command = {
  name: "setup",
  summary: "Set up the TestIO token: check it, save ~/.testio-mcp/.env (0600), print MCP client configs.",
  usage:
    "setup [--base-url URL] [--token TOKEN | --token-stdin] [--non-interactive] [--force] [--skip-check]",
  help: `Asks for the API base URL (Enter for ${DEFAULT_BASE_URL}) and the token (typed without echo),
checks the token with one request, writes ~/.testio-mcp/.env with mode 0600 (an existing file is kept
as .env.bak-<time>) and prints the configuration of Claude Desktop, Claude Code, Cursor and VS Code.

Options:
  --base-url URL     API base URL, host or TestIO account subdomain (default: the saved one, else production)
  --token TOKEN      the API token (visible in the process list: prefer --token-stdin in scripts)
  --token-stdin      read the token from the first line of standard input
  --non-interactive  ask nothing; without a token flag the saved token is kept
  --skip-check       do not contact the API
  --force            write the file even when the check fails
Exit status: 0 saved, 1 the check failed (nothing written) or cancelled, 2 bad arguments.
Tokens are created at ${TOKEN_PAGE}.`,
  async run(args, io) {
    const { values } = parseFlags("setup", args, {
      "base-url": { type: "string" },
      token: { type: "string" },
      "token-stdin": { type: "boolean", default: false },
      "non-interactive": { type: "boolean", default: false },
      force: { type: "boolean", default: false },
      "skip-check": { type: "boolean", default: false },
    });
    if (values.help) {
      io.stdout(helpText(setupCommand));
      return EXIT.OK;
    }
    if (values["env-file"] !== undefined) {
      throw new InputError("setup: --env-file does not apply: setup writes ~/.testio-mcp/.env", {
        action: "Run 'testio-mcp setup' without --env-file",
      });
    }
    if (values.token !== undefined && values["token-stdin"]) {
      throw new InputError("setup: use --token or --token-stdin, not both");
    }
    const path = homeEnvPath(io.env);
    if (!path) {
      throw new InputError("setup: HOME is not set, so ~/.testio-mcp/.env has no place", {
        action: "Set HOME to your home folder and run setup again",
      });
    }
    const previous = readIfExists(path);
    const current = previous === null ? {} : parseDotenv(previous);
    const scripted = values["non-interactive"] || values.token !== undefined || values["token-stdin"];

    let answers: Answers | null;
    if (scripted) {
      const choice = normalizeBaseUrl(values["base-url"] ?? current[BASE_URL_KEY] ?? "");
      if (choice.note) io.stderr(`${choice.note}\n`);
      const given = values["token-stdin"] ? await readTokenFromStdin() : values.token ?? current[TOKEN_KEY];
      if (given === undefined) {
        throw new InputError("setup: no token given and none saved", {
          action: "Pass --token-stdin (or --token TOKEN), or run setup on a terminal to be asked",
        });
      }
      const token = checkTokenShape(given);
      answers = { baseUrl: choice.url, token, valid: null };
      if (!values["skip-check"]) {
        const verdict = describeCheck(await checkToken(choice.url, token, io.signal), choice.url);
        io.stderr(`${verdict.line}\n`);
        answers.valid = verdict.ok;
        if (!verdict.ok) {
          if (verdict.next) io.stderr(`  next: ${verdict.next}\n`);
          if (!values.force) {
            io.stderr(`Nothing was written (--force saves the settings anyway).\n`);
            return EXIT.FAILED;
          }
        }
      }
    } else {
      if (!Deno.stdin.isTerminal()) {
        throw new InputError("setup: standard input is not a terminal, so nothing can be asked", {
          action: "Use --non-interactive with --token-stdin (or --token), or run setup in a terminal",
        });
      }
      io.stderr(`testio-mcp setup: the settings go to ${path}\n\n`);
      answers = await interactive(io, current, values["base-url"], values["skip-check"]);
      if (!answers) {
        io.stderr("Nothing was written.\n");
        return EXIT.FAILED;
      }
    }

    const content = renderEnvFile(previous, { [BASE_URL_KEY]: answers.baseUrl, [TOKEN_KEY]: answers.token });
    const written = writeSettingsFile(path, content);
    io.stderr(
      `\nSaved ${written.path} (mode 0600)${answers.valid === false ? " although the check failed" : ""}.\n`,
    );
    if (written.backup) io.stderr(`The previous file is kept as ${written.backup}.\n`);
    for (const note of shadowingNotes(io)) io.stderr(`Note: ${note}.\n`);
    io.stderr("Next: 'testio-mcp sync' fills the cache now (the server also syncs when it starts).\n\n");
    io.stdout(clientSnippets(detectLaunch()));
    return EXIT.OK;
  },
};
