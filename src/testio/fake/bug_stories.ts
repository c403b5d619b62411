/**
 * Bug stories for the synthetic data: for each severity, the kinds of bug the fake API files, each told
 * as a title, the steps that lead to it, what happens and what should. The placeholders are filled by
 * the bug generator from the word lists in `words.ts`.
 *
 * @example
 * ```ts
 * import { Rng } from "./prng.ts";
 * const rng = new Rng(1);
 * const story = rng.pick(BUG_STORIES.critical);
 * console.log(story.title, story.steps.length);
 * ```
 */

import type { BugSeverity } from "./types.ts";

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
