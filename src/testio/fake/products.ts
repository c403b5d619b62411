/**
 * Synthetic products with their sections, features, user stories, test environments and customer
 * users. Three product kinds mirror what the live API shows (docs/testio-api.md, Sections): legacy
 * products (one implicit "default-section"), sectioned products (sections listed in `sections`), and
 * products with `sections: []` but several entries in `sections_with_default`.
 *
 * @example
 * ```ts
 * import { IdAllocator } from "./ids.ts";
 * import { Rng } from "./prng.ts";
 * const model = generateProduct({ rng: new Rng(1), ids: new IdAllocator(), index: 0, kind: "legacy", type: "website" });
 * hasSections(model.product); // false
 * ```
 */

import type { IdAllocator } from "./ids.ts";
import type { Rng } from "./prng.ts";
import type {
  ProductType,
  RawBugFeature,
  RawCustomReportConfiguration,
  RawFeature,
  RawProduct,
  RawSection,
  RawTestEnvironment,
  RawTestSection,
  RawUserStory,
} from "./types.ts";
import {
  BRANDS,
  ENVIRONMENT_TITLES,
  FEATURE_TITLES,
  FIRST_NAMES,
  LAST_NAMES,
  PRODUCT_DESCRIPTIONS,
  PRODUCT_NOUNS,
  SECTION_NAMES,
  STORY_ACTIONS,
  STORY_ROLES,
} from "./words.ts";

/** How a product is organised into sections. */
export type ProductKind = "legacy" | "sectioned" | "default_sections";

/** A global feature with the ids of the sections that list it (empty for products without sections). */
export interface MergedFeature {
  feature: RawFeature;
  sectionIds: number[];
}

/** A user story with the feature it was generated for (the API itself does not expose the link). */
export interface MergedUserStory {
  story: RawUserStory;
  featureId: number;
  sectionIds: number[];
}

/** Everything generated for one product. */
export interface ProductModel {
  product: RawProduct;
  kind: ProductKind;
  /** Sections whose features endpoint lists features; empty for products without sections. */
  featureSectionIds: number[];
  /** The section objects tests of this product belong to. */
  testSections: RawTestSection[];
  features: MergedFeature[];
  userStories: MergedUserStory[];
  environments: RawTestEnvironment[];
  /** Customer usernames that create and submit tests. */
  customers: string[];
  /** Host name used in URLs of this product. */
  domain: string;
  /** The feature objects embedded in bugs, by global feature id. */
  bugFeatures: Map<number, RawBugFeature>;
}

/** The accessibility report configuration that `custom` bugs are filed through. */
export const ACCESSIBILITY_REPORT: RawCustomReportConfiguration = {
  id: 7,
  title: "Accessibility",
  keys: [{ value: "wcag_level", label: "WCAG level" }, {
    value: "assistive_tech",
    label: "Assistive technology",
  }],
};

/**
 * The section rule (docs/testio-api.md, Sections): a product has sections when `sections` is non-empty or
 * `sections_with_default` has more than the one implicit default section.
 */
export function hasSections(product: RawProduct): boolean {
  return product.sections.length > 0 || product.sections_with_default.length > 1;
}

/** Lower-case ASCII slug for host names; umlauts are transliterated as Germans would. */
export function slugify(text: string): string {
  return text.toLowerCase().replace(/ä/g, "ae").replace(/ö/g, "oe").replace(/ü/g, "ue").replace(/ß/g, "ss")
    .normalize("NFD").replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/** A customer username such as `jane.mueller`. */
export function customerName(rng: Rng): string {
  return `${rng.pick(FIRST_NAMES)}.${rng.pick(LAST_NAMES)}`;
}

/** Options of {@link generateProduct}. */
export interface ProductOptions {
  rng: Rng;
  ids: IdAllocator;
  /** Position of the product in the dataset; keeps names unique and predictable. */
  index: number;
  kind: ProductKind;
  type: ProductType;
  /** Names already used, so that no two products share a name. */
  usedNames?: Set<string>;
}

function productName(index: number, type: ProductType, used: Set<string>): string {
  const nouns = PRODUCT_NOUNS[type];
  const base = `${BRANDS[index % BRANDS.length]} ${nouns[Math.floor(index / BRANDS.length) % nouns.length]}`;
  let name = base;
  for (let n = 2; used.has(name); n++) name = `${base} ${n}`;
  used.add(name);
  return name;
}

function section(id: number, name: string, rng: Rng): RawSection {
  return { id, name, connection: null, test_templates: { total: rng.int(5, 25), count: rng.int(0, 4) } };
}

function testSection(s: RawSection): RawTestSection {
  return { id: s.id, name: s.name, connection: s.connection, test_templates: s.test_templates };
}

const article = (noun: string) => `${/^[aeiou]/.test(noun) ? "an" : "a"} ${noun}`;

function userStories(rng: Rng, title: string): string[] {
  if (rng.chance(0.15)) return [];
  const f = title.toLowerCase();
  return rng.sample(STORY_ACTIONS, rng.int(1, 5)).map((action) =>
    `As ${article(rng.pick(STORY_ROLES))} I can ${action.replace("{f}", f)}`
  );
}

function feature(rng: Rng, id: number, title: string): RawFeature {
  return {
    id,
    title,
    description: rng.chance(0.1)
      ? null
      : `${title}: everything ${article(rng.pick(STORY_ROLES))} needs around it.`,
    howtofind: rng.chance(0.1) ? null : `Main menu → ${title}`,
    user_stories: userStories(rng, title),
  };
}

/** Which sections list a feature: mostly one, sometimes two or three (features are shared). */
function assignSections(rng: Rng, count: number, sectionIds: number[]): number[][] {
  const assigned = Array.from({ length: count }, () => {
    const n = rng.weighted([[1, 70], [2, 25], [3, 5]] as const);
    return rng.sample(sectionIds, n).sort((a, b) => a - b);
  });
  // Every section gets at least one feature, so per-section endpoints never look broken.
  sectionIds.forEach((sid, i) => {
    const slot = assigned[i % count];
    if (!assigned.some((ids) => ids.includes(sid))) slot.push(sid);
    slot.sort((a, b) => a - b);
  });
  return assigned;
}

function environment(
  rng: Rng,
  ids: IdAllocator,
  type: ProductType,
  domain: string,
  title: string,
): RawTestEnvironment {
  const id = ids.next("environment");
  const app = type.startsWith("mobile_app") || type === "streaming_app";
  return {
    id,
    title,
    url: app ? "" : `https://${slugify(title)}.${domain}/`,
    username: rng.chance(0.5) ? "testio" : "",
    // Recognisable on purpose: tests check that it never reaches logs or tool output.
    password: `env-secret-${id}`,
    access: "",
    proxy: rng.chance(0.1),
    allow_orders: rng.chance(0.3),
    access_type: app ? "binary_app" : "url",
    environment_test_information: rng.chance(0.2)
      ? {
        id,
        page_url: `https://${domain}/test-data`,
        description: "Use the prepared test accounts",
        data_type: "custom",
      }
      : null,
    binary_app: app
      ? {
        id: ids.next("binaryApp"),
        filename: `${slugify(title)}-build.${type === "mobile_app_ios" ? "ipa" : "apk"}`,
        file_size: rng.int(20, 180) * 1_048_576,
      }
      : null,
  };
}

/** Generates one product and everything that hangs off it, except tests. */
export function generateProduct(options: ProductOptions): ProductModel {
  const { rng, ids, index, kind, type } = options;
  const name = productName(index, type, options.usedNames ?? new Set());
  const domain = `${slugify(name)}.example.com`;
  const productId = ids.next("product");

  const defaultSection = section(ids.next("section"), "default-section", rng);
  const sectionNames = rng.sample(SECTION_NAMES, kind === "legacy" ? 0 : rng.int(2, 4));
  const named = sectionNames.map((n) => section(ids.next("section"), n, rng));
  let sections: RawSection[] = [];
  let withDefault: RawSection[];
  let featureSections: RawSection[] = [];
  let testSections: RawSection[];
  if (kind === "legacy") {
    withDefault = [defaultSection];
    testSections = [defaultSection];
  } else if (kind === "sectioned") {
    sections = named;
    withDefault = [defaultSection, ...named];
    featureSections = named;
    testSections = named;
  } else {
    // `sections` stays empty although the product is sectioned: only sections_with_default tells.
    withDefault = named;
    featureSections = named;
    testSections = named;
  }

  const titles = rng.sample(
    [...FEATURE_TITLES.common, ...FEATURE_TITLES[type]].filter((t, i, all) => all.indexOf(t) === i),
    rng.int(10, 24),
  );
  const sectionIds = featureSections.map((s) => s.id);
  const perFeatureSections = sectionIds.length ? assignSections(rng, titles.length, sectionIds) : [];
  const features: MergedFeature[] = titles.map((title, i) => ({
    feature: feature(rng, ids.next("feature"), title),
    sectionIds: perFeatureSections[i] ?? [],
  }));
  const stories: MergedUserStory[] = features.flatMap(({ feature: f, sectionIds: sids }) =>
    f.user_stories.map((text) => ({
      story: { id: ids.next("userStory"), path: text, title: text },
      featureId: f.id,
      sectionIds: sids,
    }))
  );

  const amounts = (sid: number | null) => {
    const inSection = features.filter((f) => sid === null || f.sectionIds.includes(sid));
    return {
      features_amount: inSection.length,
      user_stories_amount: inSection.reduce((n, f) => n + f.feature.user_stories.length, 0),
    };
  };
  for (const s of withDefault) {
    Object.assign(s, amounts(kind === "legacy" ? null : s.id));
  }

  const product: RawProduct = {
    id: productId,
    name,
    description: rng.chance(0.3) ? null : rng.pick(PRODUCT_DESCRIPTIONS),
    type,
    default_section_id: withDefault[0].id,
    sections,
    sections_with_default: withDefault,
    connection: null,
    remote_device_testing: rng.chance(0.2),
  };

  const bugFeatures = new Map<number, RawBugFeature>(features.map(({ feature: f }) => [f.id, {
    id: f.id,
    title: f.title,
    description: f.description,
    howtofind: f.howtofind,
    user_stories: f.user_stories,
    custom_report_configurations: [],
  }]));

  return {
    product,
    kind,
    featureSectionIds: sectionIds,
    testSections: testSections.map(testSection),
    features,
    userStories: stories,
    environments: rng.sample(ENVIRONMENT_TITLES, rng.int(2, 3)).map((title) =>
      environment(rng, ids, type, domain, title)
    ),
    customers: Array.from({ length: rng.int(2, 4) }, () => customerName(rng))
      .filter((c, i, all) => all.indexOf(c) === i),
    domain,
    bugFeatures,
  };
}
