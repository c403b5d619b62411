/**
 * CORS for browser clients whose origin passed the origin check: preflights are answered here
 * (browsers send them without credentials, so this check sits before the token check), and every
 * other answer carries the headers a browser needs to read it.
 */
import type { Check } from "./check.ts";

/** Answers preflights and adds CORS headers to the answers of requests with an `Origin`. */
export function cors(): Check {
  return async (c, next) => {
    const origin = c.req.headers.get("origin");
    if (c.req.method === "OPTIONS") {
      return new Response(null, {
        status: 204,
        headers: {
          ...corsHeaders(origin),
          "access-control-allow-methods": "GET, POST, DELETE",
          "access-control-allow-headers":
            "content-type, accept, authorization, mcp-session-id, mcp-protocol-version, last-event-id",
        },
      });
    }
    const response = await next(c);
    for (const [k, v] of Object.entries(corsHeaders(origin))) response.headers.set(k, v);
    return response;
  };
}

function corsHeaders(origin: string | null): Record<string, string> {
  return origin
    ? {
      "access-control-allow-origin": origin,
      "access-control-expose-headers": "mcp-session-id, mcp-protocol-version, www-authenticate",
      vary: "origin",
    }
    : {};
}
