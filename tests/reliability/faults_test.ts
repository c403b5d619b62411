/**
 * Syncs against a fake TestIO API that fails the way real APIs do: 5 % HTTP 500, 2 % HTTP 429 (with
 * Retry-After in seconds or as an HTTP date), 1 % requests that hang past the client timeout, some
 * malformed records and some bodies that are not JSON objects. Every sync finishes; the client
 * retries within its limits; the cache is a faithful subset of the source (every missing piece named
 * by a warning, a corrupted record or a problematic range); a second faulty sync loses nothing the
 * first one stored; once the faults stop, a sync converges to the source row by row.
 */
import assert from "node:assert/strict";
import { openApp } from "../../src/app.ts";
import { silentLogger } from "../../src/log.ts";
import type { RequestRecord } from "../../src/testio/fake/mod.ts";
import { assertCacheMatches } from "../helpers/cache_compare.ts";
import { fakeFixture } from "../helpers/fixture.ts";
import { assertDerivedCounts, assertFaithfulSubset, assertIntact, LONG, sized } from "./helpers.ts";

const RUNS = sized(2, 8);
const SCALE = sized("S", "M") as "S" | "M";
/** The client's limits (docs/testio-api.md, Errors and limits): 4 attempts for transient failures, 3 retries after 429. */
const MAX_ATTEMPTS = 4;
const MAX_RATE_LIMITED = 3;
const HANG_MS = 1_500;

/** Fault totals over every run, for the figures. */
const totals = {
  requests: 0,
  s500: 0,
  s429: 0,
  hangs: 0,
  malformed: 0,
  nonObject: 0,
  retries: 0,
  syncs: 0,
  /** Source tests and bugs a faulty first sync had not stored, each named by a warning. */
  namedGaps: 0,
};

/**
 * Per request key (path and query), in order: no call sends more than its budgets allow. A run of
 * failures longer than both budgets together means a retry loop without limit.
 */
function assertRetryLimits(requests: readonly RequestRecord[]): void {
  const byKey = new Map<string, number[]>();
  for (const r of requests) {
    const key = `${r.path}?${r.query}`;
    byKey.set(key, [...(byKey.get(key) ?? []), r.status]);
  }
  for (const [key, statuses] of byKey) {
    let transient = 0;
    let limited = 0;
    for (const status of statuses) {
      if (status >= 200 && status < 300) {
        transient = 0;
        limited = 0;
        continue;
      }
      if (status === 429) limited++;
      else transient++;
      assert.ok(transient <= MAX_ATTEMPTS, `${key}: ${transient} transient failures in a row`);
      assert.ok(limited <= MAX_RATE_LIMITED + 1, `${key}: ${limited} answers 429 in a row`);
    }
  }
}

function problematicProducts(db: { prepare(sql: string): { all(): Record<string, unknown>[] } }) {
  return new Set(
    db.prepare("SELECT DISTINCT product_id FROM problematic_ranges").all().map((r) => r.product_id as number),
  );
}

Deno.test(`faults: ${RUNS} runs of faulty full syncs at scale ${SCALE} finish, lose nothing and converge`, async (t) => {
  for (let run = 1; run <= RUNS; run++) {
    await t.step(`run ${run} (Retry-After as ${run % 2 ? "seconds" : "an HTTP date"})`, async () => {
      await using fx = await fakeFixture({ scale: SCALE, seed: run });
      const faults = {
        status500Rate: 0.05,
        status429Rate: 0.02,
        // Zero seconds (or the next whole second for a date): a client that could not read the header
        // would wait its 30 s default instead, and the duration check below would fail.
        retryAfter: run % 2 ? "seconds" as const : "date" as const,
        retryAfterSeconds: 0,
        // As for non-object bodies below: enough that the short form always meets a few.
        timeoutRate: sized(0.03, 0.01),
        hangMs: HANG_MS,
        malformedRate: 0.004,
        // The short form makes ~200 requests: at 1 % a run often sees no non-object body at all, so it
        // injects more (the long form's 2,700 requests see plenty at 1 %).
        nonObjectBodyRate: sized(0.03, 0.01),
      };
      await using app = openApp(
        fx.config({ TESTIO_HTTP_TIMEOUT_SECONDS: "1", TESTIO_MAX_CONCURRENT_REQUESTS: "6" }),
        silentLogger(),
        { client: { retryBaseMs: 5 } },
      );

      // First faulty sync, into an empty cache; its first request is answered 429, so every run waits
      // for a Retry-After in its format at least once.
      fx.api.setFaults({ ...faults, seed: run, failNext: [429] });
      const first = await app.engine.run({ mode: "full", trigger: "test" });
      assert.match(first.status, /^completed/, `${first.error ?? ""}\n${first.warnings.join("\n")}`);
      assert.ok(first.duration_ms < 20_000, `took ${first.duration_ms} ms: were Retry-After waits honoured?`);
      assertIntact(app.db);
      assertDerivedCounts(app.db);
      const corrupted = [...fx.api.corrupted];
      const gaps = assertFaithfulSubset(app.db, fx.api.dataset, {
        warnings: first.warnings,
        corrupted,
        problematicProducts: problematicProducts(app.db),
      });
      const stored = {
        tests: new Set(app.db.prepare("SELECT id FROM tests").all().map((r) => r.id as number)),
        bugs: new Set(app.db.prepare("SELECT id FROM bugs").all().map((r) => r.id as number)),
        features: new Set(app.db.prepare("SELECT id FROM features").all().map((r) => r.id as number)),
      };

      // Second faulty sync over the cache: faults never remove what is stored.
      fx.api.setFaults({ seed: run + 1000 });
      const second = await app.engine.run({ mode: "full", trigger: "test" });
      assert.match(second.status, /^completed/, second.error);
      assertIntact(app.db);
      assertDerivedCounts(app.db);
      assertFaithfulSubset(app.db, fx.api.dataset, {
        warnings: [...first.warnings, ...second.warnings],
        corrupted: [...fx.api.corrupted],
        problematicProducts: problematicProducts(app.db),
      });
      for (const [table, ids] of Object.entries(stored)) {
        const now = new Set(app.db.prepare(`SELECT id FROM ${table}`).all().map((r) => r.id as number));
        const lost = [...ids].filter((id) => !now.has(id));
        assert.deepEqual(lost, [], `${table} stored by the first sync and lost in the second`);
      }

      // Faults off: the next sync converges to the source.
      fx.api.clearFaults();
      const clean = await app.engine.run({ mode: "full", trigger: "test" });
      assert.equal(clean.status, "completed", clean.warnings.join("\n"));
      assertCacheMatches(app.db, fx.api.dataset);
      assertDerivedCounts(app.db);
      assert.equal(app.repos.problematic.list().length, 0, "recovered ranges are cleared");

      // Hanging requests are logged by the fake when released; closing releases them.
      await fx.api.close();
      const log = fx.api.requests;
      assertRetryLimits(log);
      const allWarnings = [...first.warnings, ...second.warnings];
      totals.requests += log.length;
      totals.s500 += log.filter((r) => r.status === 500).length;
      totals.s429 += log.filter((r) => r.status === 429).length;
      totals.hangs += log.filter((r) => r.status === 504).length;
      totals.malformed += fx.api.corrupted.length;
      totals.nonObject += allWarnings.filter((w) => w.includes("expected a JSON object")).length;
      totals.retries += app.client!.retryCount;
      totals.syncs += 3;
      totals.namedGaps += gaps.missingTests + gaps.missingBugs;
    });
  }

  await t.step("every kind of fault was injected and survived", () => {
    console.error(`faults: ${JSON.stringify(totals)}${LONG ? " (long form)" : ""}`);
    assert.ok(totals.s500 > 0, "HTTP 500 injected");
    assert.ok(totals.s429 > 0, "HTTP 429 injected");
    assert.ok(totals.hangs > 0, "timeouts injected");
    assert.ok(totals.malformed > 0, "malformed records injected");
    assert.ok(totals.nonObject > 0, "non-object bodies injected");
    assert.ok(totals.retries > 0, "the client retried");
  });
});
