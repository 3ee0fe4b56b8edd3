import { open, readFile, stat, type FileHandle } from "node:fs/promises";
import { watch, openSync, readSync, closeSync, type FSWatcher } from "node:fs";
import { createHash } from "node:crypto";
import { basename, dirname } from "node:path";
import { writeFileAtomic } from "../atomic-file.ts";

/** One complete line; inode+generation+offset name it stably across restarts (see recordIdFor). */
export interface TailLine {
  text: string;
  inode: number;
  /** Bumped each time the file is seen truncated in place (copytruncate), so offsets never collide. */
  generation: number;
  /** Byte offset of the line start. */
  offset: number;
}

/** Where to resume: the byte offset just after the last line whose delivery completed. */
export interface TailPosition {
  inode: number;
  generation: number;
  offset: number;
}

export interface TailStateStore {
  load(path: string): Promise<TailPosition | null>;
  save(path: string, st: TailPosition): Promise<void>;
}

export interface FileTailOptions {
  path: string;
  state: TailStateStore;
  onLines: (lines: TailLine[]) => Promise<void>;
  pollMs?: number;
  /** First run without saved state starts at the end, so a fresh agent does not replay years of history. */
  startAtEnd?: boolean;
  maxLineBytes?: number;
  /** How long a rotated-away file is still read, for writers that keep the old fd until reloaded. */
  rotateGraceMs?: number;
  /** inotify on the directory (default true); false: polling only, for a log written line by line at a high rate (auditd). */
  watch?: boolean;
  onStatus?: (msg: string) => void;
}

/** Stable record id for a line: same file position → same id, so re-reads after a crash dedup on the server. */
export function recordIdFor(path: string, line: TailLine): string {
  const h = createHash("sha256").update(`${path}\0${line.inode}\0${line.generation}\0${line.offset}`);
  return h.digest("base64url").slice(0, 32);
}

interface Reader {
  fh: FileHandle;
  inode: number;
  generation: number;
  readPos: number;
  /** Offset where the current, not yet terminated line starts; also the resume point. */
  lineStart: number;
  partial: Buffer[];
  partialLen: number;
  lineLen: number;
  retireAt: number;
}

const CHUNK = 64 * 1024;

export class FileTail {
  #o: Required<Omit<FileTailOptions, "onStatus">> & Pick<FileTailOptions, "onStatus">;
  #cur: Reader | null = null;
  #retired: Reader[] = [];
  #saved: TailPosition | null = null;
  #waited = false;
  #rotated = false;
  #stopped = true;
  #running: Promise<void> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | null = null;
  #watcher: FSWatcher | null = null;
  #lastStatus = "";
  #buf = Buffer.alloc(CHUNK);

  constructor(opts: FileTailOptions) {
    this.#o = { pollMs: 250, startAtEnd: true, maxLineBytes: 8192, rotateGraceMs: 2000, watch: true, ...opts };
  }

  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#saved = await this.#o.state.load(this.#o.path);
    this.#stopped = false;
    this.#timer = setInterval(() => this.#kick(), this.#o.pollMs);
    this.#kick();
    await this.#running;
  }

  /** Stops watching; resolves once an in-flight delivery and its state save have finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#watcher?.close();
    this.#watcher = null;
    while (this.#running) await this.#running;
    for (const r of [...this.#retired, ...(this.#cur ? [this.#cur] : [])]) await r.fh.close().catch(() => {});
    this.#retired = [];
    this.#cur = null;
  }

  #status(msg: string): void {
    if (msg === this.#lastStatus) return; // polling would otherwise repeat the same message every tick
    this.#lastStatus = msg;
    this.#o.onStatus?.(msg);
  }

  #kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        this.#ensureWatch();
        try {
          await this.#tick();
        } catch (e) {
          this.#status(`error tailing ${this.#o.path}: ${(e as Error).message}`);
        }
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#running = null;
    });
  }

  /** inotify on the directory sees appends, renames and creation of the file; polling covers the rest. */
  #ensureWatch(): void {
    if (this.#watcher || this.#stopped || !this.#o.watch) return;
    const name = basename(this.#o.path);
    try {
      this.#watcher = watch(dirname(this.#o.path), { persistent: false }, (_ev, f) => {
        if (!f || f === name) this.#kick();
      });
      this.#watcher.on("error", () => {
        this.#watcher?.close();
        this.#watcher = null;
      });
    } catch {
      this.#watcher = null; // directory missing or inotify exhausted: polling only, retried next tick
    }
  }

  async #tick(): Promise<void> {
    const now = Date.now();
    for (const r of [...this.#retired]) {
      await this.#drain(r, false);
      if (now >= r.retireAt) {
        if (r.partialLen > 0) await this.#deliver(r, [this.#takeLine(r, r.readPos)], false); // never completes now
        this.#retired.splice(this.#retired.indexOf(r), 1);
        await r.fh.close().catch(() => {});
      }
    }
    if (!this.#cur && !(await this.#openCurrent())) return;
    const cur = this.#cur!;
    await this.#drain(cur, true);
    const fst = await cur.fh.stat();
    if (fst.size < cur.readPos) {
      // copytruncate: the file shrank under us. Lines written between our last read and the copy are in the copy only.
      cur.generation++;
      this.#reset(cur, 0);
      this.#status(`${this.#o.path} was truncated; reading from the start (generation ${cur.generation})`);
      await this.#drain(cur, true);
    }
    let pst;
    try {
      pst = await stat(this.#o.path);
    } catch {
      return; // renamed away and the new file is not there yet: keep reading the old fd
    }
    if (pst.ino !== cur.inode || fst.nlink === 0) {
      await this.#drain(cur, true); // the remainder written between our read and the rename
      cur.retireAt = now + this.#o.rotateGraceMs;
      this.#retired.push(cur);
      this.#cur = null;
      this.#rotated = true;
      if (await this.#openCurrent()) await this.#drain(this.#cur!, true);
    }
  }

  async #openCurrent(): Promise<boolean> {
    let fh: FileHandle;
    try {
      fh = await open(this.#o.path, "r");
    } catch (e) {
      this.#waited = true;
      const code = (e as NodeJS.ErrnoException).code;
      this.#status(code === "ENOENT" ? `waiting for ${this.#o.path} to appear` : `cannot open ${this.#o.path}: ${(e as Error).message}`);
      return false;
    }
    const st = await fh.stat();
    let gen = 0;
    let pos = 0;
    const saved = this.#saved;
    this.#saved = null; // saved state applies to the first file we open only
    if (saved && saved.inode === st.ino && !this.#rotated) {
      gen = saved.generation;
      pos = saved.offset;
      if (st.size < pos) gen++, (pos = 0); // truncated while we were not running
    } else if (!saved && !this.#waited && !this.#rotated && this.#o.startAtEnd) {
      pos = await this.#lastLineStart(fh, st.size);
    } // else: a new file (rotated, created after we waited, or replaced while we were down) is read from 0
    this.#cur = { fh, inode: st.ino, generation: gen, readPos: pos, lineStart: pos, partial: [], partialLen: 0, lineLen: 0, retireAt: 0 };
    this.#status(`tailing ${this.#o.path} (inode ${st.ino}) from offset ${pos}`);
    return true;
  }

  /** Starts after the last newline so a line being written while we start is still delivered whole. */
  async #lastLineStart(fh: FileHandle, size: number): Promise<number> {
    const n = Math.min(size, this.#o.maxLineBytes);
    if (n === 0) return size;
    const b = Buffer.alloc(n);
    await fh.read(b, 0, n, size - n);
    const nl = b.lastIndexOf(10);
    if (nl >= 0) return size - n + nl + 1;
    return n === size ? 0 : size;
  }

  #reset(r: Reader, pos: number): void {
    r.readPos = r.lineStart = pos;
    r.partial = [];
    r.partialLen = r.lineLen = 0;
  }

  /** Reads to EOF, delivering complete lines chunk by chunk; persists the position after each delivery. */
  async #drain(r: Reader, persist: boolean): Promise<void> {
    for (;;) {
      const { bytesRead } = await r.fh.read(this.#buf, 0, CHUNK, r.readPos);
      if (bytesRead === 0) return;
      const chunk = this.#buf.subarray(0, bytesRead);
      const base = r.readPos;
      const lines: TailLine[] = [];
      let start = 0;
      for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
        this.#addPartial(r, chunk.subarray(start, nl));
        lines.push(this.#takeLine(r, base + nl + 1));
        start = nl + 1;
      }
      this.#addPartial(r, chunk.subarray(start));
      r.readPos += bytesRead;
      if (lines.length > 0) await this.#deliver(r, lines, persist);
    }
  }

  /** Keeps at most maxLineBytes of an unterminated line in memory; the rest is counted and cut. */
  #addPartial(r: Reader, b: Buffer): void {
    r.lineLen += b.length;
    const room = this.#o.maxLineBytes - r.partialLen;
    if (room <= 0 || b.length === 0) return;
    const part = Buffer.from(b.subarray(0, room)); // copy: the read buffer is reused
    r.partial.push(part);
    r.partialLen += part.length;
  }

  #takeLine(r: Reader, nextStart: number): TailLine {
    let b = Buffer.concat(r.partial, r.partialLen);
    if (r.lineLen > r.partialLen) {
      // cut: drop a trailing incomplete UTF-8 sequence rather than emit a replacement character
      let i = b.length - 1;
      while (i > 0 && b.length - i < 4 && (b[i]! & 0xc0) === 0x80) i--;
      const lead = b[i] ?? 0;
      const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
      if (b.length - i < need) b = b.subarray(0, i);
    } else if (b.length > 0 && b[b.length - 1] === 13) {
      b = b.subarray(0, b.length - 1); // CRLF
    }
    const line = { text: b.toString("utf8"), inode: r.inode, generation: r.generation, offset: r.lineStart };
    r.lineStart = nextStart;
    r.partial = [];
    r.partialLen = r.lineLen = 0;
    return line;
  }

  async #deliver(r: Reader, lines: TailLine[], persist: boolean): Promise<void> {
    try {
      await this.#o.onLines(lines);
    } catch (e) {
      // Not delivered: rewind to the first undelivered line so the next tick retries it.
      this.#reset(r, lines[0]!.offset);
      throw e;
    }
    if (!persist) return;
    try {
      await this.#o.state.save(this.#o.path, { inode: r.inode, generation: r.generation, offset: r.lineStart });
    } catch (e) {
      this.#status(`cannot save tail position for ${this.#o.path}: ${(e as Error).message}`);
    }
  }
}

/** Positions of several tailed files in one JSON file, replaced atomically on every save. */
export class JsonFileTailState implements TailStateStore {
  #file: string;
  #data: Record<string, TailPosition> | null = null;
  #chain: Promise<void> = Promise.resolve();

  constructor(file: string) {
    this.#file = file;
  }

  async #read(): Promise<Record<string, TailPosition>> {
    if (this.#data) return this.#data;
    try {
      const v: unknown = JSON.parse(await readFile(this.#file, "utf8"));
      this.#data = v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, TailPosition>) : {};
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT" && !(e instanceof SyntaxError)) throw e;
      this.#data = {}; // missing or unreadable state: start fresh rather than refuse to run
    }
    return this.#data;
  }

  async load(path: string): Promise<TailPosition | null> {
    const p = (await this.#read())[path];
    return p && Number.isSafeInteger(p.inode) && Number.isSafeInteger(p.offset) && Number.isSafeInteger(p.generation) ? { ...p } : null;
  }

  save(path: string, st: TailPosition): Promise<void> {
    // Serialised so two tails sharing this file never interleave their rewrites.
    const p = this.#chain.then(async () => {
      const d = await this.#read();
      d[path] = { inode: st.inode, generation: st.generation, offset: st.offset };
      await writeFileAtomic(this.#file, JSON.stringify(d));
    });
    this.#chain = p.catch(() => {});
    return p;
  }
}

/** The first lines of a file (for guessing its format); none if it cannot be read. */
export function firstLines(path: string, bytes = 8192): string[] {
  try {
    const fd = openSync(path, "r");
    try {
      const buf = Buffer.alloc(bytes);
      const n = readSync(fd, buf, 0, buf.length, 0);
      return buf.toString("utf8", 0, n).split("\n").slice(0, 20);
    } finally {
      closeSync(fd);
    }
  } catch {
    return [];
  }
}
