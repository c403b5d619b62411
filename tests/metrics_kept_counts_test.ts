/**
 * The metric cube's bug part read from counts kept per test (`test_bug_counts`, `test_bug_facets`)
 * gives exactly what grouping the bug rows gives, for every dimension, pairs of dimensions and
 * filters, over data synced from the fake API; the kept rows follow bug writes and migration 0008
 * fills them as the repository rewrites them.
 */
import assert from "node:assert/strict";
import { syncedFixture } from "./helpers/fixture.ts";
import { openDatabase } from "../src/db/database.ts";
import { MIGRATIONS } from "../src/db/migrations.ts";
import { Repositories } from "../src/db/repos/index.ts";
import type { CubeKey, CubeQuery, CubeRow } from "../src/db/repos/analytics.ts";
import { DIMENSION_KEYS, type DimensionKey, type MetricKey } from "../src/domain/metrics.ts";

const EXECUTED = ["running", "locked", "archived", "customer_finalized"];

interface Shape {
  dims: DimensionKey[];
  metrics: MetricKey[];
  filters?: Partial<Record<DimensionKey, CubeKey[]>>;
  from?: string;
  to?: string;
  products?: number[];
  /** Date basis (default end_at; reported_at is what bug-only metrics use). */
  basis?: "end_at" | "reported_at";
  /** The kept source the shape must use (null: the bug rows). */
  kept: "counts" | "pivot" | "facet" | "tester" | null;
}

const query = (s: Shape, countsCoverAll?: boolean): CubeQuery => ({
  dimensions: s.dims,
  metrics: s.metrics,
  productIds: s.products ?? null,
  testStatuses: EXECUTED,
  filters: s.filters ?? {},
  from: s.from ?? null,
  to: s.to ?? null,
  dateBasis: s.basis ?? "end_at",
  sortBy: s.metrics[0],
  sortOrder: "desc",
  limit: 1000,
  countsCoverAll,
});

/** The rows with every count and class, without active_testers (which forces the bug rows). */
const comparable = (rows: CubeRow[]) =>
  rows.map((r) => ({ dims: r.dims, counts: { ...r.counts, active_testers: 0 }, classes: r.classes }));

Deno.test("cube answers from kept counts equal the answers grouped from bug rows", async (t) => {
  await using fx = await syncedFixture({ scale: "S" });
  using db = openDatabase(fx.dbPath);
  using repos = new Repositories(db);
  const one = <R>(sql: string) => db.prepare(sql).get() as R;
  assert.equal(one<{ n: number }>("SELECT count(*) AS n FROM test_bug_counts WHERE n_other > 0").n, 0);
  const product =
    one<{ id: number }>("SELECT product_id AS id FROM tests GROUP BY 1 ORDER BY count(*) DESC").id;
  const family = one<{ k: string }>("SELECT k FROM test_bug_facets WHERE facet = 2 AND k <> '' LIMIT 1").k;
  const feature = one<{ k: number }>("SELECT k FROM test_bug_facets WHERE facet = 1 AND k <> '' LIMIT 1").k;
  const tester =
    one<{ a: string }>("SELECT author AS a FROM bugs GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").a;
  const type =
    one<{ t: string }>("SELECT testing_type AS t FROM tests WHERE testing_type IS NOT NULL LIMIT 1").t;

  const shapes: Shape[] = [
    ...DIMENSION_KEYS.flatMap((d): Shape[] => {
      const onTest = ["product", "customer", "testing_type", "test_environment", "month", "week", "quarter"]
        .includes(d);
      const facet = ["feature", "platform", "rejection_reason", "known_bug"].includes(d);
      const pivot = d === "status" || d === "severity";
      // Bug metrics by tester read the bugs in tester order; test metrics need the tests' rows.
      const tester = d === "tester" ? "tester" : null;
      return [
        {
          dims: [d],
          metrics: ["bug_count"],
          kept: onTest ? "counts" : facet ? "facet" : pivot ? "pivot" : tester,
        },
        {
          dims: [d],
          metrics: ["bug_count", "rejection_rate", "overall_acceptance_rate", "review_rate"],
          kept: onTest ? "counts" : facet ? "facet" : pivot ? "pivot" : tester,
        },
        {
          dims: [d],
          metrics: ["test_count", "bug_count", "bugs_per_test", "tests_created"],
          kept: onTest ? "counts" : facet ? "facet" : null,
        },
        { dims: [d], metrics: ["bug_severity_score"], kept: onTest ? "counts" : pivot ? "pivot" : tester },
      ];
    }),
    { dims: ["product", "severity"], metrics: ["bug_count", "rejection_rate"], kept: "pivot" },
    { dims: ["severity", "status"], metrics: ["bug_count", "bug_severity_score"], kept: "pivot" },
    {
      dims: ["month", "status"],
      metrics: ["bug_count"],
      from: "2026-01-01T00:00:00.000Z",
      to: "2026-09-30T23:59:59.999Z",
      kept: "pivot",
    },
    {
      dims: ["product"],
      metrics: ["bug_count", "rejection_rate"],
      filters: { severity: ["high", null] },
      kept: "pivot",
    },
    { dims: ["quarter"], metrics: ["bug_count"], filters: { status: ["rejected"] }, kept: "pivot" },
    {
      dims: ["feature", "product"],
      metrics: ["bug_count", "test_count"],
      products: [product],
      kept: "facet",
    },
    {
      dims: ["product"],
      metrics: ["bug_count", "test_count"],
      filters: { platform: [family.toLowerCase(), null] },
      kept: "facet",
    },
    { dims: ["platform"], metrics: ["bug_count"], filters: { product: [product] }, kept: "facet" },
    {
      dims: ["month"],
      metrics: ["bug_count", "rejection_rate"],
      filters: { feature: [feature] },
      kept: "facet",
    },
    {
      dims: ["rejection_reason"],
      metrics: ["bug_count", "test_count", "tests_submitted"],
      filters: { testing_type: [type] },
      kept: "facet",
    },
    {
      dims: ["known_bug", "week"],
      metrics: ["bug_count", "rejection_rate"],
      from: "2026-03-01T00:00:00.000Z",
      kept: "facet",
    },
    { dims: ["severity"], metrics: ["bug_count"], filters: { platform: [family.toLowerCase()] }, kept: null },
    // Bug-only metrics date bugs by reported_at: the day facet, on whole days.
    { dims: ["week"], metrics: ["bug_count", "rejection_rate"], basis: "reported_at", kept: "facet" },
    {
      dims: ["month", "product"],
      metrics: ["bug_count"],
      basis: "reported_at",
      from: "2026-02-01T00:00:00.000Z",
      to: "2026-08-31T23:59:59.999Z",
      kept: "facet",
    },
    {
      dims: ["quarter"],
      metrics: ["bug_count"],
      basis: "reported_at",
      filters: { product: [product] },
      to: "2026-06-30T23:59:59.999Z",
      kept: "facet",
    },
    { dims: ["platform"], metrics: ["bug_count"], basis: "reported_at", kept: "facet" },
    { dims: ["severity"], metrics: ["bug_count"], basis: "reported_at", kept: "pivot" },
    {
      dims: ["product"],
      metrics: ["bug_count"],
      basis: "reported_at",
      from: "2026-03-01T12:00:00.000Z",
      kept: null,
    },
    { dims: ["week", "severity"], metrics: ["bug_count"], basis: "reported_at", kept: null },
    { dims: ["status"], metrics: ["test_count", "bug_count"], kept: null },
    {
      dims: ["tester"],
      metrics: ["bug_count", "rejection_rate"],
      filters: { product: [product] },
      kept: "tester",
    },
    {
      dims: ["tester"],
      metrics: ["bug_count"],
      filters: { testing_type: [type], tester: [tester] },
      kept: "tester",
    },
    {
      dims: ["tester"],
      metrics: ["bug_count"],
      basis: "reported_at",
      from: "2026-03-01T00:00:00.000Z",
      kept: null,
    },
    { dims: ["tester"], metrics: ["bug_count"], filters: { severity: ["high"] }, kept: null },
    { dims: ["feature"], metrics: ["bug_count", "features_tested"], kept: null },
  ];
  for (const s of shapes) {
    const name = `${s.dims.join(" × ")} ${s.metrics.join(",")}${
      s.filters ? ` filters ${JSON.stringify(s.filters)}` : ""
    }`;
    await t.step(name, () => {
      const { sql } = repos.analytics.buildCubeSql({ ...query(s, true), wideScope: true });
      const reads = /bugs_by_tester/.test(sql)
        ? "tester"
        : /test_bug_facets/.test(sql)
        ? "facet"
        : /CROSS JOIN \(VALUES/.test(sql)
        ? "pivot"
        : /test_bug_counts/.test(sql)
        ? "counts"
        : null;
      assert.equal(reads, s.kept, `reads ${reads ?? "bug rows"}`);
      assert.equal(
        /\bbugs b\b/.test(sql),
        s.kept === null || s.kept === "tester",
        "the bug rows are read only without kept counts",
      );
      const kept = repos.analytics.cube(query(s));
      const rows = repos.analytics.cube({
        ...query({ ...s, metrics: [...s.metrics, "active_testers"] }),
        wideScope: false,
      });
      assert.ok(rows.rows.length > 0 || s.filters, "the shape has rows to compare");
      assert.deepEqual(comparable(kept.rows), comparable(rows.rows));
      assert.equal(kept.total, rows.total);
    });
  }

  await t.step(
    "without the tester index (a first load builds it at its end), testers come from the bug rows",
    () => {
      const s: Shape = { dims: ["tester"], metrics: ["bug_count", "rejection_rate"], kept: "tester" };
      const indexed = repos.analytics.cube(query(s));
      db.exec("DROP INDEX bugs_by_tester");
      try {
        assert.deepEqual(comparable(repos.analytics.cube(query(s)).rows), comparable(indexed.rows));
      } finally {
        db.exec("CREATE INDEX bugs_by_tester ON bugs (author, test_id, status, severity)");
      }
    },
  );

  await t.step("a bug outside the counted pairs sends classes back to the bug rows", () => {
    const bug = one<{ id: number; test_id: number; product_id: number }>(
      "SELECT id, test_id, product_id FROM bugs WHERE status = 'rejected' LIMIT 1",
    );
    db.prepare("UPDATE bugs SET severity = 'blocker' WHERE id = ?").run(bug.id);
    repos.bugs.recount([bug.test_id]);
    for (const s of shapes.filter((x) => x.kept !== null)) {
      const { sql } = repos.analytics.buildCubeSql(query(s, false));
      const onlyCounts = s.metrics.every((m) =>
        ["bug_count", "test_count", "bugs_per_test", "tests_created", "tests_submitted"].includes(m)
      );
      if (!onlyCounts && s.kept !== "facet") {
        assert.match(sql, /\bbugs b\b/, `${s.dims} ${s.metrics} reads bug rows`);
      }
      const kept = repos.analytics.cube(query(s));
      const rows = repos.analytics.cube({
        ...query({ ...s, metrics: [...s.metrics, "active_testers"] }),
        wideScope: false,
      });
      assert.deepEqual(comparable(kept.rows), comparable(rows.rows), `${s.dims} ${s.metrics}`);
    }
  });
});

Deno.test("facet rows follow bug writes, and migration 0008 fills them as the repository rewrites them", async () => {
  await using fx = await syncedFixture({ scale: "S" });
  using db = openDatabase(fx.dbPath);
  using repos = new Repositories(db);
  const facets = () =>
    db.prepare("SELECT * FROM test_bug_facets ORDER BY test_id, facet, k").all().map((r) => ({ ...r }));
  const testIds = (db.prepare("SELECT id FROM tests").all() as { id: number }[]).map((r) => r.id);

  // Writes: statuses and features change, a bug goes away; the batch's recount rewrites the rows.
  const changed = db.prepare("SELECT id, test_id FROM bugs ORDER BY id LIMIT 40").all() as {
    id: number;
    test_id: number;
  }[];
  db.exec(`UPDATE bugs SET status = 'rejected', rejection_reason = 'duplicate', known = 1, feature_id = NULL
    WHERE id IN (${changed.slice(0, 30).map((b) => b.id).join(",")})`);
  db.exec(`DELETE FROM bugs WHERE id IN (${changed.slice(30).map((b) => b.id).join(",")})`);
  repos.bugs.recount([...new Set(changed.map((b) => b.test_id))]);
  const afterWrites = facets();

  db.exec("DELETE FROM test_bug_facets");
  repos.bugs.recount(testIds);
  assert.deepEqual(facets(), afterWrites, "rewriting every test gives the rows the writes left");

  const migration = MIGRATIONS.find((m) => m.name === "test_bug_facets")!;
  db.exec(migration.down);
  db.exec(migration.up);
  assert.deepEqual(facets(), afterWrites, "the migration's fill equals the repository's rewrite");
  assert.ok(afterWrites.some((r) => r.facet === 3 && r.k === "duplicate"));
  assert.ok(afterWrites.some((r) => r.facet === 4 && r.k === 1));
});
