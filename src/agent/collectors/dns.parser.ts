/**
 * AGT-8, PRC-3: a pure parser of DNS resolvers' query logs. One record per client query,
 * stamped with the time the log line states (the query time), never the time it was read.
 *
 * Inputs, each as its own log file or wrapped by syslog (classic or RFC 3339 stamp, with a
 * host) or, through parseDnsJournalMessage, as a journald MESSAGE:
 * - dnsmasq with `log-queries` (its own `log-facility` file has no host):
 *   `Nov 21 22:50:53 dnsmasq[812]: query[A] pool.supportxmr.com from 10.0.0.5`, and with
 *   `log-queries=extra` a serial and the client's address/port first:
 *   `dnsmasq[812]: 123 10.0.0.5/40123 query[A] example.com from 10.0.0.5`.
 * - BIND 9's querylog, in its own channel file
 *   (`21-Nov-2026 22:50:53.123 queries: info: client @0x7f3c… 10.0.0.5#40123 (name): query:
 *   name IN A +E(0)K (10.0.0.1)`; category and severity optional; `print-time iso8601`
 *   stamps too; 9.9/9.10 without `@0x…`; 9.8 and older without `(name)`; views and an ECS
 *   suffix) or through syslog (`named[811]: client …`).
 * - unbound with `log-queries: yes`: `[1700600000] unbound[812:0] info: 10.0.0.5 name. A IN`
 *   (epoch seconds), `log-time-ascii: yes` (`Nov 21 22:50:53 unbound[812:0] info: …`), syslog
 *   (`unbound: [812:0] info: …`), and `log-tag-queryreply: yes` (`query:` for `info:`).
 * Stamps without a zone (BIND's own, classic syslog, dnsmasq's and unbound's ASCII ones) are
 * local time: the context's utcOffsetMinutes applies; classic ones carry no year either.
 *
 * What counts: only the line that states a client's question. dnsmasq's `forwarded`,
 * `reply`, `cached`, `config`, `/etc/hosts`, `validation` … lines and unbound's
 * `log-replies` lines are helpers of a query already counted (ignored, counted by reason).
 *
 * Answers are not filled in (decision): dnsmasq's `reply X is 1.2.3.4` follows its query
 * after the upstream round trip, often in a later read of the file. Holding the query back
 * until then would delay detection (PRC-3), tie a record to a later line than the one that
 * states it (record ids come from the line's position, AGT-9) and need per-name state an
 * attacker can grow; filling them only when the reply happens to arrive in the same read
 * would make "no answers" mean nothing. The addresses a host then talks to are in its
 * connection records (AGT-4). BIND and unbound query lines carry no answers at all.
 *
 * Query names are attacker-controlled (any bytes a client sends). Resolvers escape them
 * differently (BIND `\032` and `\"`, unbound `?`, dnsmasq `<name unprintable>`) and they are
 * kept as data: ASCII lower-cased (DNS compares only ASCII case-insensitively, RFC 4343),
 * one trailing dot cut (the root stays "."), cut to 255 characters. A name holding a space
 * or a control character is no name a resolver writes (it is a name we would have to
 * guess the end of, e.g. dnsmasq's `query[A] a from 6.6.6.6 from 10.0.0.5`): unknown.
 */
import { normalizeIp } from "../../core/index.ts";
import type { DnsRecord } from "../../protocol/index.ts";
import { CountingLineParser, classicStamp, clip, clock, detach, digit, fractionMs, scanEnd, skip, trimmedEnd, two, zoneAt, BAD_ZONE, NO_ZONE, type LineSkip } from "./parse-util.ts";

export type { LineSkip } from "./parse-util.ts";

/** A file of one resolver (own log or its syslog lines), or a syslog file holding any of them. */
export type DnsFormat = "dnsmasq" | "bind" | "unbound" | "syslog";
export const DNS_FORMATS: readonly DnsFormat[] = ["dnsmasq", "bind", "unbound", "syslog"];

/** A DNS telemetry record (protocol `dnsRecord`) without its id and log reference. */
export type ParsedDns = Omit<DnsRecord, "id" | "log">;

export interface DnsLineContext {
  /** Year for classic syslog stamps, which carry none. */
  year: number;
  /** Zone of stamps written without one, minutes east of UTC; default 0. */
  utcOffsetMinutes?: number;
}

export function isDnsSkip(r: ParsedDns | LineSkip): r is LineSkip {
  return (r as LineSkip).skip !== undefined;
}

const NOT_LOG_LINE = skip("unknown", "not a resolver or syslog log line");
const TOO_LONG = skip("unknown", "line too long");
const BAD_STAMP = skip("unknown", "bad timestamp");
const OTHER_PROGRAM = skip("ignored", "another program's line");
const BAD_NAME = skip("unknown", "query name empty, too long, or with spaces or control characters");
const BAD_TYPE = skip("unknown", "query type not understood");
const BAD_CLIENT = skip("unknown", "client is not an IP address");
const DNSMASQ_HELPER = skip("ignored", "dnsmasq forward/reply/cache line (helper of a query)");
const DNSMASQ_OTHER = skip("ignored", "dnsmasq line that is not a query");
const DNSMASQ_UNREAD = skip("unknown", "dnsmasq query line not understood");
const NAMED_OTHER = skip("ignored", "named line that is not a query");
const NAMED_UNREAD = skip("unknown", "named query line not understood");
const UNBOUND_REPLY = skip("ignored", "unbound reply line (helper of a query)");
const UNBOUND_OTHER = skip("ignored", "unbound line that is not a query");
const UNBOUND_UNREAD = skip("unknown", "unbound query line not understood");

/** Longest line read; real query lines are under 1 KiB (a 255-octet name escaped is ~1000). */
const MAX_LINE = 8192;
/** Longest query name as written, escapes included (BIND writes an unprintable octet as 4). */
const MAX_RAW_NAME = 1100;
export const MAX_DNS_NAME = 255;

const DNSMASQ = 1, NAMED = 2, UNBOUND = 4;
const PROGRAMS: Record<DnsFormat, number> = { dnsmasq: DNSMASQ, bind: NAMED, unbound: UNBOUND, syslog: DNSMASQ | NAMED | UNBOUND };

/** The program of the last line classified (0: none of ours); detectDnsFormat reads it. */
let lastProgram = 0;

/**
 * Parses one line of a log of the given format: a record, or a LineSkip saying why not.
 * Never throws. Other programs' lines (in a syslog file) are ignored.
 */
export function classifyDnsLine(format: DnsFormat, line: string, ctx: DnsLineContext): ParsedDns | LineSkip {
  lastProgram = 0;
  const allowed = PROGRAMS[format] ?? 0;
  const end = trimmedEnd(line, 0);
  if (end > MAX_LINE) return TOO_LONG;
  if (end < 16) return NOT_LOG_LINE;
  const off = ctx.utcOffsetMinutes ?? 0;
  const c0 = line.charCodeAt(0);
  // where the token after the stamp starts
  let t: number;
  let kind: "epoch" | "bind" | "iso" | "classic";
  if (c0 === 91 /* [ */) {
    kind = "epoch";
    const c = line.indexOf("] ", 1);
    if (c < 2 || c > 14) return NOT_LOG_LINE;
    t = c + 2;
  } else if (c0 >= 48 && c0 <= 57 && line.charCodeAt(2) === 45 /* - */) {
    kind = "bind";
    t = line.indexOf(" ", 12) + 1;
    if (t < 20 || t > 32) return NOT_LOG_LINE;
  } else if (c0 >= 48 && c0 <= 57 && line.charCodeAt(4) === 45 && line.charCodeAt(10) === 84 /* T */) {
    kind = "iso";
    t = line.indexOf(" ", 19) + 1;
    if (t < 20 || t > 40) return NOT_LOG_LINE;
  } else if (line.charCodeAt(3) === 32 && line.charCodeAt(15) === 32) {
    kind = "classic";
    t = 16;
  } else return NOT_LOG_LINE;

  let sp = line.indexOf(" ", t);
  if (sp < 0 || sp > end) sp = end;
  let ownBind = kind === "bind";
  if (kind === "iso") {
    // BIND's own channel with `print-time iso8601`: no host; a category (`queries:`) or `client`
    const br = line.indexOf("[", t);
    const category = line.charCodeAt(sp - 1) === 58 && (br < 0 || br > sp) && isProgram(line, t, sp) === 0;
    if (category || line.startsWith("client ", t)) ownBind = true;
  }
  let msg: number;
  let prog: number;
  if (ownBind) {
    prog = NAMED;
    msg = t;
  } else {
    // TOKEN is a program when it has `[` or ends with `:` (host names have neither); else a host
    if (!isProgramToken(line, t, sp)) {
      t = sp + 1;
      sp = line.indexOf(" ", t);
      if (sp < 0 || sp > end) sp = end;
    }
    prog = isProgram(line, t, sp);
    if (prog === 0) return OTHER_PROGRAM;
    msg = sp + 1;
  }
  if ((prog & allowed) === 0) return OTHER_PROGRAM;
  lastProgram = prog;
  const ts = kind === "epoch" ? epochStamp(line) : kind === "bind" ? bindStamp(line, off) : kind === "iso" ? isoStamp(line, off) : classicStamp(line, 0, ctx.year, off);
  if (ts <= 0) return BAD_STAMP;
  if (msg >= end) return prog === DNSMASQ ? DNSMASQ_OTHER : prog === NAMED ? NAMED_OTHER : UNBOUND_OTHER;
  return message(prog, line, msg, end, ts);
}

/** The program's bit when s[a, b) names dnsmasq, named or unbound (`name`, `name:`, `name[…]…`); else 0. */
function isProgram(s: string, a: number, b: number): number {
  let e = a;
  while (e < b) {
    const c = s.charCodeAt(e);
    if (c === 91 || c === 58) break;
    e++;
  }
  const n = e - a;
  if (n === 7 && s.startsWith("dnsmasq", a)) return DNSMASQ;
  if (n === 5 && s.startsWith("named", a)) return NAMED;
  if (n === 7 && s.startsWith("unbound", a)) return UNBOUND;
  return 0;
}

function isProgramToken(s: string, a: number, b: number): boolean {
  if (b <= a) return false;
  if (s.charCodeAt(b - 1) === 58 /* : */) return true;
  const br = s.indexOf("[", a);
  return br >= 0 && br < b;
}

const JOURNAL_PROGRAMS: Record<string, number> = { dnsmasq: DNSMASQ, named: NAMED, unbound: UNBOUND };

/** SYSLOG_IDENTIFIERs of journald entries that parseDnsJournalMessage reads. */
export const JOURNAL_DNS_IDENTIFIERS: readonly string[] = ["dnsmasq", "named", "unbound"];

/**
 * A journald entry's MESSAGE (no syslog prefix), by its SYSLOG_IDENTIFIER; ts is the entry's
 * time (journald stamps it on receipt: the query time within milliseconds). Never throws.
 */
export function parseDnsJournalMessage(identifier: string, msg: string, ts: number): ParsedDns | LineSkip {
  const prog = Object.hasOwn(JOURNAL_PROGRAMS, identifier) ? JOURNAL_PROGRAMS[identifier]! : 0;
  if (prog === 0) return OTHER_PROGRAM;
  const end = trimmedEnd(msg, 0);
  if (end > MAX_LINE) return TOO_LONG;
  if (!(ts > 0)) return BAD_STAMP;
  return message(prog, msg, 0, end, Math.floor(ts));
}

function message(prog: number, s: string, p: number, end: number, ts: number): ParsedDns | LineSkip {
  return prog === DNSMASQ ? dnsmasqMessage(s, p, end, ts) : prog === NAMED ? namedMessage(s, p, end, ts) : unboundMessage(s, p, end, ts);
}

// ---- dnsmasq --------------------------------------------------------------------------------

const DNSMASQ_HELPERS = ["forwarded ", "reply ", "cached ", "cached-stale ", "config ", "validation ", "auth ", "DHCP ", "dnssec-query[", "ipset add ", "nftset add ", "/"];

/** `[SERIAL [ADDR/PORT ]]query[TYPE] NAME from CLIENT` */
function dnsmasqMessage(s: string, p: number, end: number, ts: number): ParsedDns | LineSkip {
  if (digit(s, p) >= 0) {
    // log-queries=extra: a serial, then the client's ADDR/PORT (absent on lines about no client)
    let q = p;
    while (q < end && digit(s, q) >= 0 && q - p < 11) q++;
    if (s.charCodeAt(q) === 32) {
      const a = q + 1;
      let sp = s.indexOf(" ", a);
      if (sp < 0) sp = end;
      const slash = s.lastIndexOf("/", sp);
      if (slash > a && digit(s, slash + 1) >= 0 && isAddrChars(s, a, slash)) p = sp + 1;
      else p = a;
    }
  }
  if (!s.startsWith("query[", p)) {
    for (const h of DNSMASQ_HELPERS) if (s.startsWith(h, p)) return DNSMASQ_HELPER;
    return DNSMASQ_OTHER;
  }
  const close = s.indexOf("]", p + 6);
  if (close < 0 || close - p > 40 || s.charCodeAt(close + 1) !== 32) return DNSMASQ_UNREAD;
  // the right-most " from ": a name may hold that text, and is then refused below for its spaces
  const from = s.lastIndexOf(" from ", end);
  if (from < close + 1) return DNSMASQ_UNREAD;
  const type = queryType(s, p + 6, close);
  if (type === null) return BAD_TYPE;
  const name = queryName(s, close + 2, from);
  if (name === null) return BAD_NAME;
  const ip = ipOf(s, from + 6, end);
  if (ip === null) return BAD_CLIENT;
  return dnsOf(ts, "dnsmasq", name, type, ip);
}

/** Hex digits, `.` and `:` only: an IPv4 or IPv6 address's characters. */
function isAddrChars(s: string, a: number, b: number): boolean {
  if (b - a > 45) return false;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 58) || c === 46 || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

// ---- BIND -----------------------------------------------------------------------------------

/** `[queries: ][info: ]client [@0x… ]ADDR#PORT[ (NAME)][: view V]: query: NAME CLASS TYPE FLAGS[ (DEST)][ [ECS …]]` */
function namedMessage(s: string, p: number, end: number, ts: number): ParsedDns | LineSkip {
  if (s.startsWith("queries: ", p)) p += 9;
  if (s.startsWith("info: ", p)) p += 6;
  if (!s.startsWith("client ", p)) return NAMED_OTHER;
  p += 7;
  if (s.charCodeAt(p) === 64 /* @ */) {
    const sp = s.indexOf(" ", p);
    if (sp < 0 || sp - p > 24) return NAMED_UNREAD;
    p = sp + 1;
  }
  let te = s.indexOf(" ", p);
  if (te < 0 || te > end) return NAMED_OTHER;
  const sp = te;
  if (s.charCodeAt(te - 1) === 58 /* : */) te--; // 9.8 and older: `client ADDR#PORT: query: …`
  const hash = s.lastIndexOf("#", te);
  // BIND escapes spaces in names (\032), so the first ": query: " after the client is the one
  const q = s.indexOf(": query: ", sp - 1);
  if (q < 0) return NAMED_OTHER; // denied queries, updates, query errors: not the querylog line
  if (hash <= p) return NAMED_UNREAD;
  const ip = ipOf(s, p, hash);
  if (ip === null) return BAD_CLIENT;
  const n = q + 9;
  const ne = s.indexOf(" ", n);
  if (ne < 0 || ne >= end) return NAMED_UNREAD;
  const ce = s.indexOf(" ", ne + 1);
  if (ce < 0 || ce >= end || !isWord(s, ne + 1, ce)) return NAMED_UNREAD;
  let tEnd = s.indexOf(" ", ce + 1);
  if (tEnd < 0 || tEnd > end) tEnd = end;
  const type = queryType(s, ce + 1, tEnd);
  if (type === null) return BAD_TYPE;
  const name = queryName(s, n, ne);
  if (name === null) return BAD_NAME;
  return dnsOf(ts, "bind", name, type, ip);
}

/** Upper-case letters and digits (a class: IN, CH, CLASS255), 1 to 16. */
function isWord(s: string, a: number, b: number): boolean {
  if (b <= a || b - a > 16) return false;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57))) return false;
  }
  return true;
}

// ---- unbound --------------------------------------------------------------------------------

/** `[[PID:TID] ]info: CLIENT NAME. TYPE CLASS` (or `query:`); a `log-replies` line has rcode, time, cached, size after it. */
function unboundMessage(s: string, p: number, end: number, ts: number): ParsedDns | LineSkip {
  if (s.charCodeAt(p) === 91 /* [ */) {
    const c = s.indexOf("] ", p);
    if (c < 0 || c - p > 32) return UNBOUND_OTHER;
    p = c + 2;
  }
  if (s.startsWith("info: ", p)) p += 6;
  else if (s.startsWith("query: ", p)) p += 7;
  else return s.startsWith("reply: ", p) ? UNBOUND_REPLY : UNBOUND_OTHER;
  const a = s.indexOf(" ", p);
  if (a < 0 || a >= end) return UNBOUND_OTHER;
  const ip = ipOf(s, p, a);
  // `info: start of service`, `info: resolving …`, `info: generate keytag query …`, stats …
  if (ip === null) return UNBOUND_OTHER;
  const b = s.indexOf(" ", a + 1);
  const c = b < 0 ? -1 : s.indexOf(" ", b + 1);
  if (b < 0 || c < 0 || b >= end || c >= end) return UNBOUND_UNREAD;
  const d = s.indexOf(" ", c + 1);
  if (d >= 0 && d < end) {
    // log-replies: `… A IN NOERROR 0.000000 0 45` (or `CLIENT - - - FORMERR - - -`): an rcode fifth
    let r = s.indexOf(" ", d + 1);
    if (r < 0 || r > end) r = end;
    return isWord(s, d + 1, r) ? UNBOUND_REPLY : UNBOUND_UNREAD;
  }
  if (!isWord(s, c + 1, end)) return UNBOUND_UNREAD;
  const type = queryType(s, b + 1, c);
  if (type === null) return BAD_TYPE;
  const name = queryName(s, a + 1, b);
  if (name === null) return BAD_NAME;
  return dnsOf(ts, "unbound", name, type, ip);
}

// ---- fields ---------------------------------------------------------------------------------

function dnsOf(ts: number, resolver: "dnsmasq" | "bind" | "unbound", name: string, type: string, ip: string): ParsedDns {
  return { kind: "dns", ts, dns: { question: { name, type } }, source: { ip }, resolver };
}

const UNICODE_SPACE_OR_CONTROL = /[\s\p{Cc}\p{Zl}\p{Zp}\u200b\ufeff]/u;

/**
 * The query name s[a, b) as data, or null: empty, longer than any resolver writes, or with a
 * space or a control character (C0, DEL, C1). ASCII lower-cased, one trailing dot cut (the
 * root stays "."), at most 255 characters, detached from the line.
 */
export function queryName(s: string, a: number, b: number): string | null {
  if (b <= a || b - a > MAX_RAW_NAME) return null;
  let upper = false;
  let wide = false;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 127) return null;
    if (c >= 65 && c <= 90) upper = true;
    else if (c > 127) wide = true;
  }
  // beyond ASCII (no resolver writes it raw, but keep it as data): C1 controls and Unicode spaces refused too
  if (wide && UNICODE_SPACE_OR_CONTROL.test(s.slice(a, b))) return null;
  if (b - a > 1 && s.charCodeAt(b - 1) === 46 /* . */) b--;
  const n = clip(s, a, b, MAX_DNS_NAME);
  return upper ? n.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : n;
}

/** A query type, upper-case: `A`, `AAAA`, `TYPE65`; dnsmasq's `type=65` becomes `TYPE65`. */
function queryType(s: string, a: number, b: number): string | null {
  if (s.startsWith("type=", a)) {
    const n = b - a - 5;
    if (n < 1 || n > 5) return null;
    for (let i = a + 5; i < b; i++) if (digit(s, i) < 0) return null;
    return "TYPE" + s.slice(a + 5, b);
  }
  if (b <= a || b - a > 16) return null;
  let lower = false;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = true;
    else if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45)) return null;
  }
  const t = detach(s, a, b);
  return lower ? t.toUpperCase() : t;
}

function ipOf(s: string, a: number, b: number): string | null {
  if (b <= a || b - a > 45) return null;
  return normalizeIp(detach(s, a, b));
}

// ---- time stamps ----------------------------------------------------------------------------

/** unbound's `[1700600000] ` (epoch seconds). */
function epochStamp(s: string): number {
  let n = 0;
  let i = 1;
  for (let d = digit(s, i); d >= 0; d = digit(s, ++i)) n = n * 10 + d;
  return i >= 2 && i <= 12 && s.charCodeAt(i) === 93 ? n * 1000 : -1;
}

const MONTH_NAMES = "JanFebMarAprMayJunJulAugSepOctNovDec";

/** BIND's own `21-Nov-2026 22:50:53.123 ` (local time). */
function bindStamp(s: string, offsetMin: number): number {
  if (s.charCodeAt(6) !== 45 || s.charCodeAt(11) !== 32 || s.charCodeAt(14) !== 58 || s.charCodeAt(17) !== 58) return -1;
  const m = MONTH_NAMES.indexOf(s.slice(3, 6));
  if (m < 0 || m % 3 !== 0) return -1;
  const t = clock(two(s, 7) * 100 + two(s, 9), m / 3 + 1, two(s, 0), two(s, 12), two(s, 15), two(s, 18));
  if (t < 0) return -1;
  const ms = fractionMs(s, 20);
  return s.charCodeAt(scanEnd) === 32 ? t + ms - offsetMin * 60_000 : -1;
}

/** `2026-11-21T22:50:53[.fff][Z|±HH:MM] `: RFC 3339 from syslog, or BIND's iso8601 without a zone (local time). */
function isoStamp(s: string, offsetMin: number): number {
  if (s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return -1;
  const t = clock(two(s, 0) * 100 + two(s, 2), two(s, 5), two(s, 8), two(s, 11), two(s, 14), two(s, 17));
  if (t < 0) return -1;
  const ms = fractionMs(s, 19);
  let z = zoneAt(s, scanEnd);
  if (z === BAD_ZONE) return -1;
  if (z === NO_ZONE) z = offsetMin;
  return s.charCodeAt(scanEnd) === 32 ? t + ms - z * 60_000 : -1;
}

// ---- one source -----------------------------------------------------------------------------

/** Parses the lines of one source and counts what it saw (as LogonLineParser does for logons). */
export class DnsLineParser extends CountingLineParser<DnsFormat, DnsLineContext, ParsedDns> {
  constructor(format: DnsFormat, ctx: DnsLineContext) {
    super(format, ctx, classifyDnsLine);
  }
}

// ---- where the logs are ---------------------------------------------------------------------

export interface DnsSource {
  path: string;
  format: DnsFormat;
  /** Families whose packages write this file (once query logging is on). */
  distros: readonly ("debian" | "rhel")[];
  /** Read it only when one of these exists (a resolver is installed): a busy syslog file costs CPU for nothing otherwise. */
  onlyIf?: readonly string[];
  note: string;
}

const RESOLVER_BINARIES = ["/usr/sbin/dnsmasq", "/usr/sbin/named", "/usr/sbin/unbound", "/usr/bin/pihole-FTL"];

/**
 * The usual places. None of the resolvers logs queries by default: dnsmasq needs
 * `log-queries`, BIND `querylog yes;` (or `rndc querylog on`), unbound `log-queries: yes`.
 * Without rsyslog (Debian 12's default) they go to journald: JOURNAL_DNS_IDENTIFIERS.
 */
export const DEFAULT_DNS_SOURCES: readonly DnsSource[] = [
  { path: "/var/log/dnsmasq.log", format: "dnsmasq", distros: ["debian", "rhel"], note: "dnsmasq's own file (log-facility=/var/log/dnsmasq.log) with log-queries" },
  { path: "/var/log/pihole/pihole.log", format: "dnsmasq", distros: ["debian"], note: "Pi-hole v6 (its dnsmasq logs every query)" },
  { path: "/var/log/pihole.log", format: "dnsmasq", distros: ["debian"], note: "Pi-hole v5" },
  { path: "/var/log/named/query.log", format: "bind", distros: ["debian", "rhel"], note: "a logging channel for category queries, with print-time yes" },
  { path: "/var/log/bind/query.log", format: "bind", distros: ["debian"], note: "a logging channel for category queries, with print-time yes" },
  { path: "/var/log/unbound.log", format: "unbound", distros: ["debian", "rhel"], note: "unbound's logfile: with log-queries: yes" },
  { path: "/var/log/unbound/unbound.log", format: "unbound", distros: ["debian", "rhel"], note: "unbound's logfile: with log-queries: yes" },
  { path: "/var/log/syslog", format: "syslog", distros: ["debian"], onlyIf: RESOLVER_BINARIES, note: "rsyslog's daemon lines: dnsmasq, named (querylog) and unbound without a file of their own" },
  { path: "/var/log/messages", format: "syslog", distros: ["rhel"], onlyIf: RESOLVER_BINARIES, note: "rsyslog's daemon lines: dnsmasq, named (querylog; RHEL's named.conf sends queries here) and unbound" },
];

const FORMAT_OF: Record<number, DnsFormat> = { [DNSMASQ]: "dnsmasq", [NAMED]: "bind", [UNBOUND]: "unbound" };

/**
 * Guesses a DNS log's format from its path and first lines; null when unsure. The name decides
 * for the well-known files (rotated and .gz names included); otherwise the first line that a
 * resolver's parser claims (a query or one of its helper lines) decides.
 */
export function detectDnsFormat(path: string, firstLines: string[]): DnsFormat | null {
  const slash = path.lastIndexOf("/");
  const dir = path.slice(0, slash + 1).toLowerCase();
  let base = path.slice(slash + 1).toLowerCase();
  if (base.endsWith(".gz")) base = base.slice(0, -3);
  base = base.replace(/(?:\.\d{1,3}|-\d{8})$/, "");
  if (base === "dnsmasq.log" || base === "pihole.log") return "dnsmasq";
  if (base === "unbound.log") return "unbound";
  if (base === "syslog" || base === "messages" || base === "daemon.log") return "syslog";
  if (/^(?:query|queries|querylog|query_log|named_query)\.log$/.test(base) && /\/(?:named|bind)\/$/.test(dir)) return "bind";
  const ctx = { year: 2000, utcOffsetMinutes: 0 };
  for (const l of firstLines.slice(0, 50)) {
    const r = classifyDnsLine("syslog", l, ctx);
    if (lastProgram !== 0 && (!isDnsSkip(r) || r === DNSMASQ_HELPER || r === UNBOUND_REPLY)) return FORMAT_OF[lastProgram]!;
  }
  return null;
}
