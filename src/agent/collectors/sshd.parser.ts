/**
 * AGT-2 (sshd): a fast, pure parser of OpenSSH authentication log lines.
 *
 * Input is either a syslog line (classic `Nov 21 22:50:53 host sshd[123]: …` or the
 * RFC 3339 stamp that Debian 12's rsyslog writes, `2026-11-21T22:50:53.123456+00:00 host
 * sshd[123]: …`) or, from journald, the bare message. Process names `sshd`, `sshd-session`
 * (OpenSSH ≥ 9.8) and `sshd-auth` (OpenSSH ≥ 10) are recognised.
 *
 * Counting policy — one failure per authentication attempt. sshd writes several lines for
 * one attempt; counting them all would let three password guesses look like six. So:
 * - `Failed <method> for [invalid user] U from IP port N ssh2` is THE record of a failed
 *   attempt (reason password / publickey / keyboard-interactive, or invalid_user when the
 *   account does not exist). `Accepted …` is a success.
 * - `pam_unix(sshd:auth): authentication failure; … rhost=IP user=U` is written by PAM for
 *   the very attempt sshd then logs as `Failed password` (or `Failed keyboard-interactive/
 *   pam`): it is not counted. fail2ban's sshd filter does the same (it marks this line
 *   `<F-NOFAIL>`, a helper only).
 * - `Invalid user U from IP port N` is written once per connection, before the attempts,
 *   each of which is then logged as `Failed … for invalid user U`: not counted (fail2ban
 *   and CrowdSec both count it, so one guess at an unknown user counts twice there).
 * - `Connection closed by / Disconnected from authenticating|invalid user … [preauth]`
 *   close a connection whose attempts were already logged: not counted (as fail2ban's
 *   normal mode). `error: maximum authentication attempts exceeded …` sums up attempts
 *   already logged: not counted. `Failed none` is the protocol's method probe: not counted.
 * - `message repeated N times: [ Failed … ]` (rsyslog's duplicate folding) is N attempts:
 *   the record carries `repeat: N`.
 * Known gap: a connection that only names a user and leaves without trying a credential
 * (typical against key-only servers) leaves no `Failed` line and is not counted; closing it
 * needs per-connection (pid) correlation.
 *
 * User names are attacker-controlled (spaces, quotes, unicode, even a fake " from 1.2.3.4
 * port 1"): the address is taken from the right-most ` from IP port N` that is followed by
 * the fixed tail sshd writes, and the name is everything left of it, kept as plain data.
 */
import { normalizeIp } from "../../core/index.ts";
import { classicStamp, detach, rfc3339, trimmedEnd, type LogonReason, type ParsedLogon } from "./parse-util.ts";

export type { LogonReason, LogonService, LogonType, ParsedLogon } from "./parse-util.ts";

export interface AuthLineContext {
  /** Year for classic syslog stamps, which carry none. */
  year: number;
  /** Zone of classic syslog stamps (local time, no zone), minutes east of UTC; default 0. */
  utcOffsetMinutes?: number;
}

// Scratch results of the tail scanner; the parser is synchronous, so module state is safe.
let scanIp = "";
let scanPort = 0;

/** Last host name seen: consecutive lines nearly always name the same host, so reuse it. */
let lastHost = "";

/**
 * Parses one syslog line. Returns null, quickly, for anything that is not an sshd logon
 * attempt (other programs, other sshd messages, garbage).
 */
export function parseAuthLine(line: string, ctx: AuthLineContext): ParsedLogon | null {
  // Cheap prefilter before any parsing: the program name must appear.
  if (line.indexOf(" sshd") < 0) return null;
  // Stamp, host, program. The stamp itself is parsed last, only for logon lines. (This is
  // parse-util's syslogHost written out: on this hot path the call costs ~2-3%.)
  const c0 = line.charCodeAt(0);
  const rfc = c0 >= 48 && c0 <= 57;
  const h = rfc ? line.indexOf(" ") + 1 : 16;
  if (h < 16) return null;
  const hostEnd = line.indexOf(" ", h);
  if (hostEnd <= h || !line.startsWith(" sshd", hostEnd)) return null;
  let p = hostEnd + 5;
  let c = line.charCodeAt(p);
  if (c === 45 /* - */) {
    if (line.startsWith("session", p + 1)) p += 8;
    else if (line.startsWith("auth", p + 1)) p += 5;
    else return null;
    c = line.charCodeAt(p);
  }
  if (c === 91 /* [ */) {
    p = line.indexOf("]", p + 1);
    if (p < 0) return null;
    c = line.charCodeAt(++p);
  }
  if (c !== 58 /* : */ || line.charCodeAt(p + 1) !== 32) return null;
  const r = parseMessage(line, p + 2, trimmedEnd(line, p), 0);
  if (r === null) return null;
  const ts = rfc ? rfc3339(line, h - 1) : classicStamp(line, 0, ctx.year, ctx.utcOffsetMinutes ?? 0);
  if (ts < 0) return null;
  r.ts = ts;
  const len = hostEnd - h;
  if (lastHost.length !== len || !line.startsWith(lastHost, h)) lastHost = detach(line, h, hostEnd);
  r.host = { name: lastHost };
  return r;
}

/** Parses a journald MESSAGE of sshd (no syslog prefix); ts and host come from the entry. */
export function parseJournalMessage(msg: string, ts: number, host?: string): ParsedLogon | null {
  const r = parseMessage(msg, 0, trimmedEnd(msg, 0), ts);
  if (r !== null && host !== undefined && host !== "") r.host = { name: host };
  return r;
}

function parseMessage(s: string, p: number, end: number, ts: number): ParsedLogon | null {
  const c = s.charCodeAt(p);
  if (c === 70 /* F */) return s.startsWith("Failed ", p) ? attempt(s, p + 7, end, ts, false) : null;
  if (c === 65 /* A */) return s.startsWith("Accepted ", p) ? attempt(s, p + 9, end, ts, true) : null;
  if (c === 109 /* m */ && s.startsWith("message repeated ", p)) return repeated(s, p + 17, end, ts);
  return null;
}

/** `message repeated N times: [ Failed password for … ssh2]` */
function repeated(s: string, p: number, end: number, ts: number): ParsedLogon | null {
  let n = 0;
  let q = p;
  for (let d = s.charCodeAt(q) - 48; d >= 0 && d <= 9 && q - p < 7; d = s.charCodeAt(++q) - 48) n = n * 10 + d;
  if (q === p || n < 1 || !s.startsWith(" times: [", q)) return null;
  q += 9;
  if (s.charCodeAt(q) === 32) q++;
  if (s.charCodeAt(end - 1) !== 93 /* ] */) return null;
  const c = s.charCodeAt(q);
  // Nested `message repeated` is not something rsyslog writes.
  if (c !== 70 && c !== 65) return null;
  const r = parseMessage(s, q, end - 1, ts);
  if (r !== null) r.repeat = n;
  return r;
}

/** After `Accepted ` / `Failed `: `METHOD for [invalid user ]USER from IP port N ssh2[: KEY]`. */
function attempt(s: string, p: number, end: number, ts: number, success: boolean): ParsedLogon | null {
  const sp = s.indexOf(" ", p);
  if (sp < 0 || sp >= end || !s.startsWith(" for ", sp)) return null;
  let reason: LogonReason;
  const mlen = sp - p;
  if (mlen === 8 && s.startsWith("password", p)) reason = "password";
  else if (mlen === 9 && s.startsWith("publickey", p)) reason = "publickey";
  else if (s.startsWith("keyboard-interactive", p)) reason = "keyboard-interactive";
  else if (mlen === 4 && s.startsWith("none", p)) return null;
  else reason = "other";
  let u = sp + 5;
  if (!success && s.startsWith("invalid user ", u)) {
    u += 13;
    reason = "invalid_user";
  }
  const k = fromRight(s, u, end);
  if (k < 0) return null;
  return {
    kind: "logon",
    ts,
    service: "ssh",
    event: { outcome: success ? "success" : "failure", reason },
    source: { ip: scanIp, port: scanPort },
    user: { name: k > u ? detach(s, u, k) : "" },
  };
}

/**
 * Finds the right-most ` from IP port N` (after `userStart`) whose tail is what sshd writes:
 * end of message, ` ssh2`, `: KEY…` or ` [preauth]`. Sets scanIp/scanPort; returns the index
 * of ` from ` or -1.
 */
function fromRight(s: string, userStart: number, end: number): number {
  let k = s.lastIndexOf(" from ", end - 6);
  // userStart - 1: an empty name written with a single space (`invalid user from …`).
  while (k >= userStart - 1) {
    if (address(s, k + 6, end)) return k;
    if (k === 0) break;
    k = s.lastIndexOf(" from ", k - 1);
  }
  return -1;
}

function address(s: string, a: number, end: number): boolean {
  const sp = s.indexOf(" ", a);
  if (sp < 0 || sp >= end || !s.startsWith(" port ", sp)) return false;
  let q = sp + 6;
  let port = 0;
  const q0 = q;
  for (let d = s.charCodeAt(q) - 48; q < end && d >= 0 && d <= 9 && q - q0 < 5; d = s.charCodeAt(++q) - 48) port = port * 10 + d;
  if (q === q0 || port > 65535) return false;
  if (q !== end) {
    // What sshd writes after the port: ` ssh2` (then the end, `: KEY…` or ` [preauth]`),
    // ` [preauth]`, or `: reason`.
    const c = s.charCodeAt(q);
    if (c === 32) {
      if (s.startsWith("ssh2", q + 1)) {
        const t = q + 5;
        if (t !== end && s.charCodeAt(t) !== 58 && s.charCodeAt(t) !== 32) return false;
      } else if (!s.startsWith("[preauth]", q + 1)) return false;
    } else if (c !== 58) return false;
  }
  const ip = ipAt(s, a, sp);
  if (ip === null) return false;
  scanIp = ip;
  scanPort = port;
  return true;
}

/** The IP address in s[a, b), canonical, or null (sshd prints host names under UseDNS). */
function ipAt(s: string, a: number, b: number): string | null {
  return ipv4At(s, a, b) ? detach(s, a, b) : v6(s, a, b);
}

/** Four decimal octets without leading zeros (the form sshd prints). */
function ipv4At(s: string, a: number, b: number): boolean {
  if (b - a < 7 || b - a > 15) return false;
  let dots = 0;
  let octet = 0;
  let digits = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return false;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return false;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return false;
    } else return false;
  }
  return dots === 3 && digits > 0;
}

function v6(s: string, a: number, b: number): string | null {
  if (b - a < 2 || b - a > 45) return null;
  const colon = s.indexOf(":", a);
  if (colon < 0 || colon >= b) return null;
  return normalizeIp(s.slice(a, b));
}
