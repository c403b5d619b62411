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

import type { BugSeverity, ProductType, TestingType } from "./types.ts";

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

/**
 * One kind of bug, told the same way in every part of the report: the title, the steps that lead to
 * it, what happens and what should. `{f}` is the feature the bug is filed against, `{c}` a control a
 * person can select, `{e}` any element on the screen.
 */
export interface BugStory {
  title: string;
  steps: readonly string[];
  actual: string;
  expected: string;
}

/** Functional (low and high severity) bugs. */
export const FUNCTIONAL_BUGS: readonly BugStory[] = [
  {
    title: "{c} does nothing in {f}",
    steps: ["Open {f}", "Select {c}"],
    actual: "Nothing happens and no message is shown",
    expected: "{c} responds and the next step opens",
  },
  {
    title: "{f} shows an endless spinner",
    steps: ["Open {f}", "Wait 30 seconds"],
    actual: "The loading spinner keeps turning and no content appears",
    expected: "{f} loads within a few seconds",
  },
  {
    title: "Wrong total after applying a voucher in {f}",
    steps: ["Add two items to the cart", "Open {f}", "Enter the voucher code SAVE10", "Select Apply"],
    actual: "The voucher is shown as applied but the total is unchanged",
    expected: "The total is reduced by 10 %",
  },
  {
    title: "{f}: error 500 after submitting the form",
    steps: ["Open {f}", "Fill in every required field", "Submit the form"],
    actual: "An error page 'HTTP 500' appears and the input is lost",
    expected: "The form is saved and a confirmation is shown",
  },
  {
    title: "Session expires while using {f}",
    steps: ["Open {f}", "Keep working in {f} for 5 minutes", "Save"],
    actual: "The login page appears and the unsaved input is gone",
    expected: "The session stays active while the user works",
  },
  {
    title: "{c} opens the wrong page in {f}",
    steps: ["Open {f}", "Select {c}"],
    actual: "A different page opens than the one {c} names",
    expected: "{c} leads to the page it names",
  },
  {
    title: "Duplicate entry when selecting {c} twice in {f}",
    steps: ["Open {f}", "Select {c} twice in quick succession"],
    actual: "Two identical entries are created",
    expected: "Only one entry is created",
  },
  {
    title: "{f} loses entered data after going back",
    steps: ["Open {f}", "Enter 'Jürgen Müller' as name", "Go back", "Open {f} again"],
    actual: "The entered name is gone",
    expected: "The entered data is kept",
  },
  {
    title: "Filter in {f} ignores the selected date",
    steps: ["Open {f}", "Open the date filter", "Select yesterday's date"],
    actual: "The list still shows entries of every date",
    expected: "Only entries of the selected date are listed",
  },
  {
    title: "{f} rejects names with umlauts (ä ö ü)",
    steps: ["Open {f}", "Enter 'Jürgen Müller' as name", "Submit the form"],
    actual: "An error says the name contains invalid characters",
    expected: "Names with umlauts are accepted",
  },
  {
    title: "{f}: searching for 'Café' finds nothing",
    steps: ["Open {f}", "Search for 'Café'"],
    actual: "No results are shown",
    expected: "Entries containing 'Café' are listed",
  },
];

/** Critical bugs. */
export const CRITICAL_BUGS: readonly BugStory[] = [
  {
    title: "App crashes when opening {f}",
    steps: ["Start the app", "Open {f}"],
    actual: "The app closes without a message",
    expected: "{f} opens",
  },
  {
    title: "Payment charged twice in {f}",
    steps: [
      "Add an item to the cart",
      "Open {f}",
      "Pay with the test credit card",
      "Select Pay again at once",
    ],
    actual: "The card is charged twice for one order",
    expected: "The card is charged once",
  },
  {
    title: "Data loss after saving in {f}",
    steps: ["Open {f}", "Change an entry", "Save", "Reload the page"],
    actual: "The change is gone and the old entry is back",
    expected: "The saved change is kept",
  },
  {
    title: "Crash when rotating the device on {f}",
    steps: ["Open {f}", "Rotate the device to landscape"],
    actual: "The app closes without a message",
    expected: "{f} is shown in landscape",
  },
  {
    title: "White screen after logging in to {f}",
    steps: ["Log out", "Open {f}", "Log in with the test account"],
    actual: "Only a white screen is shown",
    expected: "{f} is shown after the login",
  },
  {
    title: "Order placed with an empty cart from {f}",
    steps: ["Empty the cart", "Open {f}", "Select Place order"],
    actual: "An order without items is confirmed",
    expected: "Placing an order needs at least one item",
  },
];

/** Visual bugs. */
export const VISUAL_BUGS: readonly BugStory[] = [
  {
    title: "{e} overlaps the footer in {f}",
    steps: ["Open {f}", "Scroll to the bottom of the page"],
    actual: "{e} covers the footer links",
    expected: "{e} sits above the footer",
  },
  {
    title: "Misaligned {e} in {f}",
    steps: ["Open {f}", "Look at {e}"],
    actual: "{e} is out of line with the elements around it",
    expected: "{e} is aligned with the other elements",
  },
  {
    title: "Text cut off in {e} in {f}",
    steps: ["Switch the language to German", "Open {f}", "Look at {e}"],
    actual: "The text of {e} is cut off",
    expected: "The whole text is visible",
  },
  {
    title: "Icons blurry on retina displays in {f}",
    steps: ["Open {f} on a retina display", "Look at the icons"],
    actual: "The icons look blurry",
    expected: "The icons are sharp",
  },
  {
    title: "Dark mode: unreadable {e} in {f}",
    steps: ["Turn on dark mode", "Open {f}", "Look at {e}"],
    actual: "{e} shows dark text on a dark background",
    expected: "{e} is readable in dark mode",
  },
  {
    title: "Layout breaks at 320 px width in {f}",
    steps: ["Set the screen width to 320 px", "Open {f}"],
    actual: "Elements overlap and a horizontal scroll bar appears",
    expected: "The layout fits the narrow screen",
  },
];

/** Content bugs. */
export const CONTENT_BUGS: readonly BugStory[] = [
  {
    title: "Typo in {f}: 'recieve'",
    steps: ["Open {f}", "Read the text under the heading"],
    actual: "The text says 'recieve'",
    expected: "The text says 'receive'",
  },
  {
    title: "Missing German translation on {e} in {f}",
    steps: ["Switch the language to German", "Open {f}", "Look at {e}"],
    actual: "{e} is still in English",
    expected: "{e} is in German",
  },
  {
    title: "Placeholder text 'Lorem ipsum' visible in {f}",
    steps: ["Open {f}", "Scroll to the bottom of the page"],
    actual: "A paragraph reads 'Lorem ipsum dolor sit amet'",
    expected: "The final text is shown",
  },
  {
    title: "Wrong price format (1.000,00 € vs 1,000.00) in {f}",
    steps: ["Switch the language to English", "Open {f}", "Look at a price"],
    actual: "Prices are shown as 1.000,00 €",
    expected: "Prices are shown as €1,000.00",
  },
  {
    title: "Umlauts shown as 'Ã¤' in {f}",
    steps: ["Switch the language to German", "Open {f}"],
    actual: "Words show 'Ã¤' instead of 'ä'",
    expected: "Umlauts are shown correctly",
  },
  {
    title: "Outdated legal notice linked from {f}",
    steps: ["Open {f}", "Select the legal notice link"],
    actual: "The legal notice is dated 2019",
    expected: "The current legal notice opens",
  },
];

/** Custom-report (accessibility) bugs. */
export const CUSTOM_BUGS: readonly BugStory[] = [
  {
    title: "Screen reader does not announce {e} in {f}",
    steps: ["Turn on the screen reader", "Open {f}", "Move the focus to {e}"],
    actual: "The screen reader says nothing",
    expected: "{e} is announced by the screen reader",
  },
  {
    title: "Insufficient colour contrast on {e} in {f}",
    steps: ["Open {f}", "Measure the contrast of {e}"],
    actual: "The contrast ratio is 2.1:1",
    expected: "A contrast ratio of at least 4.5:1",
  },
  {
    title: "{c} in {f} cannot be reached with the keyboard",
    steps: ["Open {f}", "Press Tab until the focus should reach {c}"],
    actual: "The focus skips {c}",
    expected: "{c} receives the keyboard focus",
  },
  {
    title: "Focus lost after closing the dialog in {f}",
    steps: ["Open {f}", "Open a dialog", "Close it with Escape"],
    actual: "The focus jumps to the top of the page",
    expected: "The focus returns to the element that opened the dialog",
  },
];

/** Bug stories by severity. */
export const BUG_STORIES: Readonly<Record<BugSeverity, readonly BugStory[]>> = {
  low: FUNCTIONAL_BUGS,
  high: FUNCTIONAL_BUGS,
  critical: CRITICAL_BUGS,
  visual: VISUAL_BUGS,
  content: CONTENT_BUGS,
  custom: CUSTOM_BUGS,
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
