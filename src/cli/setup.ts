/**
 * `setup`: the guided first run. Asks for the API base URL (or account subdomain) and the token
 * (typed without echo), checks them against the TestIO API, writes `~/.testio-mcp/.env` with mode
 * 0600 (keeping a backup of an existing file) and prints the MCP client configurations that start the
 * server the way this one was started (npx, the installed command, the binary, or a checkout's `start`
 * task), with the same least privilege (see `src/launch.ts`). Flags make the same run scriptable.
 *
 * @example
 * ```sh
 * testio-mcp setup                                           # asks on the terminal
 * printf '%s\n' "$TOKEN" | testio-mcp setup --non-interactive --token-stdin
 * ```
 */
import { type CliIO, type Command, EXIT, helpText, parseFlags } from "./command.ts";
import { clientLaunch, commandHint, currentLaunch } from "../launch.ts";
import { DEFAULT_BASE_URL, homeEnvPath, parseDotenv } from "../config.ts";
import { InputError } from "../errors.ts";
import { normalizeBaseUrl } from "./setup/base_url.ts";
import { clientSnippets } from "./setup/client_snippets.ts";
import { readIfExists, renderEnvFile, writeSettingsFile } from "./setup/env_file.ts";
import { type Answers, BASE_URL_KEY, interactive, TOKEN_KEY } from "./setup/prompter.ts";
import { checkToken, checkTokenShape, describeCheck, TOKEN_PAGE } from "./setup/token_check.ts";

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
        action: `Run '${commandHint("setup")}' without --env-file`,
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
    io.stderr(
      `Next: '${commandHint("sync")}' fills the cache now (the server also syncs when it starts).\n\n`,
    );
    io.stdout(clientSnippets(clientLaunch(currentLaunch(), io.env.HOME ?? "")));
    return EXIT.OK;
  },
};
