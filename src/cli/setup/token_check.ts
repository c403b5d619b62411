/**
 * The token check of `setup`: one request to the API, and one line per outcome with what to do.
 *
 * @example
 * ```ts
 * declare const baseUrl: string, token: string;
 * describeCheck(await checkToken(baseUrl, token), baseUrl).line; // "✓ Valid: … accepted the token (3 products visible)"
 * ```
 * @module
 */
import { InputError } from "../../errors.ts";
import { silentLogger } from "../../log.ts";
import { type AuthCheck, TestIOClient } from "../../testio/client.ts";

/** Where tokens are created in TestIO. */
export const TOKEN_PAGE = "https://testcloud.test.io/account/api";
/** How long the token check may take: longer than a probe, since a person is waiting for a verdict. */
const CHECK_TIMEOUT_MS = 15_000;

/** Rejects what cannot be a token, before a request is wasted on it. */
export function checkTokenShape(token: string): string {
  const t = token.trim();
  if (t === "") throw new InputError("The token is empty", { action: `Create one at ${TOKEN_PAGE}` });
  if (/\s/.test(t)) {
    throw new InputError("The token contains spaces or line breaks", {
      action: "Paste only the token itself",
    });
  }
  return t;
}

/** One line per outcome of the token check, and what to do about a failure. */
export function describeCheck(
  check: AuthCheck,
  baseUrl: string,
): { ok: boolean; line: string; next?: string } {
  if (check.ok) {
    const n = check.productCount;
    return {
      ok: true,
      line: `✓ Valid: ${baseUrl} accepted the token (${n} product${n === 1 ? "" : "s"} visible)`,
    };
  }
  switch (check.status) {
    case "unauthorized":
      return {
        ok: false,
        line: `✗ HTTP 401 from ${baseUrl}: the token was rejected (mistyped, revoked or expired)`,
        next: `Copy the token again, or create a new one at ${TOKEN_PAGE}`,
      };
    case "forbidden":
      return {
        ok: false,
        line: `✗ HTTP 403 from ${baseUrl}: the token is known but may not list products`,
        next: "Ask your TestIO administrator for Customer API access, or use another user's token",
      };
    case "unreachable":
      return {
        ok: false,
        line: `✗ Unreachable: ${baseUrl} did not answer (${check.message})`,
        next: "Check the base URL and the network (proxy, VPN), or save anyway with --force or --skip-check",
      };
    default:
      return {
        ok: false,
        line: `✗ HTTP ${check.httpStatus} from ${baseUrl}: ${check.message}`,
        next: "Check the base URL; if it is right, retry later or save anyway with --force",
      };
  }
}

/** Checks `token` against `baseUrl` with one request and no retries. */
export async function checkToken(baseUrl: string, token: string, signal?: AbortSignal): Promise<AuthCheck> {
  using client = new TestIOClient({
    baseUrl,
    token,
    log: silentLogger(),
    timeoutMs: CHECK_TIMEOUT_MS,
    maxConcurrent: 1,
  });
  return await client.checkAuth(signal);
}
