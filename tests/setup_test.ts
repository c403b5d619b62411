/**
 * `setup`: scripted runs against the fake API (valid token, 401, 403, unreachable, --force,
 * --skip-check), the interactive happy path through a pseudo-terminal (the token is not echoed),
 * the written file (0600, backup, other lines kept) and the helpers behind it.
 */
import assert from "node:assert/strict";
import { loadConfig, parseDotenv } from "../src/config.ts";
import { normalizeBaseUrl } from "../src/cli/setup/base_url.ts";
import { clientSnippets } from "../src/cli/setup/client_snippets.ts";
import { renderEnvFile, writeSettingsFile } from "../src/cli/setup/env_file.ts";
import { startFakeApi } from "../src/testio/fake/server.ts";
import { ROOT } from "./helpers/mcp.ts";
import { childEnv, closedPort, runCommand } from "./helpers/stdio_process.ts";

const MAIN = `${ROOT}main.ts`;

function mode(path: string): number {
  return Deno.statSync(path).mode! & 0o777;
}

async function setup(home: string, args: string[], stdin?: string) {
  return await runCommand(Deno.execPath(), ["run", "-A", MAIN, "setup", ...args], {
    env: await childEnv({ HOME: home }),
    cwd: home,
    stdin,
  });
}

/**
 * Drives a command in a pseudo-terminal with python3's pty module: waits for each `expect` text,
 * then types `send`. Returns everything the terminal showed and the exit code.
 */
const PTY_DRIVER = String.raw`
import json, os, pty, select, sys, time
spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.chdir(spec["cwd"])
    os.execve(spec["argv"][0], spec["argv"], spec["env"])
out = b""
seen = 0
deadline = time.time() + spec["timeout"]
def read_more():
    global out
    r, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
    if not r:
        raise TimeoutError("no output in time; got: " + out.decode("utf-8", "replace")[-500:])
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        chunk = b""
    if not chunk:
        raise EOFError("terminal closed")
    out += chunk
error = None
try:
    for step in spec["steps"]:
        want = step["expect"].encode()
        while out.find(want, seen) < 0:
            read_more()
        seen = out.find(want, seen) + len(want)
        os.write(fd, step["send"].encode())
    while True:
        try:
            read_more()
        except EOFError:
            break
except Exception as e:
    error = repr(e)
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
print(json.dumps({"output": out.decode("utf-8", "replace"), "code": os.waitstatus_to_exitcode(status), "error": error}))
`;

async function inTerminal(
  home: string,
  args: string[],
  steps: { expect: string; send: string }[],
): Promise<{ output: string; code: number; error: string | null }> {
  const spec = {
    argv: [Deno.execPath(), "run", "-A", MAIN, ...args],
    env: await childEnv({ HOME: home, TERM: "dumb" }),
    cwd: home,
    steps,
    timeout: 60,
  };
  const result = await runCommand("python3", ["-c", PTY_DRIVER, JSON.stringify(spec)], {
    env: { PATH: Deno.env.get("PATH") ?? "" },
  });
  assert.equal(result.code, 0, `pty driver failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

const hasPython = await runCommand("python3", ["-c", "import pty"], {
  env: { PATH: Deno.env.get("PATH") ?? "" },
})
  .then((r) => r.code === 0, () => false);
if (!hasPython) {
  console.error(
    "setup_test: the pseudo-terminal test is skipped: python3 (with its pty module) is not installed",
  );
}

Deno.test("setup: scripted runs against the fake API", async (t) => {
  await using api = await startFakeApi({ scale: "S", seed: 3 });
  const home = await Deno.makeTempDir({ prefix: "testio-mcp-setup-" });
  const envPath = `${home}/.testio-mcp/.env`;
  try {
    await t.step(
      "a valid token is checked, saved with mode 0600 and the client configs printed",
      async () => {
        const r = await setup(
          home,
          ["--non-interactive", "--base-url", api.baseUrl, "--token-stdin"],
          `${api.token}\n`,
        );
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /✓ Valid: .* accepted the token \(\d+ products? visible\)/);
        assert.equal(mode(envPath), 0o600);
        assert.equal(mode(`${home}/.testio-mcp`), 0o700);
        const saved = parseDotenv(await Deno.readTextFile(envPath));
        assert.equal(saved.TESTIO_CUSTOMER_API_TOKEN, api.token);
        assert.equal(saved.TESTIO_CUSTOMER_API_BASE_URL, api.baseUrl);
        assert.ok(
          !r.stdout.includes(api.token) && !r.stderr.includes(api.token),
          "the token is never printed",
        );
        for (const client of ["Claude Desktop", "Claude Code", "Cursor", "VS Code"]) {
          assert.ok(r.stdout.includes(client), `snippet for ${client}`);
        }
        // From a checkout: the start task itself (its least-privilege permissions), in the checkout.
        const desktop = JSON.parse(r.stdout.slice(r.stdout.indexOf("{"), r.stdout.indexOf("\n}\n") + 2)) as {
          mcpServers: { testio: { command: string; args: string[] } };
        };
        assert.deepEqual(desktop.mcpServers.testio, {
          command: Deno.execPath(),
          args: ["task", "--cwd", ROOT.replace(/\/$/, ""), "start"],
        });
        assert.doesNotMatch(r.stdout, /--allow-(read|write|net)\b(?!=)/, "no blanket permissions");
        assert.match(r.stderr, /Next: 'deno task sync'/);
      },
    );

    await t.step("the saved file is a settings source of every command", () => {
      const config = loadConfig({ env: { HOME: home }, dotenvDir: home });
      assert.equal(config.token, api.token);
      assert.equal(config.baseUrl, api.baseUrl);
    });

    await t.step("a second run keeps a 0600 backup and the lines a person added", async () => {
      await Deno.writeTextFile(envPath, "TESTIO_MAX_PAGES=9\n", { append: true });
      const before = await Deno.readTextFile(envPath);
      const r = await setup(home, ["--base-url", api.baseUrl, "--token", api.token]);
      assert.equal(r.code, 0, r.stderr);
      const backups = [...Deno.readDirSync(`${home}/.testio-mcp`)].filter((e) =>
        e.name.startsWith(".env.bak-")
      );
      assert.equal(backups.length, 1);
      const backup = `${home}/.testio-mcp/${backups[0].name}`;
      assert.match(backups[0].name, /^\.env\.bak-\d{8}T\d{6}Z$/);
      assert.equal(await Deno.readTextFile(backup), before);
      assert.equal(mode(backup), 0o600);
      assert.match(r.stderr, /previous file is kept as .*\.env\.bak-/);
      assert.equal(parseDotenv(await Deno.readTextFile(envPath)).TESTIO_MAX_PAGES, "9");
    });

    const saved = await Deno.readTextFile(envPath);

    await t.step("a rejected token (401) fails with exit 1 and writes nothing", async () => {
      const r = await setup(
        home,
        ["--non-interactive", "--base-url", api.baseUrl, "--token-stdin"],
        "wrong-token\n",
      );
      assert.equal(r.code, 1);
      assert.match(r.stderr, /✗ HTTP 401 from .*: the token was rejected/);
      assert.match(r.stderr, /next: .*testcloud\.test\.io\/account\/api/);
      assert.match(r.stderr, /Nothing was written/);
      assert.ok(!r.stderr.includes("wrong-token"));
      assert.equal(await Deno.readTextFile(envPath), saved);
    });

    await t.step("a token without rights (403) is told apart from a wrong one", async () => {
      api.setFaults({ failNext: [403], routes: ["products"] });
      const r = await setup(home, ["--base-url", api.baseUrl, "--token", api.token]);
      api.clearFaults();
      assert.equal(r.code, 1);
      assert.match(r.stderr, /✗ HTTP 403 from .*: the token is known but may not list products/);
      assert.equal(await Deno.readTextFile(envPath), saved);
    });

    const unreachable = `http://127.0.0.1:${closedPort()}/customer/v2`;

    await t.step("an unreachable API fails with exit 1 and says so", async () => {
      const r = await setup(home, ["--base-url", unreachable, "--token", api.token]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /✗ Unreachable: http:\/\/127\.0\.0\.1:\d+\/customer\/v2 did not answer/);
      assert.equal(await Deno.readTextFile(envPath), saved);
    });

    await t.step("--force saves despite a failed check; --skip-check does not contact the API", async () => {
      const forced = await setup(home, ["--base-url", unreachable, "--token", "other-token", "--force"]);
      assert.equal(forced.code, 0, forced.stderr);
      assert.match(forced.stderr, /although the check failed/);
      assert.equal(parseDotenv(await Deno.readTextFile(envPath)).TESTIO_CUSTOMER_API_TOKEN, "other-token");
      const skipped = await setup(home, ["--base-url", unreachable, "--token", api.token, "--skip-check"]);
      assert.equal(skipped.code, 0, skipped.stderr);
      assert.doesNotMatch(skipped.stderr, /Unreachable|Valid/);
      assert.equal(parseDotenv(await Deno.readTextFile(envPath)).TESTIO_CUSTOMER_API_TOKEN, api.token);
      assert.equal(mode(envPath), 0o600);
    });

    await t.step("without a terminal and without token flags it explains what to do (exit 2)", async () => {
      const r = await setup(home, []);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /standard input is not a terminal/);
      assert.match(r.stderr, /--non-interactive with --token-stdin/);
    });

    await t.step("bad flags are usage errors", async () => {
      assert.equal((await setup(home, ["--token", "a", "--token-stdin"], "b\n")).code, 2);
      assert.equal((await setup(home, ["--bogus"])).code, 2);
      const noToken = await setup(await Deno.makeTempDir({ dir: home }), ["--non-interactive"]);
      assert.equal(noToken.code, 2);
      assert.match(noToken.stderr, /no token given and none saved/);
    });
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test({
  name: "setup: interactive run in a pseudo-terminal (token masked, 401 then retry, Ctrl+C)",
  ignore: !hasPython,
  async fn() {
    await using api = await startFakeApi({ scale: "S", seed: 3 });
    const home = await Deno.makeTempDir({ prefix: "testio-mcp-setup-pty-" });
    try {
      const run = await inTerminal(home, ["setup"], [
        { expect: "base URL or account subdomain", send: `${api.baseUrl}\r` },
        { expect: "API token from", send: "typo-token-1234\r" },
        { expect: "API token from", send: `${api.token}\r` },
      ]);
      assert.equal(run.error, null, run.output);
      assert.equal(run.code, 0, run.output);
      assert.ok(run.output.includes(api.baseUrl), "the base URL is echoed as typed");
      assert.ok(!run.output.includes(api.token), "the token is not echoed");
      assert.ok(!run.output.includes("typo-token-1234"), "nor the mistyped one");
      assert.match(run.output, /HTTP 401/);
      assert.match(run.output, /✓ Valid/);
      assert.match(run.output, /mcpServers/);
      const envPath = `${home}/.testio-mcp/.env`;
      assert.equal(mode(envPath), 0o600);
      assert.equal(parseDotenv(await Deno.readTextFile(envPath)).TESTIO_CUSTOMER_API_TOKEN, api.token);

      // Ctrl+C at either prompt ends setup at once and leaves the saved file alone.
      const saved = await Deno.readTextFile(envPath);
      const atUrl = await inTerminal(home, ["setup"], [{ expect: "account subdomain", send: "\x03" }]);
      assert.equal(atUrl.error, null, atUrl.output);
      assert.equal(atUrl.code, 1, atUrl.output);
      assert.match(atUrl.output, /cancelled/);
      const atToken = await inTerminal(home, ["setup"], [
        { expect: "account subdomain", send: "\r" },
        { expect: "API token from", send: "abc\x03" },
      ]);
      assert.equal(atToken.error, null, atToken.output);
      assert.equal(atToken.code, 1, atToken.output);
      assert.match(atToken.output, /cancelled: nothing was written/);
      assert.equal(await Deno.readTextFile(envPath), saved);
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
});

Deno.test("setup: helpers", async (t) => {
  await t.step("base URLs, hosts and account subdomains", () => {
    const prod = "https://api.test.io/customer/v2";
    assert.equal(normalizeBaseUrl("").url, prod);
    assert.equal(normalizeBaseUrl("  https://api.test.io/customer/v2/ ").url, prod);
    assert.equal(normalizeBaseUrl("api.test.io").url, prod);
    assert.equal(normalizeBaseUrl("acme").url, prod);
    assert.match(normalizeBaseUrl("acme.test.io").note ?? "", /all use the Customer API/);
    assert.equal(normalizeBaseUrl("https://acme.test.io").url, prod);
    assert.equal(normalizeBaseUrl("api.stage-a.space").url, "https://api.stage-a.space/customer/v2");
    assert.equal(normalizeBaseUrl("https://api.stage-a.space").url, "https://api.stage-a.space/customer/v2");
    assert.equal(
      normalizeBaseUrl("http://127.0.0.1:8080/customer/v2").url,
      "http://127.0.0.1:8080/customer/v2",
    );
    assert.throws(() => normalizeBaseUrl("ftp://x.example/"), /https/);
    assert.throws(() => normalizeBaseUrl("not a url"), /neither a URL/);
  });

  await t.step("the settings file reads back exactly what was written", () => {
    for (const token of ["abc123", "a#b c", "it's", `q"uote's`, "x=y/z+w"]) {
      const text = renderEnvFile(
        "# mine\nexport TESTIO_CUSTOMER_API_TOKEN=old\nOTHER=1\nTESTIO_CUSTOMER_API_TOKEN=dup\n",
        {
          TESTIO_CUSTOMER_API_TOKEN: token,
        },
      );
      const parsed = parseDotenv(text);
      assert.equal(parsed.TESTIO_CUSTOMER_API_TOKEN, token);
      assert.equal(parsed.OTHER, "1");
      assert.ok(text.startsWith("# mine\n"));
      assert.equal(text.match(/TESTIO_CUSTOMER_API_TOKEN=/g)?.length, 1);
    }
    assert.match(renderEnvFile(null, { A: "1" }), /^# testio-mcp settings[^\n]*\n#[^\n]*\nA=1\n$/);
  });

  await t.step("writing twice in the same second keeps both backups", async () => {
    const dir = await Deno.makeTempDir();
    try {
      const path = `${dir}/sub/.env`;
      const now = new Date("2026-01-02T03:04:05Z");
      assert.equal(writeSettingsFile(path, "A=1\n", now).backup, null);
      assert.equal(writeSettingsFile(path, "A=2\n", now).backup, `${path}.bak-20260102T030405Z`);
      assert.equal(writeSettingsFile(path, "A=3\n", now).backup, `${path}.bak-20260102T030405Z-2`);
      assert.equal(await Deno.readTextFile(path), "A=3\n");
      assert.equal(mode(path), 0o600);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  await t.step("the client snippets are valid JSON and hold no token", () => {
    const text = clientSnippets({ command: "/opt/it's/testio-mcp", args: ["serve"] });
    const blocks = text.split("\n\n").filter((b) => b.includes("{")).map((b) => b.slice(b.indexOf("{")));
    assert.equal(blocks.length, 3);
    for (const b of blocks) JSON.parse(b);
    assert.match(text, /claude mcp add --scope user testio -- '\/opt\/it'\\''s\/testio-mcp' serve/);
    assert.doesNotMatch(text, /TOKEN/);
  });
});
