/**
 * The URL space of the fake API: which paths under `/customer/v2/` exist and what kind of request
 * each one is. The kind is what request accounting and route-specific faults key on.
 *
 * @example
 * ```ts
 * matchRoute("/customer/v2/products/1000/exploratory_tests"); // { kind: "tests", productId: 1000 }
 * ```
 */

/** Path prefix of every route; the base URL ends with it (without the trailing slash). */
export const API_PREFIX = "/customer/v2";

/** The kinds of request the fake API answers. */
export const ROUTE_KINDS = [
  "products",
  "product",
  "tests",
  "test",
  "bugs",
  "bug",
  "reject_reasons",
  "features",
  "section_features",
  "user_stories",
] as const;
/** One of {@link ROUTE_KINDS}. */
export type RouteKind = typeof ROUTE_KINDS[number];

/** A matched route with its path ids. */
export interface RouteMatch {
  kind: RouteKind;
  productId?: number;
  sectionId?: number;
  testId?: number;
  bugId?: number;
}

const ID = "(\\d{1,15})";
const PATTERNS: readonly [RegExp, (m: RegExpExecArray) => RouteMatch][] = [
  [/^products$/, () => ({ kind: "products" })],
  [new RegExp(`^products/${ID}$`), (m) => ({ kind: "product", productId: Number(m[1]) })],
  [new RegExp(`^products/${ID}/exploratory_tests$`), (m) => ({ kind: "tests", productId: Number(m[1]) })],
  [new RegExp(`^products/${ID}/features$`), (m) => ({ kind: "features", productId: Number(m[1]) })],
  [
    new RegExp(`^products/${ID}/sections/${ID}/features$`),
    (m) => ({ kind: "section_features", productId: Number(m[1]), sectionId: Number(m[2]) }),
  ],
  [new RegExp(`^products/${ID}/user_stories$`), (m) => ({ kind: "user_stories", productId: Number(m[1]) })],
  [new RegExp(`^exploratory_tests/${ID}$`), (m) => ({ kind: "test", testId: Number(m[1]) })],
  [/^bugs$/, () => ({ kind: "bugs" })],
  // Before bugs/{id}, which would not match it anyway, but the order documents the intent.
  [/^bugs\/reject_reasons$/, () => ({ kind: "reject_reasons" })],
  [new RegExp(`^bugs/${ID}$`), (m) => ({ kind: "bug", bugId: Number(m[1]) })],
];

/** Matches a URL path (with the `/customer/v2` prefix) to a route; undefined when none exists. */
export function matchRoute(pathname: string): RouteMatch | undefined {
  if (!pathname.startsWith(API_PREFIX + "/")) return undefined;
  // Tolerate a trailing slash: the Blueprint's base URL has one and some clients keep it.
  const rest = pathname.slice(API_PREFIX.length + 1).replace(/\/$/, "");
  for (const [pattern, build] of PATTERNS) {
    const m = pattern.exec(rest);
    if (m) return build(m);
  }
  return undefined;
}
