/**
 * The errors of the API client for an answer that is not a success: one message, hint and action per
 * HTTP status (401, 403, 404, 429, 5xx, other 4xx), and the count of attempts once retries ran out.
 *
 * @example
 * ```ts
 * const err = statusError(404, "test 123", "https://api.test.io/customer/v2/exploratory_tests/123", 1, 0);
 * err.message; // "TestIO API: test 123 not found (HTTP 404): GET https://api.test.io/customer/v2/exploratory_tests/123"
 * ```
 */
import { errorMessage, UpstreamError } from "../../errors.ts";

/** The useful part of a fetch failure: Deno puts the cause (refused, DNS…) in `cause`. */
export function networkDetail(err: unknown): string {
  const text = err instanceof Error && err.cause instanceof Error ? err.cause.message : errorMessage(err);
  return text.replace(/^error sending request for url \([^)]*\):\s*/, "");
}

/** The error of the last attempt, saying how many were sent when there was more than one. */
export function finalError(err: UpstreamError, sent: number): UpstreamError {
  if (sent === 1) return err;
  return new UpstreamError(`${err.message} (after ${sent} attempts)`, err.status, err.url, {
    hint: err.hint,
    action: err.action,
  });
}

/**
 * The error for an HTTP `status` answered to the request for `what` (as in "test 123") at the URL
 * `shown` (already redacted), after `sent` attempts of which `rateLimited` met a 429.
 */
export function statusError(
  status: number,
  what: string,
  shown: string,
  sent: number,
  rateLimited: number,
): UpstreamError {
  const after = sent > 1 ? ` (after ${sent} attempts)` : "";
  switch (status) {
    case 401:
      return new UpstreamError(`TestIO API rejected the token (HTTP 401): GET ${shown}`, status, shown, {
        hint: "The API token is invalid or expired",
        action: "Run setup or check TESTIO_CUSTOMER_API_TOKEN (create a token at " +
          "https://testcloud.test.io/account/api)",
      });
    case 403:
      return new UpstreamError(
        `TestIO API refused access to ${what} (HTTP 403): GET ${shown}`,
        status,
        shown,
        {
          hint: "The token lacks permission for this resource, or it belongs to another account",
          action: "Check the id, or use a token with access to it",
        },
      );
    case 404:
      return new UpstreamError(
        `TestIO API: ${what} not found (HTTP 404): GET ${shown}`,
        status,
        shown,
        {
          hint: "The id does not exist or the token cannot see it",
          action: "Check the id",
        },
      );
    case 429:
      return new UpstreamError(
        `TestIO API rate limit still hit after ${rateLimited} retries (HTTP 429): GET ${shown}`,
        status,
        shown,
        {
          hint: "Too many requests for the API",
          action: "Wait a few minutes, or lower TESTIO_MAX_CONCURRENT_REQUESTS",
        },
      );
  }
  if (status >= 500 || status === 408) {
    return new UpstreamError(
      `TestIO API server error (HTTP ${status}) on ${what}${after}: GET ${shown}`,
      status,
      shown,
      {
        hint: "The TestIO API failed to answer this request",
        action: "Retry later",
      },
    );
  }
  return new UpstreamError(
    `TestIO API rejected the request for ${what} (HTTP ${status}): GET ${shown}`,
    status,
    shown,
    {
      hint: status === 422 || status === 400
        ? "The request does not fit this resource (for example, a product with sections lists features per section)"
        : "The API refused the request",
      action: "Check the ids and the product's sections",
    },
  );
}
