/**
 * `GET /health`: always `{"status":"ok"}` while the server runs; version, uptime and session count
 * only for requests that pass the same checks as `/mcp` (Origin/Host and token), so a foreign page
 * or an unauthenticated caller learns no more than that the port answers.
 */
import type { Check, Handler } from "./check.ts";
import { compose } from "./check.ts";

/** What a trusted health request learns. */
export interface HealthFacts {
  version: string;
  uptime_s: number;
  sessions: number;
}

/** The health handler; `trust` are the checks a request must pass to see {@link HealthFacts}. */
export function health(trust: readonly Check[], facts: () => HealthFacts): Handler {
  const trusted = compose(trust, () => Promise.resolve(Response.json({ status: "ok", ...facts() })));
  return async (c) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      return new Response("Method not allowed", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const full = await trusted(c);
    if (full.ok) return full;
    await full.body?.cancel();
    return Response.json({ status: "ok" });
  };
}
