/**
 * Headless Chromium for view tests, driven through puppeteer-core: the Debian `chromium` package
 * (CHROMIUM_PATH overrides), a fresh profile folder per browser, and the flags that let it run as
 * root in a container without touching the network on its own.
 *
 * @example
 * ```ts
 * await using browser = await launchBrowser();
 * const page = await browser.newPage();
 * ```
 */
import { type Browser, type Page, puppeteer } from "./test_deps.ts";

/** Where the Chromium binary is expected. */
export const CHROMIUM_PATH = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

/** Whether Chromium is installed (view tests are skipped with a reason otherwise). */
export function chromiumAvailable(): boolean {
  try {
    return Deno.statSync(CHROMIUM_PATH).isFile;
  } catch {
    return false;
  }
}

/** A running headless browser. */
export interface TestBrowser extends AsyncDisposable {
  browser: Browser;
  /** A new page that fails the test on page errors (they are collected in `errors`). */
  newPage(): Promise<Page & { errors: string[] }>;
}

/** Launches headless Chromium with a fresh profile. */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = await Deno.makeTempDir({ prefix: "testio-mcp-chromium-" });
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    pipe: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${profile}`,
    ],
  });
  return {
    browser,
    async newPage() {
      const page = await browser.newPage() as Page & { errors: string[] };
      page.errors = [];
      page.on("pageerror", (err) => page.errors.push(String((err as Error).message ?? err)));
      return page;
    },
    async [Symbol.asyncDispose]() {
      await browser.close().catch(() => {});
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  };
}
