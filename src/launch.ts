/**
 * How this process was started: from a checkout (`deno task …`), as a compiled binary, from the npm
 * package (through `npx` or an installed `testio-mcp`), or as the bundle under `deno run`. From that,
 * the command a person types for another command (`deno task sync`, `testio-mcp sync`,
 * `npx -y testio-mcp sync`) and the command line an MCP client starts the server with, with the same
 * least-privilege permissions as the tasks.
 *
 * @example
 * ```ts
 * commandHint("sync --force"); // "deno task sync --force" in a checkout
 * clientLaunch(detectLaunch(), "/home/me"); // { command: "npx", args: ["-y", "testio-mcp"] } from npx
 * ```
 * @module
 */
import { taskFlags } from "./task_flags.ts";

/** The name of the npm package and of the binary. */
export const PACKAGE_NAME = "testio-mcp";

/** The ways the program runs. */
export type LaunchKind = "checkout" | "binary" | "npx" | "npm" | "bundle";

/** What {@link detectLaunch} looks at; injectable for tests. */
export interface LaunchProbe {
  /** `Deno.execPath()`: the compiled binary, or the `deno` executable. */
  execPath: string;
  /** `Deno.mainModule`: `main.ts` of a checkout, or the bundle (in the npm package or elsewhere). */
  mainModule: string;
  /** `Deno.build.standalone`: whether this is a `deno compile` binary, whatever its file is called. */
  standalone?: boolean;
}

/** How the program was started. */
export interface Launch {
  kind: LaunchKind;
  execPath: string;
  /** The path of the main module (`main.ts` or the bundle). */
  main: string;
}

/** How an MCP client starts the server. */
export interface ClientLaunch {
  command: string;
  args: string[];
}

/**
 * Whether the running executable is a `deno compile` binary rather than `deno` itself (which runs
 * `main.ts` or a bundle).
 */
export function isCompiledBinary(execPath: string = Deno.execPath()): boolean {
  const name = basename(execPath).toLowerCase();
  return name !== "deno" && name !== "deno.exe";
}

function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function dirname(path: string): string {
  return path.slice(0, Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")));
}

/** Tells how the program was started, from the executable and the main module alone (no file access). */
export function detectLaunch(
  probe: LaunchProbe = {
    execPath: Deno.execPath(),
    mainModule: Deno.mainModule,
    standalone: Deno.build.standalone,
  },
): Launch {
  const main = probe.mainModule.startsWith("file:")
    ? decodeURIComponent(new URL(probe.mainModule).pathname).replace(/^\/([A-Za-z]:)/, "$1")
    : probe.mainModule;
  const launch = (kind: LaunchKind): Launch => ({ kind, execPath: probe.execPath, main });
  if (probe.standalone || isCompiledBinary(probe.execPath)) return launch("binary");
  const slashed = main.replaceAll("\\", "/");
  if (slashed.includes(`/node_modules/${PACKAGE_NAME}/`)) {
    // npx installs into its own cache (~/.npm/_npx/<hash>/node_modules/…); `npm install` elsewhere.
    return launch(slashed.includes("/_npx/") ? "npx" : "npm");
  }
  return launch(basename(slashed) === "main.ts" ? "checkout" : "bundle");
}

let current: Launch | undefined;

/** How this process was started (detected once). */
export function currentLaunch(): Launch {
  current ??= detectLaunch();
  return current;
}

/**
 * The command line that runs `command` (a command name and its flags) the way this installation is
 * run: `deno task sync` in a checkout, `testio-mcp sync` for the binary or an installed package,
 * `npx -y testio-mcp sync` through npx.
 *
 * @example
 * ```ts
 * commandHint("migrate up", { kind: "npx", execPath: "/usr/bin/deno", main: "/x.js" }); // "npx -y testio-mcp migrate up"
 * ```
 */
export function commandHint(command: string, launch: Launch = currentLaunch()): string {
  switch (launch.kind) {
    case "checkout": {
      const [name, ...rest] = command.split(" ");
      return ["deno task", name === "serve" ? "start" : name, ...rest].join(" ");
    }
    case "binary":
      return `${basename(launch.execPath).replace(/\.exe$/i, "")} ${command}`;
    case "npx":
      return `npx -y ${PACKAGE_NAME} ${command}`;
    case "npm":
      return `${PACKAGE_NAME} ${command}`;
    case "bundle":
      return `deno run … ${basename(launch.main)} ${command}`;
  }
}

/**
 * The command an MCP client runs to start the server from this installation, with the permissions
 * of the tasks (a checkout runs the `start` task itself; the binary has its permissions baked in).
 * `home` expands `$HOME` in the task's flags for the bundle.
 */
export function clientLaunch(launch: Launch, home: string): ClientLaunch {
  switch (launch.kind) {
    case "checkout":
      // MCP clients start servers from any folder: --cwd names the checkout.
      return { command: launch.execPath, args: ["task", "--cwd", dirname(launch.main), "start"] };
    case "binary":
      return { command: launch.execPath, args: ["serve"] };
    case "npx":
      return { command: "npx", args: ["-y", PACKAGE_NAME] };
    case "npm":
      return { command: PACKAGE_NAME, args: ["serve"] };
    case "bundle":
      return {
        command: launch.execPath,
        args: ["run", "--no-config", ...(taskFlags("serve", home) ?? []), launch.main, "serve"],
      };
  }
}
