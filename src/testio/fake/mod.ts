/**
 * The fake TestIO Customer API: a seeded synthetic-data generator and an HTTP server that speaks the
 * API's shapes on 127.0.0.1, with fault injection. Import from here.
 *
 * @example
 * ```ts
 * import { startFakeApi } from "./mod.ts";
 * await using api = await startFakeApi({ scale: "S", seed: 1 });
 * // point the client at api.baseUrl with api.token
 * ```
 */

export { type AddTestsOptions, type DatasetCounts, FakeDataset, type Scale } from "./dataset.ts";
export type { CorruptedRecord, CorruptionKind, FaultOptions } from "./faults.ts";
export { generateDataset, type GenerateOptions, SCALES, type ScaleSpec, startOfUtcDay } from "./generator.ts";
export { DEFAULT_PER_PAGE, UNPAGED_TEST_LIMIT } from "./handlers.ts";
export { hasSections, type MergedFeature, type MergedUserStory } from "./products.ts";
export { REJECT_REASONS } from "./reject_reasons.ts";
export { ROUTE_KINDS, type RouteKind } from "./routes.ts";
export { runFakeApi, type RunFakeApiOptions } from "./run_fake_api.ts";
export { type FakeApi, type RequestRecord, startFakeApi, type StartFakeApiOptions } from "./server.ts";
export * from "./types.ts";
