/**
 * The answers of the fake API, route by route, following docs/testio-api.md: envelopes,
 * test-list paging, the section rules for features and user stories, and the status codes the live
 * API gives for unknown or forbidden entities.
 *
 * @example
 * ```ts
 * import { FaultInjector } from "./faults.ts";
 * import { generateDataset } from "./generator.ts";
 * const dataset = generateDataset({ scale: "S" });
 * const result = handleRoute({ kind: "products" }, new URLSearchParams(), dataset, new FaultInjector());
 * result.status; // 200
 * ```
 */

import type { FakeDataset } from "./dataset.ts";
import type { FaultInjector } from "./faults.ts";
import { REJECT_REASONS } from "./reject_reasons.ts";
import type { RouteMatch } from "./routes.ts";
import type { RawBug, RawTest } from "./types.ts";

/** Without `page` the API returns the newest 150 tests and no more (docs/testio-api.md, The test list). */
export const UNPAGED_TEST_LIMIT = 150;
/** `per_page` when only `page` is given. */
export const DEFAULT_PER_PAGE = 25;

/** A handler's answer before faults that change the body are applied. */
export interface HandlerResult {
  status: number;
  body: Record<string, unknown>;
  /** The key of the record list that malformed-record faults may corrupt. */
  listKey?: string;
}

const error = (status: number, message: string): HandlerResult => ({ status, body: { error: message } });
const notFound = (what: string) => error(404, `${what} not found`);

class BadParam extends Error {}

function positiveInt(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new BadParam(`'${name}' must be a positive integer: got '${raw}'`);
  }
  return value;
}

function idList(params: URLSearchParams, name: string): Set<number> | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  // Clients send `1,2,3` without URL-encoding the commas; split and ignore empty items.
  const ids = raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const bad = ids.find((s) => !/^\d+$/.test(s));
  if (bad !== undefined) throw new BadParam(`'${name}' must be comma-separated ids: got '${raw}'`);
  return new Set(ids.map(Number));
}

/** Answers one matched GET request. */
export function handleRoute(
  match: RouteMatch,
  params: URLSearchParams,
  data: FakeDataset,
  faults: FaultInjector,
): HandlerResult {
  try {
    return route(match, params, data, faults);
  } catch (err) {
    if (err instanceof BadParam) return error(400, err.message);
    throw err;
  }
}

function route(
  match: RouteMatch,
  params: URLSearchParams,
  data: FakeDataset,
  faults: FaultInjector,
): HandlerResult {
  const productId = match.productId ??
    (match.testId !== undefined ? data.productIdOfTest(match.testId) : undefined);
  if (match.productId !== undefined && !data.product(match.productId)) return notFound("Product");
  if (faults.isForbidden(productId)) return error(403, "You are not allowed to access this product");

  switch (match.kind) {
    case "products":
      return { status: 200, body: { products: data.products }, listKey: "products" };
    case "product":
      return { status: 200, body: { product: data.product(match.productId!) } };
    case "tests":
      return testList(match.productId!, params, data, faults);
    case "test": {
      const test = data.test(match.testId!);
      return test ? { status: 200, body: { exploratory_test: test } } : notFound("Exploratory test");
    }
    case "bugs":
      return bugList(params, data, faults);
    case "bug": {
      const bug = data.bug(match.bugId!);
      if (!bug) return notFound("Bug");
      if (faults.isForbidden(bug.product.id)) return error(403, "You are not allowed to access this bug");
      return { status: 200, body: { bug } };
    }
    case "reject_reasons":
      return { status: 200, body: { reject_reasons: [...REJECT_REASONS] }, listKey: "reject_reasons" };
    case "features":
      // The live API refuses the plain endpoint for sectioned products (docs/testio-api.md, Sections).
      if (data.hasSections(match.productId!)) {
        return error(422, "section_id is required for products with sections");
      }
      return { status: 200, body: { features: data.plainFeatures(match.productId!) }, listKey: "features" };
    case "section_features": {
      const features = data.sectionFeatures(match.productId!, match.sectionId!);
      if (!features) return notFound("Section");
      return { status: 200, body: { features }, listKey: "features" };
    }
    case "user_stories": {
      const sectionId = positiveInt(params, "section_id");
      const pid = match.productId!;
      if (sectionId === undefined && data.hasSections(pid)) {
        // The live API answers 400 or 500 here; 400 is the more honest of the two.
        return error(400, "section_id is required for products with sections");
      }
      if (sectionId !== undefined && !data.sectionFeatures(pid, sectionId)) return notFound("Section");
      return {
        status: 200,
        body: { user_stories: data.userStoriesOf(pid, sectionId) },
        listKey: "user_stories",
      };
    }
  }
}

function testList(
  productId: number,
  params: URLSearchParams,
  data: FakeDataset,
  faults: FaultInjector,
): HandlerResult {
  const all = data.testsOf(productId);
  const page = positiveInt(params, "page");
  // `per_page` only counts together with `page`; other parameters such as `status` are ignored.
  const perPage = page === undefined
    ? UNPAGED_TEST_LIMIT
    : positiveInt(params, "per_page") ?? DEFAULT_PER_PAGE;
  const from = page === undefined ? 0 : (page - 1) * perPage;
  const to = Math.min(from + perPage, all.length);
  if (from < to && faults.failsPage(productId, from, to)) return error(500, "Internal Server Error");
  const tests: RawTest[] = from < to ? all.slice(from, to) : [];
  return { status: 200, body: { exploratory_tests: tests }, listKey: "exploratory_tests" };
}

function bugList(params: URLSearchParams, data: FakeDataset, faults: FaultInjector): HandlerResult {
  const testIds = idList(params, "filter_test_cycle_ids");
  const productIds = idList(params, "filter_product_ids");
  const sectionIds = idList(params, "filter_section_ids");
  let candidates: number[];
  if (testIds) candidates = [...testIds];
  else if (productIds) {
    candidates = [...productIds].flatMap((p) => data.product(p) ? data.testsOf(p) : []).map((t) => t.id);
  } else candidates = data.allTestIds();

  const bugs: RawBug[] = [];
  for (const testId of candidates) {
    const test = data.test(testId);
    if (!test) continue;
    if (productIds && !productIds.has(test.product.id)) continue;
    if (sectionIds && !sectionIds.has(test.section.id)) continue;
    if (faults.isForbidden(test.product.id)) continue;
    for (const bug of data.bugsOf(testId)) bugs.push(bug);
  }
  return { status: 200, body: { bugs, meta: { record_count: bugs.length } }, listKey: "bugs" };
}
