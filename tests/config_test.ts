import assert from "node:assert/strict";
import { DEFAULT_BASE_URL, loadConfig, parseDotenv } from "../src/config.ts";
import { ConfigError } from "../src/errors.ts";

const base = { HOME: "/home/qa" };

function issuesOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ env: { ...base, ...env }, dotenvDir: null });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    return err.issues;
  }
  assert.fail("expected the settings to be rejected");
}

Deno.test("settings", async (t) => {
  await t.step("defaults", () => {
    const c = loadConfig({ env: base, dotenvDir: null });
    assert.equal(c.baseUrl, DEFAULT_BASE_URL);
    assert.equal(c.dbPath, "/home/qa/.testio-mcp/cache.db");
    assert.equal(c.reportsDir, "/home/qa/.testio-mcp/reports");
    assert.equal(c.productIds, null);
    assert.equal(c.refreshIntervalSeconds, 3600);
    assert.equal(c.cacheTtlSeconds, 3600);
    assert.equal(c.maxConcurrentRequests, 10);
    assert.equal(c.httpTimeoutSeconds, 30);
    assert.equal(c.skipMigrations, false);
    assert.equal(c.logLevel, "info");
    assert.equal(c.logFormat, "text");
    assert.deepEqual(c.thresholds.rejection_rate, { warning: 0.2, critical: 0.35, direction: "above" });
    assert.deepEqual(c.thresholds.review_rate, { warning: 0.8, critical: 0.6, direction: "below" });
    assert.ok(Object.isFrozen(c));
  });

  await t.step("values are parsed leniently: CSV and JSON id lists, booleans, ~ paths", () => {
    const c = loadConfig({
      env: {
        ...base,
        TESTIO_PRODUCT_IDS: "[3, 1, 3]",
        TESTIO_SKIP_MIGRATIONS: "yes",
        TESTIO_DB_PATH: "~/data/c.db",
        TESTIO_CUSTOMER_API_BASE_URL: "http://127.0.0.1:9/customer/v2/",
        TESTIO_LOG_LEVEL: "DEBUG",
      },
      dotenvDir: null,
    });
    assert.deepEqual(c.productIds, [3, 1]);
    assert.equal(c.skipMigrations, true);
    assert.equal(c.dbPath, "/home/qa/data/c.db");
    assert.equal(c.dataDir, "/home/qa/data");
    assert.equal(c.baseUrl, "http://127.0.0.1:9/customer/v2");
    assert.equal(c.logLevel, "debug");
    assert.deepEqual(
      loadConfig({ env: { ...base, TESTIO_PRODUCT_IDS: "5, 6" }, dotenvDir: null }).productIds,
      [5, 6],
    );
  });

  await t.step("one clear line per invalid variable", () => {
    const issues = issuesOf({
      TESTIO_CACHE_TTL_SECONDS: "5",
      TESTIO_MAX_CONCURRENT_REQUESTS: "many",
      TESTIO_PRODUCT_IDS: "1,x",
      TESTIO_LOG_FORMAT: "xml",
      TESTIO_SYNC_SINCE: "2025",
    });
    assert.equal(issues.length, 5, issues.join("\n"));
    assert.ok(
      issues.some((i) =>
        i.startsWith('TESTIO_CACHE_TTL_SECONDS="5": must be a whole number from 60 to 86400')
      ),
    );
    assert.ok(issues.some((i) => i.startsWith('TESTIO_MAX_CONCURRENT_REQUESTS="many"')));
    assert.ok(issues.some((i) => i.startsWith('TESTIO_PRODUCT_IDS="1,x": must be a list')));
    assert.ok(issues.some((i) => i.startsWith('TESTIO_LOG_FORMAT="xml": must be text or json')));
    assert.ok(issues.some((i) => i.startsWith('TESTIO_SYNC_SINCE="2025"')));
  });

  await t.step("secrets are never echoed in errors", () => {
    const issues = issuesOf({ TESTIO_HTTP_TOKEN: "short-secret" });
    assert.equal(issues.length, 1);
    assert.match(issues[0], /TESTIO_HTTP_TOKEN=\(hidden\): must be at least 16 characters/);
    assert.ok(!issues.join().includes("short-secret"));
  });

  await t.step("threshold pairs must be ordered by direction", () => {
    const issues = issuesOf({
      TESTIO_THRESHOLD_REJECTION_WARNING: "0.5",
      TESTIO_THRESHOLD_REVIEW_WARNING: "0.5",
    });
    assert.equal(issues.length, 2, issues.join("\n"));
    assert.match(issues[0], /TESTIO_THRESHOLD_REJECTION_WARNING=0.5 .*warning must be below critical/);
    assert.match(issues[1], /TESTIO_THRESHOLD_REVIEW_WARNING=0.5 .*warning must be above critical/);
  });

  await t.step("enabled and disabled tool lists are exclusive", () => {
    const issues = issuesOf({ TESTIO_ENABLED_TOOLS: "list_tests", TESTIO_DISABLED_TOOLS: "search" });
    assert.match(issues[0], /set one or the other/);
  });

  await t.step("precedence: environment, --env-file, .env, then ~/.testio-mcp/.env", async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(
        `${dir}/.env`,
        "TESTIO_CACHE_TTL_SECONDS=100\nTESTIO_MAX_PAGES=7\nTESTIO_LOG_LEVEL=warn\n",
      );
      await Deno.writeTextFile(
        `${dir}/custom.env`,
        "export TESTIO_CACHE_TTL_SECONDS=200 # comment\nTESTIO_LOG_LEVEL='error'\n",
      );
      const c = loadConfig({
        env: { ...base, TESTIO_LOG_LEVEL: "debug" },
        dotenvDir: dir,
        envFile: `${dir}/custom.env`,
      });
      assert.equal(c.maxPages, 7, ".env applies when nothing else sets it");
      assert.equal(c.cacheTtlSeconds, 200, "--env-file beats .env");
      assert.equal(c.logLevel, "debug", "the environment beats both files");
      await Deno.mkdir(`${dir}/home/.testio-mcp`, { recursive: true });
      await Deno.writeTextFile(
        `${dir}/home/.testio-mcp/.env`,
        "TESTIO_MAX_PAGES=9\nTESTIO_HTTP_TIMEOUT_SECONDS=11\nTESTIO_CACHE_TTL_SECONDS=300\n",
      );
      const withHome = loadConfig({
        env: { HOME: `${dir}/home` },
        dotenvDir: dir,
        envFile: `${dir}/custom.env`,
      });
      assert.equal(withHome.httpTimeoutSeconds, 11, "~/.testio-mcp/.env applies when nothing else sets it");
      assert.equal(withHome.maxPages, 7, ".env beats ~/.testio-mcp/.env");
      assert.equal(withHome.cacheTtlSeconds, 200, "--env-file beats ~/.testio-mcp/.env");
      assert.equal(
        loadConfig({ env: { HOME: `${dir}/home` }, dotenvDir: null }).httpTimeoutSeconds,
        30,
        "dotenvDir: null skips the home file too",
      );
      assert.throws(
        () => loadConfig({ env: base, dotenvDir: null, envFile: `${dir}/missing.env` }),
        (err: unknown) =>
          err instanceof ConfigError && /--env-file .*missing\.env: cannot be read/.test(err.message),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  await t.step("dotenv parsing handles quotes, export and comments", () => {
    assert.deepEqual(parseDotenv("# c\nA=1\nexport B=\"two words\"\nC='x#y'\nD=plain # note\nbad line\n"), {
      A: "1",
      B: "two words",
      C: "x#y",
      D: "plain",
    });
  });
});
