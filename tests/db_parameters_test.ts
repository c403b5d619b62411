import assert from "node:assert/strict";
import { openDatabase } from "../src/db/database.ts";
import { numberParameters, Repository } from "../src/db/repos/base.ts";
import type { Params } from "../src/db/database.ts";

Deno.test("named parameters are bound by position", async (t) => {
  await t.step("names are numbered in order of first use; literals and comments are left alone", () => {
    const { sql, names } = numberParameters(
      `SELECT strftime('%H:%M', :at) AS "a:b", [c:d], json_extract(x, '$.os') -- :not_this
       FROM t /* :nor_this */ WHERE a = :id AND b = :at AND c IN (:t0, :t1) AND d = 'it''s :x'`,
    );
    assert.deepEqual(names, ["at", "id", "t0", "t1"]);
    assert.match(sql, /strftime\('%H:%M', \?1\) AS "a:b", \[c:d\]/);
    assert.match(sql, /-- :not_this/);
    assert.match(sql, /\/\* :nor_this \*\//);
    assert.match(sql, /WHERE a = \?2 AND b = \?1 AND c IN \(\?3, \?4\) AND d = 'it''s :x'/);
  });

  await t.step("a repository binds values by name, and refuses missing or unused ones", () => {
    class Probe extends Repository {
      echo(sql: string, params: Params) {
        return this.one<Record<string, unknown>>(sql, params);
      }
    }
    using db = openDatabase(":memory:");
    using probe = new Probe(db);
    assert.deepEqual(
      { ...probe.echo("SELECT :b AS b, :a AS a, :b || ':a' AS c", { a: 1n, b: "x" }) },
      { b: "x", a: 1, c: "x:a" },
    );
    assert.throws(() => probe.echo("SELECT :a AS a", {}), /SQL parameter :a has no value/);
    assert.throws(() => probe.echo("SELECT :a AS a", { a: 1n, z: 2n }), /not used by the statement: z/);
  });
});
