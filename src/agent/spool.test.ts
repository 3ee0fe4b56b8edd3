import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, appendFile, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskSpool } from "./spool.ts";

// Directories go once every test (and its spool's close hook) is done: a test's own
// after-hooks run in order, so removing there would race the spool's final write.
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
});
async function tempDir(_t: unknown): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "hw-spool-"));
  dirs.push(d);
  return d;
}

const rec = (i: number) => ({ id: `r${String(i).padStart(6, "0")}`, kind: "logon", n: i });
const segments = async (d: string) => (await readdir(d)).filter((n) => n.startsWith("seg-")).sort();

async function drain(s: DiskSpool, max = 1000): Promise<object[]> {
  const out: object[] = [];
  for (let b = await s.peek(max); b; b = await s.peek(max)) {
    out.push(...b.records);
    await b.ack();
  }
  return out;
}

test("AGT-9 records come back oldest first; peek without ack returns the same records again", async (t) => {
  const d = await tempDir(t);
  const s = await DiskSpool.open(d);
  t.after(() => s.close());
  assert.equal(await s.peek(10), null);
  await s.append([rec(1), rec(2)]);
  await s.append([rec(3)]);
  const a = await s.peek(2);
  assert.deepEqual(a!.records, [rec(1), rec(2)]);
  const again = await s.peek(2);
  assert.deepEqual(again!.records, [rec(1), rec(2)]);
  await a!.ack();
  await again!.ack(); // a repeated ack of the same batch is harmless
  assert.deepEqual((await s.peek(10))!.records, [rec(3)]);
});

test("AGT-9 peek honours maxBytes but always returns at least one record", async (t) => {
  const d = await tempDir(t);
  const s = await DiskSpool.open(d);
  t.after(() => s.close());
  await s.append([{ id: "big", pad: "x".repeat(500) }, rec(1), rec(2)]);
  const b = await s.peek(10, 100);
  assert.equal(b!.records.length, 1);
  await b!.ack();
  const c = await s.peek(10, 60); // each small record is 39 bytes
  assert.deepEqual(c!.records, [rec(1)]);
});

test("AGT-9 unacked records are delivered again after reopen; acked ones are not", async (t) => {
  const d = await tempDir(t);
  const s1 = await DiskSpool.open(d);
  await s1.append([rec(1), rec(2), rec(3)]);
  await (await s1.peek(1))!.ack();
  await s1.peek(2); // taken but never acked: the crash comes before the server answered
  await s1.close();
  const s2 = await DiskSpool.open(d);
  t.after(() => s2.close());
  assert.deepEqual(await drain(s2), [rec(2), rec(3)]);
});

test("AGT-9 a torn last line (crash mid-write) is cut on open, counted as dropped, later appends are clean", async (t) => {
  const d = await tempDir(t);
  const s1 = await DiskSpool.open(d);
  await s1.append([rec(1), rec(2)]);
  await s1.close();
  const [seg] = await segments(d);
  await appendFile(join(d, seg!), '{"id":"r000003","kin'); // process killed half way through a write
  const s2 = await DiskSpool.open(d);
  t.after(() => s2.close());
  assert.equal(s2.dropped, 1);
  await s2.append([rec(4)]);
  assert.deepEqual(await drain(s2), [rec(1), rec(2), rec(4)]);
  assert.equal(s2.takeDropped(), 1);
  assert.equal(s2.takeDropped(), 0);
});

test("AGT-9 garbage inside a segment (e.g. zero-filled blocks after power loss) is skipped and counted, never fatal", async (t) => {
  const d = await tempDir(t);
  const s1 = await DiskSpool.open(d);
  await s1.append([rec(1)]);
  await s1.close();
  const [seg] = await segments(d);
  await appendFile(join(d, seg!), Buffer.concat([Buffer.alloc(40), Buffer.from("\nnot json\n")]));
  const s2 = await DiskSpool.open(d);
  t.after(() => s2.close());
  await s2.append([rec(2)]);
  assert.deepEqual(await drain(s2), [rec(1), rec(2)]);
  assert.equal(s2.takeDropped(), 2);
  const s3 = await DiskSpool.open(d + "-none").catch((e: Error) => e);
  assert.ok(s3 instanceof DiskSpool); // a missing directory is created
  await s3.close();
  await rm(d + "-none", { recursive: true, force: true });
});

test("AGT-9 full spool keeps the oldest, drops the newest and counts them (persisted across reopen)", async (t) => {
  const d = await tempDir(t);
  const line = Buffer.byteLength(`${JSON.stringify(rec(0))}\n`);
  const s1 = await DiskSpool.open(d, { maxBytes: line * 5, segmentBytes: line * 2 });
  await s1.append([rec(1), rec(2), rec(3)]);
  await s1.append([rec(4), rec(5), rec(6), rec(7)]);
  assert.equal(s1.dropped, 2);
  assert.equal(s1.pendingBytes, line * 5);
  await s1.close();
  const s2 = await DiskSpool.open(d, { maxBytes: line * 5, segmentBytes: line * 2 });
  t.after(() => s2.close());
  assert.equal(s2.dropped, 2);
  const b = await s2.peek(2);
  await b!.ack(); // room again for two
  await s2.append([rec(8), rec(9), rec(10)]);
  assert.deepEqual(await drain(s2), [rec(3), rec(4), rec(5), rec(8), rec(9)]);
  assert.equal(s2.takeDropped(), 3);
  await s2.close();
  const s3 = await DiskSpool.open(d, { maxBytes: line * 5, segmentBytes: line * 2 });
  t.after(() => s3.close());
  assert.equal(s3.dropped, 0, "takeDropped reset is persisted");
  assert.equal(s3.pendingBytes, 0);
});

test("AGT-9 fully acknowledged segments are deleted; the cursor survives reopen", async (t) => {
  const d = await tempDir(t);
  const line = Buffer.byteLength(`${JSON.stringify(rec(0))}\n`);
  const s1 = await DiskSpool.open(d, { segmentBytes: line * 3 });
  await s1.append(Array.from({ length: 10 }, (_, i) => rec(i)));
  assert.equal((await segments(d)).length, 4);
  await (await s1.peek(7))!.ack();
  assert.deepEqual(await segments(d), ["seg-000000000003.jsonl", "seg-000000000004.jsonl"]);
  await s1.close();
  const meta = JSON.parse(await readFile(join(d, "spool-meta.json"), "utf8"));
  assert.deepEqual(meta, { readSeq: 3, readOff: line, dropped: 0 });
  const s2 = await DiskSpool.open(d, { segmentBytes: line * 3 });
  t.after(() => s2.close());
  assert.deepEqual(await drain(s2, 2), [rec(7), rec(8), rec(9)]);
  assert.deepEqual(await segments(d), ["seg-000000000004.jsonl"]); // the one being appended to stays
  await s2.append([rec(10)]);
  assert.deepEqual(await drain(s2), [rec(10)]);
});

test("AGT-9 a crash between cursor write and segment delete leaves files that open() removes", async (t) => {
  const d = await tempDir(t);
  const s1 = await DiskSpool.open(d, { segmentBytes: 10 });
  await s1.append([rec(1), rec(2), rec(3)]); // one record per segment
  await s1.close();
  await writeFile(join(d, "spool-meta.json"), JSON.stringify({ readSeq: 3, readOff: 0, dropped: 0 }));
  const s2 = await DiskSpool.open(d, { segmentBytes: 10 });
  t.after(() => s2.close());
  assert.deepEqual(await segments(d), ["seg-000000000003.jsonl"]);
  assert.deepEqual(await drain(s2), [rec(3)]);
});

test("AGT-9 many small appends (10k records), including concurrent ones, all come back in order", async (t) => {
  const d = await tempDir(t);
  const s = await DiskSpool.open(d, { segmentBytes: 64 * 1024 });
  t.after(() => s.close());
  const t0 = performance.now();
  for (let i = 0; i < 5000; i += 10) await s.append(Array.from({ length: 10 }, (_, j) => rec(i + j)));
  await Promise.all(Array.from({ length: 5000 }, (_, i) => s.append([rec(5000 + i)]))); // group-committed
  const t1 = performance.now();
  const out = await drain(s, 500);
  const t2 = performance.now();
  assert.equal(out.length, 10_000);
  assert.deepEqual(out.map((r) => (r as { n: number }).n), Array.from({ length: 10_000 }, (_, i) => i));
  t.diagnostic(`append 10k: ${(t1 - t0).toFixed(0)} ms, drain: ${(t2 - t1).toFixed(0)} ms`);
});
