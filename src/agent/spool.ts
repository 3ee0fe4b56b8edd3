import { mkdir, open, readdir, readFile, stat, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { OperationalError } from "../core/index.ts";
import { fsyncDir, writeFileAtomic } from "./atomic-file.ts";

/**
 * AGT-9: a bounded on-disk queue of JSON records kept while the server is unreachable.
 *
 * Layout: segment files `seg-<seq>.jsonl` (one JSON record per line, appended with
 * fdatasync) and `spool-meta.json` (read cursor + dropped count, replaced atomically).
 * Delivery is at-least-once: anything appended and not acked is returned again after
 * a crash; the server dedups by record id. When full, the oldest records are kept and
 * new ones are dropped and counted, so the start of an outage survives.
 */
export interface SpoolOptions {
  maxBytes?: number;
  segmentBytes?: number;
}

export interface SpoolBatch {
  records: object[];
  /** Durably marks these records as delivered; fully delivered segments are deleted. */
  ack: () => Promise<void>;
}

interface Segment {
  seq: number;
  size: number;
}

interface Pos {
  seq: number;
  off: number;
}

const META = "spool-meta.json";
const SEG_RE = /^seg-(\d{12})\.jsonl$/;
const segName = (seq: number) => `seg-${String(seq).padStart(12, "0")}.jsonl`;
const before = (a: Pos, b: Pos) => a.seq < b.seq || (a.seq === b.seq && a.off < b.off);

export class DiskSpool {
  #dir: string;
  #maxBytes: number;
  #segBytes: number;
  #segs: Segment[] = [];
  #read: Pos = { seq: 1, off: 0 };
  #dropped = 0;
  #wfh: FileHandle | null = null;
  #lock: Promise<unknown> = Promise.resolve();
  #queue: { lines: string[]; resolve: () => void; reject: (e: unknown) => void }[] = [];
  #closed = false;

  private constructor(dir: string, maxBytes: number, segBytes: number) {
    this.#dir = dir;
    this.#maxBytes = maxBytes;
    this.#segBytes = segBytes;
  }

  static async open(dir: string, opts: SpoolOptions = {}): Promise<DiskSpool> {
    const s = new DiskSpool(dir, opts.maxBytes ?? 256 * 1024 * 1024, opts.segmentBytes ?? 4 * 1024 * 1024);
    await s.#recover();
    return s;
  }

  /** Bytes appended and not yet acknowledged. */
  get pendingBytes(): number {
    let n = -this.#read.off;
    for (const s of this.#segs) if (s.seq >= this.#read.seq) n += s.size;
    return Math.max(0, n);
  }

  /** Records dropped (spool full, torn or corrupt lines) and not yet taken. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Returns and resets the dropped count, for the agent to report to the server. */
  takeDropped(): number {
    const n = this.#dropped;
    if (n === 0) return 0;
    this.#dropped = 0;
    void this.#serial(() => this.#writeMeta()).catch(() => {}); // best effort: at worst the count is reported twice
    return n;
  }

  async #recover(): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    let meta: { readSeq?: unknown; readOff?: unknown; dropped?: unknown } = {};
    try {
      meta = JSON.parse(await readFile(join(this.#dir, META), "utf8"));
    } catch {
      // missing or unreadable meta: start reading at the oldest segment (re-delivery, never loss)
    }
    const num = (v: unknown) => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : 0);
    this.#dropped = num(meta.dropped);
    const names = await readdir(this.#dir);
    for (const n of names) if (n.startsWith(`.${META}.`)) await unlink(join(this.#dir, n)).catch(() => {}); // temp of a crashed meta write
    const seqs = names.map((n) => SEG_RE.exec(n)?.[1]).filter((x) => x !== undefined).map(Number).sort((a, b) => a - b);
    for (const seq of seqs) {
      if (seq < num(meta.readSeq)) await unlink(join(this.#dir, segName(seq))); // acked; crash came before the delete
      else this.#segs.push({ seq, size: (await stat(join(this.#dir, segName(seq)))).size });
    }
    const first = this.#segs[0];
    if (first && first.seq === num(meta.readSeq)) this.#read = { seq: first.seq, off: Math.min(num(meta.readOff), first.size) };
    else this.#read = { seq: first?.seq ?? Math.max(1, num(meta.readSeq)), off: 0 };
    const last = this.#segs.at(-1);
    if (last) {
      this.#wfh = await open(join(this.#dir, segName(last.seq)), "a+", 0o600);
      const keep = await this.#lastNewlineEnd(this.#wfh, last.size);
      if (keep < last.size) {
        // A crash mid-append left a torn last line: cut it off and count it.
        await this.#wfh.truncate(keep);
        await this.#wfh.datasync();
        last.size = keep;
        this.#dropped++;
        if (this.#read.seq === last.seq) this.#read.off = Math.min(this.#read.off, keep);
        await this.#writeMeta();
      }
    }
  }

  async #lastNewlineEnd(fh: FileHandle, size: number): Promise<number> {
    const buf = Buffer.alloc(64 * 1024);
    for (let end = size; end > 0; ) {
      const start = Math.max(0, end - buf.length);
      const { bytesRead } = await fh.read(buf, 0, end - start, start);
      const nl = buf.subarray(0, bytesRead).lastIndexOf(10);
      if (nl >= 0) return start + nl + 1;
      end = start;
    }
    return 0;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#lock.then(fn, fn);
    this.#lock = p.catch(() => {});
    return p;
  }

  #writeMeta(): Promise<void> {
    return writeFileAtomic(join(this.#dir, META), JSON.stringify({ readSeq: this.#read.seq, readOff: this.#read.off, dropped: this.#dropped }));
  }

  /** Durable (fdatasync) before it resolves. Concurrent appends share one write and one sync. */
  append(records: object[]): Promise<void> {
    if (this.#closed) return Promise.reject(new OperationalError("HW_ERR_SPOOL_CLOSED", "spool is closed"));
    let lines: string[];
    try {
      lines = records.map((r) => `${JSON.stringify(r)}\n`);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ lines, resolve, reject });
      void this.#serial(() => this.#flushQueue());
    });
  }

  async #flushQueue(): Promise<void> {
    const batch = this.#queue.splice(0);
    if (batch.length === 0) return; // an earlier flush already took these
    try {
      await this.#write(batch.flatMap((b) => b.lines));
      for (const b of batch) b.resolve();
    } catch (e) {
      for (const b of batch) b.reject(e);
    }
  }

  async #write(lines: string[]): Promise<void> {
    let pending = this.pendingBytes;
    let dropped = 0;
    let newSeg = false;
    let parts: Buffer[] = [];
    let partsLen = 0;
    const flush = async () => {
      if (partsLen === 0) return;
      const seg = this.#segs.at(-1)!;
      try {
        await this.#wfh!.appendFile(Buffer.concat(parts, partsLen));
        await this.#wfh!.datasync();
      } catch (e) {
        await this.#wfh!.truncate(seg.size).catch(() => {}); // leave no half-written line behind
        throw new OperationalError("HW_ERR_SPOOL_WRITE", `spool write failed: ${(e as Error).message}`);
      }
      seg.size += partsLen;
      parts = [];
      partsLen = 0;
    };
    for (const line of lines) {
      const buf = Buffer.from(line, "utf8");
      if (pending + buf.length > this.#maxBytes) {
        dropped++; // full: keep the oldest, drop the newest
        continue;
      }
      const seg = this.#segs.at(-1);
      if (!seg || (seg.size + partsLen > 0 && seg.size + partsLen + buf.length > this.#segBytes)) {
        await flush();
        await this.#wfh?.close();
        const seq = seg ? seg.seq + 1 : this.#read.seq;
        this.#wfh = await open(join(this.#dir, segName(seq)), "a+", 0o600);
        this.#segs.push({ seq, size: 0 });
        newSeg = true;
      }
      parts.push(buf);
      partsLen += buf.length;
      pending += buf.length;
    }
    await flush();
    if (newSeg) await fsyncDir(this.#dir);
    if (dropped > 0) {
      this.#dropped += dropped;
      await this.#writeMeta();
    }
  }

  /**
   * The oldest unacknowledged records, in order: at most `max`, and at most `maxBytes`
   * of serialized data unless the first record alone is larger. null when empty.
   */
  peek(max: number, maxBytes = 4 * 1024 * 1024): Promise<SpoolBatch | null> {
    return this.#serial(async () => {
      for (;;) {
        const { records, end, corrupt } = await this.#readFrom(this.#read, Math.max(1, max), maxBytes);
        if (records.length > 0) return { records, ack: () => this.#serial(() => this.#ack(end, corrupt)) };
        if (!before(this.#read, end)) return null;
        await this.#ack(end, corrupt); // only unreadable lines: skip them for good and look again
      }
    });
  }

  async #readFrom(from: Pos, max: number, maxBytes: number): Promise<{ records: object[]; end: Pos; corrupt: number }> {
    const records: object[] = [];
    let bytes = 0;
    let corrupt = 0;
    let pos = { ...from };
    for (const seg of this.#segs) {
      if (seg.seq < pos.seq) continue;
      if (seg.seq > pos.seq) pos = { seq: seg.seq, off: 0 };
      const fh = await open(join(this.#dir, segName(seg.seq)), "r");
      try {
        let chunk = 256 * 1024;
        while (pos.off < seg.size) {
          const buf = Buffer.alloc(Math.min(chunk, seg.size - pos.off));
          const { bytesRead } = await fh.read(buf, 0, buf.length, pos.off);
          let start = 0;
          for (let nl = buf.indexOf(10); nl >= 0 && nl < bytesRead; nl = buf.indexOf(10, start)) {
            const len = nl + 1 - start;
            if (records.length > 0 && (records.length >= max || bytes + len > maxBytes)) return { records, end: pos, corrupt };
            try {
              const v: unknown = JSON.parse(buf.toString("utf8", start, nl));
              if (v === null || typeof v !== "object") throw new Error("not an object");
              records.push(v);
              bytes += len;
            } catch {
              corrupt++; // e.g. zero-filled blocks after a power loss: skipped and counted, never fatal
            }
            pos = { seq: seg.seq, off: pos.off + len };
            start = nl + 1;
          }
          if (start === 0 && bytesRead > 0) {
            if (pos.off + bytesRead >= seg.size) {
              corrupt++; // unterminated tail of a closed segment
              pos = { seq: seg.seq, off: seg.size };
            } else chunk *= 2; // one record longer than the chunk
          }
        }
      } finally {
        await fh.close();
      }
      if (records.length >= max) break;
    }
    return { records, end: pos, corrupt };
  }

  async #ack(end: Pos, corrupt: number): Promise<void> {
    if (!before(this.#read, end)) return; // stale or repeated ack
    this.#read = { ...end };
    this.#dropped += corrupt;
    // Move past fully read segments, but never past the one being appended to.
    for (let i = 0; i < this.#segs.length - 1; i++) {
      const s = this.#segs[i]!;
      if (s.seq === this.#read.seq && this.#read.off >= s.size) this.#read = { seq: this.#segs[i + 1]!.seq, off: 0 };
    }
    await this.#writeMeta(); // cursor first, then delete: a crash in between only leaves files open() removes
    while (this.#segs.length > 1 && this.#segs[0]!.seq < this.#read.seq) {
      const s = this.#segs.shift()!;
      await unlink(join(this.#dir, segName(s.seq))).catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#serial(async () => {
      await this.#wfh?.close();
      this.#wfh = null;
    });
  }
}
