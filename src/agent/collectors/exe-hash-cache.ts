/**
 * MD5 and SHA-256 of executables (AGT-3), cached by what identifies a file's content without
 * reading it: (device, inode, size, mtime). Give it /proc/PID/exe: stat follows the link, and
 * reading it opens the process's own inode, so a deleted or replaced binary still hashes.
 * Bounded: an LRU of maxEntries, files over maxBytes skipped, at most `concurrency` hashes at a
 * time and maxQueued waiting (more are skipped and counted).
 */
import { createHash } from "node:crypto";
import { open, stat } from "node:fs/promises";
import type { BigIntStats } from "node:fs";

export interface ExeHash {
  md5: string;
  sha256: string;
}

export interface ExeHashCacheOptions {
  /** Cached results (LRU). Default 4096. */
  maxEntries?: number;
  /** Larger files are not hashed. Default 64 MiB. */
  maxBytes?: number;
  /** Hashes running at once. Default 2. */
  concurrency?: number;
  /** Hashes waiting for a slot; beyond this a request is skipped. Default 256. */
  maxQueued?: number;
}

export interface ExeHashStats {
  /** Answered from the cache (or joined a hash already running for the same file). */
  hits: number;
  /** Files read and hashed. */
  misses: number;
  /** Not hashed: too large, not a regular file, or the queue was full. */
  skipped: number;
  /** The file could not be read (process gone, permission). */
  errors: number;
  entries: number;
  bytesHashed: number;
}

const keyOf = (st: BigIntStats) => `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
const CHUNK = 64 * 1024;

export class ExeHashCache {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly concurrency: number;
  readonly maxQueued: number;
  #lru = new Map<string, ExeHash>();
  #inflight = new Map<string, Promise<ExeHash | null>>();
  #active = 0;
  #queue: (() => void)[] = [];
  /** Read buffers, one per concurrent hash, reused. */
  #buffers: Buffer[] = [];
  #s = { hits: 0, misses: 0, skipped: 0, errors: 0, bytesHashed: 0 };

  constructor(opts: ExeHashCacheOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 4096;
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    this.concurrency = Math.max(1, opts.concurrency ?? 2);
    this.maxQueued = opts.maxQueued ?? 256;
  }

  get stats(): ExeHashStats {
    return { ...this.#s, entries: this.#lru.size };
  }

  /** Hashes of the file at `path` (a /proc/PID/exe link or a plain path), or null when not hashed. */
  async hash(path: string): Promise<ExeHash | null> {
    let st: BigIntStats;
    try {
      st = await stat(path, { bigint: true });
    } catch {
      this.#s.errors++;
      return null;
    }
    if (!st.isFile() || st.size > BigInt(this.maxBytes)) {
      this.#s.skipped++;
      return null;
    }
    const key = keyOf(st);
    const hit = this.#lru.get(key);
    if (hit) {
      this.#lru.delete(key);
      this.#lru.set(key, hit);
      this.#s.hits++;
      return hit;
    }
    const running = this.#inflight.get(key);
    if (running) {
      this.#s.hits++;
      return running;
    }
    if (this.#active >= this.concurrency && this.#queue.length >= this.maxQueued) {
      this.#s.skipped++;
      return null;
    }
    const p = this.#compute(path).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, p);
    return p;
  }

  async #compute(path: string): Promise<ExeHash | null> {
    if (this.#active >= this.concurrency) await new Promise<void>((r) => this.#queue.push(r));
    this.#active++;
    try {
      const fh = await open(path, "r");
      try {
        // key what is actually read: the file may have changed since the stat
        const st = await fh.stat({ bigint: true });
        if (!st.isFile() || st.size > BigInt(this.maxBytes)) {
          this.#s.skipped++;
          return null;
        }
        this.#s.misses++;
        const md5 = createHash("md5");
        const sha256 = createHash("sha256");
        let bytes = 0;
        // one reused buffer per hash slot: a fresh chunk per read (a stream) leaves glibc's heap
        // fragmented and the agent's RSS tens of MB higher after hashing large binaries
        const buf = this.#buffers.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
        try {
          for (;;) {
            const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, this.maxBytes - bytes), bytes);
            if (bytesRead <= 0) break;
            const view = buf.subarray(0, bytesRead);
            md5.update(view);
            sha256.update(view);
            bytes += bytesRead;
            if (bytes >= this.maxBytes) break;
          }
        } finally {
          this.#buffers.push(buf);
        }
        this.#s.bytesHashed += bytes;
        const h = { md5: md5.digest("hex"), sha256: sha256.digest("hex") };
        this.#remember(keyOf(st), h);
        return h;
      } finally {
        await fh.close();
      }
    } catch {
      this.#s.errors++;
      return null;
    } finally {
      this.#active--;
      this.#queue.shift()?.();
    }
  }

  #remember(key: string, h: ExeHash): void {
    this.#lru.delete(key);
    this.#lru.set(key, h);
    while (this.#lru.size > this.maxEntries) this.#lru.delete(this.#lru.keys().next().value!);
  }
}
