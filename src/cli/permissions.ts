/**
 * The Deno permissions the program needs at run time, kept in one place: `deno task compile` bakes
 * them into the binary, and `setup` writes them into the `deno run` client configuration it prints.
 *
 * @example
 * ```ts
 * const args = ["run", ...RUNTIME_PERMISSIONS, "/abs/main.ts", "serve"];
 * ```
 */
import { ENV_VARIABLES } from "../config.ts";

/**
 * Variables npm dependencies read as they load. `which` (reached through the MCP SDK's stdio client,
 * which `src/mcp/sdk.ts` re-exports) reads OSTYPE at import time; a denied read throws, and every
 * command would fail at start.
 */
export const DEPENDENCY_ENV_VARIABLES: readonly string[] = Object.freeze(["OSTYPE"]);

/**
 * Least-privilege flags for every command. Each one is as narrow as Deno can express statically:
 *
 * - `--allow-net` names no host: the API host is a setting (TESTIO_CUSTOMER_API_BASE_URL) and
 *   `serve --transport http` binds a host and port chosen at run time; a fixed list would break both.
 * - `--allow-read` / `--allow-write` name no path: the cache, its lock file and the settings files
 *   live under HOME, TESTIO_DB_PATH and the working directory, which are only known at run time
 *   (a compiled binary cannot expand `~` in a flag). Reads of `/proc/<pid>/stat` tell a stale
 *   sync lock from a live one.
 * - `--allow-env` lists exactly the variables the program reads ({@link ENV_VARIABLES}) plus those
 *   its npm dependencies read when they load ({@link DEPENDENCY_ENV_VARIABLES}).
 * - `--allow-sys=hostname` stamps the sync lock file with the host that holds it.
 *
 * No `--allow-run`, `--allow-ffi` or `-A`.
 */
export const RUNTIME_PERMISSIONS: readonly string[] = Object.freeze([
  "--allow-net",
  "--allow-read",
  "--allow-write",
  `--allow-env=${[...ENV_VARIABLES, ...DEPENDENCY_ENV_VARIABLES].join(",")}`,
  "--allow-sys=hostname",
]);
