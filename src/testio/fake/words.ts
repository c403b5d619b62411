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

import type { BugSeverity, ProductType } from "./types.ts";

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

/** Test title templates; `{f}` is a feature title, `{v}` a version. */
export const TEST_TITLES = [
  "{f} regression",
  "Release {v} smoke test",
  "Exploratory test: {f}",
  "Usability study: {f}",
  "Rapid check of {f} after hotfix",
  "Weekly regression {v}",
  "Umlaut handling in {f} (ä ö ü)",
  "{f} on small screens",
  "Payment flow end-to-end {v}",
  "Accessibility audit: {f}",
];

/** Functional bug titles; `{f}` is a feature title, `{e}` a UI element. */
export const FUNCTIONAL_BUG_TITLES = [
  "{e} does nothing in {f}",
  "Login fails with umlauts in password (ä ö ü)",
  "{f} shows an endless spinner",
  "Checkout button does nothing",
  "Wrong total after applying a voucher in {f}",
  "{f}: error 500 after submitting the form",
  "Session expires while using {f}",
  "Search returns no results for 'Café'",
  "{e} opens the wrong page",
  "Duplicate order created when tapping {e} twice",
  "{f} loses entered data after going back",
  "Filter in {f} ignores the selected date",
];

/** Critical bug titles. */
export const CRITICAL_BUG_TITLES = [
  "App crashes when opening {f}",
  "Payment charged twice in {f}",
  "Data loss after saving in {f}",
  "Crash when rotating the device on {f}",
  "White screen after login",
  "Order placed with an empty cart",
];

/** Visual bug titles. */
export const VISUAL_BUG_TITLES = [
  "{e} overlaps the footer in {f}",
  "Misaligned {e} on {f}",
  "Text cut off in {e}",
  "Icons blurry on retina displays in {f}",
  "Dark mode: unreadable {e} in {f}",
  "Layout breaks at 320 px width in {f}",
];

/** Content bug titles. */
export const CONTENT_BUG_TITLES = [
  "Typo in {f}: 'recieve'",
  "Missing German translation on {e}",
  "Placeholder text 'Lorem ipsum' visible in {f}",
  "Wrong price format (1.000,00 € vs 1,000.00) in {f}",
  "Umlauts shown as 'Ã¤' in {f}",
  "Outdated legal notice linked from {f}",
];

/** Custom-report (accessibility) bug titles. */
export const CUSTOM_BUG_TITLES = [
  "Screen reader does not announce {e} in {f}",
  "Insufficient colour contrast on {e}",
  "{e} cannot be reached with the keyboard",
  "Focus lost after closing the dialog in {f}",
];

/** Bug title templates by severity. */
export const BUG_TITLES: Readonly<Record<BugSeverity, readonly string[]>> = {
  low: FUNCTIONAL_BUG_TITLES,
  high: FUNCTIONAL_BUG_TITLES,
  critical: CRITICAL_BUG_TITLES,
  visual: VISUAL_BUG_TITLES,
  content: CONTENT_BUG_TITLES,
  custom: CUSTOM_BUG_TITLES,
};

/** UI elements named in bug titles. */
export const UI_ELEMENTS = [
  "the submit button",
  "the back arrow",
  "the burger menu",
  "the date picker",
  "the cookie banner",
  "the price label",
  "the search field",
  "the close icon",
  "the dropdown",
  "the toast message",
];

/** Reproduction step templates. */
export const STEP_TEMPLATES = [
  "Open {f}",
  "Log in as a test user",
  "Tap {e}",
  "Enter 'Jürgen Müller' as name",
  "Switch the language to German",
  "Rotate the device",
  "Scroll to the bottom of the page",
  "Go back with the browser button",
  "Wait 30 seconds",
  "Reload the page",
  "Add two items to the cart",
];

/** Expected results. */
export const EXPECTED_RESULTS = [
  "The action completes and a confirmation is shown",
  "The page loads within a few seconds",
  "The entered data is kept",
  "The text is fully visible and correctly translated",
  "The element is announced by the screen reader",
];

/** Actual results. */
export const ACTUAL_RESULTS = [
  "Nothing happens",
  "An endless spinner is shown",
  "The app closes without a message",
  "The text is cut off",
  "An error 'Something went wrong' appears",
  "The previous input is gone",
];

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
