/**
 * AGT-2 (vsftpd): a pure parser of vsftpd's logon lines. service "ftp".
 *
 * Inputs:
 * - vsftpd's own log (`/var/log/vsftpd.log`, written when `xferlog_enable=YES` and
 *   `xferlog_std_format=NO`, or with `dual_log_enable=YES`):
 *   `Sat Nov 21 22:50:53 2026 [pid 1234] [admin] FAIL LOGIN: Client "203.0.113.9"` and
 *   `… [ftp] OK LOGIN: Client "::ffff:198.51.100.2", anon password "x"`. The stamp is
 *   vsftpd's local time without a zone: the context's utcOffsetMinutes applies.
 * - the same lines through syslog (`syslog_enable=YES`: no stamp and pid of its own):
 *   `Nov 21 22:50:53 ftp1 vsftpd[1234]: [admin] FAIL LOGIN: Client "203.0.113.9"`.
 * - PAM's line, in auth.log / secure: `vsftpd[123]: pam_unix(vsftpd:auth): authentication
 *   failure; logname= uid=0 euid=0 tty=ftp ruser=bob rhost=203.0.113.9  user=bob`.
 *
 * Counting policy — one failure per attempt. vsftpd writes its own `FAIL LOGIN` line only
 * when its own log is on (Debian's default configuration; RHEL's default
 * `xferlog_std_format=YES` writes transfers only, so there PAM's line is the only trace of a
 * failed logon). PAM's line is written for every attempt either way. So the PAM line is a
 * record by default (`pam: "record"`), and a collector that also reads vsftpd's own log sets
 * `pam: "helper"` so that each attempt counts once (as sshd's PAM line is a helper of its
 * `Failed password`). PAM omits `user=` when the account does not exist: such a line is
 * reason invalid_user with the name from `ruser=` (vsftpd sets PAM_RUSER to the name typed).
 *
 * Names are attacker-controlled on both sides of the address: the user name in `[…]` and
 * the anonymous password after it (and, in other lines, file names) may contain
 * `] FAIL LOGIN: Client "6.6.6.6"`. vsftpd does not escape them, so such a line reads the
 * same as a genuine one. A logon line is taken only when `Client "` occurs exactly once in
 * it; otherwise it is counted unknown ("ambiguous"). Dropping it loses nothing of value: a
 * name carrying that text is no real account, so its guesses could never succeed — while
 * believing it would let a logged-on user frame any address.
 */
import { normalizeIp } from "../../core/index.ts";
import { classicStamp, clip, detach, logonOf, rfc3339, scanEnd, skip, syslogHost, trimmedEnd, two, MAX_NAME, type LineSkip, type ParsedLogon } from "./parse-util.ts";

export type { LineSkip } from "./parse-util.ts";

export interface VsftpdLineContext {
  /** Year for classic syslog stamps, which carry none. */
  year: number;
  /** Zone of stamps without one (vsftpd's own, classic syslog), minutes east of UTC; default 0. */
  utcOffsetMinutes?: number;
  /** PAM's `authentication failure` line: a record (default) or a helper of vsftpd's own FAIL LOGIN. */
  pam?: "record" | "helper";
}

const NOT_VSFTPD = skip("unknown", "not a vsftpd line");
const BAD_STAMP = skip("unknown", "bad timestamp");
const NOT_LOGON = skip("ignored", "vsftpd line that is not a logon");
const AMBIGUOUS = skip("unknown", "ambiguous: user-supplied text imitates the address field");
const BAD_LOGON = skip("unknown", "logon line not understood");
const BAD_ADDRESS = skip("unknown", "source is not an IP address");
const PAM_HELPER = skip("ignored", "PAM line, counted by vsftpd's own FAIL LOGIN");
const PAM_OTHER = skip("ignored", "PAM line that is not an authentication failure");
const NO_SOURCE = skip("ignored", "PAM line without a remote address (local logon)");

/**
 * Parses one line of vsftpd's own log or one syslog line of vsftpd. Never throws: a line
 * that is no logon attempt comes back as a LineSkip saying why.
 */
export function parseVsftpdLine(line: string, ctx: VsftpdLineContext): ParsedLogon | LineSkip {
  const end = trimmedEnd(line, 0);
  const c0 = line.charCodeAt(0);
  // vsftpd's own log: `Sat Nov 21 22:50:53 2026 [pid 1234] …`
  if (c0 >= 65 && c0 <= 90 && line.charCodeAt(3) === 32 && line.startsWith(" [pid ", 24)) {
    const ts = ownStamp(line, ctx.utcOffsetMinutes ?? 0);
    if (ts < 0) return BAD_STAMP;
    const close = line.indexOf("] ", 30);
    if (close < 0 || close > 42) return NOT_VSFTPD;
    return message(line, close + 2, end, ts, ctx, undefined);
  }
  // syslog: `Nov 21 22:50:53 host vsftpd[123]: …` or `2026-11-21T22:50:53+00:00 host vsftpd: …`
  const h = syslogHost(line);
  if (h < 0) return NOT_VSFTPD;
  const hostEnd = scanEnd;
  if (!line.startsWith(" vsftpd", hostEnd)) return NOT_VSFTPD;
  let p = hostEnd + 7;
  if (line.charCodeAt(p) === 91 /* [ */) {
    p = line.indexOf("]", p);
    if (p < 0 || p - hostEnd > 20) return NOT_VSFTPD;
    p++;
  }
  if (line.charCodeAt(p) !== 58 || line.charCodeAt(p + 1) !== 32) return NOT_VSFTPD;
  const ts = c0 >= 48 && c0 <= 57 ? rfc3339(line, h - 1) : classicStamp(line, 0, ctx.year, ctx.utcOffsetMinutes ?? 0);
  if (ts < 0) return BAD_STAMP;
  return message(line, p + 2, end, ts, ctx, detach(line, h, hostEnd));
}

/** Parses a journald MESSAGE of vsftpd (no syslog prefix); ts and host come from the entry. */
export function parseVsftpdMessage(msg: string, ts: number, host?: string, opts?: { pam?: "record" | "helper" }): ParsedLogon | LineSkip {
  return message(msg, 0, trimmedEnd(msg, 0), ts, { year: 1970, pam: opts?.pam }, host === "" ? undefined : host);
}

function message(s: string, p: number, end: number, ts: number, ctx: VsftpdLineContext, host: string | undefined): ParsedLogon | LineSkip {
  const c = s.charCodeAt(p);
  if (c === 91 /* [ */) return userLine(s, p, end, ts, host);
  if (c === 112 /* p */ || c === 40 /* ( */) return pamLine(s, p, end, ts, ctx, host);
  return s.indexOf(': Client "', p) >= 0 ? NOT_LOGON : BAD_LOGON;
}

/** `[USER] (OK|FAIL) LOGIN: Client "IP"[, anon password "…"]`; other actions are no logons. */
function userLine(s: string, p: number, end: number, ts: number, host: string | undefined): ParsedLogon | LineSkip {
  const k = s.indexOf('LOGIN: Client "', p);
  if (k < 0) return s.indexOf('Client "', p) >= 0 ? NOT_LOGON : BAD_LOGON;
  const q = k + 7; // at `Client "`
  if (s.indexOf('Client "', p) !== q || s.lastIndexOf('Client "') !== q) return AMBIGUOUS;
  let success: boolean;
  let close: number; // the `]` that ends the user name
  if (s.startsWith("] OK ", k - 5)) {
    success = true;
    close = k - 5;
  } else if (s.startsWith("] FAIL ", k - 7)) {
    success = false;
    close = k - 7;
  } else return NOT_LOGON;
  if (close <= p + 1) return BAD_LOGON;
  const a = q + 8;
  const b = s.indexOf('"', a);
  if (b < 0 || b - a > 45) return BAD_LOGON;
  // What vsftpd writes after the address of a LOGIN line: nothing, or the anonymous password.
  if (b + 1 !== end && !(s.startsWith(', anon password "', b + 1) && s.charCodeAt(end - 1) === 34)) return BAD_LOGON;
  const ip = normalizeIp(s.slice(a, b));
  if (ip === null) return BAD_ADDRESS;
  const r = logonOf(ts, "ftp", success, "password", ip);
  r.user = { name: clip(s, p + 1, close) };
  if (host !== undefined) r.host = { name: bounded(host) };
  return r;
}

/**
 * `pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=U
 * rhost=IP[  user=U]` (older PAM: `(pam_unix) authentication failure; …`). The last
 * ` rhost=` is PAM's own: only the account name (a real one, no spaces) can follow it.
 */
function pamLine(s: string, p: number, end: number, ts: number, ctx: VsftpdLineContext, host: string | undefined): ParsedLogon | LineSkip {
  let m: number;
  if (s.startsWith("pam_", p)) {
    const paren = s.indexOf("(vsftpd:auth): ", p);
    if (paren < 0 || paren - p > 40) return PAM_OTHER;
    m = paren + 15;
  } else if (s.startsWith("(pam_unix) ", p)) m = p + 11;
  else return BAD_LOGON;
  if (!s.startsWith("authentication failure; ", m)) return PAM_OTHER;
  if (ctx.pam === "helper") return PAM_HELPER;
  const k = s.lastIndexOf(" rhost=", end - 1);
  if (k < m) return BAD_LOGON;
  const a = k + 7;
  let b = end;
  let user: string | null = null;
  const u = s.indexOf("  user=", a);
  if (u >= 0 && u < end) {
    b = u;
    if (s.indexOf(" ", u + 7) >= 0 && s.indexOf(" ", u + 7) < end) return BAD_LOGON;
    user = clip(s, u + 7, end);
  } else if (s.indexOf(" ", a) >= 0 && s.indexOf(" ", a) < end) return BAD_LOGON;
  if (b === a) return NO_SOURCE;
  if (b - a > 64) return BAD_ADDRESS;
  const ip = normalizeIp(s.slice(a, b));
  if (ip === null) return BAD_ADDRESS;
  const r = logonOf(ts, "ftp", false, user === null ? "invalid_user" : "password", ip);
  if (user === null) {
    const ru = s.indexOf(" ruser=", m);
    if (ru >= 0 && ru < k && ru + 7 < k) user = clip(s, ru + 7, k);
  }
  if (user !== null) r.user = { name: user };
  if (host !== undefined) r.host = { name: bounded(host) };
  return r;
}

// ---- helpers --------------------------------------------------------------------------------

function bounded(x: string): string {
  return x.length <= MAX_NAME ? x : clip(x, 0, x.length);
}

/** `Sat Nov 21 22:50:53 2026` (vsftpd's own, local time): the classic stamp with the year after it → ms, or -1. */
function ownStamp(s: string, offsetMin: number): number {
  return classicStamp(s, 4, two(s, 20) * 100 + two(s, 22), offsetMin);
}
