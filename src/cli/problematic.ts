/**
 * `problematic list|map|retry|clear`: inspect and repair test-list ranges that failed with HTTP 500 at
 * every page size during a sync (docs/domain.md, Page recovery).
 */
import { type CliIO, type Command, EXIT, helpText, parseFlags } from "./command.ts";
import { count } from "./count.ts";
import { commandLogger, openApp, openCache } from "../app.ts";
import { type Config, loadConfig, parseIdList } from "../config.ts";
import type { Repositories } from "../db/repos/index.ts";
import type { ProblematicRange } from "../db/repos/problematic.ts";
import { InputError, NotFoundError } from "../errors.ts";
import { retryProblematic } from "../sync/problematic.ts";
import { commandHint } from "../launch.ts";

const USAGE_HINT = "Use: problematic list | map RANGE_ID TEST_ID… | retry PRODUCT_ID | clear --yes";

function positiveId(text: string | undefined, what: string): number {
  const ids = text === undefined ? null : parseIdList(text);
  if (!ids || ids.length !== 1) {
    throw new InputError(`problematic: ${what} must be a positive integer: got '${text ?? ""}'`, {
      action: USAGE_HINT,
    });
  }
  return ids[0];
}

function formatRange(r: ProblematicRange): string {
  const [a, b] = r.offsets;
  const edge = (e: ProblematicRange["before"]) => e ? `test ${e.test_id} (ends ${e.end_at ?? "?"})` : "none";
  return `#${r.id} product ${r.product_id} offsets ${a === b ? a : `${a}–${b}`}: before ${edge(r.before)}, ` +
    `after ${edge(r.after)}, ${r.attempts} failed attempts, recorded ${r.recorded_at}` +
    (r.mapped_test_ids.length ? `, mapped tests ${r.mapped_test_ids.join(", ")}` : "");
}

/** Runs `fn` with the repositories of the cache; no API token needed. */
function withRepos<T>(config: Config, fn: (repos: Repositories) => T): T {
  using cache = openCache(config, commandLogger(config));
  return fn(cache.repos);
}

async function retry(config: Config, productId: number, json: boolean, io: CliIO): Promise<number> {
  await using app = openApp(config, commandLogger(config));
  if (!app.repos.products.get(productId)) {
    throw new NotFoundError(`Product ${productId} is not in the cache`, {
      action: `Run '${commandHint("sync")}' first, or check the id with '${commandHint("problematic list")}'`,
    });
  }
  // openApp requires the token, so the client and refresher exist here.
  const outcomes = await retryProblematic(
    { repos: app.repos, client: app.client!, refresher: app.engine.refresher! },
    productId,
    io.signal,
  );
  if (json) io.stdout(JSON.stringify({ product_id: productId, outcomes }) + "\n");
  else if (!outcomes.length) io.stdout(`No problematic ranges recorded for product ${productId}\n`);
  else for (const o of outcomes) io.stdout(`#${o.range_id} ${o.status}: ${o.message}\n`);
  return outcomes.every((o) => o.status === "recovered") ? EXIT.OK : EXIT.FAILED;
}

export const problematicCommand: Command = {
  name: "problematic",
  summary: "Inspect and repair test-list ranges that failed with HTTP 500 during a sync.",
  usage: "problematic list [--product-id N] | map RANGE_ID TEST_ID… | retry PRODUCT_ID | clear --yes " +
    "[--json] [--env-file PATH]",
  help: `Actions:
  list                   the recorded ranges: product, offsets, the tests just before and after, attempts
  map RANGE_ID TEST_ID…  record the ids of the tests missing in a range (RANGE_ID is the # shown by list)
  retry PRODUCT_ID       fetch the mapped tests one by one; a range without mapped ids is re-read offset by
                         offset. Recovered ranges are removed. Exit 1 when some range still fails
  clear --yes            forget every recorded range
Options:
  --product-id N         (list) only this product
  --json                 print the result as JSON on stdout
  --yes                  (clear) confirm
  --env-file PATH        read settings from this file too`,
  async run(args, io) {
    const { values, positionals } = parseFlags("problematic", args, {
      json: { type: "boolean", default: false },
      yes: { type: "boolean", default: false },
      "product-id": { type: "string" },
    }, true);
    if (values.help) {
      io.stdout(helpText(problematicCommand));
      return EXIT.OK;
    }
    const [action, ...rest] = positionals;
    const config = loadConfig({ env: io.env, envFile: values["env-file"] });
    const json = values.json;
    switch (action) {
      case "list": {
        if (rest.length) {
          throw new InputError(`problematic list: unexpected '${rest.join(" ")}'`, { action: USAGE_HINT });
        }
        const productId = values["product-id"] === undefined
          ? undefined
          : positiveId(values["product-id"], "--product-id");
        const ranges = withRepos(config, (repos) => repos.problematic.list(productId));
        if (json) io.stdout(JSON.stringify({ ranges, count: ranges.length }) + "\n");
        else if (!ranges.length) io.stdout("No problematic ranges recorded\n");
        else for (const r of ranges) io.stdout(formatRange(r) + "\n");
        return EXIT.OK;
      }
      case "map": {
        const [rangeText, ...testTexts] = rest;
        const rangeId = positiveId(rangeText, "RANGE_ID");
        if (!testTexts.length) {
          throw new InputError("problematic map: give at least one TEST_ID after RANGE_ID", {
            action: USAGE_HINT,
          });
        }
        const testIds = testTexts.map((t) => positiveId(t, "TEST_ID"));
        const mapped = withRepos(config, (repos) => {
          if (!repos.problematic.get(rangeId)) {
            throw new NotFoundError(`Problematic range ${rangeId} not found`, {
              action: `Run '${commandHint("problematic list")}' for the recorded ranges`,
            });
          }
          return repos.problematic.mapTests(rangeId, testIds);
        });
        io.stdout(
          json
            ? JSON.stringify({ id: rangeId, mapped_test_ids: mapped }) + "\n"
            : `#${rangeId} mapped tests: ${mapped.join(", ")}\n`,
        );
        return EXIT.OK;
      }
      case "retry": {
        if (rest.length !== 1) {
          throw new InputError("problematic retry: give exactly one PRODUCT_ID", { action: USAGE_HINT });
        }
        return await retry(config, positiveId(rest[0], "PRODUCT_ID"), json, io);
      }
      case "clear": {
        if (rest.length) {
          throw new InputError(`problematic clear: unexpected '${rest.join(" ")}'`, { action: USAGE_HINT });
        }
        if (!values.yes) {
          throw new InputError("problematic clear: nothing cleared without --yes", {
            hint: "Clearing forgets every recorded range and cannot be undone; the next sync records " +
              "ranges that still fail",
            action: "Run 'testio-mcp problematic clear --yes' to clear them",
          });
        }
        const cleared = withRepos(config, (repos) => repos.problematic.clear());
        io.stdout(
          json ? JSON.stringify({ cleared }) + "\n" : `Cleared ${count(cleared, "problematic range")}\n`,
        );
        return EXIT.OK;
      }
      default:
        throw new InputError(
          action === undefined ? "problematic: missing action" : `problematic: unknown action '${action}'`,
          { action: USAGE_HINT },
        );
    }
  },
};
