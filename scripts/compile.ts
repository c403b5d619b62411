/**
 * `deno task compile` and `deno task compile:all`: standalone `testio-mcp` binaries with the
 * least-privilege permissions of {@link RUNTIME_PERMISSIONS} baked in. The migrations, the playbook
 * and the demo data generator are modules of the program, so `deno compile` embeds them; nothing is
 * read from the source tree at run time.
 *
 * @example
 * ```sh
 * deno task compile                          # dist/testio-mcp for this machine
 * deno task compile --target aarch64-apple-darwin
 * deno task compile:all                      # dist/testio-mcp-<target>[.exe] for every target
 * ```
 * @module
 */
import { MEMORY_FLAGS, RUNTIME_PERMISSIONS } from "../src/cli/permissions.ts";
import { DOWNLOAD_ENV } from "./tasks.ts";

/** Every target `deno compile --target` accepts. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-pc-windows-msvc",
  "aarch64-pc-windows-msvc",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
] as const;

/** A `deno compile` target. */
export type Target = typeof TARGETS[number];

/** Options of {@link compileArgs}. */
export interface CompileOptions {
  /** The entry module, usually `main.ts`. */
  entry: string;
  output: string;
  /** Default: the machine running the build. */
  target?: Target;
  /** Type-check first (default true; tests skip it because `deno task check` does it). */
  typeCheck?: boolean;
}

/** The `deno` arguments that compile `entry` with the runtime permissions baked in. */
export function compileArgs(options: CompileOptions): string[] {
  return [
    "compile",
    ...RUNTIME_PERMISSIONS,
    ...MEMORY_FLAGS,
    // deno.lock also holds test-only packages (fast-check); the binary needs only what main.ts reaches.
    "--exclude-unused-npm",
    ...(options.typeCheck === false ? ["--no-check"] : []),
    ...(options.target ? ["--target", options.target] : []),
    "--output",
    options.output,
    options.entry,
  ];
}

/** Where `compile:all` writes the binary of `target`. */
export function outputFor(target: Target, dir = "dist"): string {
  return `${dir}/testio-mcp-${target}${target.includes("windows") ? ".exe" : ""}`;
}

/**
 * Whether `deno compile` failed because the `denort` runtime of the target could not be downloaded
 * (it comes from dl.deno.land on first use; machines without internet cannot get it).
 */
export function isDenortUnavailable(stderr: string): boolean {
  return /denort|dl\.deno\.land|Setting up base binary/i.test(stderr) &&
    /error sending request|dns error|Connect|timed out|Not Found|404/i.test(stderr);
}

/** What to tell a person whose compile failed for want of `denort`. */
export const DENORT_HINT =
  "deno compile needs the denort runtime of the target, downloaded from dl.deno.land on first use. " +
  "Without internet, point DENORT_BIN at a denort binary of the same Deno version, or use " +
  "`deno task pack` (the npm package, which brings Deno from npm) or `deno task bundle` (a single file that " +
  "runs with `deno run`).";

async function compileOne(root: string, options: CompileOptions): Promise<boolean> {
  const args = compileArgs(options);
  console.error(`$ deno ${args.join(" ")}`);
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    env: { ...DOWNLOAD_ENV },
    stdout: "inherit",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  await Deno.stderr.write(out.stderr);
  if (out.success) return true;
  if (isDenortUnavailable(stderr)) console.error(`\n${DENORT_HINT}\n`);
  return false;
}

function usage(): never {
  console.error(`Usage: deno task compile [--target TARGET] | deno task compile:all
Targets: ${TARGETS.join(", ")}`);
  Deno.exit(2);
}

if (import.meta.main) {
  const root = new URL("../", import.meta.url).pathname;
  const args = [...Deno.args];
  let jobs: CompileOptions[];
  if (args.length === 1 && args[0] === "--all") {
    jobs = TARGETS.map((target) => ({ entry: "main.ts", target, output: outputFor(target) }));
  } else if (args.length === 0) {
    jobs = [{ entry: "main.ts", output: "dist/testio-mcp" }];
  } else if (
    args.length === 2 && args[0] === "--target" && (TARGETS as readonly string[]).includes(args[1])
  ) {
    const target = args[1] as Target;
    jobs = [{ entry: "main.ts", target, output: outputFor(target) }];
  } else {
    usage();
  }
  let failed = 0;
  for (const job of jobs) {
    if (!(await compileOne(root, job))) failed++;
  }
  Deno.exit(failed ? 1 : 0);
}
