/**
 * The bearer-token check: with a token set, every request needs `Authorization: Bearer <token>`,
 * compared in constant time (both sides hashed first, so lengths do not leak either).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { type Check, jsonRpcError } from "./check.ts";

/** Refuses requests without the bearer token; passes everything when `token` is undefined. */
export function bearerAuth(token: string | undefined): Check {
  if (!token) return (c, next) => next(c);
  const digest = createHash("sha256").update(token).digest();
  return (c, next) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.headers.get("authorization") ?? "");
    const given = m ? createHash("sha256").update(m[1]).digest() : null;
    if (!given || !timingSafeEqual(given, digest)) {
      return jsonRpcError(401, -32001, "Unauthorized: send Authorization: Bearer <TESTIO_HTTP_TOKEN>", {
        "www-authenticate": `Bearer realm="testio-mcp"${m ? ', error="invalid_token"' : ""}`,
      });
    }
    return next(c);
  };
}
