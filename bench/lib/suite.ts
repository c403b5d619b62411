/**
 * Helpers shared by the `*_bench.ts` files: which scales to run, and registering the measured ops
 * with `Deno.bench` too, so `deno bench` prints its usual table beside the p95 figures this harness
 * writes to `bench/RESULTS.md`.
 *
 * @example
 * ```ts
 * for (const scale of benchScales()) {
 *   const op = () => {};
 *   registerDenoBench(`${scale} list_products.default`, op, { group: `${scale} list_products.default` });
 * }
 * ```
 */
import type { Scale } from "../../src/testio/fake/mod.ts";
import type { Op } from "./measure.ts";

/** The scales to run: `BENCH_SCALES=S,M` narrows them (default S, M, L). */
export function benchScales(): Scale[] {
  const raw = Deno.env.get("BENCH_SCALES");
  const scales = (raw ? raw.split(",") : ["S", "M", "L"]).map((s) => s.trim().toUpperCase()).filter(Boolean);
  for (const s of scales) {
    if (!["S", "M", "L"].includes(s)) throw new Error(`BENCH_SCALES: unknown scale '${s}' (use S, M, L)`);
  }
  return scales as Scale[];
}

/** Registers an op with `Deno.bench`; an awaited op stays awaited. */
export function registerDenoBench(
  name: string,
  op: Op,
  options: { group?: string; baseline?: boolean } = {},
): void {
  Deno.bench({
    name,
    group: options.group,
    baseline: options.baseline,
    async fn() {
      await op();
    },
  });
}

/** The SQLite library version behind `node:sqlite`. */
export function sqliteVersion(db: { prepare(sql: string): { get(): unknown } }): string | null {
  const row = db.prepare("SELECT sqlite_version() AS v").get() as { v?: string } | undefined;
  return row?.v ?? null;
}
