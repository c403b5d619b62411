/**
 * `report`: the quality report of `generate_quality_report` from the local cache, written as a file:
 * `html` (default) is the quality dashboard as one self-contained page readable offline, `markdown`
 * and `json` are the tool's own renderings. The file goes to the reports folder unless `--output`
 * names another place. Nothing is fetched from the TestIO API: run `sync` first for fresh data.
 */
import { type CliIO, type Command, EXIT, helpText, parseFlags } from "./command.ts";
import { openApp } from "../app.ts";
import { loadConfig, parseIdList } from "../config.ts";
import { InputError } from "../errors.ts";
import { createLogger } from "../log.ts";
import { SyncScheduler } from "../sync/scheduler.ts";
import { buildContext } from "./serve.ts";
import { generateQualityReportTool } from "../mcp/tools/generate_quality_report.ts";
import { standaloneDashboardHtml } from "../mcp/views.ts";
import {
  freeName,
  type ReportFormat,
  type ReportTarget,
  resolveReportPath,
  writeReportFile,
} from "../reports/export.ts";

const FORMATS: Readonly<Record<string, ReportFormat>> = { html: "html", markdown: "md", json: "json" };

/** Today's date as YYYY-MM-DD (UTC), for default file names. */
const today = () => new Date().toISOString().slice(0, 10);

/** The target itself when its file does not exist yet, else the first free `name-N.ext` beside it. */
async function unusedName(target: ReportTarget): Promise<ReportTarget> {
  try {
    await Deno.lstat(target.path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return target;
    throw err;
  }
  return { ...target, path: await freeName(target.path) };
}

async function run(args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags("report", args, {
    "product-ids": { type: "string" },
    "start-date": { type: "string" },
    "end-date": { type: "string" },
    statuses: { type: "string" },
    format: { type: "string", default: "html" },
    output: { type: "string" },
  });
  if (values.help) {
    io.stdout(helpText(reportCommand));
    return EXIT.OK;
  }
  const ids = values["product-ids"] ? parseIdList(values["product-ids"]) : null;
  if (!ids?.length) {
    throw new InputError(
      `report: --product-ids must list one or more product ids: got '${values["product-ids"] ?? ""}'`,
      {
        action: "Pass --product-ids 598 or --product-ids 598,601 (list ids with 'testio-mcp sync --status')",
      },
    );
  }
  const format = FORMATS[values.format];
  if (!format) {
    throw new InputError(`report: --format must be html, markdown or json: got '${values.format}'`, {
      action: "Run 'testio-mcp report --help' for the flags",
    });
  }
  const config = loadConfig({ env: io.env, envFile: values["env-file"] });
  const log = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    secrets: [config.token, config.httpToken],
  });
  // The report reads the cache only: without a token nothing reaches for the network.
  await using app = openApp({ ...config, token: undefined }, log, { requireToken: false });
  await using scheduler = new SyncScheduler({
    engine: app.engine,
    repos: app.repos,
    config: app.config,
    log,
  });
  const ctx = buildContext(app, scheduler, "stdio");

  // A path typed with --output is the person's choice (relative to the working directory); otherwise
  // the report gets a free dated name in the reports folder.
  const target = values.output
    ? resolveReportPath(values.output, config.reportsDir, {
      formats: [format],
      confine: false,
      argName: "--output",
    })
    : await unusedName(
      resolveReportPath(`quality-report-${ids.join("-")}-${today()}.${format}`, config.reportsDir, [format]),
    );
  const toolArgs = generateQualityReportTool.input.parse({
    product_ids: ids,
    ...(values["start-date"] ? { start_date: values["start-date"] } : {}),
    ...(values["end-date"] ? { end_date: values["end-date"] } : {}),
    ...(values.statuses ? { statuses: values.statuses } : {}),
    include_tests: format === "html",
    format: format === "md" ? "markdown" : "json",
  });
  const report = await generateQualityReportTool.handler(toolArgs, {
    ctx,
    signal: io.signal,
    progress: () => Promise.resolve(),
  }) as Record<string, unknown> & { products: { name: string }[]; markdown?: string };

  let content: string;
  if (format === "html") {
    content = standaloneDashboardHtml(
      report,
      `Quality report: ${report.products.map((p) => p.name).join(", ")}`,
    );
  } else if (format === "md") {
    content = report.markdown!;
  } else {
    content = JSON.stringify(report, null, 2) + "\n";
  }
  const bytes = await writeReportFile(target, content);
  io.stdout(`${target.path}\n`);
  io.stderr(`Wrote the ${values.format} report (${bytes} bytes) to ${target.path}\n`);
  for (const w of (report.warnings as string[] | undefined) ?? []) io.stderr(`warning: ${w}\n`);
  return EXIT.OK;
}

export const reportCommand: Command = {
  name: "report",
  summary: "Write the quality report of products from the local cache as an HTML page, Markdown or JSON.",
  usage: "report --product-ids 1,2 [--start-date DATE] [--end-date DATE] [--statuses LIST] " +
    "[--format html|markdown|json] [--output FILE] [--env-file PATH]",
  help: `Options:
  --product-ids 1,2        the products to report on (required)
  --start-date DATE        tests ending on/after DATE (YYYY-MM-DD or a phrase such as 'last 90 days')
  --end-date DATE          tests ending on/before DATE
  --statuses LIST          test statuses in scope, CSV (default executed: running, locked, archived,
                           customer_finalized)
  --format FORMAT          html (default: the quality dashboard as one page readable offline), markdown
                           or json (the answer of generate_quality_report)
  --output FILE            write here instead of the reports folder (TESTIO_REPORTS_DIR); an existing
                           file outside the reports folder is never replaced
  --env-file PATH          read settings from this file too
Reads the local cache only: run 'testio-mcp sync' first for fresh data. Prints the file's path.`,
  run,
};
