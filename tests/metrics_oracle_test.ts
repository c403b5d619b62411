/**
 * `query_metrics` over data synced from the fake TestIO API, checked against a direct computation in
 * this file: the base rows are read with plain SELECTs and every dimension and metric is recomputed in
 * TypeScript (multi-valued features and platforms, the "unassigned" bucket, bug-level grain, date
 * basis, filters), then compared group by group with the tool's rows.
 */
import assert from "node:assert/strict";
import { syncedFixture } from "./helpers/fixture.ts";
import { inProcessServer } from "./helpers/mcp.ts";
import { openDatabase } from "../src/db/database.ts";
import {
  DIMENSION_KEYS,
  type DimensionKey,
  DIMENSIONS,
  METRIC_KEYS,
  type MetricKey,
  METRICS,
  SEVERITY_WEIGHTS,
} from "../src/domain/metrics.ts";
import { ok } from "./helpers/report_fixtures.ts";

interface T {
  id: number;
  product_id: number;
  status: string;
  testing_type: string | null;
  test_environment_id: number | null;
  created_by: string | null;
  submitted_by: string | null;
  end_at: string | null;
  features: number[];
  platforms: (string | null)[];
}

interface B {
  id: number;
  test: T;
  feature: number | null;
  severity: string | null;
  status: string;
  known: number;
  rejection_reason: string | null;
  author: string | null;
  reported_at: string | null;
  os: (string | null)[];
}

type Key = string | number | null;

const EXECUTED = ["running", "locked", "archived", "customer_finalized"];
const BUG_ONLY: MetricKey[] = METRIC_KEYS.filter((m) => METRICS[m].side === "bug");

const family = (os: string | null | undefined): string | null => {
  if (os === null || os === undefined) return null;
  return os.replace(/[ 0-9.]+$/, "") || null;
};

/** ISO-8601 week label, computed independently of SQLite's %G-W%V. */
function isoWeek(iso: string): string {
  const d = new Date(Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)));
  const day = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - day + 3); // the Thursday of this week decides the year
  const year = d.getUTCFullYear();
  const firstThursday = new Date(Date.UTC(year, 0, 4));
  const week = 1 +
    Math.round(
      ((d.getTime() - firstThursday.getTime()) / 86_400_000 - 3 + ((firstThursday.getUTCDay() + 6) % 7)) / 7,
    );
  return `${year}-W${String(week).padStart(2, "0")}`;
}

function timeKey(dim: DimensionKey, date: string | null): Key {
  if (!date) return null;
  if (dim === "month") return date.slice(0, 7);
  if (dim === "quarter") return `${date.slice(0, 4)}-Q${Math.floor((+date.slice(5, 7) - 1) / 3) + 1}`;
  return isoWeek(date);
}

function testKeys(dim: DimensionKey, t: T): Key[] {
  switch (dim) {
    case "product":
      return [t.product_id];
    case "feature":
      return t.features.length ? t.features : [null];
    case "platform":
      return t.platforms.length ? t.platforms.map(family) : [null];
    case "customer":
      return [t.created_by];
    case "testing_type":
      return [t.testing_type];
    case "test_environment":
      return [t.test_environment_id];
    case "month":
    case "week":
    case "quarter":
      return [timeKey(dim, t.end_at)];
    default:
      throw new Error(`${dim} is not a test dimension`);
  }
}

function bugKeys(dim: DimensionKey, b: B, date: string | null): Key[] {
  switch (dim) {
    case "feature":
      return [b.feature];
    case "platform":
      return b.os.length ? b.os.map(family) : [null];
    case "tester":
      return [b.author];
    case "severity":
      return [b.severity];
    case "status":
      return [b.status];
    case "known_bug":
      return [b.known];
    case "rejection_reason":
      return [b.status === "rejected" ? b.rejection_reason ?? "unknown" : "not_rejected"];
    case "month":
    case "week":
    case "quarter":
      return [timeKey(dim, date)];
    default:
      return testKeys(dim, b.test);
  }
}

function combos(lists: Key[][]): Key[][] {
  return lists.reduce<Key[][]>((acc, l) => acc.flatMap((c) => l.map((k) => [...c, k])), [[]]);
}

interface Group {
  tests: Set<T>;
  bugs: Set<B>;
}

interface Query {
  dimensions: DimensionKey[];
  metrics: MetricKey[];
  statuses?: string[];
  productIds?: number[];
  /** Filters as stored keys (platform lower-cased). */
  filters?: Partial<Record<DimensionKey, Key[]>>;
  from?: string;
  to?: string;
}

function oracle(tests: T[], bugs: B[], q: Query): Map<string, Group> {
  const statuses = q.statuses ?? EXECUTED;
  const basis = q.metrics.every((m) => METRICS[m].side === "bug") ? "reported_at" : "end_at";
  const filterDims = Object.keys(q.filters ?? {}) as DimensionKey[];
  const dims = [...q.dimensions, ...filterDims.filter((d) => !q.dimensions.includes(d))];
  const bugGrain = dims.some((d) => DIMENSIONS[d].level === "bug");
  const inScope = (t: T) =>
    statuses.includes(t.status) && (!q.productIds || q.productIds.includes(t.product_id));
  const inRange = (d: string | null) =>
    (!q.from || (d !== null && d >= q.from)) && (!q.to || (d !== null && d <= q.to));
  const kept = (combo: Key[]) =>
    filterDims.every((d) => {
      const k = combo[dims.indexOf(d)];
      const allowed = q.filters![d]!;
      return allowed.includes(d === "platform" && typeof k === "string" ? k.toLowerCase() : k);
    });
  const groups = new Map<string, Group>();
  const add = (combo: Key[], t: T | null, b: B | null) => {
    if (!kept(combo)) return;
    const key = JSON.stringify(combo.slice(0, q.dimensions.length));
    const g = groups.get(key) ?? { tests: new Set(), bugs: new Set() };
    if (t) g.tests.add(t);
    if (b) g.bugs.add(b);
    groups.set(key, g);
  };
  const needTests = q.metrics.some((m) => METRICS[m].side !== "bug");
  const needBugs = q.metrics.some((m) => METRICS[m].side !== "test");
  if (bugGrain) {
    for (const b of bugs) {
      const date = basis === "reported_at" ? b.reported_at : b.test.end_at;
      if (!inScope(b.test) || !inRange(date)) continue;
      for (const c of combos(dims.map((d) => bugKeys(d, b, date)))) add(c, b.test, b);
    }
    return groups;
  }
  if (needTests) {
    for (const t of tests) {
      if (!inScope(t) || !inRange(t.end_at)) continue;
      for (const c of combos(dims.map((d) => testKeys(d, t)))) add(c, t, null);
    }
  }
  if (needBugs) {
    for (const b of bugs) {
      const date = basis === "reported_at" ? b.reported_at : b.test.end_at;
      if (!inScope(b.test) || !inRange(date)) continue;
      for (const c of combos(dims.map((d) => bugKeys(d, b, date)))) add(c, null, b);
    }
  }
  return groups;
}

function metricsOf(g: Group): Record<MetricKey, number | null> {
  const bugs = [...g.bugs];
  const tests = [...g.tests];
  const n = (s: string) => bugs.filter((b) => b.status === s).length;
  const [open, acc, auto, rej] = [n("forwarded"), n("accepted"), n("auto_accepted"), n("rejected")];
  const total = open + acc + auto + rej;
  const div = (a: number, b: number) => (b === 0 ? null : a / b);
  return {
    test_count: tests.length,
    bug_count: bugs.length,
    bug_severity_score: bugs.reduce((s, b) => s + (SEVERITY_WEIGHTS[b.severity ?? ""] ?? 0), 0),
    features_tested: new Set(tests.flatMap((t) => t.features)).size,
    active_testers: new Set(bugs.map((b) => b.author).filter((a) => a !== null)).size,
    bugs_per_test: div(bugs.length, tests.length),
    tests_created: tests.filter((t) => t.created_by !== null).length,
    tests_submitted: tests.filter((t) => t.submitted_by !== null).length,
    active_acceptance_rate: div(acc, total),
    overall_acceptance_rate: div(acc + auto, total),
    rejection_rate: div(rej, total),
    review_rate: div(acc + rej, total),
    auto_acceptance_rate: div(auto, acc + auto),
  };
}

/** The key of a tool row, comparable with the oracle's group key. */
function rowKey(dims: DimensionKey[], row: Record<string, unknown>): string {
  return JSON.stringify(dims.map((d) => {
    const spec = DIMENSIONS[d];
    if (d === "product" || d === "feature" || d === "test_environment") return row[`${d}_id`];
    if (spec.boolean) return row[d] === true ? 1 : 0;
    if (row[d] === spec.nullLabel) return null;
    if (d === "status") return row[d] === "open" ? "forwarded" : row[d];
    return row[d];
  }));
}

type Row = Record<string, string | number | boolean | null>;
interface Answer {
  rows: Row[];
  metadata: {
    total_rows: number;
    returned_rows: number;
    truncated: boolean;
    query_ms: number;
    date_basis: string;
  };
  explanation: string;
}

Deno.test("query_metrics matches a direct computation on fake-API data", async (t) => {
  await using fx = await syncedFixture({ scale: "S" });
  await using mcp = await inProcessServer(fx);

  using db = openDatabase(fx.dbPath, { readOnly: true });
  const all = <R>(sql: string) => db.prepare(sql).all() as unknown as R[];
  const tests = new Map<number, T>(
    all<Omit<T, "features" | "platforms">>(
      `SELECT id, product_id, status, testing_type, test_environment_id, created_by, submitted_by, end_at FROM tests`,
    ).map((r) => [r.id, { ...r, features: [], platforms: [] }]),
  );
  const testFeature = new Map<number, number>();
  for (
    const r of all<{ id: number; test_id: number; feature_id: number }>(
      "SELECT id, test_id, feature_id FROM test_features",
    )
  ) {
    testFeature.set(r.id, r.feature_id);
    const list = tests.get(r.test_id)!.features;
    if (!list.includes(r.feature_id)) list.push(r.feature_id);
  }
  for (const r of all<{ test_id: number; os: string | null }>("SELECT test_id, os FROM test_platforms")) {
    tests.get(r.test_id)!.platforms.push(r.os);
  }
  const bugs: B[] = all<
    {
      id: number;
      test_id: number;
      feature_id: number | null;
      test_feature_id: number | null;
      severity: string | null;
      status: string;
      known: number;
      rejection_reason: string | null;
      author: string | null;
      reported_at: string | null;
      devices: string;
    }
  >(
    `SELECT b.id, b.test_id, b.feature_id, b.test_feature_id, b.severity, b.status, b.known, b.rejection_reason,
       b.author, b.reported_at, coalesce(d.devices, '[]') AS devices
     FROM bugs b LEFT JOIN device_sets d ON d.id = b.device_set_id`,
  ).map((r) => ({
    id: r.id,
    test: tests.get(r.test_id)!,
    feature: r.feature_id ?? (r.test_feature_id === null ? null : testFeature.get(r.test_feature_id) ?? null),
    severity: r.severity,
    status: r.status,
    known: r.known,
    rejection_reason: r.rejection_reason,
    author: r.author,
    reported_at: r.reported_at,
    os: (JSON.parse(r.devices) as { os: string | null }[]).map((d) => d.os),
  }));
  const testList = [...tests.values()];

  await t.step("the data exercises the edge cases", () => {
    assert.ok(bugs.some((b) => b.feature === null), "bugs without a feature");
    assert.ok(testList.some((x) => x.features.length > 1), "tests covering several features");
    assert.ok(testList.some((x) => !EXECUTED.includes(x.status)), "tests outside the executed scope");
    assert.ok(
      bugs.some((b) => b.status === "rejected" && b.rejection_reason === null),
      "rejections without reason",
    );
    assert.ok(bugs.some((b) => b.status === "auto_accepted"));
  });

  const check = async (q: Query, args: Record<string, unknown> = {}) => {
    const answer = ok<Answer>(
      "query_metrics",
      await mcp.call("query_metrics", { metrics: q.metrics, dimensions: q.dimensions, ...args }),
    );
    const expected = oracle(testList, bugs, q);
    const label = `${q.dimensions.join("×")} [${q.metrics.length} metrics] ${JSON.stringify(args)}`;
    assert.equal(answer.metadata.truncated, false, label);
    assert.equal(answer.metadata.total_rows, expected.size, `${label}: group count`);
    assert.equal(answer.rows.length, expected.size, label);
    for (const row of answer.rows) {
      const key = rowKey(q.dimensions, row);
      const g = expected.get(key);
      assert.ok(g, `${label}: unexpected group ${key}`);
      const want = metricsOf(g);
      for (const m of q.metrics) {
        const got = row[m];
        const exp = want[m];
        if (typeof exp === "number" && typeof got === "number" && !Number.isInteger(exp)) {
          assert.ok(Math.abs(got - exp) < 1e-12, `${label} ${key} ${m}: ${got} ≠ ${exp}`);
        } else assert.equal(got, exp, `${label} ${key} ${m}`);
      }
    }
    return answer;
  };

  await t.step("every dimension with every metric (dates on end_at)", async () => {
    for (const d of DIMENSION_KEYS) {
      const a = await check({ dimensions: [d], metrics: [...METRIC_KEYS] });
      assert.equal(a.metadata.date_basis, "end_at");
    }
  });

  await t.step("every dimension with bug-only metrics (dates on reported_at)", async () => {
    for (const d of DIMENSION_KEYS) {
      const a = await check({ dimensions: [d], metrics: BUG_ONLY });
      assert.equal(a.metadata.date_basis, "reported_at");
    }
  });

  await t.step("pairs of dimensions", async () => {
    const pairs: [DimensionKey, DimensionKey][] = [
      ["feature", "month"],
      ["feature", "platform"],
      ["platform", "severity"],
      ["product", "status"],
      ["tester", "quarter"],
      ["customer", "testing_type"],
      ["test_environment", "known_bug"],
      ["rejection_reason", "week"],
      ["product", "feature"],
    ];
    for (const dims of pairs) {
      await check({
        dimensions: dims,
        metrics: ["test_count", "bug_count", "rejection_rate", "bugs_per_test"],
      });
      await check({ dimensions: dims, metrics: ["bug_count", "review_rate"] });
    }
  });

  const productId = testList[0].product_id;
  const someMonth = bugs.find((b) => b.reported_at)!.reported_at!.slice(0, 7);

  await t.step("filters: product, bug and test statuses, unassigned, platform, severity, time", async () => {
    await check(
      { dimensions: ["feature"], metrics: [...METRIC_KEYS], productIds: [productId] },
      { filters: { product_id: productId } },
    );
    await check(
      { dimensions: ["month"], metrics: ["test_count", "bug_count"], filters: { status: ["forwarded"] } },
      { filters: { status: "open" } },
    );
    await check(
      {
        dimensions: ["testing_type"],
        metrics: ["test_count", "bug_count", "rejection_rate"],
        statuses: ["archived", "cancelled"],
      },
      { filters: { status: ["archived", "cancelled"] } },
    );
    await check(
      { dimensions: ["product"], metrics: ["test_count", "bug_count"], filters: { feature: [null] } },
      { filters: { feature: "unassigned" } },
    );
    await check(
      { dimensions: ["severity"], metrics: ["bug_count", "test_count"], filters: { platform: ["ios"] } },
      { filters: { platform: "iOS 17" } },
    );
    await check(
      {
        dimensions: ["tester"],
        metrics: ["bug_count"],
        filters: { severity: ["critical", "high"], month: [someMonth] },
      },
      { filters: { severity: ["critical", "HIGH"], month: someMonth } },
    );
  });

  await t.step("date ranges, inclusive, on the right basis", async () => {
    const from = "2026-09-01T00:00:00.000Z";
    const to = "2026-10-15T23:59:59.999Z";
    await check({ dimensions: ["week"], metrics: ["test_count", "bug_count"], from, to }, {
      start_date: "2026-09-01",
      end_date: "2026-10-15",
    });
    await check({ dimensions: ["week"], metrics: ["bug_count", "rejection_rate"], from, to }, {
      start_date: "2026-09-01",
      end_date: "2026-10-15",
    });
  });
});
