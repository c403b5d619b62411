/**
 * Word lists for the synthetic data. Titles and texts are built from real-sounding phrases (with some
 * umlauts and accents) so that full-text search over the cache returns meaningful hits.
 *
 * @example
 * ```ts
 * import { Rng } from "./prng.ts";
 * const rng = new Rng(1);
 * const title = `${rng.pick(BRANDS)} ${rng.pick(PRODUCT_NOUNS.website)}`;
 * ```
 */

import type { ProductType, TestingType } from "./types.ts";

export {
  BUG_STORIES,
  type BugStory,
  CONTENT_BUGS,
  CRITICAL_BUGS,
  CUSTOM_BUGS,
  FUNCTIONAL_BUGS,
  VISUAL_BUGS,
} from "./bug_stories.ts";

/** Brand names for products and their domains. */
export const BRANDS = [
  "Acme",
  "Nordwind",
  "Globex",
  "Initech",
  "Umbrella",
  "Stark",
  "Wayne",
  "Hooli",
  "Vandelay",
  "Soylent",
  "Tyrell",
  "Cyberdyne",
  "Bärenstark",
  "Müller & Söhne",
  "Zephyr",
  "Polaris",
  "Kestrel",
  "Lumen",
  "Orbit",
  "Falkenberg",
  "Café Crème",
  "Blue Harbor",
  "Quantum",
  "Evergreen",
] as const;

/** What a product of a type is called, after the brand. */
export const PRODUCT_NOUNS: Readonly<Record<ProductType, readonly string[]>> = {
  website: ["Web Shop", "Online Banking", "Travel Portal", "News Site", "Customer Portal", "Marketplace"],
  mobile_app_ios: ["iOS App", "iPhone Banking", "iOS Wallet", "Fitness for iOS"],
  mobile_app_android: ["Android App", "Android Wallet", "Delivery App", "Ride Sharing for Android"],
  mobile_app_windows: ["Desktop Client", "Windows Companion", "Office Sync"],
  streaming_app: ["TV", "Music Streaming", "Video on Demand", "Live Sports"],
  gaming: ["Arena", "Racing League", "Puzzle Saga", "Battle Royale"],
};

/** Product descriptions; some products have none. */
export const PRODUCT_DESCRIPTIONS = [
  "Main consumer product, released every two weeks.",
  "Legacy platform, maintenance releases only.",
  "Relaunch with a new design system and checkout.",
  "B2B portal for partners and resellers.",
  "Flagship app with the largest user base in DACH.",
  "Beta programme; expect rough edges.",
] as const;

/** Feature titles by product type; shared features first. */
export const FEATURE_TITLES: Readonly<Record<ProductType | "common", readonly string[]>> = {
  common: [
    "Login",
    "Registration",
    "Password reset",
    "Account settings",
    "Search",
    "Notifications",
    "Onboarding",
    "Profile page",
    "Language switch",
    "Cookie consent",
    "Help center",
    "Contact form",
    "Two-factor authentication",
    "Newsletter signup",
    "Accessibility settings",
  ],
  website: [
    "Checkout",
    "Cart",
    "Product detail page",
    "Category listing",
    "Wishlist",
    "Payment with PayPal",
    "Credit card payment",
    "Order history",
    "Returns",
    "Vouchers",
    "Store locator",
    "Filters and sorting",
  ],
  mobile_app_ios: [
    "Face ID login",
    "Push notifications",
    "Apple Pay",
    "Offline mode",
    "Widgets",
    "Dark mode",
    "In-app purchases",
    "Deep links",
  ],
  mobile_app_android: [
    "Fingerprint login",
    "Push notifications",
    "Google Pay",
    "Offline mode",
    "Home screen widget",
    "Dark mode",
    "Order tracking",
    "Deep links",
  ],
  mobile_app_windows: [
    "File sync",
    "Auto update",
    "System tray",
    "Drag and drop upload",
    "Keyboard shortcuts",
    "Printing",
  ],
  streaming_app: [
    "Video player",
    "Live stream",
    "Subtitles",
    "Playlists",
    "Parental controls",
    "Continue watching",
    "Downloads",
    "Chromecast",
  ],
  gaming: [
    "Matchmaking",
    "Leaderboard",
    "In-game store",
    "Friends list",
    "Voice chat",
    "Achievements",
    "Tutorial",
    "Save games",
  ],
};

/** Section names for sectioned products. */
export const SECTION_NAMES = [
  "Web",
  "Mobile Web",
  "iOS",
  "Android",
  "Checkout Team",
  "Growth",
  "Backoffice",
  "Partner Portal",
] as const;

/** User story templates: "As a <role> I can <action>". */
export const STORY_ROLES = ["customer", "guest", "premium member", "admin", "new user", "returning buyer"];

/** Actions for user stories; `{f}` is the feature title in lower case. */
export const STORY_ACTIONS = [
  "open {f} from the start page",
  "use {f} without an account",
  "use {f} with a screen reader",
  "see an error message when {f} fails",
  "use {f} in German (ä ö ü ß)",
  "undo my last change in {f}",
  "use {f} on a slow connection",
  "find {f} through the search",
  "share a link to {f}",
  "use {f} in landscape mode",
];

/** Test titles by testing type; `{f}` is the test's first feature, `{v}` the app version under test. */
export const TEST_TITLES: Readonly<Record<TestingType, readonly string[]>> = {
  coverage: [
    "Exploratory test: {f}",
    "Weekly regression {v}",
    "{f} on small screens",
    "Umlaut handling in {f} (ä ö ü)",
  ],
  rapid: ["Rapid check of {f} after hotfix", "Release {v} smoke test"],
  focused: ["{f} regression", "Accessibility audit: {f}"],
  usability: ["Usability study: {f}"],
};

/** Controls a person selects (`{c}` in bug stories). */
export const CONTROLS = [
  "the submit button",
  "the back arrow",
  "the burger menu",
  "the date picker",
  "the search field",
  "the close icon",
  "the dropdown",
];

/** Anything on the screen (`{e}` in bug stories). */
export const UI_ELEMENTS = [...CONTROLS, "the cookie banner", "the price label", "the toast message"];

/** Harmless reviewer comments; none contains a canned reject text. */
export const GENERIC_COMMENTS = [
  "Thanks, reproduced.",
  "Could you attach a screen recording?",
  "Reproduced on our staging system as well.",
  "Forwarded to the development team.",
  "Which app version did you use?",
  "Danke, wir schauen uns das an.",
];

/** First names for user names. */
export const FIRST_NAMES = [
  "anna",
  "ben",
  "clara",
  "david",
  "elif",
  "felix",
  "greta",
  "hannes",
  "ines",
  "jonas",
  "katja",
  "lukas",
  "mia",
  "noah",
  "olga",
  "paul",
  "rosa",
  "sven",
  "tara",
  "ugur",
  "vera",
  "willi",
  "yara",
  "zoe",
];

/** Last names for user names. */
export const LAST_NAMES = [
  "mueller",
  "schmidt",
  "schneider",
  "fischer",
  "weber",
  "meyer",
  "wagner",
  "becker",
  "hoffmann",
  "koch",
  "yilmaz",
  "novak",
  "rossi",
  "garcia",
  "silva",
  "kowalski",
];

/** Test environment titles. */
export const ENVIRONMENT_TITLES = ["Staging", "Production", "QA", "Release candidate", "Pre-production"];
