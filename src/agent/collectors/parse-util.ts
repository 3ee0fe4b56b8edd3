/**
 * AGT-2: what the logon parsers share — the record they produce, the "why not" of a line that
 * gives none, and the small, allocation-free readers of text and time stamps.
 *
 * Everything here is synchronous and pure but for the scratch variable `scanEnd` (the index
 * after the last host, fraction or zone read), which a parser reads right after the call;
 * the parsers run one line at a time, so module state is safe. The time readers take
 * charCode-level positions and never slice: they sit on the hot path of every line.
 *
 * Validation: every stamp goes through clock(), so every format checks the same ranges
 * (year ≥ 1970, month 1–12, day 1–31, hour 0–23, minute 0–59, second 0–60). A day past the
 * month's end (Nov 31) rolls over, as Date.UTC does.
 */

export type LogonReason = "password" | "publickey" | "keyboard-interactive" | "invalid_user" | "pam" | "preauth_disconnect" | "other";

export type LogonService = "ssh" | "rdp" | "ftp" | "mysql" | "mssql";
export type LogonType = "interactive" | "network" | "remote_interactive" | "other";

/** One logon attempt: a logon telemetry record (protocol `logonRecord`) without its id. */
export interface ParsedLogon {
  kind: "logon";
  /** ms since the Unix epoch, from the line's own stamp. */
  ts: number;
  service: LogonService;
  /** code: the source's own event code (Windows 4624/4625, SQL Server 18456/18454/18453). */
  event: { outcome: "success" | "failure"; reason: LogonReason; code?: string };
  /** How the logon was made, where the source says (Windows logon type, authentication package). */
  logon?: { type?: LogonType; protocol?: string };
  source: { ip: string; port?: number };
  user?: { name: string };
  host?: { name: string };
  /** `message repeated N times`: this record stands for N identical attempts. */
  repeat?: number;
}

/** A line that gave no record: deliberately skipped (`ignored`) or not understood (`unknown`). */
export interface LineSkip {
  readonly skip: "ignored" | "unknown";
  readonly why: string;
}

/** A frozen LineSkip; parsers make theirs once, at load, so counting by reason stays bounded. */
export const skip = (s: "ignored" | "unknown", why: string): LineSkip => Object.freeze({ skip: s, why });

export function isLineSkip(r: ParsedLogon | LineSkip): r is LineSkip {
  return (r as LineSkip).skip !== undefined;
}

/** A record without the optional parts; `code` only when given (records compare by their keys). */
export function logonOf(ts: number, service: LogonService, success: boolean, reason: LogonReason, ip: string, code?: string): ParsedLogon {
  const outcome = success ? "success" : "failure";
  return { kind: "logon", ts, service, event: code === undefined ? { outcome, reason } : { outcome, reason, code }, source: { ip } };
}

// ---- text ---------------------------------------------------------------------------------

/** Index after the last host, fraction or zone read (syslogHost: the space after HOST; fractionMs; zoneAt). */
export let scanEnd = 0;

/** What the protocol accepts for user and host names. */
export const MAX_NAME = 256;

export function isBlank(c: number): boolean {
  return c === 32 || c === 13 || c === 10 || c === 9;
}

/** The end of s[start, end) once trailing blanks (space, tab, CR, LF) are cut. */
export function trimmedEnd(s: string, start: number, end: number = s.length): number {
  while (end > start && isBlank(s.charCodeAt(end - 1))) end--;
  return end;
}

/**
 * s.slice(a, b) that does not keep s alive. V8 makes a slice of 13 or more characters a
 * view into its parent; when the caller reads files in large chunks, one kept IP or user
 * name would pin a whole chunk in memory. Concatenating then slicing forces a flat copy.
 */
export function detach(s: string, a: number, b: number): string {
  const x = s.slice(a, b);
  return b - a < 13 ? x : (x + " ").slice(0, -1);
}

/** An attacker-chosen text s[a, b), detached and cut to `max` characters without splitting a surrogate pair. */
export function clip(s: string, a: number, b: number, max: number = MAX_NAME): string {
  if (b - a > max) {
    b = a + max;
    const c = s.charCodeAt(b - 1);
    if (c >= 0xd800 && c <= 0xdbff) b--;
  }
  return detach(s, a, b);
}

/**
 * Syslog's `STAMP HOST ` prefix (a classic 15-character stamp or an RFC 3339 one, not read
 * here): the index of HOST, with scanEnd at the space after it; or -1.
 */
export function syslogHost(line: string): number {
  const c0 = line.charCodeAt(0);
  const h = c0 >= 48 && c0 <= 57 ? line.indexOf(" ") + 1 : 16;
  if (h < 16 || line.charCodeAt(h - 1) !== 32) return -1;
  const e = line.indexOf(" ", h);
  if (e <= h) return -1;
  scanEnd = e;
  return h;
}

/** Loopback and unspecified addresses (canonical form): a local logon, or none that can be blocked. */
export function isLocalIp(ip: string): boolean {
  return ip === "::1" || ip === "::" || ip === "0.0.0.0" || ip.startsWith("127.");
}

// ---- time stamps --------------------------------------------------------------------------

/** The decimal digit at i, or -100 (so that any sum with it stays negative). */
export function digit(s: string, i: number): number {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -100;
}

/** Two decimal digits at i, or a negative number. */
export function two(s: string, i: number): number {
  return digit(s, i) * 10 + digit(s, i + 1);
}

/** Day of month at i, two digits or space-padded (`21`, ` 2`); negative if neither. */
function day(s: string, i: number): number {
  return s.charCodeAt(i) === 32 ? digit(s, i + 1) : two(s, i);
}

const MONTHS = new Map<number, number>(
  ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].map((n, i) => [(n.charCodeAt(0) << 16) | (n.charCodeAt(1) << 8) | n.charCodeAt(2), i + 1]),
);

/** Month 1–12 from its English three-letter name at i, or -1 (no string slicing). */
function monthAt(s: string, i: number): number {
  const m = MONTHS.get((s.charCodeAt(i) << 16) | (s.charCodeAt(i + 1) << 8) | s.charCodeAt(i + 2));
  return m === undefined ? -1 : m;
}

// One-entry cache of the day: consecutive lines share it.
let dayKey = -1;
let dayMs = 0;

/** Date.UTC(y, m - 1, d), cached for the last day asked. */
function dayStart(y: number, m: number, d: number): number {
  const key = (y * 16 + m) * 32 + d;
  if (key !== dayKey) {
    dayKey = key;
    dayMs = Date.UTC(y, m - 1, d);
  }
  return dayMs;
}

/** A wall-clock time as if it were UTC → ms, or -1 when a field is out of range. */
export function clock(y: number, mo: number, d: number, hh: number, mm: number, ss: number): number {
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) return -1;
  return dayStart(y, mo, d) + ((hh * 60 + mm) * 60 + ss) * 1000;
}

/** `.fff…` at i: its milliseconds (first three digits count), scanEnd after the digits; 0 and scanEnd = i when there is no `.`. */
export function fractionMs(s: string, i: number): number {
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    let n = 0;
    for (let dg = digit(s, ++i); dg >= 0; dg = digit(s, ++i)) if (n++ < 3) ms += dg * (n === 1 ? 100 : n === 2 ? 10 : 1);
  }
  scanEnd = i;
  return ms;
}

/** zoneAt: no zone starts at i (scanEnd = i). */
export const NO_ZONE = 100_000;
/** zoneAt: a zone starts at i but is malformed. */
export const BAD_ZONE = -100_000;

/** `Z`, `±HH:MM` or `±HHMM` at i → minutes east of UTC, scanEnd after it; or NO_ZONE / BAD_ZONE. */
export function zoneAt(s: string, i: number): number {
  const z = s.charCodeAt(i);
  if (z === 90 /* Z */) {
    scanEnd = i + 1;
    return 0;
  }
  if (z !== 43 && z !== 45) {
    scanEnd = i;
    return NO_ZONE;
  }
  const colon = s.charCodeAt(i + 3) === 58 ? 1 : 0;
  const oh = two(s, i + 1), om = two(s, i + 3 + colon);
  if (oh < 0 || oh > 23 || om < 0 || om > 59) return BAD_ZONE;
  scanEnd = i + 5 + colon;
  return (z === 45 ? -1 : 1) * (oh * 60 + om);
}

/**
 * RFC 3339 as syslog daemons write it at the start of a line,
 * `2026-11-21T22:50:53[.ffffff](Z|±HH:MM|±HHMM)`, ending exactly at `stop` → ms, or -1.
 * The zone is required. (fractionMs and zoneAt written out: this runs for every sshd
 * attempt of a Debian auth.log, and the calls cost a few percent of the sshd parser.)
 */
export function rfc3339(s: string, stop: number): number {
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return -1;
  const t = clock(two(s, 0) * 100 + two(s, 2), two(s, 5), two(s, 8), two(s, 11), two(s, 14), two(s, 17));
  if (t < 0) return -1;
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) for (let n = 0, dg = digit(s, ++i); dg >= 0; dg = digit(s, ++i)) if (n++ < 3) ms += dg * (n === 1 ? 100 : n === 2 ? 10 : 1);
  let off = 0;
  const z = s.charCodeAt(i);
  if (z === 90 /* Z */) i++;
  else if (z === 43 || z === 45) {
    const colon = s.charCodeAt(i + 3) === 58 ? 1 : 0;
    const oh = two(s, i + 1), om = two(s, i + 3 + colon);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return -1;
    off = (z === 45 ? -1 : 1) * (oh * 60 + om);
    i += 5 + colon;
  } else return -1;
  return i === stop ? t + ms - off * 60_000 : -1;
}

/**
 * The classic syslog stamp `Nov 21 22:50:53` (day space-padded) at i, followed by a space;
 * local time without a year: `year` and `offsetMin` (minutes east of UTC) apply → ms, or -1.
 */
export function classicStamp(s: string, i: number, year: number, offsetMin: number): number {
  if (s.charCodeAt(i + 3) !== 32 || s.charCodeAt(i + 6) !== 32 || s.charCodeAt(i + 9) !== 58 || s.charCodeAt(i + 12) !== 58 || s.charCodeAt(i + 15) !== 32) return -1;
  const t = clock(year, monthAt(s, i), day(s, i + 4), two(s, i + 7), two(s, i + 10), two(s, i + 13));
  return t < 0 ? -1 : t - offsetMin * 60_000;
}

/** Parses the lines of one source with `classify` and counts what it saw: records, lines deliberately skipped, lines not understood. */
export class CountingLineParser<F extends string, C, R> {
  readonly format: F;
  /** Mutable: a collector moves `year` on at the new year and sets `utcOffsetMinutes`. */
  ctx: C;
  readonly counts = { parsed: 0, ignored: 0, unknown: 0 };
  /** Lines not understood, by reason (a small fixed set of texts). */
  readonly unknownReasons = new Map<string, number>();
  /** Lines deliberately dropped, by reason. */
  readonly ignoredReasons = new Map<string, number>();
  readonly #classify: (format: F, line: string, ctx: C) => R | LineSkip;

  constructor(format: F, ctx: C, classify: (format: F, line: string, ctx: C) => R | LineSkip) {
    this.format = format;
    this.ctx = ctx;
    this.#classify = classify;
  }

  parse(line: string): R | null {
    const r = this.#classify(this.format, line, this.ctx);
    if ((r as LineSkip).skip === undefined) {
      this.counts.parsed++;
      return r as R;
    }
    const s = r as LineSkip;
    const m = s.skip === "ignored" ? this.ignoredReasons : this.unknownReasons;
    this.counts[s.skip]++;
    m.set(s.why, (m.get(s.why) ?? 0) + 1);
    return null;
  }
}
