/**
 * A small real file system for edge tests: a tmpfs of a given size (a disk that fills up) that can be
 * remounted read-only. Mounting needs Linux and root; where that is not allowed the helpers return
 * null and the tests that need them are ignored.
 *
 * @example
 * ```ts
 * const canMount = await mountable();
 * Deno.test({ name: "…", ignore: !canMount, async fn() {
 *   await using disk = (await tmpfs("1m"))!;
 *   await disk.readOnly();
 * } });
 * ```
 */

/** A mounted tmpfs; disposing unmounts and removes it. */
export interface Tmpfs extends AsyncDisposable {
  dir: string;
  /** Remounts it read-only (throws when the kernel refuses). */
  readOnly(): Promise<void>;
}

/** Mounts a tmpfs of `size` (mount's syntax: "64k", "1m", bytes) at a new folder; null when not allowed. */
export async function tmpfs(size: string): Promise<Tmpfs | null> {
  if (Deno.build.os !== "linux" || Deno.uid() !== 0) return null;
  const dir = await Deno.makeTempDir({ prefix: "testio-mcp-tmpfs-" });
  const mount = await new Deno.Command("mount", { args: ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir] })
    .output().catch(() => null);
  if (!mount?.success) {
    await Deno.remove(dir).catch(() => {});
    return null;
  }
  return {
    dir,
    async readOnly() {
      const r = await new Deno.Command("mount", { args: ["-o", "remount,ro", dir] }).output();
      if (!r.success) throw new Error(`remount,ro ${dir}: ${new TextDecoder().decode(r.stderr)}`);
    },
    async [Symbol.asyncDispose]() {
      await new Deno.Command("umount", { args: [dir] }).output();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Whether this machine lets the tests mount a tmpfs (tried once, for `ignore`). */
export async function mountable(): Promise<boolean> {
  const probe = await tmpfs("64k");
  await probe?.[Symbol.asyncDispose]();
  return probe !== null;
}
