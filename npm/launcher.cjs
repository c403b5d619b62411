#!/usr/bin/env node
// The `testio-mcp` command of the npm package: runs the bundled server with the Deno binary of the
// `deno` npm package and, for each command, the permission and V8 flags of the matching `deno task`
// (written into launch.json by `deno task pack`). It needs nothing but Node: no global Deno, no clone.
"use strict";

const { spawn } = require("node:child_process");
const os = require("node:os");
const path = require("node:path");

const launch = require("../launch.json");

/**
 * The Deno executable of the `deno` dependency. Its own install script copies the binary of the
 * platform package (@deno/linux-x64-glibc, …) into place; npm may skip install scripts, so the same
 * step runs here when the copy is missing.
 */
function denoExecutable() {
  try {
    return require("deno/install_api.cjs").runInstall();
  } catch (err) {
    const reason = err && typeof err.message === "string" ? err.message : String(err);
    process.stderr.write(
      `testio-mcp: the Deno runtime for ${os.platform()}-${os.arch()} is missing (${reason}).\n` +
        "  next: reinstall without --no-optional / --omit=optional, e.g. 'npx -y testio-mcp@latest'\n",
    );
    process.exit(1);
  }
}

const args = process.argv.slice(2);
const named = args.length > 0 && !args[0].startsWith("-");
const command = named && launch.flags[args[0]] ? args[0] : launch.defaultCommand;
const home = process.env.HOME || os.homedir();
const atRoot = path.parse(process.cwd()).root === process.cwd();
const flags = launch.flags[command].map((flag) => {
  const expanded = flag.replace(/\$\{HOME\}|\$HOME\b/g, home);
  // The tasks read `.` for the .env of the working directory. MCP clients often start servers in the
  // root folder, where `.` would mean the whole disk: there, only that one file is readable.
  return atRoot && expanded.startsWith("--allow-read=")
    ? expanded.replace(/([=,])\.(?=,|$)/, "$1./.env")
    : expanded;
});
const bundle = path.join(__dirname, "..", launch.bundle);

const child = spawn(denoExecutable(), ["run", "--no-config", ...flags, bundle, ...args], {
  stdio: "inherit",
  env: {
    ...process.env,
    HOME: home,
    // Deno's own certificate store lacks the CA of a TLS-inspecting proxy; the system store has it.
    DENO_TLS_CA_STORE: process.env.DENO_TLS_CA_STORE || "mozilla,system",
    DENO_NO_UPDATE_CHECK: "1",
  },
});

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}
child.on("error", (err) => {
  process.stderr.write(`testio-mcp: could not start Deno: ${err.message}\n`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else {
    process.exit(code ?? 1);
  }
});
