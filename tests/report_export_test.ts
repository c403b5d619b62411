/**
 * The report file rules of `src/reports/export.ts` on real files: a linked reports folder, absolute
 * paths spelled through it, a path a person chose on the command line (its folder must exist, nothing
 * is replaced), two writers racing for one name, and a full or read-only disk with their own messages.
 */
import assert from "node:assert/strict";
import { resolveReportPath, writeReportFile } from "../src/reports/export.ts";
import { InputError } from "../src/errors.ts";
import { FileAccessError } from "../src/sandbox.ts";
import { mountable, tmpfs } from "./helpers/tmpfs.ts";

async function tempDir(): Promise<{ dir: string } & AsyncDisposable> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "testio-export-" }));
  return { dir, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

const names = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

Deno.test("report files: a linked reports folder is the person's choice and works both ways", async () => {
  await using tmp = await tempDir();
  await Deno.mkdir(`${tmp.dir}/real`);
  await Deno.symlink(`${tmp.dir}/real`, `${tmp.dir}/reports`);
  const root = `${tmp.dir}/reports`;
  const a = resolveReportPath("a.md", root);
  assert.equal(await writeReportFile(a, "# a"), 3);
  const b = resolveReportPath(`${tmp.dir}/real/b.md`, root);
  await writeReportFile(b, "# b");
  const c = resolveReportPath(`${root}/sub/c.json`, root);
  await writeReportFile(c, "{}");
  assert.deepEqual(names(`${tmp.dir}/real`), ["a.md", "b.md", "sub"]);
  assert.deepEqual(names(`${tmp.dir}/real/sub`), ["c.json"]);
});

Deno.test("report files: a path chosen on the command line needs an existing folder and replaces nothing", async () => {
  await using tmp = await tempDir();
  const options = { confine: false, cwd: tmp.dir, argName: "--output", formats: ["html", "md"] } as const;
  const ok = resolveReportPath("out.html", `${tmp.dir}/reports`, options);
  assert.equal(ok.path, `${tmp.dir}/out.html`);
  await writeReportFile(ok, "<p>1</p>");
  await assert.rejects(writeReportFile(ok, "<p>2</p>"), (err: InputError) => {
    assert.match(err.message, /out\.html already exists; it was kept as it is/);
    assert.match(err.action ?? "", new RegExp(`Pass --output '${tmp.dir}/out-2\\.html' \\(free\\)`));
    return true;
  });
  assert.equal(await Deno.readTextFile(`${tmp.dir}/out.html`), "<p>1</p>");
  const missing = resolveReportPath("no/such/folder/r.md", `${tmp.dir}/reports`, options);
  await assert.rejects(writeReportFile(missing, "x"), /The folder .*no\/such\/folder does not exist/);
  assert.deepEqual(names(tmp.dir), ["out.html"], "no folder created, no temporary file left");
  assert.throws(() => resolveReportPath("r.json", tmp.dir, options), /must end in \.html or \.md/);
  assert.throws(() => resolveReportPath("r.json", tmp.dir, ["html"]), /must end in \.html/);
  assert.throws(
    () => resolveReportPath("/elsewhere/r.html", tmp.dir, ["html"]),
    /leads outside the reports folder/,
  );
});

Deno.test("report files: two writers racing for one name: one wins, the other is refused", async () => {
  await using tmp = await tempDir();
  const target = resolveReportPath("race.md", tmp.dir);
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, (_, i) => writeReportFile(target, `writer ${i}\n`.repeat(1000))),
  );
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
  for (const r of results) {
    if (r.status === "rejected") assert.match(String(r.reason), /already exists/);
  }
  const text = await Deno.readTextFile(`${tmp.dir}/race.md`);
  assert.match(text, /^(writer \d\n){1000}$/, "one whole report, never a mix");
  assert.deepEqual(names(tmp.dir), ["race.md"]);
});

const canMount = await mountable();

Deno.test({
  name: "report files: a full disk and a read-only file system each get their own message",
  ignore: !canMount,
  async fn() {
    await using disk = (await tmpfs("64k"))!;
    await Deno.writeFile(`${disk.dir}/filler`, new Uint8Array(64 * 1024)).catch(() => {});
    const target = resolveReportPath("r.md", disk.dir);
    await assert.rejects(writeReportFile(target, "x".repeat(20_000)), (err: FileAccessError) => {
      assert.ok(err instanceof FileAccessError, String(err));
      assert.equal(err.kind, "disk-full");
      assert.match(err.message, /^Cannot write the report: no space left on the disk of /);
      assert.match(err.action ?? "", /point TESTIO_REPORTS_DIR at a disk with room/);
      return true;
    });
    assert.deepEqual(names(disk.dir), ["filler"], "no partial report, no temporary file");

    await Deno.remove(`${disk.dir}/filler`);
    await disk.readOnly();
    await assert.rejects(writeReportFile(target, "x"), (err: FileAccessError) => {
      assert.equal(err.kind, "read-only", String(err));
      assert.match(err.message, /is on a read-only file system/);
      return true;
    });
  },
});
