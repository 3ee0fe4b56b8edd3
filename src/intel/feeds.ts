/**
 * PRC-1 operator feeds: plain text lists, CSV exports and STIX 2.1 bundles, read into
 * normalised indicators. Pure (the text comes in, the indicators go out, time is passed
 * in); a line, row or object that cannot be read is counted with a few samples, never fatal.
 */
import {
  categoryFromName, guessKind, hashKind, kindFromName, normalizeIndicator,
  type Indicator, type IndicatorKind, type IntelCategory,
} from "./indicators.ts";

export type FeedFormat = "text" | "csv" | "stix";

export interface ParsedFeed {
  name: string;
  provenance: string;
  format: FeedFormat;
  indicators: Indicator[];
  /** Lines, rows or cells that are not an indicator of their kind. */
  rejected: number;
  /** STIX objects left out on purpose: complex or non-STIX patterns, revoked, expired, benign. */
  skipped: number;
  /** The first few problems, to show the operator ("line 12: not a domain: …"). */
  problems: string[];
  /** What the file says it holds (`# kind:`, `# category:`, its name), for an empty list's status. */
  declared: { kind?: IndicatorKind | "hash"; category?: IntelCategory };
}

const MAX_PROBLEMS = 5;
/** Notes are for people; a feed's 5 kB description is cut. */
const MAX_NOTE = 200;

interface Acc extends ParsedFeed {
  problem(msg: string): void;
}

function acc(name: string, format: FeedFormat): Acc {
  const f: Acc = {
    name, provenance: "", format, indicators: [], rejected: 0, skipped: 0, problems: [], declared: {},
    problem(msg: string) {
      if (f.problems.length < MAX_PROBLEMS) f.problems.push(msg.length > 300 ? `${msg.slice(0, 300)}…` : msg);
    },
  };
  return f;
}

function done(a: Acc): ParsedFeed {
  const { problem: _p, ...feed } = a;
  return feed;
}

const note = (s: string | undefined): string | undefined => {
  if (!s) return undefined;
  const t = s.replace(/[\x00-\x1f\x7f]+/g, " ").trim();
  return t ? (t.length > MAX_NOTE ? `${t.slice(0, MAX_NOTE)}…` : t) : undefined;
};

const quote = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);

/** The list name a file gets without a `# name:` header: its base name without the kind suffix. */
export function feedNameFromFile(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf("/") + 1);
  return base.replace(/\.(stix\.json|json|stix|csv|txt)$/i, "").replace(/\.(ips|domains|urls|md5|sha1|sha256|hashes|ports|names|processes|tokens)$/i, "") || base;
}

/** The kind a file holds by its name (`x.ips.txt`, `x.domains.csv`…), or null. */
export function kindFromFileName(fileName: string): IndicatorKind | "hash" | null {
  const m = /\.(ips|domains|urls|md5|sha1|sha256|hashes|ports|names|processes|tokens)\.[a-z]+$/i.exec(fileName);
  return m ? kindFromName(m[1]!) : null;
}

export function formatFromFileName(fileName: string): FeedFormat {
  if (/\.csv$/i.test(fileName)) return "csv";
  if (/\.(json|stix)$/i.test(fileName)) return "stix";
  return "text";
}

const DEFAULT_CATEGORY: Record<IndicatorKind, IntelCategory> = {
  ip: "malicious", domain: "malicious", url: "malicious", md5: "malicious", sha1: "malicious", sha256: "malicious",
  port: "mining_pool", process: "miner", cmdline: "miner",
};

/** Reads a feed in the format its file name says. */
export function parseFeed(text: string, fileName: string, now: number): ParsedFeed {
  const format = formatFromFileName(fileName);
  if (format === "csv") return parseCsvFeed(text, fileName);
  if (format === "stix") return parseStixBundle(text, fileName, now);
  return parseTextFeed(text, fileName);
}

interface Headers {
  name?: string;
  provenance?: string;
  kind?: IndicatorKind | "hash";
  category?: IntelCategory;
}

/** `# name:`, `# provenance:`, `# kind:`, `# category:` in the leading comment block. */
function readHeader(line: string, h: Headers, a: Acc, where: string): void {
  const m = /^#\s*(name|provenance|kind|category)\s*:\s*(.*)$/i.exec(line);
  if (!m) return;
  const key = m[1]!.toLowerCase();
  const v = m[2]!.trim();
  if (key === "name" && v) h.name = v;
  else if (key === "provenance") h.provenance = v;
  else if (key === "kind") {
    const k = kindFromName(v);
    if (k) h.kind = k;
    else a.problem(`${where}: unknown kind ${quote(v)}`);
  } else if (key === "category") {
    const c = categoryFromName(v);
    if (c) h.category = c;
    else {
      h.category = "other";
      a.problem(`${where}: unknown category ${quote(v)}, taken as "other"`);
    }
  }
}

/** A value of a named kind ("hash" by its length, null by guessing) as an indicator, or a reason it is not one. */
function toIndicator(kind: IndicatorKind | "hash" | null, raw: string, category: IntelCategory | undefined): Indicator | string {
  let k: IndicatorKind | null = kind === "hash" ? hashKind(raw) : kind;
  if (kind === null) {
    k = guessKind(raw);
    // a guessed process name or command line in a list of unknown kind is more likely a typo
    if (k === "process" || k === "cmdline") k = null;
  }
  if (!k) return kind === "hash" ? "not an MD5, SHA-1 or SHA-256 hash" : "not an IP, domain, URL or hash";
  const value = normalizeIndicator(k, raw);
  if (value === null) return `not ${WHAT[k]}`;
  return { kind: k, value, category: category ?? DEFAULT_CATEGORY[k] };
}

const WHAT: Record<IndicatorKind, string> = {
  ip: "an IP address or network", domain: "a domain", url: "a URL", md5: "an MD5 hash", sha1: "a SHA-1 hash", sha256: "a SHA-256 hash",
  port: "a port", process: "a process name", cmdline: "a command-line token (3+ characters)",
};

const HOSTS_SINK = new Set(["0.0.0.0", "127.0.0.1", "::", "::1"]);

/**
 * One indicator per line, `#` comments (`;` and `//` too); after the value, text after `#`, `;` or `,` is the
 * entry's note (so Spamhaus DROP's `1.2.3.0/24 ; SBL123` reads). Domain lists in hosts-file
 * form (`0.0.0.0 bad.example`) read too. Command-line tokens may hold spaces (`-o pool`), so
 * their note needs ` # `.
 */
export function parseTextFeed(text: string, fileName: string): ParsedFeed {
  const a = acc(feedNameFromFile(fileName), "text");
  const h: Headers = { kind: kindFromFileName(fileName) ?? undefined };
  let leading = true;
  let n = 0;
  for (const raw of text.replace(/^\uFEFF/, "").split("\n")) {
    n++;
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith("#")) {
      if (leading) readHeader(line, h, a, `line ${n}`);
      continue;
    }
    // Spamhaus DROP and others comment with ; (or //)
    if (line.startsWith(";") || line.startsWith("//")) continue;
    leading = false;
    let value: string;
    let rest: string | undefined;
    if (h.kind === "cmdline") {
      const i = line.search(/\s#/);
      value = i < 0 ? line : line.slice(0, i).trim();
      rest = i < 0 ? undefined : line.slice(i).replace(/^\s*#/, "");
    } else {
      // URLs may hold , and ;
      const sep = line.search(h.kind === "url" || (!h.kind && line.includes("://")) ? /\s/ : /[\s,;]/);
      value = sep < 0 ? line : line.slice(0, sep);
      if (sep >= 0) {
        rest = line.slice(sep).replace(/^[\s,;#]+/, "");
        if (h.kind === "domain" && HOSTS_SINK.has(value) && rest) {
          const m = /^([^\s,;#]+)(.*)$/.exec(rest)!;
          value = m[1]!;
          rest = m[2]!.replace(/^[\s,;#]+/, "");
        }
      }
    }
    const r = toIndicator(h.kind ?? null, value, h.category);
    if (typeof r === "string") {
      a.rejected++;
      a.problem(`line ${n}: ${r}: ${quote(value)}`);
      continue;
    }
    const nt = note(rest);
    if (nt) r.note = nt;
    a.indicators.push(r);
  }
  if (h.name) a.name = h.name;
  a.provenance = h.provenance ?? "";
  a.declared = { kind: h.kind, category: h.category };
  return done(a);
}

// --- CSV ------------------------------------------------------------------------------

/** RFC 4180 rows: quoted cells may hold the delimiter, quotes ("") and newlines. Cells are only ever data. */
export function parseCsv(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length) {
    let nl = text.indexOf("\n", i);
    if (nl < 0) nl = text.length;
    const line = text.slice(i, nl > i && text[nl - 1] === "\r" ? nl - 1 : nl);
    // most feed lines hold no quote: split them whole
    if (!line.includes('"')) {
      rows.push(line.split(delimiter));
      i = nl + 1;
      continue;
    }
    const row: string[] = [];
    let cell = "";
    let q = false;
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (q) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i++;
          } else q = false;
        } else cell += c;
      } else if (c === '"' && cell.trim() === "") {
        q = true;
        cell = "";
      } else if (c === delimiter) {
        row.push(cell);
        cell = "";
      } else if (c === "\n" || c === "\r") {
        if (c === "\r" && text[i + 1] === "\n") i++;
        break;
      } else cell += c;
    }
    row.push(cell);
    rows.push(row);
    i++;
  }
  return rows;
}

const col = (s: string) => s.trim().replace(/^#\s*/, "").replace(/^"|"$/g, "").trim().toLowerCase().replace(/[\s.-]+/g, "_");

const VALUE_COLUMNS = new Set(["indicator", "value", "ioc", "observable", "indicator_value", "ioc_value", "observable_value", "artifact", "data"]);
const TYPE_COLUMNS = new Set(["type", "kind", "indicator_type", "ioc_type", "observable_type", "data_type", "datatype", "type_of_indicator"]);
const CATEGORY_COLUMNS = new Set(["category", "threat", "threat_type", "classification", "ioc_category", "indicator_category"]);
const NOTE_COLUMNS = ["note", "notes", "comment", "comments", "description", "desc", "title", "malware", "malware_printable", "signature", "tags", "reference"];
const UNTIL_COLUMNS = new Set(["valid_until", "expiration", "expires", "expiry", "expiration_ts"]);
const KINDED_COLUMNS: Record<string, IndicatorKind | "hash"> = {
  ip: "ip", ip_address: "ip", ipaddress: "ip", ipv4: "ip", ipv6: "ip", ip_addr: "ip", address: "ip", cidr: "ip", network: "ip", dst_ip: "ip", src_ip: "ip",
  domain: "domain", domain_name: "domain", hostname: "domain", host: "domain", fqdn: "domain",
  url: "url", uri: "url",
  md5: "md5", md5_hash: "md5", md5sum: "md5", hash_md5: "md5",
  sha1: "sha1", sha1_hash: "sha1", sha_1: "sha1", hash_sha1: "sha1",
  sha256: "sha256", sha256_hash: "sha256", sha_256: "sha256", hash_sha256: "sha256", sha256sum: "sha256",
  hash: "hash", file_hash: "hash", filehash: "hash",
  // no port columns: Feodo Tracker's dst_port (443…) is where a C2 listens, not an indicator
  process: "process", process_name: "process",
  token: "cmdline", cmdline_token: "cmdline",
};

const knownColumn = (c: string) => VALUE_COLUMNS.has(c) || TYPE_COLUMNS.has(c) || c in KINDED_COLUMNS;

function delimiterOf(line: string): string {
  let best = ",", bestN = 0;
  for (const d of [",", ";", "\t", "|"]) {
    const n = line.split(d).length - 1;
    if (n > bestN) {
      best = d;
      bestN = n;
    }
  }
  return best;
}

/**
 * CSV with a header row naming the columns, read liberally: a generic indicator column
 * (`indicator`, `value`, `ioc`…) with a type column (`type`, `indicator_type`…; OTX's
 * `FileHash-SHA256` and MISP's `ip-dst` read too), or columns named by kind (`ip`, `domain`,
 * `url`, `md5_hash`, `sha256_hash`… — every filled one is an indicator). abuse.ch exports,
 * whose header is a `# ` comment, read as well. Without a header the first column is the
 * value and its kind is guessed.
 */
export function parseCsvFeed(text: string, fileName: string): ParsedFeed {
  const a = acc(feedNameFromFile(fileName), "csv");
  const h: Headers = { kind: kindFromFileName(fileName) ?? undefined };
  const lines = text.split("\n");
  let i = 0;
  let lastComment = "";
  for (; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (!l) continue;
    if (!l.startsWith("#")) break;
    readHeader(l, h, a, `line ${i + 1}`);
    lastComment = l;
  }
  const body = lines.slice(i).join("\n");
  const firstLine = lines[i]?.trim() ?? "";
  const delim = delimiterOf(firstLine || lastComment);
  const rows = parseCsv(body, delim);
  let header: string[] | null = null;
  let start = 0;
  if (rows[0] && rows[0].map(col).some(knownColumn)) {
    header = rows[0].map(col);
    start = 1;
  } else if (lastComment) {
    const fromComment = parseCsv(lastComment.replace(/^#\s*/, ""), delimiterOf(lastComment))[0]?.map(col) ?? [];
    if (fromComment.some(knownColumn)) header = fromComment;
  }

  const find = (names: Set<string> | string[]) => (header ? header.findIndex((c) => (names instanceof Set ? names.has(c) : names.includes(c))) : -1);
  const valueCol = header ? find(VALUE_COLUMNS) : 0;
  const typeCol = find(TYPE_COLUMNS);
  const catCol = find(CATEGORY_COLUMNS);
  const untilCol = find(UNTIL_COLUMNS);
  const noteCol = header ? NOTE_COLUMNS.map((n) => header!.indexOf(n)).find((x) => x >= 0) ?? -1 : -1;
  const kinded: { at: number; kind: IndicatorKind | "hash" }[] = [];
  if (header && valueCol < 0) header.forEach((c, at) => { if (c in KINDED_COLUMNS) kinded.push({ at, kind: KINDED_COLUMNS[c]! }); });
  if (header && valueCol < 0 && kinded.length === 0) {
    a.problem(`no indicator column in the header (${header.join(", ")}); want one of indicator, value, ioc, ip, domain, url, md5, sha256…`);
    a.rejected += rows.length - start;
    a.provenance = h.provenance ?? "";
    if (h.name) a.name = h.name;
    return done(a);
  }

  for (let r = start; r < rows.length; r++) {
    const row = rows[r]!;
    const rowNo = i + r + 1;
    if (row.every((c) => c.trim() === "")) continue;
    if (row[0]?.trim().startsWith("#")) continue;
    let category = h.category;
    if (catCol >= 0 && row[catCol]?.trim()) category = categoryFromName(row[catCol]!) ?? category;
    let validUntil: number | undefined;
    if (untilCol >= 0 && row[untilCol]?.trim()) {
      const t = Date.parse(row[untilCol]!.trim());
      if (Number.isFinite(t)) validUntil = t;
    }
    const rowNote = noteCol >= 0 ? note(row[noteCol]) : undefined;
    const cells: { raw: string; kind: IndicatorKind | "hash" | null }[] = [];
    if (valueCol >= 0) {
      const raw = row[valueCol]?.trim() ?? "";
      if (!raw) {
        a.rejected++;
        a.problem(`row ${rowNo}: empty indicator`);
        continue;
      }
      let kind: IndicatorKind | "hash" | null = h.kind ?? null;
      if (typeCol >= 0 && row[typeCol]?.trim()) {
        kind = kindFromName(row[typeCol]!) ?? kindFromName(row[typeCol]!.replace(/^(ip|domain|url|hash)[-_].*$/i, "$1"));
        if (!kind) {
          a.rejected++;
          a.problem(`row ${rowNo}: unknown type ${quote(row[typeCol]!.trim())}`);
          continue;
        }
      }
      cells.push({ raw, kind });
    } else {
      for (const k of kinded) if (row[k.at]?.trim()) cells.push({ raw: row[k.at]!.trim(), kind: k.kind });
      if (!cells.length) {
        a.rejected++;
        a.problem(`row ${rowNo}: no indicator`);
        continue;
      }
    }
    for (const c of cells) {
      const ind = toIndicator(c.kind, c.raw, category);
      if (typeof ind === "string") {
        a.rejected++;
        a.problem(`row ${rowNo}: ${ind}: ${quote(c.raw)}`);
        continue;
      }
      if (rowNote) ind.note = rowNote;
      if (validUntil !== undefined) ind.validUntil = validUntil;
      a.indicators.push(ind);
    }
  }
  if (h.name) a.name = h.name;
  a.provenance = h.provenance ?? "";
  a.declared = { kind: h.kind, category: h.category };
  return done(a);
}

// --- STIX 2.1 -------------------------------------------------------------------------

export type StixComparison = { path: string; value: string };

/**
 * The simple STIX patterns: observation expressions `[path = 'v']` of equality comparisons,
 * OR-ed inside and between the brackets. Anything else (AND, FOLLOWEDBY, qualifiers, other
 * operators, binary or hex literals) is null: it cannot be read as a set of indicators.
 */
export function parseStixPattern(pattern: string): StixComparison[] | null {
  const tokens: string[] = [];
  const re = /\s*(?:(\[|\]|\(|\)|=)|('(?:[^'\\]|\\.)*')|([A-Za-z0-9_\-+]+(?::[A-Za-z0-9_\-+]+)?(?:\.(?:'[^']*'|[A-Za-z0-9_\-+]+))*)|(\S))/y;
  let m: RegExpExecArray | null;
  const literals = new Map<number, string>();
  re.lastIndex = 0;
  while (re.lastIndex < pattern.length && (m = re.exec(pattern))) {
    if (m[4] !== undefined) return null;
    if (m[2] !== undefined) {
      literals.set(tokens.length, m[2].slice(1, -1).replace(/\\(.)/g, "$1"));
      tokens.push("'");
    } else if (m[1] !== undefined || m[3] !== undefined) tokens.push((m[1] ?? m[3])!);
    if (/^\s*$/.test(pattern.slice(re.lastIndex))) break;
  }
  const out: StixComparison[] = [];
  let p = 0;
  const peek = () => tokens[p];
  const readComparison = (): boolean => {
    const path = tokens[p];
    if (!path || !path.includes(":") || tokens[p + 1] !== "=") return false;
    const lit = tokens[p + 2];
    let value: string | undefined;
    if (lit === "'") value = literals.get(p + 2);
    else if (lit && /^\d+$/.test(lit)) value = lit;
    if (value === undefined) return false;
    out.push({ path, value });
    p += 3;
    return true;
  };
  const readObservation = (): boolean => {
    if (peek() !== "[") return false;
    p++;
    if (!readComparison()) return false;
    while (peek()?.toUpperCase() === "OR") {
      p++;
      if (!readComparison()) return false;
    }
    if (peek() !== "]") return false;
    p++;
    return true;
  };
  if (!readObservation()) return null;
  while (peek()?.toUpperCase() === "OR") {
    p++;
    if (!readObservation()) return null;
  }
  return p === tokens.length && out.length ? out : null;
}

/** An object path of a simple pattern to the kind it holds, or null. */
function kindOfPath(path: string, value: string): IndicatorKind | null {
  const p = path.toLowerCase().replace(/'/g, "");
  switch (p) {
    case "ipv4-addr:value": case "ipv6-addr:value": return "ip";
    case "domain-name:value": return "domain";
    case "url:value": return "url";
    case "file:hashes.md5": return "md5";
    case "file:hashes.sha-1": case "file:hashes.sha1": return "sha1";
    case "file:hashes.sha-256": case "file:hashes.sha256": return "sha256";
    case "network-traffic:dst_port": return "port";
    case "process:name": return "process";
    case "network-traffic:dst_ref.value": case "network-traffic:src_ref.value": {
      const k = guessKind(value);
      return k === "ip" || k === "domain" ? k : null;
    }
  }
  return null;
}

const HASH_KEYS: Record<string, IndicatorKind> = { md5: "md5", "sha-1": "sha1", sha1: "sha1", "sha-256": "sha256", sha256: "sha256" };

type StixObject = Record<string, unknown>;

function stixTime(v: unknown): number | undefined {
  if (typeof v !== "string") return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}

function stixCategory(o: StixObject): IntelCategory | "benign" {
  const words = [o["indicator_types"], o["labels"]].flatMap((x) => (Array.isArray(x) ? x.filter((y): y is string => typeof y === "string") : []));
  if (words.some((w) => w.toLowerCase() === "benign")) return "benign";
  const cats = words.map(categoryFromName).filter((c): c is IntelCategory => c !== null);
  return cats.find((c) => c !== "malicious") ?? "malicious";
}

/**
 * STIX 2.1 bundles: `indicator` objects with `pattern_type: "stix"` and a simple pattern
 * (see parseStixPattern), their latest version by `modified`; revoked ones, benign ones and
 * ones past `valid_until` are skipped and counted, as is any more complex pattern. Bare
 * observables (`ipv4-addr`, `ipv6-addr`, `domain-name`, `url`, `file` with hashes) in the
 * bundle read too. `now` decides what has expired; the validity window is kept on each
 * indicator so the index stops matching it when it runs out.
 */
export function parseStixBundle(text: string, fileName: string, now: number): ParsedFeed {
  const a = acc(feedNameFromFile(fileName), "stix");
  const doc = JSON.parse(text) as unknown;
  let objects: unknown[];
  if (doc && typeof doc === "object" && !Array.isArray(doc) && (doc as StixObject)["type"] === "bundle") {
    const o = (doc as StixObject)["objects"];
    if (!Array.isArray(o)) throw new Error("a STIX bundle without an objects array");
    objects = o;
  } else if (doc && typeof doc === "object" && !Array.isArray(doc) && typeof (doc as StixObject)["type"] === "string") {
    objects = [doc];
  } else throw new Error('not a STIX bundle (want {"type": "bundle", "objects": [...]})');

  // the latest version of each object id wins
  const latest = new Map<string, StixObject>();
  const anonymous: StixObject[] = [];
  const identities = new Map<string, string>();
  for (const x of objects) {
    if (!x || typeof x !== "object" || Array.isArray(x)) {
      a.rejected++;
      continue;
    }
    const o = x as StixObject;
    if (o["type"] === "identity" && typeof o["id"] === "string" && typeof o["name"] === "string") identities.set(o["id"], o["name"]);
    const id = o["id"];
    if (typeof id !== "string") {
      anonymous.push(o);
      continue;
    }
    const prev = latest.get(id);
    if (!prev || (stixTime(o["modified"]) ?? 0) >= (stixTime(prev["modified"]) ?? 0)) latest.set(id, o);
  }

  const creators = new Set<string>();
  let idx = 0;
  for (const o of [...latest.values(), ...anonymous]) {
    idx++;
    const type = o["type"];
    const id = typeof o["id"] === "string" ? o["id"] : `object ${idx}`;
    if (type === "indicator") {
      const why = skipIndicator(o, now);
      if (why) {
        a.skipped++;
        a.problem(`${id}: skipped: ${why}`);
        continue;
      }
      const category = stixCategory(o);
      if (category === "benign") {
        a.skipped++;
        a.problem(`${id}: skipped: indicator_types says benign`);
        continue;
      }
      const comparisons = parseStixPattern(String(o["pattern"]));
      const read = comparisons?.map((c) => ({ c, kind: kindOfPath(c.path, c.value) }));
      if (!read || read.some((r) => r.kind === null)) {
        a.skipped++;
        a.problem(`${id}: skipped: pattern too complex to read as a list: ${quote(String(o["pattern"]))}`);
        continue;
      }
      const name = note(typeof o["name"] === "string" ? o["name"] : typeof o["description"] === "string" ? o["description"] : undefined);
      const validFrom = stixTime(o["valid_from"]);
      const validUntil = stixTime(o["valid_until"]);
      for (const r of read) {
        const ind = toIndicator(r.kind, r.c.value, category);
        if (typeof ind === "string") {
          a.rejected++;
          a.problem(`${id}: ${ind}: ${quote(r.c.value)}`);
          continue;
        }
        if (name) ind.note = name;
        if (typeof o["id"] === "string") ind.ref = o["id"];
        if (validFrom !== undefined && validFrom > now) ind.validFrom = validFrom;
        if (validUntil !== undefined) ind.validUntil = validUntil;
        a.indicators.push(ind);
      }
      if (typeof o["created_by_ref"] === "string") creators.add(o["created_by_ref"]);
    } else if (type === "ipv4-addr" || type === "ipv6-addr" || type === "domain-name" || type === "url") {
      const kind: IndicatorKind = type === "domain-name" ? "domain" : type === "url" ? "url" : "ip";
      const ind = toIndicator(kind, typeof o["value"] === "string" ? o["value"] : "", "malicious");
      if (typeof ind === "string") {
        a.rejected++;
        a.problem(`${id}: ${ind}: ${quote(String(o["value"]))}`);
        continue;
      }
      if (typeof o["id"] === "string") ind.ref = o["id"];
      a.indicators.push(ind);
    } else if (type === "file") {
      const hashes = o["hashes"];
      if (!hashes || typeof hashes !== "object") continue;
      for (const [k, v] of Object.entries(hashes as Record<string, unknown>)) {
        const kind = HASH_KEYS[k.toLowerCase()];
        if (!kind || typeof v !== "string") continue;
        const ind = toIndicator(kind, v, "malicious");
        if (typeof ind === "string") {
          a.rejected++;
          a.problem(`${id}: ${ind}: ${quote(v)}`);
          continue;
        }
        if (typeof o["id"] === "string") ind.ref = o["id"];
        a.indicators.push(ind);
      }
    }
    // other objects (identity, malware, relationship, report…) say nothing a list can hold
  }
  const bundleId = doc && typeof (doc as StixObject)["id"] === "string" ? String((doc as StixObject)["id"]) : null;
  const by = [...creators].map((c) => identities.get(c) ?? c);
  a.provenance = [bundleId ? `STIX bundle ${bundleId}` : "STIX bundle", by.length ? `created by ${by.join(", ")}` : ""].filter(Boolean).join(", ");
  return done(a);
}

function skipIndicator(o: StixObject, now: number): string | null {
  if (o["revoked"] === true) return "revoked";
  const pt = o["pattern_type"];
  // STIX 2.0 indicators have no pattern_type: their patterns are STIX patterns
  if (pt !== undefined && pt !== "stix") return `pattern_type ${quote(String(pt))} is not "stix"`;
  if (typeof o["pattern"] !== "string") return "no pattern";
  const until = stixTime(o["valid_until"]);
  if (until !== undefined && until <= now) return `expired (valid_until ${String(o["valid_until"])})`;
  return null;
}
