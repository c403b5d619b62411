import assert from "node:assert/strict";
import { REJECT_REASONS } from "../src/domain/bugs.ts";
import { PayloadError } from "../src/errors.ts";
import {
  BugRecordSchema,
  BugSchema,
  FeatureSchema,
  isBugRecord,
  parseEntityEnvelope,
  parseListEnvelope,
  parseRecords,
  ProductSchema,
  rejectionReasonOf,
  sanitizeRaw,
  TestSchema,
  toApiBug,
  UserStorySchema,
} from "../src/testio/schemas.ts";
import { hasSections, sectionIds } from "../src/testio/sections.ts";

const defaultSection = {
  id: 598,
  name: "default-section",
  connection: null,
  test_templates: { total: 20, count: 0 },
  features_amount: 28,
  user_stories_amount: 54,
};

function product(overrides: Record<string, unknown> = {}) {
  return {
    id: 598,
    name: "Acme Web Shop",
    description: null,
    type: "website",
    default_section_id: 598,
    sections: [],
    sections_with_default: [defaultSection],
    connection: null,
    remote_device_testing: false,
    ...overrides,
  };
}

function test(overrides: Record<string, unknown> = {}) {
  return {
    id: 109363,
    test_title: "Checkout regression",
    title: "Checkout regression",
    status: "running",
    review_status: "review_successful",
    testing_type: "coverage",
    report_language: "en",
    goal: "**Find checkout bugs**",
    goal_text: "Find checkout bugs",
    instructions: "**Use staging**",
    instructions_text: "Use staging",
    out_of_scope: "**Payments**",
    out_of_scope_text: "Payments",
    start_at: "2025-11-09T22:00:00+01:00",
    end_at: "2025-07-11T02:00:00+02:00",
    created_by: "jane.customer",
    submitted_by: null,
    enable_low: true,
    enable_high: true,
    enable_critical: true,
    allowed_bug_types: ["default", "content", "visual"],
    demo: false,
    attachments: [],
    test_environment: {
      id: 5,
      title: "Staging",
      url: "https://admin:hunter2@staging.example.com/",
      username: "admin",
      password: "hunter2",
      access: "vpn-key-77",
      proxy: false,
      allow_orders: false,
      access_type: "url",
      environment_test_information: null,
      binary_app: null,
    },
    features: [{
      id: 1042409,
      feature_id: 196992,
      title: "Cart",
      description: "The cart",
      location: "Top nav",
      howtofind: "Top nav",
      target_idx: null,
      enable_default: true,
      enable_content: null,
      enable_visual: true,
      custom_report_configurations: [],
      user_stories: ["As a buyer I can pay"],
    }],
    requirements: [{
      id: 1,
      category: { id: 1, key: "computer", name: "Computers" },
      operating_system: { id: 6, key: "windows", name: "Windows" },
      min_operating_system_version: { id: 198, name: "10" },
      max_operating_system_version: null,
      browsers: [{ id: 2, name: "Chrome", key: "chrome" }, { id: 3, name: "Firefox", key: "firefox" }],
      devices: [],
      input_devices: [],
      vendor: null,
      browser_based: true,
      gaming: false,
    }],
    reviews: [],
    section: { id: 598, name: "default-section", connection: null, test_templates: { total: 20, count: 0 } },
    product: product(),
    ...overrides,
  };
}

function bug(overrides: Record<string, unknown> = {}) {
  return {
    id: 2149563,
    title: "Order button does nothing",
    severity: "low",
    status: "accepted",
    auto_accepted: true,
    known: false,
    exported_at: null,
    external_idx: null,
    fixed: null,
    language: "en",
    location: "https://shop.example.com/cart",
    expected_result: "  Order is placed \n",
    actual_result: "Nothing happens",
    steps: ["Open the cart", "Click Order"],
    reported_at: "2025-11-10T14:03:12+01:00",
    author: { name: "tester_jdoe" },
    devices: [{
      id: 77,
      category: { name: "Computers" },
      vendor: { name: "Apple" },
      devices: { name: "MacBook Pro" },
      operating_system: { id: 9, name: "macOS" },
      browsers: [{ name: "Chrome" }],
    }],
    attachments: [{ id: 1, url: "https://upload.example/att/1.png" }],
    comments: [{ id: 5, body: "Thanks, reproduced.", author: { name: "jane.customer" } }],
    feature: { id: 196992, title: "Cart", description: "...", howtofind: "...", user_stories: [] },
    test_feature: { id: 1042409 },
    test: { id: 109363, title: "Checkout regression" },
    product: product(),
    ...overrides,
  };
}

Deno.test("product schema and section detection", async (t) => {
  await t.step("a legacy product with one default section has no sections", () => {
    const p = ProductSchema.parse(product());
    assert.equal(p.id, 598);
    assert.equal(p.name, "Acme Web Shop");
    assert.equal(p.type, "website");
    assert.deepEqual(p.sections, []);
    assert.deepEqual(p.sections_with_default, [{ id: 598, name: "default-section" }]);
    assert.equal(hasSections(p), false);
    assert.deepEqual(sectionIds(p), [598]);
    assert.equal((p.raw.sections_with_default as { features_amount: number }[])[0].features_amount, 28);
  });

  await t.step("a product with sections lists them from `sections`", () => {
    const p = ProductSchema.parse(product({
      sections: [{ id: 11, name: "Web" }, { id: 12, name: "App" }],
      sections_with_default: [defaultSection, { id: 11, name: "Web" }, { id: 12, name: "App" }],
    }));
    assert.equal(hasSections(p), true);
    assert.deepEqual(sectionIds(p), [11, 12]);
  });

  await t.step("empty `sections` with several `sections_with_default` counts as sectioned", () => {
    const p = ProductSchema.parse(product({
      sections_with_default: [{ id: 21, name: "A" }, { name: "no id" }, { id: 22, name: "B" }],
    }));
    assert.equal(hasSections(p), true);
    assert.deepEqual(sectionIds(p), [21, 22]);
  });

  await t.step("missing section lists are empty; unknown product types are kept", () => {
    const p = ProductSchema.parse({ id: 1, name: "X", type: "hologram", brand_new_key: 1 });
    assert.deepEqual(p.sections, []);
    assert.equal(p.type, "hologram");
    assert.equal(p.default_section_id, null);
    assert.equal(hasSections(p), false);
    assert.equal(p.raw.brand_new_key, 1);
  });

  await t.step("a product without a name is invalid", () => {
    assert.equal(ProductSchema.safeParse({ id: 1 }).success, false);
  });
});

Deno.test("test schema", async (t) => {
  await t.step("normalises the documented shape", () => {
    const parsed = TestSchema.parse(test());
    assert.equal(parsed.id, 109363);
    assert.equal(parsed.title, "Checkout regression");
    assert.equal(parsed.goal, "Find checkout bugs");
    assert.equal(parsed.instructions, "Use staging");
    assert.equal(parsed.out_of_scope, "Payments");
    assert.equal(parsed.start_at, "2025-11-09T21:00:00Z");
    assert.equal(parsed.end_at, "2025-07-11T00:00:00Z");
    assert.equal(parsed.product_id, 598);
    assert.deepEqual(parsed.section, { id: 598, name: "default-section" });
    assert.deepEqual(parsed.test_environment, { id: 5, title: "Staging" });
    assert.deepEqual(parsed.allowed_bug_types, ["default", "content", "visual"]);
    assert.deepEqual(parsed.features, [{
      id: 1042409,
      feature_id: 196992,
      title: "Cart",
      description: "The cart",
      howtofind: "Top nav",
      user_stories: ["As a buyer I can pay"],
    }]);
    assert.deepEqual(parsed.platforms, [{
      category: "Computers",
      category_key: "computer",
      os: "Windows",
      os_key: "windows",
      min_version: "10",
      max_version: null,
      browsers: ["Chrome", "Firefox"],
    }]);
  });

  await t.step("no environment secret survives, and no copy of the raw JSON is kept", () => {
    const input = test({ surprise: { nested: [1, 2] } });
    const parsed = TestSchema.parse(input);
    const serialised = JSON.stringify(parsed);
    for (const secret of ["hunter2", "admin", "vpn-key-77", "staging.example.com", "surprise"]) {
      assert.equal(serialised.includes(secret), false, `${secret} leaked`);
    }
    assert.equal("raw" in parsed, false);
    // The input itself is left untouched.
    assert.equal((input.test_environment as { password: string }).password, "hunter2");
  });

  await t.step("falls back to test_title and to the Markdown texts", () => {
    const parsed = TestSchema.parse(
      test({ title: null, goal_text: null, instructions_text: "", out_of_scope: null }),
    );
    assert.equal(parsed.title, "Checkout regression");
    assert.equal(parsed.goal, "**Find checkout bugs**");
    assert.equal(parsed.instructions, "**Use staging**");
    assert.equal(parsed.out_of_scope, "Payments");
  });

  await t.step("null and missing optional parts become null or []", () => {
    const parsed = TestSchema.parse(test({
      test_environment: null,
      section: undefined,
      start_at: null,
      end_at: undefined,
      features: [{ id: 1, feature_id: 2, title: "F", user_stories: null }],
      requirements: null,
      allowed_bug_types: undefined,
    }));
    assert.equal(parsed.test_environment, null);
    assert.equal(parsed.section, null);
    assert.equal(parsed.start_at, null);
    assert.equal(parsed.end_at, null);
    assert.deepEqual(parsed.features[0].user_stories, []);
    assert.equal(parsed.features[0].description, null);
    assert.deepEqual(parsed.platforms, []);
    assert.deepEqual(parsed.allowed_bug_types, []);
  });

  await t.step("keeps sub-seconds and accepts Z", () => {
    const parsed = TestSchema.parse(
      test({ start_at: "2025-01-01T10:00:00.000Z", end_at: "2025-01-01T11:00:00Z" }),
    );
    assert.equal(parsed.start_at, "2025-01-01T10:00:00.000Z");
    assert.equal(parsed.end_at, "2025-01-01T11:00:00Z");
  });

  await t.step("a timestamp without an offset fails the record", () => {
    const result = TestSchema.safeParse(test({ start_at: "2025-11-09T22:00:00" }));
    assert.equal(result.success, false);
    assert.deepEqual(result.error?.issues[0].path, ["start_at"]);
    const unreadable = TestSchema.safeParse(test({ end_at: "2025-02-30T25:00:00Z" }));
    assert.equal(unreadable.success, false);
    assert.deepEqual(unreadable.error?.issues[0].path, ["end_at"]);
  });

  await t.step("empty timestamps are null; a number is not a timestamp", () => {
    const parsed = TestSchema.parse(test({ start_at: "", end_at: "  " }));
    assert.equal(parsed.start_at, null);
    assert.equal(parsed.end_at, null);
    assert.equal(TestSchema.safeParse(test({ start_at: 1731186000 })).success, false);
  });

  await t.step("howtofind falls back to location; environment titles are optional", () => {
    const parsed = TestSchema.parse(test({
      features: [{ id: 1, feature_id: 2, title: "F", location: "Footer" }],
      test_environment: { id: 9, url: "https://x.example" },
    }));
    assert.equal(parsed.features[0].howtofind, "Footer");
    assert.deepEqual(parsed.test_environment, { id: 9, title: null });
  });

  await t.step("a requirement's browser without a name fails the record", () => {
    const requirement = { category: null, operating_system: null, browsers: [{ id: 2 }] };
    assert.equal(TestSchema.safeParse(test({ requirements: [requirement] })).success, false);
    const bare = TestSchema.parse(test({ requirements: [{}] }));
    assert.deepEqual(bare.platforms, [{
      category: null,
      category_key: null,
      os: null,
      os_key: null,
      min_version: null,
      max_version: null,
      browsers: [],
    }]);
  });

  await t.step("unknown statuses are kept; missing product or title fails", () => {
    assert.equal(TestSchema.parse(test({ status: "pending_review" })).status, "pending_review");
    assert.equal(TestSchema.safeParse(test({ product: undefined })).success, false);
    assert.equal(TestSchema.safeParse(test({ title: null, test_title: "" })).success, false);
  });
});

Deno.test("bug schema", async (t) => {
  await t.step("normalises the documented shape", () => {
    const b = BugSchema.parse(bug());
    assert.equal(b.api_status, "accepted");
    assert.equal(b.status, "auto_accepted");
    assert.equal(b.auto_accepted, true);
    assert.equal(b.known, false);
    assert.equal(b.severity, "low");
    assert.deepEqual(b.steps, ["Open the cart", "Click Order"]);
    assert.equal(b.expected_result, "Order is placed");
    assert.equal(b.actual_result, "Nothing happens");
    assert.equal(b.reported_at, "2025-11-10T13:03:12Z");
    assert.equal(b.author, "tester_jdoe");
    assert.deepEqual(b.comments, [{ id: 5, body: "Thanks, reproduced.", author: "jane.customer" }]);
    assert.equal(b.comments_count, 1);
    assert.equal(b.rejection_reason, null);
    assert.equal(b.test_id, 109363);
    assert.equal(b.test_feature_id, 1042409);
    assert.deepEqual(b.feature, { id: 196992, title: "Cart" });
    assert.deepEqual(b.devices, [{
      category: "Computers",
      os: "macOS",
      browsers: ["Chrome"],
      name: "MacBook Pro",
      vendor: "Apple",
    }]);
    assert.equal(b.location, "https://shop.example.com/cart");
    assert.equal(b.language, "en");
    assert.equal(b.exported_at, null);
    assert.equal("raw" in b, false);
  });

  await t.step("auto_accepted missing or null means false", () => {
    const { auto_accepted: _, ...withoutKey } = bug();
    for (const input of [withoutKey, bug({ auto_accepted: null }), bug({ auto_accepted: "true" })]) {
      const b = BugSchema.parse(input);
      assert.equal(b.auto_accepted, false);
      assert.equal(b.status, "accepted");
    }
  });

  await t.step("auto_accepted on a non-accepted bug does not change its status", () => {
    assert.equal(BugSchema.parse(bug({ status: "forwarded", auto_accepted: true })).status, "forwarded");
  });

  await t.step("known is true only for true", () => {
    assert.equal(BugSchema.parse(bug({ known: true })).known, true);
    for (const known of ["yes", 1, null, undefined]) {
      assert.equal(BugSchema.parse(bug({ known })).known, false);
    }
  });

  await t.step("unknown severities and statuses are tolerated", () => {
    const b = BugSchema.parse(bug({ severity: "medium", status: "reopened" }));
    assert.equal(b.severity, "medium");
    assert.equal(b.status, "reopened");
    assert.equal(b.api_status, "reopened");
  });

  await t.step("steps as a string are split on newlines", () => {
    assert.deepEqual(BugSchema.parse(bug({ steps: "Open\r\nClick\n\n  Look  " })).steps, [
      "Open",
      "Click",
      "Look",
    ]);
    assert.deepEqual(BugSchema.parse(bug({ steps: null })).steps, []);
  });

  await t.step("empty expected/actual results become null", () => {
    const { expected_result: _, ...withoutExpected } = bug({ actual_result: "   " });
    const b = BugSchema.parse(withoutExpected);
    assert.equal(b.expected_result, null);
    assert.equal(b.actual_result, null);
    assert.equal(BugSchema.parse(bug({ expected_result: "" })).expected_result, null);
  });

  await t.step("the rejection reason comes from the first comment with a canned text", () => {
    for (const [key, text] of Object.entries(REJECT_REASONS)) {
      const b = BugSchema.parse(bug({
        status: "rejected",
        auto_accepted: false,
        comments: [
          { id: 1, body: "Could you add a video?", author: { name: "jane" } },
          { id: 2, body: `Hello! ${text} Thanks`, author: { name: "jane" } },
          { id: 3, body: REJECT_REASONS.known_bug, author: { name: "jane" } },
        ],
      }));
      assert.equal(b.rejection_reason, key);
      assert.equal(b.comments_count, 3);
    }
    const noReason = BugSchema.parse(bug({ status: "rejected", comments: [{ id: 1, body: "nope" }] }));
    assert.equal(noReason.rejection_reason, null);
    const accepted = BugSchema.parse(bug({ comments: [{ id: 1, body: REJECT_REASONS.irrelevant }] }));
    assert.equal(accepted.rejection_reason, null);
    assert.equal(rejectionReasonOf([{ body: REJECT_REASONS.request_timeout }]), "request_timeout");
  });

  await t.step("a bug without a test or with a local reported_at fails", () => {
    assert.equal(BugSchema.safeParse(bug({ test: null })).success, false);
    assert.equal(BugSchema.safeParse(bug({ reported_at: "2025-11-10 14:03:12" })).success, false);
    const exported = BugSchema.safeParse(bug({ exported_at: "2025-11-10T14:03:12" }));
    assert.deepEqual(exported.error?.issues.map((i) => i.path), [["exported_at"]]);
    assert.equal(
      BugSchema.parse(bug({ exported_at: "2025-11-10T14:03:12-05:00" })).exported_at,
      "2025-11-10T19:03:12Z",
    );
  });

  await t.step("steps may hold nulls; other step types fail", () => {
    assert.deepEqual(BugSchema.parse(bug({ steps: ["  One ", null, "", "Two"] })).steps, ["One", "Two"]);
    assert.equal(BugSchema.safeParse(bug({ steps: 3 })).success, false);
    assert.equal(BugSchema.safeParse(bug({ steps: [1] })).success, false);
  });

  await t.step("comments and devices with missing parts", () => {
    const b = BugSchema.parse(bug({
      comments: [{ body: null }, { id: 2, body: "Hi", author: null }],
      devices: [{ browsers: [{ name: null }, { name: "Edge" }] }],
    }));
    assert.deepEqual(b.comments, [
      { id: null, body: "", author: null },
      { id: 2, body: "Hi", author: null },
    ]);
    assert.deepEqual(b.devices, [{ category: null, os: null, browsers: ["Edge"], name: null, vendor: null }]);
    assert.equal(BugSchema.safeParse(bug({ comments: [{ id: "x", body: "Hi" }] })).success, false);
  });

  await t.step("missing links and devices become null or []", () => {
    const b = BugSchema.parse(
      bug({ test_feature: undefined, feature: null, devices: undefined, author: null }),
    );
    assert.equal(b.test_feature_id, null);
    assert.equal(b.feature, null);
    assert.deepEqual(b.devices, []);
    assert.equal(b.author, null);
  });

  await t.step("the plain check accepts exactly what zod accepts, and maps the same", () => {
    const values: unknown[] = [
      "__delete__",
      null,
      "",
      "x",
      0,
      7,
      1.5,
      -3,
      2 ** 60,
      true,
      {},
      [],
      [null],
      ["a"],
      [1],
      [{}],
      [{ name: "n" }],
      [{ name: 1 }],
      { name: "n" },
      { name: 1 },
      { id: 1 },
      { id: "1" },
      { id: 1, title: 2 },
    ];
    // Every field and nested field of a full record replaced by every value above.
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, path: (string | number)[]) => {
      if (path.length) paths.push(path);
      if (v && typeof v === "object") {
        for (const [k, c] of Object.entries(v)) walk(c, [...path, Array.isArray(v) ? Number(k) : k]);
      }
    };
    const base = bug({ steps: ["Open", null, "  "] });
    walk(base, []);
    let checked = 0;
    for (const path of paths) {
      for (const value of values) {
        const record = structuredClone(base) as Record<string | number, unknown>;
        let parent = record;
        for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
        const last = path[path.length - 1];
        if (value === "__delete__") delete parent[last];
        else parent[last] = structuredClone(value);
        const zod = BugRecordSchema.safeParse(record);
        assert.equal(isBugRecord(record), zod.success, `${path.join(".")} = ${JSON.stringify(value)}`);
        if (zod.success) {
          const issues: string[] = [];
          const viaZod = toApiBug(zod.data, (_p, m) => issues.push(m));
          const result = BugSchema.safeParse(record);
          assert.equal(result.success, issues.length === 0);
          if (result.success) assert.deepEqual(result.data, viaZod);
        }
        checked++;
      }
    }
    assert.ok(checked > 1000, `only ${checked} variants`);
    for (const input of [null, [], "x", 1]) assert.equal(isBugRecord(input), false);
  });
});

Deno.test("feature and user-story schemas", async (t) => {
  await t.step("features keep their user-story titles", () => {
    const f = FeatureSchema.parse({
      id: 7,
      title: "Cart",
      description: null,
      howtofind: "nav",
      user_stories: ["A"],
    });
    assert.deepEqual({ ...f, raw: undefined }, {
      id: 7,
      title: "Cart",
      description: null,
      howtofind: "nav",
      user_stories: ["A"],
      raw: undefined,
    });
    assert.deepEqual(FeatureSchema.parse({ id: 8, title: "X", user_stories: null }).user_stories, []);
  });

  await t.step("user stories take their title from path when needed; feature_id is optional", () => {
    const s = UserStorySchema.parse({ id: 3, path: "As a buyer I can pay", title: "As a buyer I can pay" });
    assert.equal(s.feature_id, null);
    assert.equal(s.title, "As a buyer I can pay");
    const fromPath = UserStorySchema.parse({ id: 4, path: "Only a path", feature_id: 9 });
    assert.equal(fromPath.title, "Only a path");
    assert.equal(fromPath.feature_id, 9);
    assert.equal(UserStorySchema.safeParse({ id: 5 }).success, false);
  });
});

Deno.test("record-level tolerance and envelopes", async (t) => {
  await t.step("a bad bug is skipped with a warning naming its id and field", () => {
    const { items, warnings } = parseRecords(
      [bug({ id: 7, reported_at: "2025-11-10 14:03:12" }), bug({ id: 8, title: 5 }), bug({ id: 9 })],
      "bug",
      BugSchema,
    );
    assert.deepEqual(items.map((i) => i.id), [9]);
    assert.deepEqual(warnings, [
      "Skipped bug 7: reported_at: timestamp without a time-zone offset or invalid: '2025-11-10 14:03:12'",
      "Skipped bug 8: title: Invalid input: expected string, received number",
    ]);
  });

  await t.step("a test without any title is skipped with a warning", () => {
    const { warnings } = parseRecords([test({ id: 4, title: " ", test_title: null })], "test", TestSchema);
    assert.deepEqual(warnings, ["Skipped test 4: title: neither title nor test_title is set"]);
  });

  await t.step("a bad record is skipped with a warning naming kind, id and reason", () => {
    const { items, received, warnings } = parseRecords(
      [test(), test({ id: 2, start_at: "2025-01-01T00:00:00" }), { title: "no id" }, "junk", test({ id: 3 })],
      "test",
      TestSchema,
    );
    assert.deepEqual(items.map((i) => i.id), [109363, 3]);
    assert.equal(received, 5);
    assert.equal(warnings.length, 3);
    assert.match(warnings[0], /^Skipped test 2: start_at: timestamp without a time-zone offset/);
    assert.match(warnings[1], /^Skipped test without id: /);
    assert.match(warnings[2], /^Skipped test without id: /);
  });

  await t.step("list envelopes must be objects holding the array", () => {
    assert.throws(() => parseListEnvelope([bug()], "bugs", "bug", BugSchema), PayloadError);
    assert.throws(() => parseListEnvelope("bugs", "bugs", "bug", BugSchema), PayloadError);
    assert.throws(() => parseListEnvelope(null, "bugs", "bug", BugSchema), PayloadError);
    assert.throws(() => parseListEnvelope({ bug: [] }, "bugs", "bug", BugSchema), /no 'bugs' array/);
    const parsed = parseListEnvelope({ bugs: [bug()], meta: { record_count: 1 } }, "bugs", "bug", BugSchema);
    assert.equal(parsed.items.length, 1);
  });

  await t.step("a single-entity envelope with a bad record is a PayloadError", () => {
    assert.equal(
      parseEntityEnvelope({ exploratory_test: test() }, "exploratory_test", "test", TestSchema).id,
      109363,
    );
    assert.throws(
      () =>
        parseEntityEnvelope(
          { exploratory_test: test({ status: 5 }) },
          "exploratory_test",
          "test",
          TestSchema,
        ),
      (err: unknown) => err instanceof PayloadError && /Invalid test 109363: status/.test(err.message),
    );
    assert.throws(() => parseEntityEnvelope({}, "product", "product", ProductSchema), /no 'product' object/);
  });

  await t.step("sanitizeRaw reduces environments and drops secret keys at any depth", () => {
    const raw = sanitizeRaw({
      id: 1,
      items: [{ test_environment: { id: 2, title: "T", password: "p", url: "https://u:p@h" } }],
      nested: { section: { id: 3, name: "P", sections: [] }, password: "secret", token: "t" },
    });
    assert.deepEqual(raw, {
      id: 1,
      items: [{ test_environment: { id: 2, title: "T" } }],
      nested: { section: { id: 3, name: "P", sections: [] } },
    });
  });
});
