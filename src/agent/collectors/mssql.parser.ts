/**
 * AGT-2 (SQL Server): logon lines of SQL Server's errorlog, and the message reader that the
 * Windows parser uses for the same events (18456/18454/18453) in the Application log.
 * service "mssql"; event.code "18456" (failure), "18454" (success, SQL Server
 * authentication) or "18453" (success, Windows authentication).
 *
 * The messages (errorlog and the event's rendered message alike):
 * - `Login failed for user 'sa'. Reason: Password did not match that for the login
 *   provided. [CLIENT: 203.0.113.9]` → failure, reason password;
 *   `… Reason: Could not find a login matching the name provided. [CLIENT: …]` → failure,
 *   reason invalid_user; any other reason (disabled account, expired password, default
 *   database not opened, Windows-only server, …) or none → failure, reason other.
 * - `Login succeeded for user 'sa'. Connection made using SQL Server authentication.
 *   [CLIENT: …]` (18454) and `… using Windows authentication. [CLIENT: …]` (18453) →
 *   success, reason other, logon.protocol "SQL Server" / "Windows". SQL Server writes these
 *   only when login auditing is "Both failed and successful logins"; the default ("Failed
 *   logins only") gives failures alone.
 * - `[CLIENT: <local machine>]` (shared memory) and loopback clients are local logons:
 *   ignored, counted. A client that is no IP address is unknown, counted.
 *
 * The errorlog (`/var/opt/mssql/log/errorlog` on Linux, `…\MSSQL\Log\ERRORLOG` on Windows):
 * `2026-11-21 22:50:53.12 Logon       Login failed for user 'sa'. Reason: … [CLIENT: …]`,
 * preceded by `… Logon       Error: 18456, Severity: 14, State: 8.`. The Error line is a
 * helper of the Login line that follows (ignored, not counted; the state adds nothing the
 * reason does not say); the Login line is the record. Lines of other sources (`Server`,
 * `spid51`, `Backup`, …) and continuation lines are ignored. The stamp is local time without a
 * zone: the context's utcOffsetMinutes applies (the server's own `UTC adjustment: H:MM`
 * line at startup says which).
 *
 * Encoding: on Windows the ERRORLOG is UTF-16LE with a BOM (tail agents — Fluent Bit,
 * Filebeat, Promtail, Wazuh — all needed UTF-16LE support for it: fluent/fluent-bit#9321,
 * elastic/integrations#4538, grafana/loki#6235). On Linux, SQL Server 2017 CTP 1.4 wrote it
 * in UTF-16 and CTP 2.1 in ASCII (microsoft/mssql-docker#98); what released versions write
 * could not be settled from public reports, so a reader must not assume either: decode
 * UTF-16LE when the file starts with FF FE (or its bytes alternate with NULs), else UTF-8.
 * This parser takes decoded text lines. As a fallback it also reads a line of a UTF-16LE
 * file that was decoded as UTF-8 and split on `\n` (NUL after each ASCII character): the
 * NULs are dropped, which is exact for ASCII and leaves non-ASCII user names garbled (but
 * bounded; the address is always ASCII). A BOM at the start of a line is dropped.
 *
 * User names are attacker-controlled (a login name in the TDS login packet, printed
 * unescaped), and so is part of some reasons (the database name of state 38). Either may
 * hold `'`, `'. Reason: …` or a fake `[CLIENT: 1.2.3.4]`. The server writes the client last,
 * so the address comes from the last `[CLIENT: …]`, which must end the message. The known
 * reasons and the success texts are matched as the fixed tail before it, so the user name is
 * everything between `for user '` and that tail; for other reasons the name ends at the
 * first `'. Reason: ` (a name holding that text is no real login: its failures are reason
 * other either way, and the address is unaffected).
 */
import { normalizeIp } from "../../core/index.ts";
import { clip, clock, fractionMs, isLocalIp, logonOf, scanEnd, skip, trimmedEnd, two, type LineSkip, type LogonReason, type ParsedLogon } from "./parse-util.ts";

export type { LineSkip } from "./parse-util.ts";

export interface MssqlLineContext {
  /** Zone of the errorlog's stamps (local time, no zone), minutes east of UTC; default 0. */
  utcOffsetMinutes?: number;
}

const NO_STAMP = skip("unknown", "no SQL Server errorlog stamp");
/** A blank or continuation line: says nothing about the format (detectFormat reads past it). */
export const CONTINUATION = skip("ignored", "blank line, or continuation of a multi-line errorlog message");
const OTHER_SOURCE = skip("ignored", "errorlog line of another source than Logon");
const ERROR_HELPER = skip("ignored", "Error: line (18456 …), a helper of the Login message that follows");
const NOT_LOGIN = skip("ignored", "Logon line that is no login success or failure");
const NO_USER = skip("ignored", "login failure without a user name (not read)");
const BAD_LOGIN = skip("unknown", "SQL Server login message not understood");
const BAD_CLIENT = skip("unknown", "SQL Server client is not an IP address");
const LOCAL = skip("ignored", "local client (<local machine> or loopback)");

const FAILED = "Login failed for user '";
const SUCCEEDED = "Login succeeded for user '";
const CLIENT = "[CLIENT: ";
const REASON = "'. Reason: ";
/** Fixed tails of the message before ` [CLIENT: …]`, after the user name. */
const PASSWORD = "'. Reason: Password did not match that for the login provided.";
const NO_LOGIN = "'. Reason: Could not find a login matching the name provided.";
const SQL_AUTH = "'. Connection made using SQL Server authentication.";
const WIN_AUTH = "'. Connection made using Windows authentication.";
/** The same reasons as Windows event data holds them (their own field). */
const PASSWORD_REASON = PASSWORD.slice(REASON.length);
const NO_LOGIN_REASON = NO_LOGIN.slice(REASON.length);

/** Parses one decoded line of SQL Server's errorlog. Never throws. */
export function parseMssqlLine(line: string, ctx: MssqlLineContext): ParsedLogon | LineSkip {
  const z = line.indexOf("\u0000");
  // a line of a UTF-16LE file decoded as 8-bit text (NUL after each ASCII character): drop the NULs
  if (z >= 0 && z < 4) line = line.replaceAll("\u0000", "");
  let p = 0;
  let c0 = line.charCodeAt(0);
  // a BOM (U+FEFF), or one decoded as UTF-8 (two U+FFFD)
  while (p < 2 && (c0 === 0xfeff || c0 === 0xfffd)) c0 = line.charCodeAt(++p);
  if (p >= line.length || c0 === 9 || c0 === 32 || c0 === 13) return CONTINUATION;
  if (c0 < 48 || c0 > 57) return NO_STAMP;
  const ts = stamp(line, p, ctx.utcOffsetMinutes ?? 0);
  if (ts < 0) return NO_STAMP;
  // source: `Logon`, `Server`, `spid51`, … padded with spaces
  const a = scanEnd + 1;
  const b = line.indexOf(" ", a);
  if (b <= a || b - a > 16) return NO_STAMP;
  if (b - a !== 5 || !line.startsWith("Logon", a)) return OTHER_SOURCE;
  let m = b;
  while (line.charCodeAt(m) === 32) m++;
  const end = trimmedEnd(line, m);
  if (line.startsWith("Error: ", m)) return ERROR_HELPER;
  return mssqlMessage(line, m, end, ts);
}

/**
 * Reads a SQL Server login message in s[p, end): a record without host (ts as given), or
 * why not. Shared by the errorlog and the Windows Application-log events.
 */
export function mssqlMessage(s: string, p: number, end: number, ts: number): ParsedLogon | LineSkip {
  let success: boolean;
  let u: number;
  if (s.startsWith(FAILED, p)) {
    success = false;
    u = p + FAILED.length;
  } else if (s.startsWith(SUCCEEDED, p)) {
    success = true;
    u = p + SUCCEEDED.length;
  } else if (s.startsWith("Login failed for ", p) || s.startsWith("Login succeeded for ", p)) return BAD_LOGIN;
  else return s.startsWith("Login failed", p) ? NO_USER : NOT_LOGIN;
  const k = s.lastIndexOf(CLIENT, end - 1);
  if (k < u || s.charCodeAt(end - 1) !== 93 /* ] */) return BAD_LOGIN;
  const ip = client(s, k + CLIENT.length, end - 1);
  if (typeof ip !== "string") return ip;
  const h = trimmedEnd(s, u, k);
  let reason: LogonReason = "other";
  let protocol: string | undefined;
  let t: number; // end of the user name
  if (!success) {
    if (endsAt(s, PASSWORD, h, u)) {
      reason = "password";
      t = h - PASSWORD.length;
    } else if (endsAt(s, NO_LOGIN, h, u)) {
      reason = "invalid_user";
      t = h - NO_LOGIN.length;
    } else {
      t = s.indexOf(REASON, u);
      // old servers write no reason: `Login failed for user 'x'. [CLIENT: …]`
      if (t < 0 || t >= h) t = endsAt(s, "'.", h, u) ? h - 2 : -1;
    }
  } else if (endsAt(s, SQL_AUTH, h, u)) {
    protocol = "SQL Server";
    t = h - SQL_AUTH.length;
  } else if (endsAt(s, WIN_AUTH, h, u)) {
    protocol = "Windows";
    t = h - WIN_AUTH.length;
  } else t = -1;
  if (t < u) return BAD_LOGIN;
  const r = logonOf(ts, "mssql", success, reason, ip, success ? (protocol === "Windows" ? "18453" : "18454") : "18456");
  if (protocol !== undefined) r.logon = { protocol };
  r.user = { name: clip(s, u, t) };
  return r;
}

/**
 * The same event from its separate fields (Windows event data: user, reason and client
 * strings): exact, since no field can run into another. `clientText` holds `[CLIENT: x]`.
 */
export function mssqlFields(code: 18456 | 18454 | 18453, user: string, reasonText: string, clientText: string, ts: number): ParsedLogon | LineSkip {
  const end = trimmedEnd(clientText, 0);
  const k = clientText.lastIndexOf(CLIENT, end - 1);
  if (k < 0 || clientText.charCodeAt(end - 1) !== 93) return BAD_LOGIN;
  const ip = client(clientText, k + CLIENT.length, end - 1);
  if (typeof ip !== "string") return ip;
  let reason: LogonReason = "other";
  if (code === 18456) {
    let p = 0;
    while (p < reasonText.length && reasonText.charCodeAt(p) === 32) p++;
    if (reasonText.startsWith("Reason: ", p)) p += 8;
    if (reasonText.startsWith(PASSWORD_REASON, p)) reason = "password";
    else if (reasonText.startsWith(NO_LOGIN_REASON, p)) reason = "invalid_user";
  }
  const r = logonOf(ts, "mssql", code !== 18456, reason, ip, String(code));
  if (code !== 18456) r.logon = { protocol: code === 18453 ? "Windows" : "SQL Server" };
  r.user = { name: clip(user, 0, user.length) };
  return r;
}

/** The client in s[a, b): a canonical remote IP, or why not. */
function client(s: string, a: number, b: number): string | LineSkip {
  if (b - a === 15 && s.startsWith("<local machine>", a)) return LOCAL;
  const ip = b - a <= 64 ? normalizeIp(s.slice(a, b)) : null;
  if (ip === null) return BAD_CLIENT;
  return isLocalIp(ip) ? LOCAL : ip;
}

/** s[?, h) is `tail`, leaving at least u characters before it. */
function endsAt(s: string, tail: string, h: number, u: number): boolean {
  return h - tail.length >= u && s.startsWith(tail, h - tail.length);
}

/** `2026-11-21 22:50:53.12 ` (local time) at i → ms, or -1; scanEnd at the space after it. */
function stamp(s: string, i: number, offsetMin: number): number {
  if (s.charCodeAt(i + 4) !== 45 || s.charCodeAt(i + 7) !== 45 || s.charCodeAt(i + 10) !== 32 || s.charCodeAt(i + 13) !== 58 || s.charCodeAt(i + 16) !== 58 || s.charCodeAt(i + 19) !== 46) return -1;
  const t = clock(two(s, i) * 100 + two(s, i + 2), two(s, i + 5), two(s, i + 8), two(s, i + 11), two(s, i + 14), two(s, i + 17));
  if (t < 0) return -1;
  const ms = fractionMs(s, i + 19);
  if (scanEnd === i + 20 || s.charCodeAt(scanEnd) !== 32) return -1;
  return t + ms - offsetMin * 60_000;
}
