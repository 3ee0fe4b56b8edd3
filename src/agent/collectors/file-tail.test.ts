import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile, appendFile, rename, truncate, copyFile, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileTail, JsonFileTailState, recordIdFor, type TailLine, type TailPosition, type TailStateStore } from "./file-tail.ts";

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "hw-tail-"));
  t.after(() => rm(d, { recursive: true, force: true }));
  return d;
}

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class MemState implements TailStateStore {
  m = new Map<string, TailPosition>();
  async load(p: string) {
    return this.m.get(p) ?? null;
  }
  async save(p: string, st: TailPosition) {
    this.m.set(p, { ...st });
  }
}

function collector() {
  const lines: TailLine[] = [];
  return { lines, texts: () => lines.map((l) => l.text), onLines: async (ls: TailLine[]) => void lines.push(...ls) };
}

test("AGT-2 appended lines are delivered via fs.watch (poll disabled), history skipped on first start", async (t) => {
  const d = await tempDir(t);
  const path = join(d, "auth.log");
  await writeFile(path, "old 1\nold 2\n");
  const c = collector();
  const tail = new FileTail({ path, state: new MemState(), onLines: c.onLines, pollMs: 60_000 });
  t.after(() => tail.stop());
  await tail.start();
  const t0 = Date.now();
  await appendFile(path, "new 1\nnew 2\n");
  await waitFor(() => c.lines.length === 2, 2000);
  assert.ok(Date.now() - t0 < 1000, "delivered by the watcher, not the 60 s poll");
  assert.deepEqual(c.texts(), ["new 1", "new 2"]);
  assert.equal(c.lines[0]!.offset, 12);
  assert.equal(c.lines[1]!.offset, 18);
});

test("AGT-2 startAtEnd=false reads existing content from offset 0", async (t) => {
  const d = await tempDir(t);
  const path = join(d, "auth.log");
  await writeFile(path, "a\nb\n");
  const c = collector();
  const tail = new FileTail({ path, state: new MemState(), onLines: c.onLines, pollMs: 20, startAtEnd: false });
  t.after(() => tail.stop());
  await tail.start();
  await waitFor(() => c.lines.length === 2);
  assert.deepEqual(c.texts(), ["a", "b"]);
});

test("AGT-2 partial lines wait for the newline; UTF-8 split across writes is decoded whole; CRLF stripped", async (t) => {
  const d = await tempDir(t);
  const path = join(d, "auth.log");
  await writeFile(path, "");
  const c = collector();
  const tail = new FileTail({ path, state: new MemState(), onLines: c.onLines, pollMs: 10 });
  t.after(() => tail.stop());
  await tail.start();
  const e = Buffer.from("é", "utf8");
  await appendFile(path, Buffer.concat([Buffer.from("user Jos"), e.subarray(0, 1)]));
  await sleep(80);
  assert.equal(c.lines.length, 0);
  await appendFile(path, Buffer.concat([e.subarray(1), Buffer.from(" ok\r\n")]));
  await waitFor(() => c.lines.length === 1);
  assert.deepEqual(c.texts(), ["user José ok"]);
});

test("AGT-2 rename rotation (logrotate create): old remainder then new file, each once, in order", async (t) => {
  const d = await tempDir(t);
  const path = join(d, "auth.log");
  await writeFile(path, "");
  const c = collector();
  const tail = new FileTail({ path, state: new MemState(), onLines: c.onLines, pollMs: 10, rotateGraceMs: 500 });
  t.after(() => tail.stop());
  await tail.start();
  const writer = await open(path, "a"); // a daemon holding its fd across the rename
  await writer.write("a1\n");
  await waitFor(() => c.lines.length === 1);
  await writer.write("a2\na3\n");
  await rename(path, `${path}.1`);
  await writer.write("a4\n"); // written to the old file after the rename, before the daemon reopens
  await writeFile(path, "b1\n");
  await waitFor(() => c.lines.length === 5);
  await writer.write("a5\n"); // daemon not yet reloaded: still caught within the grace period
  await writer.close();
  await appendFile(path, "b2\n");
  await waitFor(() => c.lines.length === 7);
  await sleep(100);
  assert.deepEqual(c.texts(), ["a1", "a2", "a3", "a4", "b1", "a5", "b2"]);
  assert.notEqual(c.lines[0]!.inode, c.lines[4]!.inode);
  assert.equal(c.lines[4]!.offset, 0);
  const ids = c.lines.map((l) => recordIdFor(path, l));
  assert.equal(new Set(ids).size, ids.length);
});

test("AGT-2 copytruncate: lines after truncation are delivered with a new generation", async (t) => {
  const d = await tempDir(t);
  const path = join(d, "auth.log");
  await writeFile(path, "");
  const c = collector();
  const st = new MemState();
  const tail = new FileTail({ path, state: st, onLines: c.onLines, pollMs: 10 });
  t.after(() => tail.stop());
  await tail.start();
  await appendFile(path, "x1 long enough line\nx2 long enough line\n");
  await waitFor(() => c.lines.length === 2);
  await copyFile(path, `${path}.1`);
  await truncate(path, 0);
  await sleep(50);
  await appendFile(path, "y1\n");
  await waitFor(() => c.lines.length === 3);
  assert.deepEqual(c.texts(), ["x1 long enough line", "x2 long enough line", "y1"]);
  assert.equal(c.lines[2]!.generation, 1);
  assert.equal(c.lines[2]!.offset, 0);
  assert.notEqual(recordIdFor(path, c.lines[0]!), recordIdFor(path, c.lines[2]!));
  assert.deepEqual(st.m.get(path), { inode: c.lines[2]!.inode, generation: 1, offset: 3 });
});

test("AGT-2 restart with saved state: nothing lost, nothing delivered twice", async (t) => {
  const d = await tempDir(t);
  const path = join(d, "auth.log");
  const state = new JsonFileTailState(join(d, "tail-state.json"));
  await writeFile(path, "");
  const c = collector();
  const t1 = new FileTail({ path, state, onLines: c.onLines, pollMs: 10 });
  await t1.start();
  await appendFile(path, "l1\nl2\n");
  await waitFor(() => c.lines.length === 2);
  await t1.stop();
  await appendFile(path, "l3\nl4\n"); // written while the agent is down
  const t2 = new FileTail({ path, state: new JsonFileTailState(join(d, "tail-state.json")), onLines: c.onLines, pollMs: 10 });
  t.after(() => t2.stop());
  await t2.start();
  await waitFor(() => c.lines.length === 4);
  await appendFile(path, "l5\n");
  await waitFor(() => c.lines.length === 5);
  await sleep(50);
  assert.deepEqual(c.texts(), ["l1", "l2", "l3", "l4", "l5"]);
});

test("AGT-2 a failing onLines does not advance the saved offset: lines are retried, not lost", async (t) => {
  const d = await tempDir(t);
  const path = join(d, "auth.log");
  await writeFile(path, "");
  const st = new MemState();
  const got: string[] = [];
  let fail = 2;
  const statuses: string[] = [];
  const tail = new FileTail({
    path,
    state: st,
    pollMs: 10,
    onStatus: (m) => statuses.push(m),
    onLines: async (ls) => {
      if (fail-- > 0) throw new Error("server down");
      got.push(...ls.map((l) => l.text));
    },
  });
  t.after(() => tail.stop());
  await tail.start();
  await appendFile(path, "r1\nr2\n");
  await waitFor(() => got.length === 2);
  assert.deepEqual(got, ["r1", "r2"]);
  assert.ok(statuses.some((s) => s.includes("server down")));
  assert.equal(st.m.get(path)!.offset, 6);
});

test("AGT-2 a line over maxLineBytes is cut and the following lines are intact", async (t) => {
  const d = await tempDir(t);
  const path = join(d, "auth.log");
  await writeFile(path, "");
  const c = collector();
  const tail = new FileTail({ path, state: new MemState(), onLines: c.onLines, pollMs: 10, maxLineBytes: 16 });
  t.after(() => tail.stop());
  await tail.start();
  const long = "é".repeat(5000); // 10000 bytes, 2-byte characters: the cut lands mid-character
  await appendFile(path, `${long}\nafter 1\nafter 2\n`);
  await waitFor(() => c.lines.length === 3);
  assert.equal(c.lines[0]!.text, "é".repeat(8));
  assert.deepEqual(c.texts().slice(1), ["after 1", "after 2"]);
  assert.equal(c.lines[1]!.offset, 10001);
  await appendFile(path, `abcdefghijklmno${"é"}zz\n`); // 15 ASCII + 2-byte char: cut at 16 bytes drops the half character
  await waitFor(() => c.lines.length === 4);
  assert.equal(c.lines[3]!.text, "abcdefghijklmno");
});

test("AGT-2 file missing at start: status reported, lines delivered from 0 once created", async (t) => {
  const d = await tempDir(t);
  const path = join(d, "secure");
  const c = collector();
  const statuses: string[] = [];
  const tail = new FileTail({ path, state: new MemState(), onLines: c.onLines, pollMs: 20, onStatus: (m) => statuses.push(m) });
  t.after(() => tail.stop());
  await tail.start();
  assert.ok(statuses.some((s) => s.startsWith("waiting for")));
  await writeFile(path, "first\nsecond\n");
  await waitFor(() => c.lines.length === 2);
  assert.deepEqual(c.texts(), ["first", "second"]);
});

test("recordIdFor is stable, 32 chars of base64url, and differs per position", () => {
  const l: TailLine = { text: "x", inode: 42, generation: 0, offset: 100 };
  const a = recordIdFor("/var/log/auth.log", l);
  assert.equal(a, recordIdFor("/var/log/auth.log", { ...l, text: "other text" }));
  assert.match(a, /^[A-Za-z0-9_-]{32}$/);
  assert.notEqual(a, recordIdFor("/var/log/auth.log", { ...l, offset: 101 }));
  assert.notEqual(a, recordIdFor("/var/log/auth.log", { ...l, generation: 1 }));
  assert.notEqual(a, recordIdFor("/var/log/secure", l));
});

test("JsonFileTailState persists atomically and tolerates a corrupt file", async (t) => {
  const d = await tempDir(t);
  const f = join(d, "st.json");
  const s = new JsonFileTailState(f);
  await Promise.all([s.save("/a", { inode: 1, generation: 0, offset: 5 }), s.save("/b", { inode: 2, generation: 3, offset: 7 })]);
  assert.deepEqual(JSON.parse(await readFile(f, "utf8")), { "/a": { inode: 1, generation: 0, offset: 5 }, "/b": { inode: 2, generation: 3, offset: 7 } });
  assert.deepEqual(await new JsonFileTailState(f).load("/b"), { inode: 2, generation: 3, offset: 7 });
  await writeFile(f, "{ torn");
  assert.equal(await new JsonFileTailState(f).load("/a"), null);
});
