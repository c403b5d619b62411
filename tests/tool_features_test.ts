import assert from "node:assert/strict";
import { syncedFixture } from "./helpers/fixture.ts";
import { inProcessServer } from "./helpers/mcp.ts";
import { openDatabase } from "../src/db/database.ts";
import {
  allRows,
  assertSorted,
  callError,
  callOk,
  type Pagination,
  readCache,
} from "./helpers/tool_support.ts";
import type { FeatureListRow as Feature } from "../src/db/repos/features.ts";

interface FeatureList {
  product: { id: number; name: string };
  features: Feature[];
  pagination: Pagination;
  data_as_of: string | null;
  warnings?: string[];
}
interface Story {
  id: number | null;
  title: string;
  feature: { id: number; title: string };
  section_ids: number[];
}
interface StoryList {
  product: { id: number; name: string };
  user_stories: Story[];
  pagination: Pagination;
  data_as_of: string | null;
}
interface FeatureSummary {
  feature: Feature & {
    product: { id: number; name: string };
    user_stories: string[];
    bugs_by_severity: Record<string, number>;
    bugs_by_status: Record<string, number>;
    recent_tests: { id: number; title: string; status: string; end_at: string | null; bug_count: number }[];
  };
  data_as_of: string | null;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

Deno.test("features and user stories", async (t) => {
  await using fx = await syncedFixture();
  await using mcp = await inProcessServer(fx);
  using sql = readCache(fx.dbPath);
  const data = fx.api.dataset;
  const plain = data.products.find((p) => !data.hasSections(p.id))!;
  const sectioned = data.products.find((p) => data.hasSections(p.id) && data.sectionIdsOf(p.id).length > 1)!;
  assert.ok(plain && sectioned, "the fixture has products with and without sections");

  await t.step("list_features: every feature of the API, by title, with its counts", async () => {
    for (const product of [plain, sectioned]) {
      const merged = data.featuresOf(product.id);
      const rows = await allRows<Feature>(mcp, "list_features", "features", {
        product_id: String(product.id),
      });
      assert.equal(rows.length, merged.length);
      assertSorted(rows.map((f) => f.title.toLowerCase()), "asc", "title");
      const tests = data.testsOf(product.id);
      for (const f of rows) {
        const source = merged.find((m) => m.feature.id === f.id)!;
        assert.ok(source, `feature ${f.id} comes from the API`);
        assert.equal(f.title, source.feature.title);
        assert.equal(f.user_story_count, source.feature.user_stories.length);
        assert.deepEqual(f.section_ids, [...source.sectionIds].sort((a, b) => a - b));
        assert.equal(
          f.test_count,
          tests.filter((x) => x.features.some((tf) => tf.feature_id === f.id)).length,
        );
        assert.equal(f.bug_count, sql.n("SELECT count(*) AS n FROM bugs WHERE feature_id = :f", { f: f.id }));
      }
    }
  });

  await t.step("list_features: sort by bug_count, filter by section, user stories and text", async () => {
    const byBugs = await callOk<FeatureList>(mcp, "list_features", {
      product_id: plain.id,
      sort_by: "bug_count",
      sort_order: "desc",
    });
    assertSorted(byBugs.features.map((f) => f.bug_count), "desc", "bug_count");
    const sectionId = data.sectionIdsOf(sectioned.id)[0];
    const inSection = await allRows<Feature>(mcp, "list_features", "features", {
      product_id: sectioned.id,
      section_id: sectionId,
    });
    assert.equal(
      inSection.length,
      data.featuresOf(sectioned.id).filter((m) => m.sectionIds.includes(sectionId)).length,
    );
    assert.ok(inSection.every((f) => f.section_ids.includes(sectionId)));
    const withStories = await callOk<FeatureList>(mcp, "list_features", {
      product_id: plain.id,
      has_user_stories: true,
    });
    const without = await callOk<FeatureList>(mcp, "list_features", {
      product_id: plain.id,
      has_user_stories: "false",
    });
    const merged = data.featuresOf(plain.id);
    assert.equal(
      withStories.pagination.total_count,
      merged.filter((m) => m.feature.user_stories.length).length,
    );
    assert.equal(
      withStories.pagination.total_count + without.pagination.total_count,
      merged.length,
    );
    const word = merged[0].feature.title.split(" ")[0].toLowerCase();
    const found = await callOk<FeatureList>(mcp, "list_features", { product_id: plain.id, search: word });
    const expected = merged.filter((m) =>
      [m.feature.title, m.feature.description ?? "", ...m.feature.user_stories].some((s) =>
        s.toLowerCase().includes(word)
      )
    );
    assert.equal(found.pagination.total_count, expected.length);
  });

  await t.step("list_features: pagination edges", async () => {
    const total = data.featuresOf(plain.id).length;
    const last = Math.ceil(total / 5);
    const lastPage = await callOk<FeatureList>(mcp, "list_features", {
      product_id: plain.id,
      per_page: 5,
      page: last,
    });
    assert.equal(lastPage.features.length, total - (last - 1) * 5);
    assert.equal(lastPage.pagination.has_more, false);
    const past = await callOk<FeatureList>(mcp, "list_features", {
      product_id: plain.id,
      per_page: 5,
      page: last + 1,
    });
    assert.equal(past.features.length, 0);
    assert.equal(past.pagination.total_count, total);
  });

  await t.step("list_features: errors", async () => {
    await callError(mcp, "list_features", {}, "product_id", "required");
    await callError(mcp, "list_features", { product_id: 42 }, "Product 42 not found", "list_products");
    await callError(
      mcp,
      "list_features",
      { product_id: sectioned.id, section_id: 1 },
      "Section 1",
      "section",
    );
    await callError(mcp, "list_features", { product_id: plain.id, sort_by: "colour" }, "sort_by");
  });

  await t.step("list_features: features older than the TTL are re-read from the API", async () => {
    {
      using db = openDatabase(fx.dbPath);
      db.prepare("UPDATE products SET features_synced_at = '2020-01-01T00:00:00Z' WHERE id = :id")
        .run({ id: plain.id });
    }
    const before = fx.api.countRequests("features");
    const out = await callOk<FeatureList>(mcp, "list_features", { product_id: plain.id });
    assert.ok(fx.api.countRequests("features") > before, "features fetched");
    assert.ok(out.data_as_of! > "2020-01-01T00:00:00Z");
  });

  await t.step("list_user_stories: every story, filtered by feature, section and text", async () => {
    const merged = data.featuresOf(plain.id);
    const stories = await allRows<Story>(mcp, "list_user_stories", "user_stories", { product_id: plain.id });
    assert.equal(stories.length, sum(merged.map((m) => m.feature.user_stories.length)));
    const feature = merged.find((m) => m.feature.user_stories.length > 1)!.feature;
    const ofFeature = await callOk<StoryList>(mcp, "list_user_stories", {
      product_id: plain.id,
      feature_id: feature.id,
    });
    assert.deepEqual(ofFeature.user_stories.map((s) => s.title), feature.user_stories);
    assert.ok(
      ofFeature.user_stories.every((s) => s.feature.id === feature.id && s.feature.title === feature.title),
    );

    const sectionId = data.sectionIdsOf(sectioned.id)[0];
    const inSection = await allRows<Story>(mcp, "list_user_stories", "user_stories", {
      product_id: sectioned.id,
      section_id: sectionId,
    });
    const expected = data.featuresOf(sectioned.id).filter((m) => m.sectionIds.includes(sectionId));
    assert.equal(inSection.length, sum(expected.map((m) => m.feature.user_stories.length)));

    const word = feature.user_stories[0].split(" ").at(-1)!.toLowerCase();
    const found = await callOk<StoryList>(mcp, "list_user_stories", { product_id: plain.id, search: word });
    assert.equal(
      found.pagination.total_count,
      merged.flatMap((m) => m.feature.user_stories).filter((s) => s.toLowerCase().includes(word)).length,
    );
    const one = await callOk<StoryList>(mcp, "list_user_stories", {
      product_id: plain.id,
      per_page: 1,
      page: 2,
    });
    assert.equal(one.user_stories.length, 1);
    assert.deepEqual(one.user_stories[0], stories[1]);
  });

  await t.step("list_user_stories: errors", async () => {
    const foreign = data.featuresOf(sectioned.id)[0].feature.id;
    await callError(
      mcp,
      "list_user_stories",
      { product_id: plain.id, feature_id: foreign },
      `belongs to product ${sectioned.id}`,
    );
    await callError(
      mcp,
      "list_user_stories",
      { product_id: plain.id, feature_id: 7 },
      "Feature 7 not found",
      "list_features",
    );
    await callError(mcp, "list_user_stories", { product_id: "x" }, "product_id");
  });

  await t.step("get_feature_summary: stories, counts, breakdowns and recent tests", async () => {
    const featureId = sql.n(
      "SELECT feature_id AS n FROM bugs WHERE product_id = :p AND feature_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
      { p: plain.id },
    );
    const source = data.featuresOf(plain.id).find((m) => m.feature.id === featureId)!.feature;
    const out = await callOk<FeatureSummary>(mcp, "get_feature_summary", { feature_id: String(featureId) });
    const f = out.feature;
    assert.equal(f.title, source.title);
    assert.equal(f.description, source.description);
    assert.deepEqual(f.user_stories, source.user_stories);
    assert.deepEqual(f.product, { id: plain.id, name: plain.name });
    const bugs = sql.n("SELECT count(*) AS n FROM bugs WHERE feature_id = :f", { f: featureId });
    assert.equal(f.bug_count, bugs);
    assert.equal(sum(Object.values(f.bugs_by_severity)), bugs);
    assert.equal(sum(Object.values(f.bugs_by_status)), bugs);
    assert.equal(
      f.bugs_by_status.rejected,
      sql.n("SELECT count(*) AS n FROM bugs WHERE feature_id = :f AND status = 'rejected'", { f: featureId }),
    );
    const tests = data.testsOf(plain.id).filter((x) => x.features.some((tf) => tf.feature_id === featureId));
    assert.equal(f.test_count, tests.length);
    assert.equal(f.recent_tests.length, Math.min(5, tests.length));
    assertSorted(f.recent_tests.map((x) => x.end_at), "desc", "end_at");
    assert.ok(f.recent_tests.every((x) => tests.some((y) => y.id === x.id)));
  });

  await t.step("get_feature_summary: errors", async () => {
    await callError(mcp, "get_feature_summary", { feature_id: 5 }, "Feature 5 not found", "list_features");
    await callError(mcp, "get_feature_summary", { feature_id: 1.5 }, "feature_id");
    await callError(mcp, "get_feature_summary", {}, "feature_id");
  });
});
