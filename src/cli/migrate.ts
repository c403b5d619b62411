/**
 * `migrate up|down [N]|status`: apply, roll back or list the schema migrations.
 */
import { type Command, EXIT, helpText, parseFlags } from "./command.ts";
import { loadConfig } from "../config.ts";
import { openDatabase } from "../db/database.ts";
import type { Database } from "../db/database.ts";
import { compactAfterMigrations, migrateDown, migrateUp, migrationStatus } from "../db/migrations.ts";

const pageSize = (db: Database) => (db.prepare("PRAGMA page_size").get() as { page_size: number }).page_size;
import { InputError } from "../errors.ts";

export const migrateCommand: Command = {
  name: "migrate",
  summary: "Apply (up, the default), roll back (down [N], default 1) or list (status) schema migrations.",
  usage: "migrate [up | down [N] | status] [--json] [--env-file PATH]",
  help: `Options:
  --json            print the result as JSON on stdout
  --env-file PATH   read settings from this file too
The database is TESTIO_DB_PATH (default ~/.testio-mcp/cache.db). Rolling back the first migration drops
the cache; a later sync rebuilds it.`,
  run(args, io) {
    const { values, positionals } = parseFlags("migrate", args, { json: { type: "boolean" } }, true);
    if (values.help) {
      io.stdout(helpText(migrateCommand));
      return Promise.resolve(EXIT.OK);
    }
    const [action = "up", count, ...extra] = positionals;
    if (
      extra.length || !["up", "down", "status"].includes(action) || (count !== undefined && action !== "down")
    ) {
      throw new InputError(`migrate: unexpected arguments '${positionals.join(" ")}'`, {
        action: "Use: migrate up | migrate down [N] | migrate status",
      });
    }
    const steps = count === undefined ? 1 : Number(count);
    if (!Number.isInteger(steps) || steps < 1) {
      throw new InputError(`migrate down: N must be a positive whole number: got '${count}'`);
    }
    const config = loadConfig({ env: io.env, envFile: values["env-file"] });
    using db = openDatabase(config.dbPath);
    let result: Record<string, unknown>;
    if (action === "status") {
      result = { database: config.dbPath, ...migrationStatus(db) };
      if (!values.json) {
        const s = migrationStatus(db);
        io.stdout(`database: ${config.dbPath}\nschema version: ${s.current} (latest known: ${s.latest})\n`);
        for (const m of s.applied) {
          io.stdout(`  applied  ${String(m.version).padStart(4, "0")} ${m.name}  ${m.applied_at}\n`);
        }
        for (const m of s.pending) io.stdout(`  pending  ${String(m.version).padStart(4, "0")} ${m.name}\n`);
        for (const v of s.modified) io.stdout(`  warning: migration ${v} changed since it was applied\n`);
        return Promise.resolve(EXIT.OK);
      }
    } else if (action === "up") {
      const applied = migrateUp(db);
      const compaction = compactAfterMigrations(db, applied);
      const freedBytes = compaction?.compacted
        ? (compaction.pagesBefore - compaction.pagesAfter) * pageSize(db)
        : 0;
      const notCompacted = compaction && !compaction.compacted
        ? { not_compacted: { reason: compaction.reason, action: compaction.action } }
        : {};
      result = {
        newly_applied: applied,
        reclaimed_bytes: freedBytes,
        ...notCompacted,
        ...migrationStatus(db),
      };
      if (!values.json) {
        io.stdout(applied.length ? `applied: ${applied.join(", ")}\n` : "schema is up to date\n");
        if (freedBytes) io.stdout(`file compacted: ${(freedBytes / 1e6).toFixed(1)} MB freed\n`);
        if (compaction && !compaction.compacted) {
          io.stdout(`file not compacted: ${compaction.reason}.\n${compaction.action}\n`);
        }
        return Promise.resolve(EXIT.OK);
      }
    } else {
      result = { rolled_back: migrateDown(db, steps), ...migrationStatus(db) };
      if (!values.json) {
        const done = result.rolled_back as number[];
        io.stdout(done.length ? `rolled back: ${done.join(", ")}\n` : "nothing to roll back\n");
        return Promise.resolve(EXIT.OK);
      }
    }
    io.stdout(JSON.stringify(result) + "\n");
    return Promise.resolve(EXIT.OK);
  },
};
