/**
 * `serve`: runs migrations, starts the background sync (unless `--no-sync`) and serves MCP over
 * stdio (default) or Streamable HTTP. Logs go to stderr only; stdout carries protocol messages.
 * The process ends cleanly (sync cancelled, database closed with its WAL checkpointed) when stdin
 * closes or on SIGINT/SIGTERM.
 */
import process from "node:process";
import { type CliIO, type Command, EXIT, helpText, parseFlags } from "./command.ts";
import { loadConfig } from "../config.ts";
import { type App, commandLogger, openApp, SERVER_CACHE_MIB, VERSION } from "../app.ts";
import { InputError } from "../errors.ts";
import type { AppContext } from "../mcp/context.ts";
import { createMcpServer } from "../mcp/server.ts";
import { StdioServerTransport } from "../mcp/sdk.ts";
import { SyncScheduler } from "../sync/scheduler.ts";
import { serveHttp } from "../mcp/http.ts";

/** How to serve. */
export interface ServeOptions {
  transport: "stdio" | "http";
  host: string;
  port: number;
  sync: boolean;
  /** Printed on stderr once the server is ready (demo). */
  banner?: string;
}

/** Builds the shared context of one server process. */
export function buildContext(app: App, scheduler: SyncScheduler, transport: "stdio" | "http"): AppContext {
  return {
    config: app.config,
    log: app.log,
    repos: app.repos,
    freshness: app.freshness,
    sync: scheduler,
    api: {
      async check(signal) {
        if (!app.client) return { reachable: false, latency_ms: null, status: null };
        const started = performance.now();
        const result = await app.client.checkAuth(signal);
        const latency = Math.round(performance.now() - started);
        if (result.ok) return { reachable: true, latency_ms: latency, status: 200 };
        return {
          reachable: result.status !== "unreachable",
          latency_ms: result.status === "unreachable" ? null : latency,
          status: result.httpStatus || null,
        };
      },
    },
    version: VERSION,
    startedAt: new Date(),
    transport,
    now: () => new Date(),
  };
}

/** Serves MCP for an opened app until the client goes away or a signal arrives. */
export async function serveApp(app: App, options: ServeOptions, io: CliIO): Promise<number> {
  const log = app.log;
  await using scheduler = new SyncScheduler({
    engine: app.engine,
    repos: app.repos,
    config: app.config,
    log,
  });
  const ctx = buildContext(app, scheduler, options.transport);

  const stopped = Promise.withResolvers<string>();
  io.signal.addEventListener("abort", () => stopped.resolve("signal"), { once: true });

  if (options.transport === "stdio") {
    const { server } = createMcpServer(ctx);
    const transport = new StdioServerTransport();
    transport.onclose = () => stopped.resolve("transport closed");
    process.stdin.once("end", () => stopped.resolve("stdin closed"));
    process.stdin.once("close", () => stopped.resolve("stdin closed"));
    await server.connect(transport);
    log.info("serving MCP over stdio", { version: VERSION, db: app.config.dbPath });
    if (options.banner) io.stderr(options.banner);
    if (options.sync) scheduler.start();
    const reason = await stopped.promise;
    log.info("shutting down", { reason });
    await server.close().catch(() => {});
  } else {
    await using http = await serveHttp({
      ctx,
      host: options.host,
      port: options.port,
      httpToken: app.config.httpToken,
      log,
    });
    log.info("serving MCP over Streamable HTTP", { url: `${http.url}`, version: VERSION });
    if (options.banner) io.stderr(options.banner.replaceAll("{url}", http.url));
    if (options.sync) scheduler.start();
    const reason = await stopped.promise;
    log.info("shutting down", { reason });
  }
  return EXIT.OK;
}

/** Parses `--transport/--host/--port/--no-sync`. */
export function parseServeFlags(command: string, args: string[]) {
  const { values } = parseFlags(command, args, {
    transport: { type: "string", default: "stdio" },
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "8080" },
    "no-sync": { type: "boolean", default: false },
  });
  const transport = values.transport;
  if (transport !== "stdio" && transport !== "http") {
    throw new InputError(`--transport must be stdio or http: got '${transport}'`);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InputError(`--port must be 0–65535: got '${values.port}'`);
  }
  return { values, transport: transport as "stdio" | "http", port };
}

export const serveCommand: Command = {
  name: "serve",
  summary: "Serve MCP from the local cache, syncing it in the background (the default command).",
  usage: "serve [--transport stdio|http] [--host 127.0.0.1] [--port 8080] [--no-sync] [--env-file PATH]",
  help: `Options:
  --transport stdio|http  stdio for MCP clients that start the server (default); http for Streamable HTTP
  --host HOST             HTTP bind address (default 127.0.0.1, loopback only)
  --port PORT             HTTP port (default 8080; 0 picks a free one)
  --no-sync               do not sync at start-up or in the background (tools still refresh stale rows)
  --env-file PATH         read settings from this file too
With --transport http, set TESTIO_HTTP_TOKEN to require 'Authorization: Bearer <token>'.`,
  async run(args, io) {
    const { values, transport, port } = parseServeFlags("serve", args);
    if (values.help) {
      io.stdout(helpText(serveCommand));
      return EXIT.OK;
    }
    const config = loadConfig({ env: io.env, envFile: values["env-file"] });
    await using app = openApp(config, commandLogger(config), { cacheMiB: SERVER_CACHE_MIB });
    return await serveApp(app, { transport, host: values.host, port, sync: !values["no-sync"] }, io);
  },
};
