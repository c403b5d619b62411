/**
 * Row-by-row comparison of a synced cache with the fake API's dataset: products and sections, features
 * with section ids and user stories, tests with test-features, platforms and environment, bugs with
 * derived status, rejection reason and feature, and users. Each entity is compared as sorted tuples,
 * so a failure shows exactly which rows differ.
 *
 * @example
 * ```ts
 * import { openDatabase } from "../../src/db/database.ts";
 * import { syncedFixture } from "./fixture.ts";
 *
 * await using fx = await syncedFixture({ scale: "S" });
 * using db = openDatabase(fx.dbPath);
 * assertCacheMatches(db, fx.api.dataset);
 * ```
 */
import assert from "node:assert/strict";
import type { Database } from "../../src/db/database.ts";
import { cursorKey, type TestCursor } from "../../src/sync/discovery.ts";
import { type FakeDataset, REJECT_REASONS } from "../../src/testio/fake/mod.ts";
import type { RawBug, RawTest } from "../../src/testio/fake/types.ts";

type Row = Record<string, unknown>;

function rows(db: Database, sql: string, ...params: (number | string)[]): Row[] {
  return db.prepare(sql).all(...params).map((r) => ({ ...r }));
}

/** Milliseconds of an ISO timestamp (the cache stores UTC, the API sends offsets). */
const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : null);

function sortBy<T>(items: T[], key: (t: T) => number | string): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The derived status of an API bug (docs/domain.md, Bugs). */
export function expectedBugStatus(b: RawBug): string {
  return b.status === "accepted" && b.auto_accepted === true ? "auto_accepted" : b.status;
}

/** The rejection reason of an API bug: the first comment holding a canned reviewer text. */
export function expectedRejection(b: RawBug): string | null {
  if (b.status !== "rejected") return null;
  for (const c of b.comments) {
    const hit = REJECT_REASONS.find((r) => c.body.includes(r.default_comment));
    if (hit) return hit.key;
  }
  return null;
}

/** Compares products, sections, features and user stories of the given products. */
export function assertProductsMatch(db: Database, data: FakeDataset, productIds: readonly number[]): void {
  const products = data.products.filter((p) => productIds.includes(p.id));
  assert.deepEqual(
    rows(db, "SELECT id, name, type, description, has_sections, default_section_id FROM products ORDER BY id")
      .filter((r) => productIds.includes(r.id as number)),
    sortBy(products, (p) => p.id).map((p) => ({
      id: p.id,
      name: p.name,
      type: p.type,
      description: p.description,
      has_sections: data.hasSections(p.id) ? 1 : 0,
      default_section_id: p.default_section_id,
    })),
    "products",
  );
  for (const p of products) {
    const sections = new Map([...p.sections_with_default, ...p.sections].map((s) => [s.id, s.name]));
    assert.deepEqual(
      rows(db, "SELECT id, name FROM sections WHERE product_id = ? ORDER BY id", p.id),
      [...sections].sort((a, b) => a[0] - b[0]).map(([id, name]) => ({ id, name })),
      `sections of product ${p.id}`,
    );
    const features = data.featuresOf(p.id);
    assert.deepEqual(
      rows(
        db,
        "SELECT id, title, description, howtofind FROM features WHERE product_id = ? ORDER BY id",
        p.id,
      ),
      sortBy(features, (f) => f.feature.id).map(({ feature: f }) => ({
        id: f.id,
        title: f.title,
        description: f.description,
        howtofind: f.howtofind,
      })),
      `features of product ${p.id}`,
    );
    for (const { feature, sectionIds } of features) {
      assert.deepEqual(
        rows(
          db,
          "SELECT section_id FROM feature_sections WHERE feature_id = ? ORDER BY section_id",
          feature.id,
        )
          .map((r) => r.section_id),
        [...sectionIds].sort((a, b) => a - b),
        `sections of feature ${feature.id}`,
      );
    }
    // Titles are the source of truth; an api id appears exactly where the title is unambiguous.
    const stories = data.userStoryRecordsOf(p.id);
    const titleCount = new Map<string, number>();
    for (const s of stories) titleCount.set(s.story.title, (titleCount.get(s.story.title) ?? 0) + 1);
    const expected = sortBy(features, (f) => f.feature.id).flatMap(({ feature: f }) =>
      f.user_stories.map((title, position) => {
        const story = stories.find((s) => s.featureId === f.id && s.story.title === title);
        return {
          feature_id: f.id,
          position,
          title,
          api_id: titleCount.get(title) === 1 ? story?.story.id ?? null : null,
        };
      })
    );
    assert.deepEqual(
      rows(
        db,
        "SELECT feature_id, position, title, api_id FROM user_stories WHERE product_id = ? ORDER BY feature_id, position",
        p.id,
      ),
      expected,
      `user stories of product ${p.id}`,
    );
  }
}

/** Compares the tests (with test-features, platforms and environment) of the given products. */
export function assertTestsMatch(db: Database, data: FakeDataset, productIds: readonly number[]): void {
  for (const pid of productIds) {
    const tests: RawTest[] = data.testsOf(pid);
    const cached = rows(
      db,
      `SELECT id, product_id, section_id, title, status, review_status, testing_type, start_at, end_at,
         test_environment_id, test_environment_title, created_by, submitted_by
       FROM tests WHERE product_id = ? ORDER BY id`,
      pid,
    ).map((r) => ({ ...r, start_at: ms(r.start_at as string), end_at: ms(r.end_at as string) }));
    assert.deepEqual(
      cached,
      sortBy(tests, (t) => t.id).map((t) => ({
        id: t.id,
        product_id: pid,
        section_id: t.section.id,
        title: t.title,
        status: t.status,
        review_status: t.review_status,
        testing_type: t.testing_type,
        start_at: ms(t.start_at),
        end_at: ms(t.end_at),
        test_environment_id: t.test_environment?.id ?? null,
        test_environment_title: t.test_environment?.title ?? null,
        created_by: t.created_by,
        submitted_by: t.submitted_by,
      })),
      `tests of product ${pid}`,
    );
    assert.deepEqual(
      rows(
        db,
        `SELECT tf.id, tf.test_id, tf.feature_id, tf.title FROM test_features tf JOIN tests t ON t.id = tf.test_id
         WHERE t.product_id = ? ORDER BY tf.id`,
        pid,
      ),
      sortBy(tests.flatMap((t) => t.features.map((f) => ({ ...f, test_id: t.id }))), (f) => f.id).map((
        f,
      ) => ({
        id: f.id,
        test_id: f.test_id,
        feature_id: f.feature_id,
        title: f.title,
      })),
      `test-features of product ${pid}`,
    );
    assert.deepEqual(
      rows(
        db,
        `SELECT p.test_id, count(*) AS n FROM test_platforms p JOIN tests t ON t.id = p.test_id
         WHERE t.product_id = ? GROUP BY p.test_id ORDER BY p.test_id`,
        pid,
      ),
      sortBy(tests.filter((t) => t.requirements.length), (t) => t.id).map((t) => ({
        test_id: t.id,
        n: t.requirements.length,
      })),
      `platforms of product ${pid}`,
    );
  }
}

/** Compares every bug of the given tests. */
export function assertBugsMatch(db: Database, data: FakeDataset, testIds: readonly number[]): void {
  const featureOfTestFeature = new Map<number, number>();
  for (const id of testIds) {
    for (const f of data.test(id)?.features ?? []) featureOfTestFeature.set(f.id, f.feature_id);
  }
  const expected = testIds.flatMap((id) => data.bugsOf(id)).map((b) => ({
    id: b.id,
    test_id: b.test.id,
    severity: b.severity,
    status: expectedBugStatus(b),
    api_status: b.status,
    known: b.known ? 1 : 0,
    rejection_reason: expectedRejection(b),
    test_feature_id: b.test_feature?.id ?? null,
    feature_id: (b.test_feature ? featureOfTestFeature.get(b.test_feature.id) : undefined) ?? b.feature?.id ??
      null,
    author: b.author.name,
    reported_at: ms(b.reported_at),
  }));
  const wanted = new Set(testIds);
  const cached = rows(
    db,
    `SELECT id, test_id, severity, status,
       CASE status WHEN 'auto_accepted' THEN 'accepted' ELSE status END AS api_status, known, rejection_reason,
       test_feature_id, feature_id, author, reported_at FROM bugs ORDER BY id`,
  ).filter((r) => wanted.has(r.test_id as number)).map((r) => ({
    ...r,
    reported_at: ms(r.reported_at as string),
  }));
  assert.equal(cached.length, expected.length, "number of bugs");
  assert.deepEqual(cached, sortBy(expected, (b) => b.id), "bugs");
}

/** Compares the derived users: testers from bug authors, customers from tests' creators and submitters. */
export function assertUsersMatch(db: Database, data: FakeDataset, testIds: readonly number[]): void {
  const testers = new Set<string>();
  const customers = new Set<string>();
  for (const id of testIds) {
    const t = data.test(id)!;
    for (const name of [t.created_by, t.submitted_by]) if (name) customers.add(name);
    for (const b of data.bugsOf(id)) testers.add(b.author.name);
  }
  const byType = (type: string) =>
    rows(db, "SELECT username FROM users WHERE user_type = ? ORDER BY username", type).map((r) => r.username);
  assert.deepEqual(byType("tester"), [...testers].sort(), "testers");
  assert.deepEqual(byType("customer"), [...customers].sort(), "customers");
}

/** Everything above, for every product of the dataset. */
export function assertCacheMatches(db: Database, data: FakeDataset): void {
  const productIds = data.products.map((p) => p.id);
  const testIds = productIds.flatMap((p) => data.testsOf(p).map((t) => t.id));
  assertProductsMatch(db, data, productIds);
  assertTestsMatch(db, data, productIds);
  assertBugsMatch(db, data, testIds);
  assertUsersMatch(db, data, testIds);
}

/**
 * No half-written page or batch: per product, the cached tests are exactly the first `next_offset`
 * tests of the list (all of them once the cursor is complete), and every test has either all of its
 * bugs or none synced yet.
 */
export function assertWholePages(db: Database, data: FakeDataset): void {
  for (const p of data.products) {
    const meta = db.prepare("SELECT value FROM sync_metadata WHERE key = ?").get(cursorKey(p.id));
    const list = data.testsOf(p.id).map((t) => t.id);
    const cached = rows(db, "SELECT id FROM tests WHERE product_id = ?", p.id).map((r) => r.id as number);
    if (!meta) {
      assert.equal(cached.length, 0, `product ${p.id} has tests but no cursor`);
      continue;
    }
    const cursor = JSON.parse(meta.value as string) as TestCursor;
    const upTo = cursor.complete ? list.length : cursor.next_offset;
    assert.deepEqual(cached.sort(), list.slice(0, upTo).sort(), `tests of product ${p.id}`);
  }
  for (const row of rows(db, "SELECT id, bug_count, bugs_synced_at FROM tests")) {
    const expected = row.bugs_synced_at === null ? 0 : data.bugCountOf(row.id as number);
    assert.equal(row.bug_count, expected, `bugs of test ${row.id}`);
  }
}
