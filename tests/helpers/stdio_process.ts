/**
 * Child processes for distribution tests: any command (the compiled binary, a bundle under
 * `deno run`, `main.ts demo`) connected to an SDK client over stdio, and plain command runs.
 *
 * Tests give child processes a temporary HOME; Deno keeps its cache under HOME unless DENO_DIR says
 * otherwise, so {@link childEnv} pins DENO_DIR to this process's cache (no re-download of npm
 * packages, no network).
 *
 * @example
 * ```ts
 * const dir = await Deno.makeTempDir();
 * await using server = await connectStdio(Deno.execPath(), ["run", "-A", "main.ts", "demo"], await childEnv({ HOME: dir }));
 * await server.client.listTools();
 * ```
 */
import { Client, StdioClientTransport } from "../../src/mcp/sdk_client.ts";
import type { CallToolResult } from "../../src/mcp/sdk.ts";

let cachedDenoDir: Promise<string> | undefined;

/** This process's Deno cache folder (`deno info --json`). */
export function denoDir(): Promise<string> {
  cachedDenoDir ??= (async () => {
    const fromEnv = Deno.env.get("DENO_DIR");
    if (fromEnv) return fromEnv;
    const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
      .output();
    return (JSON.parse(new TextDecoder().decode(out.stdout)) as { denoDir: string }).denoDir;
  })();
  return cachedDenoDir;
}

/**
 * The environment of a child process: PATH, DENO_DIR and `env` (nothing else leaks in). Whatever a
 * child downloads (esbuild for `deno bundle`, a package missing from the cache) trusts the system
 * certificate store as well as Deno's own, as a network behind a TLS-inspecting proxy requires.
 */
export async function childEnv(env: Record<string, string>): Promise<Record<string, string>> {
  return {
    PATH: Deno.env.get("PATH") ?? "",
    DENO_DIR: await denoDir(),
    DENO_TLS_CA_STORE: "mozilla,system",
    NO_COLOR: "1",
    ...env,
  };
}

/** A child process speaking MCP over its stdio. */
export interface StdioProcess extends AsyncDisposable {
  client: Client;
  /** Everything the child wrote on stderr so far. */
  stderr(): string;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
}

/** Starts `command args` and connects an SDK client to it over stdio. */
export async function connectStdio(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<StdioProcess> {
  const transport = new StdioClientTransport({ command, args, env, cwd, stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Uint8Array | string) => {
    stderr += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
  });
  const client = new Client({ name: "distribution-test", version: "1.0.0" });
  try {
    await client.connect(transport);
  } catch (err) {
    await transport.close().catch(() => {});
    throw new Error(`could not connect to ${command} ${args.join(" ")}: ${err}\nstderr:\n${stderr}`);
  }
  return {
    client,
    stderr: () => stderr,
    call: async (name, a = {}) => (await client.callTool({ name, arguments: a })) as CallToolResult,
    async [Symbol.asyncDispose]() {
      await client.close();
    },
  };
}

/** The outcome of {@link runCommand}. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, optionally feeding `stdin`. */
export async function runCommand(
  command: string,
  args: string[],
  options: { env: Record<string, string>; cwd?: string; stdin?: string },
): Promise<CommandResult> {
  const child = new Deno.Command(command, {
    args,
    env: options.env,
    clearEnv: true,
    cwd: options.cwd,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
