/**
 * PRC-1: the intel the server matches telemetry against — the shipped lists (content/intel)
 * plus the operator's feed files and directories — reloadable without a restart. A file is
 * read again only when its mtime, size or inode changed; the index is rebuilt from the
 * parsed files and swapped in whole, so a lookup never sees half a reload.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { systemClock, type Clock, type IpReputationReader } from "../core/index.ts";
import { parseFeed, type FeedFormat, type ParsedFeed } from "./feeds.ts";
import {
  IndicatorIndex, INDICATOR_KINDS, MALICIOUS_IP_CATEGORIES,
  type AnyLookup, type IndicatorKind, type IntelCategory, type IntelMatch,
} from "./indicators.ts";
import { DEFAULT_INTEL_DIR } from "./ip-reputation.ts";

export interface IntelServiceOptions {
  /** The shipped lists (default content/intel); null loads none. */
  shippedDir?: string | null;
  /** Operator feeds: files, or directories whose feed files (*.txt, *.csv, *.json, *.stix) are read. */
  paths?: string[];
  clock?: Clock;
  /** A larger file is reported, not read (default 256 MiB). */
  maxFileBytes?: number;
}

export interface IntelSourceStatus {
  /** The list name (`# name:` header, or the file name). */
  name: string;
  path: string;
  shipped: boolean;
  format: FeedFormat | null;
  kinds: IndicatorKind[];
  categories: IntelCategory[];
  provenance: string;
  /** Indicators in the index from this source. */
  entries: number;
  rejected: number;
  skipped: number;
  problems: string[];
  /** When the content served now was read (ms since the epoch), null if never. */
  loadedAt: number | null;
  /** Why the file could not be read or parsed at the last attempt, else null. */
  error: string | null;
  /** The last read failed and the content read before it is still served. */
  stale: boolean;
}

export interface IntelStatus {
  /** When the index was last rebuilt. */
  loadedAt: number | null;
  /** When the sources were last checked for changes. */
  checkedAt: number | null;
  entries: number;
  byKind: Record<IndicatorKind, number>;
  sources: IntelSourceStatus[];
}

interface FileRef {
  path: string;
  shipped: boolean;
  fp: string;
  size: number;
}

interface Scan {
  files: FileRef[];
  /** Configured paths that are missing or unreadable. */
  missing: { path: string; shipped: boolean; error: string }[];
  key: string;
}

interface Cached {
  fp: string;
  feed: ParsedFeed | null;
  kinds: IndicatorKind[];
  categories: IntelCategory[];
  loadedAt: number | null;
  error: string | null;
}

const FEED_FILE = /\.(txt|csv|json|stix)$/i;

const errorText = (e: unknown) => {
  const x = e as NodeJS.ErrnoException;
  if (x?.code === "ENOENT") return "not found";
  if (x?.code === "EACCES" || x?.code === "EPERM") return "permission denied";
  return x instanceof Error ? x.message : String(e);
};

export class IntelService implements IpReputationReader {
  readonly #roots: { path: string; shipped: boolean }[];
  readonly #clock: Clock;
  readonly #maxBytes: number;
  #cache = new Map<string, Cached>();
  #index: IndicatorIndex;
  #sources: IntelSourceStatus[] = [];
  #scanKey = "";
  #loadedAt: number | null = null;
  #checkedAt: number | null = null;

  /** Loads the lists now; a file that cannot be read is reported in status(), never thrown. */
  constructor(opts: IntelServiceOptions = {}) {
    this.#clock = opts.clock ?? systemClock;
    this.#maxBytes = opts.maxFileBytes ?? 256 * 1024 * 1024;
    const shipped = opts.shippedDir === undefined ? DEFAULT_INTEL_DIR : opts.shippedDir;
    const roots = [...(shipped ? [{ path: resolve(shipped), shipped: true }] : []), ...(opts.paths ?? []).map((p) => ({ path: resolve(p), shipped: false }))];
    this.#roots = roots.filter((r, i) => roots.findIndex((x) => x.path === r.path) === i);
    this.#index = new IndicatorIndex({ clock: this.#clock });
    this.reload();
  }

  /** The current index (replaced, not changed, by a reload). */
  get index(): IndicatorIndex {
    return this.#index;
  }

  /** Reads every source again. */
  reload(): IntelStatus {
    this.#build(this.#scan(), true);
    return this.status();
  }

  /**
   * Reads again the files whose mtime, size or inode changed, and picks up files added to
   * or removed from the directories. A few stat calls when nothing changed, so it can run
   * every few seconds. Returns whether the index was rebuilt.
   */
  reloadIfChanged(): boolean {
    const scan = this.#scan();
    if (scan.key === this.#scanKey) return false;
    this.#build(scan, false);
    return true;
  }

  status(): IntelStatus {
    const byKind = Object.fromEntries(INDICATOR_KINDS.map((k) => [k, this.#index.count(k)])) as Record<IndicatorKind, number>;
    return {
      loadedAt: this.#loadedAt, checkedAt: this.#checkedAt, entries: this.#index.size, byKind,
      sources: this.#sources.map((s) => ({ ...s, kinds: [...s.kinds], categories: [...s.categories], problems: [...s.problems] })),
    };
  }

  /** LOG-8 (IpReputationReader): the first list of malicious, C2, scanner or botnet IPs holding the address. */
  lookup(ip: string): { list: string; provenance: string } | null {
    for (const m of this.#index.lookup("ip", ip)) if (MALICIOUS_IP_CATEGORIES.has(m.category)) return { list: m.list, provenance: m.provenance };
    return null;
  }

  /** Every entry matching a value of a kind (see IndicatorIndex.lookup). */
  lookupIndicator(kind: IndicatorKind, value: string): IntelMatch[] {
    return this.#index.lookup(kind, value);
  }

  /** A value of a guessed kind (see IndicatorIndex.lookupAny). */
  lookupAny(value: string): AnyLookup {
    return this.#index.lookupAny(value);
  }

  #scan(): Scan {
    const files: FileRef[] = [];
    const missing: Scan["missing"] = [];
    const seen = new Set<string>();
    const addFile = (path: string, shipped: boolean) => {
      if (seen.has(path)) return;
      seen.add(path);
      try {
        const st = statSync(path);
        if (st.isFile()) files.push({ path, shipped, fp: `${st.mtimeMs}:${st.size}:${st.ino}`, size: st.size });
      } catch (e) {
        missing.push({ path, shipped, error: errorText(e) });
      }
    };
    for (const r of this.#roots) {
      try {
        if (statSync(r.path).isDirectory()) {
          for (const f of readdirSync(r.path).sort()) if (FEED_FILE.test(f) && !f.startsWith(".") && !/^readme/i.test(f)) addFile(join(r.path, f), r.shipped);
        } else addFile(r.path, r.shipped);
      } catch (e) {
        missing.push({ path: r.path, shipped: r.shipped, error: errorText(e) });
      }
    }
    this.#checkedAt = this.#clock.now();
    const key = [...files.map((f) => `${f.path}\0${f.fp}`), ...missing.map((m) => `${m.path}\0!${m.error}`)].join("\n");
    return { files, missing, key };
  }

  #build(scan: Scan, force: boolean): void {
    const now = this.#clock.now();
    const cache = new Map<string, Cached>();
    const index = new IndicatorIndex({ clock: this.#clock });
    const sources: IntelSourceStatus[] = [];
    for (const f of scan.files) {
      const prev = this.#cache.get(f.path);
      let c: Cached;
      if (!force && prev && prev.fp === f.fp) c = prev;
      else {
        try {
          if (f.size > this.#maxBytes) throw new Error(`too large (${f.size} bytes, limit ${this.#maxBytes})`);
          const feed = parseFeed(readFileSync(f.path, "utf8"), f.path, now);
          const kinds = [...new Set(feed.indicators.map((i) => i.kind))];
          const categories = [...new Set(feed.indicators.map((i) => i.category))];
          const d = feed.declared;
          if (!kinds.length && d.kind && d.kind !== "hash") kinds.push(d.kind);
          if (!categories.length && d.category) categories.push(d.category);
          c = { fp: f.fp, feed, kinds, categories, loadedAt: now, error: null };
        } catch (e) {
          // a half-written or broken file keeps serving what it held before
          c = { fp: f.fp, feed: prev?.feed ?? null, kinds: prev?.kinds ?? [], categories: prev?.categories ?? [], loadedAt: prev?.loadedAt ?? null, error: errorText(e) };
        }
      }
      cache.set(f.path, c);
      const feed = c.feed;
      const name = feed?.name || basename(f.path);
      const provenance = feed?.provenance || (f.shipped ? `shipped with Hostward (${basename(f.path)})` : `operator feed ${f.path}`);
      const entries = feed ? index.add({ name, provenance }, feed.indicators) : 0;
      sources.push({
        name, path: f.path, shipped: f.shipped, format: feed?.format ?? null,
        kinds: c.kinds, categories: c.categories,
        provenance, entries, rejected: feed?.rejected ?? 0, skipped: feed?.skipped ?? 0, problems: feed?.problems ?? [],
        loadedAt: c.loadedAt, error: c.error, stale: c.error !== null && feed !== null,
      });
    }
    for (const m of scan.missing) {
      sources.push({
        name: basename(m.path), path: m.path, shipped: m.shipped, format: null, kinds: [], categories: [], provenance: "",
        entries: 0, rejected: 0, skipped: 0, problems: [], loadedAt: null, error: m.error, stale: false,
      });
    }
    this.#cache = cache;
    this.#index = index;
    this.#sources = sources;
    this.#scanKey = scan.key;
    this.#loadedAt = now;
  }
}
