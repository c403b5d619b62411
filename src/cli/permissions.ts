/**
 * The Deno permissions baked into the compiled binary by `deno task compile` (a flag fixed at compile
 * time cannot name HOME, so they are wider than the tasks'). Everything else that launches the program
 * (the tasks, the npm package, the configuration `setup` prints) uses each task's own flags, see
 * `src/task_flags.ts`.
 *
 * @example
 * ```ts
 * const args = ["run", ...RUNTIME_PERMISSIONS, "/abs/main.ts", "serve"];
 * ```
 */
import { ENV_VARIABLES } from "../config.ts";

/**
 * Least-privilege flags for every command. Each one is as narrow as Deno can express statically:
 *
 * - `--allow-net` names no host: the API host is a setting (TESTIO_CUSTOMER_API_BASE_URL) and
 *   `serve --transport http` binds a host and port chosen at run time; a fixed list would break both.
 * - `--allow-read` / `--allow-write` name no path: the cache, its lock file and the settings files
 *   live under HOME, TESTIO_DB_PATH and the working directory, which are only known at run time
 *   (a compiled binary cannot expand `~` in a flag). (`/proc` stays closed: Deno opens it only with
 *   every permission, so the sync lock tells a dead holder by its missing heartbeat instead.)
 * - `--allow-env` lists exactly the variables the program reads ({@link ENV_VARIABLES}). (The SDK's
 *   client side reads OSTYPE as it loads; the server imports only the server side, see
 *   `src/mcp/sdk.ts`.)
 * - `--allow-sys=hostname` stamps the sync lock file with the host that holds it.
 *
 * No `--allow-run`, `--allow-ffi` or `-A`.
 */
export const RUNTIME_PERMISSIONS: readonly string[] = Object.freeze([
  "--allow-net",
  "--allow-read",
  "--allow-write",
  `--allow-env=${ENV_VARIABLES.join(",")}`,
  "--allow-sys=hostname",
]);

/**
 * V8 settings that keep the heap compact instead of letting it grow until a late major GC: about half
 * the memory of the server and of a large sync, for a little more CPU (bench/RESULTS.md, Tuning).
 */
export const MEMORY_FLAGS: readonly string[] = Object.freeze([
  "--v8-flags=--optimize-for-size,--max-semi-space-size=1",
]);
