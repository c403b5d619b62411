/**
 * testio-mcp: an MCP server for the TestIO Customer API with a local SQLite cache.
 *
 * The CLI: parses the command name, builds the I/O context and dispatches. Nothing else.
 *
 * @example
 * ```sh
 * deno run -A main.ts serve            # MCP over stdio (the default command)
 * deno run -A main.ts sync --json      # sync the cache in the foreground
 * ```
 * @module
 */
import { VERSION } from "./src/version.ts";
import { readProcessEnv } from "./src/config.ts";
import { type CliIO, type Command, EXIT } from "./src/cli/command.ts";
import { exitCodeOf, formatCliError } from "./src/cli/errors.ts";
/**
 * Every command, in the order `--help` lists them. Each module is loaded only when its command runs:
 * a `sync` process then never loads the MCP server, and `serve` never loads the fake API, setup or
 * doctor (less resident memory for a sync: bench/RESULTS.md, Tuning).
 */
export const COMMANDS: readonly { name: string; load(): Promise<Command> }[] = [
  { name: "serve", load: async () => (await import("./src/cli/serve.ts")).serveCommand },
  { name: "sync", load: async () => (await import("./src/cli/sync.ts")).syncCommand },
  { name: "migrate", load: async () => (await import("./src/cli/migrate.ts")).migrateCommand },
  { name: "problematic", load: async () => (await import("./src/cli/problematic.ts")).problematicCommand },
  { name: "demo", load: async () => (await import("./src/cli/demo.ts")).demoCommand },
  { name: "setup", load: async () => (await import("./src/cli/setup.ts")).setupCommand },
  { name: "doctor", load: async () => (await import("./src/cli/doctor.ts")).doctorCommand },
  { name: "fake-api", load: async () => (await import("./src/cli/fake_api.ts")).fakeApiCommand },
];

/** Every command, loaded (for `--help` and the generated docs). */
export function loadCommands(): Promise<Command[]> {
  return Promise.all(COMMANDS.map((c) => c.load()));
}

function usage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `testio-mcp ${VERSION}: an MCP server for the TestIO Customer API with a local SQLite cache

Usage: testio-mcp [command] [flags]     (default command: serve)

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Run 'testio-mcp <command> --help' for a command's flags. Settings come from the environment,
--env-file PATH, .env in the working directory, or ~/.testio-mcp/.env (see README).
`;
}

const encoder = new TextEncoder();
function write(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  let offset = 0;
  while (offset < bytes.length) offset += stream.writeSync(bytes.subarray(offset));
}

/** Runs the CLI with `args`; resolves to the process exit code. */
export async function main(args: string[], io: CliIO): Promise<number> {
  const [first, ...rest] = args;
  if (first === "--version" || first === "-V" || first === "version") {
    io.stdout(`testio-mcp ${VERSION}\n`);
    return EXIT.OK;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    io.stdout(usage(await loadCommands()));
    return EXIT.OK;
  }
  const named = first !== undefined && !first.startsWith("-");
  const entry = COMMANDS.find((c) => c.name === (named ? first : "serve"));
  if (!entry) {
    io.stderr(`error: unknown command '${first}'\n  next:  run 'testio-mcp --help' for the commands\n`);
    return EXIT.USAGE;
  }
  try {
    const command = await entry.load();
    return await command.run(named ? rest : args, io);
  } catch (err) {
    io.stderr(formatCliError(err, [io.env.TESTIO_CUSTOMER_API_TOKEN, io.env.TESTIO_HTTP_TOKEN]) + "\n");
    return exitCodeOf(err);
  }
}

if (import.meta.main) {
  const controller = new AbortController();
  const onSignal = () => {
    // A second signal while shutting down means "now".
    if (controller.signal.aborted) Deno.exit(130);
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const code = await main(Deno.args, {
    env: readProcessEnv(),
    stdout: (t) => write(Deno.stdout, t),
    stderr: (t) => write(Deno.stderr, t),
    isTerminal: Deno.stderr.isTerminal(),
    signal: controller.signal,
  });
  Deno.exit(code);
}
