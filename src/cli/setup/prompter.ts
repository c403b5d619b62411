/**
 * The questions of an interactive `setup`: the base URL, the token (hidden, checked, up to three
 * tries) and whether to save settings whose check failed. Prompts go to stderr so that stdout
 * carries only the client configuration.
 *
 * @example
 * ```ts
 * import type { CliIO } from "../command.ts";
 *
 * declare const io: CliIO;
 * const answers = await interactive(io, {}, undefined, false); // null when the person gives up
 * ```
 * @module
 */
import type { CliIO } from "../command.ts";
import { DEFAULT_BASE_URL } from "../../config.ts";
import { CancelledError, InputError } from "../../errors.ts";
import { normalizeBaseUrl } from "./base_url.ts";
import { TerminalInput } from "./terminal_input.ts";
import { checkToken, checkTokenShape, describeCheck, TOKEN_PAGE } from "./token_check.ts";

/** The setting names `setup` writes. */
export const TOKEN_KEY = "TESTIO_CUSTOMER_API_TOKEN";
export const BASE_URL_KEY = "TESTIO_CUSTOMER_API_BASE_URL";

/** Questions asked on the terminal; prompts go to stderr so stdout carries only the configuration. */
export class Prompter {
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
export interface Answers {
  baseUrl: string;
  token: string;
  /** True when checked and valid, false when checked and failed, null when not checked. */
  valid: boolean | null;
}

const MAX_TOKEN_TRIES = 3;

export async function interactive(
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
