import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync, symlinkSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExeHashCache } from "./exe-hash-cache.ts";

function tempDir(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), "hw-hash-"));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const sums = (b: Buffer | string) => ({ md5: createHash("md5").update(b).digest("hex"), sha256: createHash("sha256").update(b).digest("hex") });

test("AGT-3 MD5 and SHA-256 of a file through a symlink, then from the cache", async (t) => {
  const d = tempDir(t);
  const content = Buffer.alloc(700_000, 7); // several stream chunks
  writeFileSync(join(d, "bin"), content);
  symlinkSync(join(d, "bin"), join(d, "exe"));
  const c = new ExeHashCache();
  assert.deepEqual(await c.hash(join(d, "exe")), sums(content));
  assert.deepEqual(await c.hash(join(d, "bin")), sums(content), "same inode: a hit");
  assert.deepEqual(c.stats, { hits: 1, misses: 1, skipped: 0, errors: 0, entries: 1, bytesHashed: 700_000 });
});

test("AGT-3 a changed file (size or mtime) is hashed again", async (t) => {
  const d = tempDir(t);
  const p = join(d, "bin");
  writeFileSync(p, "one");
  const c = new ExeHashCache();
  assert.equal((await c.hash(p))!.sha256, sums("one").sha256);
  writeFileSync(p, "two");
  utimesSync(p, new Date(), new Date(Date.now() + 10_000));
  assert.equal((await c.hash(p))!.sha256, sums("two").sha256);
  assert.equal(c.stats.misses, 2);
});

test("AGT-11 the cache is an LRU of maxEntries; large files, directories and missing files are not hashed", async (t) => {
  const d = tempDir(t);
  const c = new ExeHashCache({ maxEntries: 3, maxBytes: 1000 });
  for (let i = 0; i < 5; i++) writeFileSync(join(d, `f${i}`), `content ${i}`);
  for (let i = 0; i < 5; i++) await c.hash(join(d, `f${i}`));
  assert.equal(c.stats.entries, 3);
  await c.hash(join(d, "f4"));
  assert.equal(c.stats.hits, 1, "the newest is kept");
  await c.hash(join(d, "f0"));
  assert.equal(c.stats.misses, 6, "the oldest was evicted");
  writeFileSync(join(d, "big"), Buffer.alloc(1001));
  assert.equal(await c.hash(join(d, "big")), null);
  assert.equal(await c.hash(d), null);
  assert.equal(c.stats.skipped, 2);
  assert.equal(await c.hash(join(d, "missing")), null);
  assert.equal(c.stats.errors, 1);
});

test("AGT-11 at most `concurrency` hashes run; a full queue skips; the same file hashed at once is read once", async (t) => {
  const d = tempDir(t);
  for (let i = 0; i < 10; i++) writeFileSync(join(d, `f${i}`), `x${i}`);
  const c = new ExeHashCache({ concurrency: 1, maxQueued: 3 });
  const got = await Promise.all(Array.from({ length: 10 }, (_, i) => c.hash(join(d, `f${i}`))));
  const done = got.filter((h) => h !== null);
  assert.ok(done.length >= 4 && done.length < 10, `some hashed, some skipped (${done.length})`);
  assert.equal(c.stats.skipped, 10 - done.length);
  for (const [i, h] of got.entries()) if (h) assert.deepEqual(h, sums(`x${i}`));

  const c2 = new ExeHashCache();
  const same = await Promise.all([1, 2, 3, 4].map(() => c2.hash(join(d, "f1"))));
  assert.ok(same.every((h) => h!.md5 === sums("x1").md5));
  assert.equal(c2.stats.misses, 1);
  assert.equal(c2.stats.hits, 3);
});
