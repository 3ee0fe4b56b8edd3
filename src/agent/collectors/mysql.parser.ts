/**
 * AGT-2 (MySQL/MariaDB): a pure parser of `Access denied` lines of the server's error log.
 * service "mysql"; reason "password" (`using password: YES`) or "other" (`NO`).
 *
 * Formats (the stamp decides; all are followed by an optional thread id and `[Level]`):
 * - MySQL 8: `2026-11-21T22:50:53.123456Z 12 [Note] [MY-010926] [Server] Access denied for
 *   user 'root'@'203.0.113.9' (using password: YES)` — logged only with log_error_verbosity=3.
 * - MySQL 5.7: `2026-11-21T22:50:53.123456Z 8 [Note] Access denied …` (log_timestamps=SYSTEM
 *   writes `+01:00` instead of `Z`).
 * - MariaDB ≥ 10.1 and MySQL 5.6: `2026-11-21 22:50:53 12 [Warning] Access denied …`
 *   (hour sometimes space-padded: `2015-10-07  8:25:38`); MariaDB ≤ 10.0 / MySQL ≤ 5.5:
 *   `201121 22:50:53 [Warning] Access denied …`. MariaDB logs these only with
 *   log_warnings ≥ 2. Stamps without a zone are local time: the context's utcOffsetMinutes.
 * - the same through syslog (`Sep 16 21:30:26 db1 mysqld: 130916 21:30:26 [Warning] …`,
 *   `mariadbd[812]: …`): the inner stamp counts; and journald's MESSAGE (parseMysqlMessage),
 *   where Debian's MariaDB logs by default.
 *
 * Successful logons are not in these logs (only the general query log has them, far too
 * costly to keep on): this source gives failures only, so "logon after brute force" cannot
 * be told from MySQL alone.
 *
 * The host part is the server's view of the client: an IP, `localhost` (socket or loopback,
 * recorded as 127.0.0.1) or, with name resolution on, a host name. A host name gives no
 * record (counted unknown, "unresolved host"): blocking needs an address, and resolving here
 * would be I/O and trust the attacker's DNS.
 *
 * The user name is attacker-controlled and written unescaped (`'%-.48s'`), so it may hold
 * quotes, `'@'` and a fake `(using password: YES)`. The host is server-written and can hold
 * none of these: the line must end with `' (using password: YES|NO)`, the host is what lies
 * between the right-most `'@'` and that tail, and the name is everything left of it.
 */
import { normalizeIp } from "../../core/index.ts";
import { clip, clock, digit, fractionMs, logonOf, scanEnd, skip, syslogHost, trimmedEnd, two, zoneAt, BAD_ZONE, NO_ZONE, type LineSkip, type ParsedLogon } from "./parse-util.ts";

export type { LineSkip } from "./parse-util.ts";

export interface MysqlLineContext {
  /** Zone of stamps without one (MariaDB, MySQL ≤ 5.6), minutes east of UTC; default 0. */
  utcOffsetMinutes?: number;
}

const NO_STAMP = skip("unknown", "no mysqld stamp (not an error-log line, or a continuation)");
const NOT_SERVER_LINE = skip("unknown", "stamped line without a [Level]");
const NOT_LOGON = skip("ignored", "mysqld line that is not a logon");
const NOT_AUTH = skip("ignored", "access denied to a database after logon, not a logon failure");
const BAD_DENIED = skip("unknown", "Access denied line not understood");
const UNRESOLVED = skip("unknown", "unresolved host: the server logged a host name, not an address");

const DENIED = "Access denied for user '";
const YES = "' (using password: YES)";
const NO = "' (using password: NO)";

// End of the last stamp read (index of the character after it); the parser is synchronous.
let stampEnd = 0;

/** Parses one error-log line (or a syslog line of mysqld/mariadbd). Never throws. */
export function parseMysqlLine(line: string, ctx: MysqlLineContext): ParsedLogon | LineSkip {
  const end = trimmedEnd(line, 0);
  const off = ctx.utcOffsetMinutes ?? 0;
  const c0 = line.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) {
    const ts = stamp(line, 0, off);
    if (ts >= 0) {
      const c = line.charCodeAt(stampEnd + 1);
      if (line.charCodeAt(stampEnd) === 32 && ((c >= 48 && c <= 57) || c === 91)) return body(line, stampEnd + 1, end, ts, undefined);
    }
  }
  // syslog: `Sep 16 21:30:26 host mysqld[1]: STAMP …` or `2026-…+00:00 host mariadbd[1]: STAMP …`
  const h = syslogHost(line);
  if (h < 0) return NO_STAMP;
  const hostEnd = scanEnd;
  let p: number;
  if (line.startsWith(" mysqld", hostEnd)) p = hostEnd + 7;
  else if (line.startsWith(" mariadbd", hostEnd)) p = hostEnd + 9;
  else return NO_STAMP;
  if (line.charCodeAt(p) === 91) {
    const q = line.indexOf("]", p);
    if (q < 0 || q - p > 12) return NO_STAMP;
    p = q + 1;
  }
  if (line.charCodeAt(p) !== 58 || line.charCodeAt(p + 1) !== 32) return NO_STAMP;
  const ts = stamp(line, p + 2, off);
  if (ts < 0 || line.charCodeAt(stampEnd) !== 32) return NO_STAMP;
  return body(line, stampEnd + 1, end, ts, clip(line, h, hostEnd));
}

/**
 * Parses a journald MESSAGE of mysqld/mariadbd; ts and host come from the entry. The
 * message may still carry the server's own stamp (MariaDB writes it to stderr): skipped.
 */
export function parseMysqlMessage(msg: string, ts: number, host?: string): ParsedLogon | LineSkip {
  const end = trimmedEnd(msg, 0);
  let p = 0;
  const c0 = msg.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57 && stamp(msg, 0, 0) >= 0 && msg.charCodeAt(stampEnd) === 32) p = stampEnd + 1;
  return body(msg, p, end, ts, host === undefined || host === "" ? undefined : clip(host, 0, host.length));
}

/** After the stamp: `[THREAD ][Level] [[MY-n] [Component] ]Access denied for user 'U'@'H' (using password: X)`. */
function body(s: string, p: number, end: number, ts: number, host: string | undefined): ParsedLogon | LineSkip {
  const p0 = p;
  while (p - p0 < 20 && digitAt(s, p)) p++;
  if (p > p0) {
    if (s.charCodeAt(p) !== 32) return NOT_SERVER_LINE;
    p++;
  }
  p = bracket(s, p);
  if (p < 0) return p0 === 0 ? NO_STAMP : NOT_SERVER_LINE;
  if (s.startsWith("[MY-", p)) {
    p = bracket(s, p);
    if (p >= 0) p = bracket(s, p);
    if (p < 0) return NOT_SERVER_LINE;
  }
  if (!s.startsWith(DENIED, p)) return s.startsWith("Access denied for user ", p) ? BAD_DENIED : NOT_LOGON;
  const u = p + DENIED.length;
  let t: number;
  let password: boolean;
  if (end - u >= YES.length && s.startsWith(YES, end - YES.length)) {
    t = end - YES.length;
    password = true;
  } else if (end - u >= NO.length && s.startsWith(NO, end - NO.length)) {
    t = end - NO.length;
    password = false;
  } else return s.indexOf("' to database '", u) >= 0 ? NOT_AUTH : BAD_DENIED;
  const at = s.lastIndexOf("'@'", t - 3);
  if (at < u || t - (at + 3) > 255) return BAD_DENIED;
  const hostPart = s.slice(at + 3, t);
  let ip: string | null;
  if (hostPart === "localhost") ip = "127.0.0.1";
  else {
    ip = hostPart.length > 0 && hostPart.length <= 64 ? normalizeIp(hostPart) : null;
    if (ip === null) return hostPart.length > 0 && hostPart.indexOf("'") < 0 && hostPart.indexOf(" ") < 0 ? UNRESOLVED : BAD_DENIED;
  }
  const r = logonOf(ts, "mysql", false, password ? "password" : "other", ip);
  r.user = { name: clip(s, u, at) };
  if (host !== undefined) r.host = { name: host };
  return r;
}

/** Skips `[word] ` (a level or component, at most 24 characters); returns the index after it or -1. */
function bracket(s: string, p: number): number {
  if (s.charCodeAt(p) !== 91) return -1;
  const q = s.indexOf("] ", p + 1);
  return q < 0 || q - p > 24 ? -1 : q + 2;
}

// ---- helpers --------------------------------------------------------------------------------

function digitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

/**
 * A mysqld stamp at i → ms, or -1; sets stampEnd. `YYYY-MM-DDTHH:MM:SS[.f][Z|±HH:MM]`,
 * `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD  H:MM:SS`, `YYMMDD HH:MM:SS`, `YYMMDD  H:MM:SS`.
 */
function stamp(s: string, i: number, offsetMin: number): number {
  let y: number, mo: number, d: number, j: number;
  let iso = false;
  if (s.charCodeAt(i + 4) === 45 && s.charCodeAt(i + 7) === 45) {
    y = two(s, i) * 100 + two(s, i + 2);
    mo = two(s, i + 5);
    d = two(s, i + 8);
    const sep = s.charCodeAt(i + 10);
    if (sep === 84 /* T */) iso = true;
    else if (sep !== 32) return -1;
    j = i + 11;
  } else if (s.charCodeAt(i + 6) === 32) {
    y = 2000 + two(s, i);
    mo = two(s, i + 2);
    d = two(s, i + 4);
    j = i + 7;
  } else return -1;
  // hour: `22`, ` 8` (space-padded) or `8`
  let hh: number;
  if (!iso && s.charCodeAt(j) === 32) {
    hh = digit(s, j + 1);
    j += 2;
  } else if (s.charCodeAt(j + 1) === 58) {
    hh = digit(s, j);
    j += 1;
  } else {
    hh = two(s, j);
    j += 2;
  }
  if (s.charCodeAt(j) !== 58 || s.charCodeAt(j + 3) !== 58) return -1;
  const t = clock(y, mo, d, hh, two(s, j + 1), two(s, j + 4));
  if (t < 0) return -1;
  const ms = fractionMs(s, j + 6);
  let off = offsetMin;
  if (iso) {
    const z = zoneAt(s, scanEnd);
    if (z === BAD_ZONE) return -1;
    if (z !== NO_ZONE) off = z;
  }
  stampEnd = scanEnd;
  return t + ms - off * 60_000;
}
