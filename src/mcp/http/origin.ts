/**
 * The Origin and Host check (DNS-rebinding protection): a browser page on another site must not
 * reach a server on 127.0.0.1. A request with an `Origin` must come from a loopback or allowed
 * origin; a server bound to loopback also needs a loopback (or allowed) `Host`.
 */
import { type Check, jsonRpcError } from "./check.ts";
import type { Logger } from "../../log.ts";
import { ConfigError } from "../../errors.ts";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** Whether a hostname names this machine's loopback interface. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** The hostname of an `Origin` or `Host` value, or null when it cannot be parsed. */
function hostnameOf(value: string, withScheme: boolean): string | null {
  try {
    return new URL(withScheme ? value : `http://${value}`).hostname;
  } catch {
    return null;
  }
}

/** Normalises configured origins to `scheme://host[:port]`; refuses what is not a URL. */
export function parseAllowedOrigins(origins: readonly string[]): Set<string> {
  return new Set(origins.map((o) => {
    try {
      return new URL(o).origin;
    } catch {
      throw new ConfigError([`allowed HTTP origin ${JSON.stringify(o)} is not a URL`], {
        action: "List origins as scheme://host[:port], e.g. https://app.example.com",
      });
    }
  }));
}

/** Options of {@link originCheck}. */
export interface OriginCheckOptions {
  allowedOrigins: ReadonlySet<string>;
  /** Whether the server listens on loopback only (then the Host must be loopback too). */
  boundToLoopback: boolean;
  /** Where refusals are logged; null keeps them quiet (health probes). */
  log: Logger | null;
}

/** Refuses requests from a foreign Origin or (on loopback) with a foreign Host. */
export function originCheck(options: OriginCheckOptions): Check {
  const { allowedOrigins, boundToLoopback, log } = options;
  const allowedHosts = new Set([...allowedOrigins].map((o) => new URL(o).hostname));
  return (c, next) => {
    const origin = c.req.headers.get("origin");
    if (origin !== null) {
      const hostname = hostnameOf(origin, true);
      const ok = hostname !== null &&
        (isLoopbackHost(hostname) || allowedOrigins.has(new URL(origin).origin));
      if (!ok) {
        log?.warn("http request refused: origin not allowed", { origin });
        return jsonRpcError(403, -32000, `Forbidden: origin ${origin} is not allowed`);
      }
    }
    if (boundToLoopback) {
      const hostHeader = c.req.headers.get("host");
      const hostname = hostHeader === null ? null : hostnameOf(hostHeader, false);
      if (hostname === null || !(isLoopbackHost(hostname) || allowedHosts.has(hostname))) {
        log?.warn("http request refused: host not allowed", { host: hostHeader });
        return jsonRpcError(403, -32000, `Forbidden: host ${hostHeader ?? "(none)"} is not allowed`);
      }
    }
    return next(c);
  };
}
