/**
 * What a person types for the API base URL, read as a URL: production for an empty answer or a
 * TestIO account subdomain, the API path added to a bare host.
 *
 * @example
 * ```ts
 * normalizeBaseUrl("acme").url; // "https://api.test.io/customer/v2"
 * ```
 * @module
 */
import { DEFAULT_BASE_URL } from "../../config.ts";
import { InputError } from "../../errors.ts";

const API_HOST = new URL(DEFAULT_BASE_URL).host;
const API_PATH = new URL(DEFAULT_BASE_URL).pathname;

/** A base URL as {@link normalizeBaseUrl} understood it. */
export interface BaseUrlChoice {
  url: string;
  /** Said to the person when the input was read in a way they may not expect. */
  note?: string;
}

const SUBDOMAIN_NOTE =
  `TestIO accounts (such as acme.test.io) all use the Customer API at ${DEFAULT_BASE_URL}`;

/**
 * Turns what a person typed into an API base URL: empty means production; a full URL is kept (the
 * API path is added when it has none); a host gets `https://` and the API path; a TestIO account
 * subdomain (`acme`, `acme.test.io`) means production, since every account shares the API host.
 *
 * @example
 * ```ts
 * normalizeBaseUrl("").url; // "https://api.test.io/customer/v2"
 * normalizeBaseUrl("acme").note; // "TestIO accounts (such as acme.test.io) all use …"
 * normalizeBaseUrl("http://127.0.0.1:8080/customer/v2/").url; // "http://127.0.0.1:8080/customer/v2"
 * ```
 * @throws {InputError} when it is neither a URL, a host nor a subdomain.
 */
export function normalizeBaseUrl(input: string): BaseUrlChoice {
  const s = input.trim();
  if (s === "") return { url: DEFAULT_BASE_URL };
  const isAccountHost = (host: string) => host.endsWith(".test.io") && host !== API_HOST;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new InputError(`'${s}' is not a valid URL`, {
        action: `Enter a URL such as ${DEFAULT_BASE_URL}`,
      });
    }
    if (u.protocol !== "https:" && u.protocol !== "http:") {
      throw new InputError(`The base URL must use https (or http): got '${s}'`);
    }
    if (isAccountHost(u.hostname)) return { url: DEFAULT_BASE_URL, note: SUBDOMAIN_NOTE };
    const path = u.pathname.replace(/\/+$/, "");
    if (path === "") {
      return { url: `${u.origin}${API_PATH}`, note: `Added the API path: ${u.origin}${API_PATH}` };
    }
    return { url: `${u.origin}${path}` };
  }
  if (/^[a-z0-9-]+$/i.test(s)) return { url: DEFAULT_BASE_URL, note: SUBDOMAIN_NOTE };
  if (/^[a-z0-9.-]+(:\d+)?$/i.test(s)) {
    if (isAccountHost(s.replace(/:\d+$/, "").toLowerCase())) {
      return { url: DEFAULT_BASE_URL, note: SUBDOMAIN_NOTE };
    }
    return { url: `https://${s.toLowerCase()}${API_PATH}` };
  }
  throw new InputError(`'${s}' is neither a URL, a host name nor a TestIO subdomain`, {
    action: `Enter a URL such as ${DEFAULT_BASE_URL}, or press Enter for that default`,
  });
}
