/**
 * PRC-1 / MIN-2 / MIN-3: the indicator index. Every kind of indicator the intel lists hold
 * (addresses and networks, domains, URLs, file hashes, stratum ports, miner process names and
 * miner command-line tokens) in Maps keyed by a normalised form, so a lookup costs a handful
 * of Map reads whatever the size of the feeds. Pure: no I/O, time from an injected Clock.
 */
import { normalizeIp, parseIPv6, systemClock, type Clock } from "../core/index.ts";

export const INDICATOR_KINDS = ["ip", "domain", "url", "md5", "sha1", "sha256", "port", "process", "cmdline"] as const;
export type IndicatorKind = (typeof INDICATOR_KINDS)[number];

export const INTEL_CATEGORIES = ["malicious", "c2", "scanner", "botnet", "phishing", "mining_pool", "miner", "download_source", "tor_exit", "other"] as const;
export type IntelCategory = (typeof INTEL_CATEGORIES)[number];

/** Categories whose IPs count as "a malicious IP" for LOG-8 (the IpReputationReader port). */
export const MALICIOUS_IP_CATEGORIES: ReadonlySet<IntelCategory> = new Set<IntelCategory>(["malicious", "c2", "scanner", "botnet"]);

/** Where a group of indicators came from: one per loaded file (or per test-made list). */
export interface IntelList {
  name: string;
  provenance: string;
}

/** One entry of a list, its value already normalised with `normalizeIndicator`. */
export interface Indicator {
  kind: IndicatorKind;
  value: string;
  category: IntelCategory;
  note?: string;
  /** An external id (the STIX indicator id, say). */
  ref?: string;
  /** Validity window in ms since the epoch (STIX `valid_from` / `valid_until`), checked at lookup. */
  validFrom?: number;
  validUntil?: number;
}

export interface IntelMatch {
  /** The kind of the entry that matched (a URL lookup also reports its host's domain/ip entries). */
  kind: IndicatorKind;
  /** The entry as listed: the network, the parent domain, the URL prefix, the token… */
  indicator: string;
  list: string;
  category: IntelCategory;
  provenance: string;
  note?: string;
  ref?: string;
  /** "host": matched on the host of the URL looked up, not on the URL itself. */
  via?: "host";
}

export interface AnyLookup {
  /** The guessed kind, null when the value is empty. */
  kind: IndicatorKind | null;
  /** The value as looked up (normalised; a `host:port` is looked up as its host). */
  value: string;
  matches: IntelMatch[];
}

const KIND_ALIASES: Record<string, IndicatorKind | "hash"> = {
  ip: "ip", ips: "ip", ipv4: "ip", ipv6: "ip", cidr: "ip", address: "ip", ipaddress: "ip", ipv4addr: "ip", ipv6addr: "ip", ipdst: "ip", ipsrc: "ip", network: "ip",
  domain: "domain", domains: "domain", domainname: "domain", hostname: "domain", host: "domain", fqdn: "domain",
  url: "url", urls: "url", uri: "url",
  md5: "md5", filehashmd5: "md5", md5hash: "md5",
  sha1: "sha1", filehashsha1: "sha1", sha1hash: "sha1",
  sha256: "sha256", filehashsha256: "sha256", sha256hash: "sha256",
  hash: "hash", hashes: "hash", filehash: "hash",
  port: "port", ports: "port", dstport: "port",
  process: "process", processes: "process", processname: "process", name: "process", names: "process",
  cmdline: "cmdline", token: "cmdline", tokens: "cmdline", commandline: "cmdline", cmdlinetoken: "cmdline",
};

/** A kind named by a feed (`# kind: ips`, a CSV type cell `IPv4`, `FileHash-SHA256`…); "hash" = by length. */
export function kindFromName(name: string): IndicatorKind | "hash" | null {
  return KIND_ALIASES[name.toLowerCase().replace(/[^a-z0-9]/g, "")] ?? null;
}

const CATEGORY_ALIASES: Record<string, IntelCategory> = {
  malicious: "malicious", malware: "malicious", bad: "malicious", blocklist: "malicious", blacklist: "malicious", maliciousactivity: "malicious",
  anomalousactivity: "malicious", compromised: "malicious", attack: "malicious", abuse: "malicious", bruteforce: "malicious",
  c2: "c2", cc: "c2", cnc: "c2", botnetcc: "c2", commandandcontrol: "c2", c2server: "c2",
  scanner: "scanner", scanning: "scanner", scan: "scanner",
  botnet: "botnet", bot: "botnet",
  phishing: "phishing", phish: "phishing",
  miningpool: "mining_pool", pool: "mining_pool", mining: "mining_pool", cryptomining: "mining_pool",
  miner: "miner", coinminer: "miner", cryptominer: "miner",
  downloadsource: "download_source", download: "download_source", malwaredownload: "download_source", payloaddelivery: "download_source",
  torexit: "tor_exit", tor: "tor_exit",
  other: "other",
};

/** A category named by a feed (`# category: mining-pool`, URLhaus `malware_download`, STIX `malicious-activity`), or null. */
export function categoryFromName(name: string): IntelCategory | null {
  return CATEGORY_ALIASES[name.toLowerCase().replace(/[^a-z0-9]/g, "")] ?? null;
}

// --- normalisation --------------------------------------------------------------------

/** Dotted quad to a uint32, or -1. Same rules as core's parseIPv4 (no leading zeros), without allocating. */
function v4int(s: string): number {
  let n = 0, octet = 0, digits = 0, dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      n = n * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return -1;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else return -1;
  }
  return dots === 3 && digits > 0 ? n * 256 + octet : -1;
}

const v4text = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

function v6big(s: string): bigint | null {
  const g = parseIPv6(s);
  if (!g) return null;
  let b = 0n;
  for (const x of g) b = (b << 16n) | BigInt(x);
  return b;
}

function v6text(b: bigint): string {
  const g: string[] = [];
  for (let i = 7; i >= 0; i--) g.push(((b >> BigInt(i * 16)) & 0xffffn).toString(16));
  return normalizeIp(g.join(":"))!;
}

const V6_SHIFT: bigint[] = Array.from({ length: 129 }, (_, p) => BigInt(128 - p));

/** An address or a network as listed: canonical text, host bits cleared, /32 and /128 written as the address. */
function normalizeIpEntry(raw: string): string | null {
  const t = raw.trim();
  const slash = t.indexOf("/");
  if (slash < 0) return v4int(t) >= 0 ? t : normalizeIp(t);
  const addr = t.slice(0, slash);
  const pfx = t.slice(slash + 1);
  if (!/^\d{1,3}$/.test(pfx)) return null;
  const p = Number(pfx);
  const n4 = v4int(addr);
  if (n4 >= 0) {
    if (p > 32) return null;
    if (p === 32) return v4text(n4);
    const net = p === 0 ? 0 : ((n4 >>> (32 - p)) << (32 - p)) >>> 0;
    return `${v4text(net)}/${p}`;
  }
  const n6 = v6big(addr);
  if (n6 === null || p > 128) return null;
  if (p === 128) return v6text(n6);
  const net = (n6 >> V6_SHIFT[p]!) << V6_SHIFT[p]!;
  return `${v6text(net)}/${p}`;
}

/** Lower-case, trailing dots, a leading `*.` or `.` dropped; IDNA left as given. */
export function normalizeDomain(raw: string): string | null {
  let d = raw.trim().toLowerCase();
  while (d.endsWith(".")) d = d.slice(0, -1);
  if (d.startsWith("*.")) d = d.slice(2);
  else if (d.startsWith(".")) d = d.slice(1);
  if (!d || d.length > 253 || /[\s/\\:@?#[\]<>"'`,;=*%()|{}^~!$&+]/.test(d)) return null;
  for (const label of d.split(".")) if (!label || label.length > 63) return null;
  if (v4int(d) >= 0) return null;
  return d;
}

/**
 * Scheme and host lower-case, default port, userinfo and fragment dropped, the path kept
 * as written (paths are case-sensitive). A value without a scheme is taken as http://.
 */
export function normalizeUrl(raw: string): string | null {
  let t = raw.trim();
  if (!t || /\s/.test(t)) return null;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) {
    if (t.includes("://") || t.startsWith("/")) return null;
    t = `http://${t}`;
  }
  let u: URL;
  try {
    u = new URL(t);
  } catch {
    return null;
  }
  const host = u.hostname.toLowerCase();
  if (!host) return null;
  // non-special schemes (stratum+tcp://) keep their path as given and an empty one as ""
  const path = u.pathname || "/";
  return `${u.protocol.toLowerCase()}//${host}${u.port ? `:${u.port}` : ""}${path}${u.search}`;
}

function normalizeHash(raw: string, len: number): string | null {
  const h = raw.trim().toLowerCase();
  return h.length === len && /^[0-9a-f]+$/.test(h) ? h : null;
}

function normalizePort(raw: string): string | null {
  const m = /^(\d{1,5})(?:\/(?:tcp|udp))?$/i.exec(raw.trim());
  if (!m) return null;
  const n = Number(m[1]);
  return n >= 1 && n <= 65535 ? String(n) : null;
}

/** A process name, case-insensitive; a path is looked up by its last component. */
function normalizeProcess(raw: string): string | null {
  let p = raw.trim();
  if (p.endsWith(" (deleted)")) p = p.slice(0, -10);
  p = p.slice(p.lastIndexOf("/") + 1).toLowerCase();
  return p && p.length <= 255 && !/[\x00-\x1f]/.test(p) ? p : null;
}

/** The kernel keeps 15 bytes of a process name (TASK_COMM_LEN - 1). */
const COMM_LEN = 15;
/** Shorter tokens would match too much of ordinary command lines. */
const MIN_TOKEN = 3;

/**
 * The canonical form of a list entry of a kind, or null when the value is not one.
 * Stricter than lookups: a domain entry needs a dot (a bare TLD would match everything
 * under it) and a command-line token at least 3 characters.
 */
export function normalizeIndicator(kind: IndicatorKind, raw: string): string | null {
  switch (kind) {
    case "ip": return normalizeIpEntry(raw);
    case "domain": {
      const d = normalizeDomain(raw);
      return d && d.includes(".") ? d : null;
    }
    case "url": return normalizeUrl(raw);
    case "md5": return normalizeHash(raw, 32);
    case "sha1": return normalizeHash(raw, 40);
    case "sha256": return normalizeHash(raw, 64);
    case "port": return normalizePort(raw);
    case "process": return normalizeProcess(raw);
    case "cmdline": {
      const t = raw.trim().toLowerCase();
      return t.length >= MIN_TOKEN && !/[\x00-\x1f]/.test(t) ? t : null;
    }
  }
}

/** A hash kind by its length, or null. */
export function hashKind(value: string): "md5" | "sha1" | "sha256" | null {
  const v = value.trim();
  if (!/^[0-9a-f]+$/i.test(v)) return null;
  return v.length === 32 ? "md5" : v.length === 40 ? "sha1" : v.length === 64 ? "sha256" : null;
}

/**
 * Guesses what a bare value is: an IP, a URL (has `://`), a hash (hex of 32/40/64), a port
 * (a number), a command line (has spaces or starts with `-`), a domain (dotted name), else a
 * process name.
 */
export function guessKind(value: string): IndicatorKind | null {
  const v = value.trim();
  if (!v) return null;
  if (normalizeIp(v)) return "ip";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return "url";
  const h = hashKind(v);
  if (h) return h;
  if (/^\d{1,5}$/.test(v)) return normalizePort(v) ? "port" : null;
  if (/\s/.test(v) || v.startsWith("-")) return "cmdline";
  if (v.includes("/")) return "process";
  const hostPort = /^(.+):\d{1,5}$/.exec(v);
  const host = hostPort ? hostPort[1]! : v;
  if (hostPort && v4int(host) >= 0) return "ip";
  const d = normalizeDomain(host);
  if (d && d.includes(".") && /[a-z]/.test(d.slice(d.lastIndexOf(".") + 1))) return "domain";
  return "process";
}

// --- the index ------------------------------------------------------------------------

interface Entry {
  ind: Indicator;
  list: IntelList;
}

type ExactKind = "domain" | "url" | "md5" | "sha1" | "sha256" | "port" | "process";

function push<K>(m: Map<K, Entry[]>, k: K, e: Entry): boolean {
  const a = m.get(k);
  if (!a) {
    m.set(k, [e]);
    return true;
  }
  // the same entry twice in one list is one entry
  if (a.some((x) => x.list === e.list && x.ind.value === e.ind.value)) return false;
  a.push(e);
  return true;
}

const WORD = /[a-z0-9_]/;

/**
 * All indicators of the loaded lists. Addresses and networks sit in one Map per prefix
 * length (network bits as the key), so an address lookup is at most one Map read per prefix
 * length present (33 for IPv4) and returns every list that covers it; domains are found by
 * walking the name's suffixes; URL prefixes by walking the path's `/`s.
 */
export class IndicatorIndex {
  readonly #clock: Clock;
  readonly #v4 = new Map<number, Map<number, Entry[]>>();
  #v4p: number[] = [];
  readonly #v6 = new Map<number, Map<bigint, Entry[]>>();
  #v6p: number[] = [];
  readonly #exact: Record<ExactKind, Map<string, Entry[]>> = {
    domain: new Map(), url: new Map(), md5: new Map(), sha1: new Map(), sha256: new Map(), port: new Map(), process: new Map(),
  };
  readonly #urlPrefix = new Map<string, Entry[]>();
  /** Names longer than the kernel keeps, by their first 15 characters. */
  readonly #comm = new Map<string, Entry[]>();
  readonly #tokens = new Map<string, Entry[]>();
  readonly #counts = new Map<IndicatorKind, number>();
  #size = 0;

  constructor(opts: { clock?: Clock } = {}) {
    this.#clock = opts.clock ?? systemClock;
  }

  get size(): number {
    return this.#size;
  }

  count(kind: IndicatorKind): number {
    return this.#counts.get(kind) ?? 0;
  }

  /**
   * Adds a list's indicators (values normalised by `normalizeIndicator`; ones that are not
   * are skipped). Returns how many were added (duplicates within a list count once).
   */
  add(list: IntelList, indicators: Iterable<Indicator>): number {
    let added = 0;
    const counts: Partial<Record<IndicatorKind, number>> = {};
    for (const ind of indicators) {
      if (this.#add({ ind, list })) {
        added++;
        counts[ind.kind] = (counts[ind.kind] ?? 0) + 1;
      }
    }
    for (const [k, c] of Object.entries(counts) as [IndicatorKind, number][]) this.#counts.set(k, (this.#counts.get(k) ?? 0) + c);
    this.#size += added;
    return added;
  }

  #add(e: Entry): boolean {
    const { kind, value } = e.ind;
    switch (kind) {
      case "ip": return this.#addIp(e, value);
      case "url":
        return value.endsWith("/") ? push(this.#urlPrefix, value, e) : push(this.#exact.url, value, e);
      case "process":
        if (value.length > COMM_LEN) push(this.#comm, value.slice(0, COMM_LEN), e);
        return push(this.#exact.process, value, e);
      case "cmdline": return push(this.#tokens, value, e);
      default: return push(this.#exact[kind], value, e);
    }
  }

  #addIp(e: Entry, value: string): boolean {
    const slash = value.indexOf("/");
    const addr = slash < 0 ? value : value.slice(0, slash);
    const n4 = v4int(addr);
    if (n4 >= 0) {
      const p = slash < 0 ? 32 : Number(value.slice(slash + 1));
      let m = this.#v4.get(p);
      if (!m) {
        this.#v4.set(p, (m = new Map()));
        this.#v4p = [...this.#v4.keys()].sort((a, b) => b - a);
      }
      return push(m, p === 0 ? 0 : n4 >>> (32 - p), e);
    }
    const n6 = v6big(addr);
    if (n6 === null) return false;
    const p = slash < 0 ? 128 : Number(value.slice(slash + 1));
    let m = this.#v6.get(p);
    if (!m) {
      this.#v6.set(p, (m = new Map()));
      this.#v6p = [...this.#v6.keys()].sort((a, b) => b - a);
    }
    return push(m, n6 >> V6_SHIFT[p]!, e);
  }

  /** Every entry matching a value of a kind, most specific first. An unreadable value matches nothing. */
  lookup(kind: IndicatorKind, value: string): IntelMatch[] {
    const out: IntelMatch[] = [];
    const now = this.#clock.now();
    const emit = (es: Entry[] | undefined, via?: "host") => {
      if (!es) return;
      for (const e of es) {
        const i = e.ind;
        if ((i.validUntil !== undefined && now >= i.validUntil) || (i.validFrom !== undefined && now < i.validFrom)) continue;
        const m: IntelMatch = { kind: i.kind, indicator: i.value, list: e.list.name, category: i.category, provenance: e.list.provenance };
        if (i.note) m.note = i.note;
        if (i.ref) m.ref = i.ref;
        if (via) m.via = via;
        out.push(m);
      }
    };
    switch (kind) {
      case "ip": this.#lookupIp(value, emit); break;
      case "domain": this.#lookupDomain(value, emit); break;
      case "url": {
        const u = normalizeUrl(value);
        if (!u) break;
        emit(this.#exact.url.get(u));
        const q = u.indexOf("?");
        const end = q < 0 ? u.length : q;
        const candidates: string[] = [];
        for (let i = u.indexOf("/", u.indexOf("://") + 3); i >= 0 && i < end; i = u.indexOf("/", i + 1)) candidates.push(u.slice(0, i + 1));
        for (let i = candidates.length - 1; i >= 0; i--) emit(this.#urlPrefix.get(candidates[i]!));
        let host = new URL(u).hostname;
        if (host.startsWith("[")) host = host.slice(1, -1);
        if (normalizeIp(host)) this.#lookupIp(host, emit, "host");
        else this.#lookupDomain(host, emit, "host");
        break;
      }
      case "md5": case "sha1": case "sha256": {
        const h = normalizeHash(value, kind === "md5" ? 32 : kind === "sha1" ? 40 : 64);
        if (h) emit(this.#exact[kind].get(h));
        break;
      }
      case "port": {
        const p = normalizePort(value);
        if (p) emit(this.#exact.port.get(p));
        break;
      }
      case "process": {
        const p = normalizeProcess(value);
        if (!p) break;
        emit(this.#exact.process.get(p));
        if (p.length === COMM_LEN) emit(this.#comm.get(p));
        break;
      }
      case "cmdline": this.#lookupTokens(value, emit); break;
    }
    return out;
  }

  #lookupIp(value: string, emit: (es: Entry[] | undefined, via?: "host") => void, via?: "host"): void {
    const n = normalizeIp(value);
    if (!n) return;
    const n4 = v4int(n);
    if (n4 >= 0) {
      for (const p of this.#v4p) emit(this.#v4.get(p)!.get(p === 0 ? 0 : n4 >>> (32 - p)), via);
      return;
    }
    const n6 = v6big(n);
    if (n6 === null) return;
    for (const p of this.#v6p) emit(this.#v6.get(p)!.get(n6 >> V6_SHIFT[p]!), via);
  }

  #lookupDomain(value: string, emit: (es: Entry[] | undefined, via?: "host") => void, via?: "host"): void {
    const d = normalizeDomain(value);
    if (!d) return;
    const m = this.#exact.domain;
    for (let i = -1; ; ) {
      emit(m.get(i < 0 ? d : d.slice(i + 1)), via);
      i = d.indexOf(".", i + 1);
      if (i < 0) break;
    }
  }

  /** Tokens occur in the command line at word boundaries: `--coin` matches `--coin=xmr`, not `--coinbase`. */
  #lookupTokens(value: string, emit: (es: Entry[] | undefined) => void): void {
    const line = value.toLowerCase();
    for (const [token, es] of this.#tokens) {
      const startsWord = WORD.test(token[0]!) || token[0] === "-";
      const endsWord = WORD.test(token[token.length - 1]!);
      for (let i = line.indexOf(token); i >= 0; i = line.indexOf(token, i + 1)) {
        const before = i > 0 ? line[i - 1]! : "";
        const after = line[i + token.length] ?? "";
        if (startsWord && before && (WORD.test(before) || before === "-")) continue;
        if (endsWord && after && WORD.test(after)) continue;
        emit(es);
        break;
      }
    }
  }

  /** Looks a value up as the kind `guessKind` gives it (`host:port` as its host). */
  lookupAny(value: string): AnyLookup {
    const kind = guessKind(value);
    if (!kind) return { kind: null, value: value.trim(), matches: [] };
    let v = value.trim();
    if ((kind === "domain" || kind === "ip") && !normalizeIp(v)) v = v.replace(/:\d{1,5}$/, "");
    return { kind, value: kind === "cmdline" ? v : (kind === "url" ? normalizeUrl(v) : normalizeIndicatorQuery(kind, v)) ?? v, matches: this.lookup(kind, v) };
  }
}

function normalizeIndicatorQuery(kind: IndicatorKind, v: string): string | null {
  if (kind === "domain") return normalizeDomain(v);
  if (kind === "ip") return normalizeIp(v);
  return normalizeIndicator(kind, v);
}
