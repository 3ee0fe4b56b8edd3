/**
 * AGT-2 (Windows): logon events 4624 (success) and 4625 (failure) as JSON lines from a
 * forwarder. Three shapes are read:
 * - Winlogbeat (ECS): `{"@timestamp": "…Z", "winlog": {"event_id": 4625 | "4625",
 *   "computer_name": "WIN-1", "channel": "Security", "event_data": {TargetUserName, IpAddress,
 *   IpPort, LogonType, AuthenticationPackageName, Status, SubStatus, …}}, "source": {…}}`.
 * - NXLog (im_msvistalog + to_json), flat: `{"EventTime": "2026-11-21 22:50:53",
 *   "Hostname": "WIN-1", "EventID": 4625, "Channel": "Security", "TargetUserName": …}`.
 *   EventTime is local time without a zone: the context's utcOffsetMinutes applies.
 * - the event's XML as JSON (evtx_dump/python-evtx style): `{"Event": {"System": {"EventID":
 *   4625 | {"#text": 4625} | {"Value": 4625}, "TimeCreated": {"SystemTime": "…Z"} |
 *   {"#attributes": {"SystemTime": "…"}}, "Computer": "WIN-1"}, "EventData": {name: value} |
 *   {"Data": [{"@Name"|"Name": "…", "#text"|"Value": "…"}]}}}` (with or without `Event`).
 * Fluent Bit's winevtlog gives the event data only as positional StringInserts: not read.
 *
 * Decisions:
 * - service is always "rdp". The Security log does not say whether a network logon came
 *   over RDP (with NLA a failed RDP logon is type 3), SMB or IPC, so type 3 counts as "rdp"
 *   like type 10, and logon.type keeps the logon type for operators to tell them apart:
 *   10 → remote_interactive, 3 → network, 2 → interactive, any other → other.
 * - A logon needs a remote source address. `-` or empty (console, services, scheduled
 *   tasks — and the odd network failure that records only a workstation name), loopback
 *   (127.0.0.0/8, ::1) and 0.0.0.0/:: are local logons, or none that can be blocked:
 *   ignored, counted by reason.
 * - 4624 of a machine account (name ending `$`) or of ANONYMOUS LOGON is the machinery of
 *   a domain (and null sessions), not a person logging on: ignored, counted.
 * - 4625 reason from SubStatus (or Status when SubStatus is absent/0): 0xC0000064 (no such
 *   user) → invalid_user, 0xC000006A (bad password) → password, anything else → other.
 *   4624 → other (the event does not say a password was used); logon.protocol is the
 *   AuthenticationPackageName (NTLM, Kerberos, Negotiate).
 * Lines are parsed with JSON.parse (bounded length, never throws); field values are plain
 * data, wrong types count as absent.
 */
import { normalizeIp } from "../../core/index.ts";
import type { LogonType, ParsedLogon } from "./sshd.parser.ts";

/** A line that gave no record: deliberately skipped (`ignored`) or not understood (`unknown`). */
export interface LineSkip {
  readonly skip: "ignored" | "unknown";
  readonly why: string;
}

export interface WindowsLineContext {
  /** Zone of stamps without one (NXLog's EventTime), minutes east of UTC; default 0. */
  utcOffsetMinutes?: number;
}

/** Longer lines are not parsed (a 4624/4625 event with its message text is a few KiB). */
export const MAX_WINDOWS_LINE = 256 * 1024;

const skip = (s: "ignored" | "unknown", why: string): LineSkip => Object.freeze({ skip: s, why });
const TOO_LONG = skip("unknown", "line too long");
const NOT_JSON = skip("unknown", "not a JSON object");
const BAD_JSON = skip("unknown", "malformed JSON");
const BAD_SHAPE = skip("unknown", "JSON of no known forwarder shape");
const OTHER_EVENT = skip("ignored", "not a 4624/4625 logon event");
const OTHER_CHANNEL = skip("ignored", "not the Security log");
const BAD_TIME = skip("unknown", "no usable event time");
const NO_DATA = skip("unknown", "no event data");
const NO_SOURCE = skip("ignored", "no source address in the event (local logon, or not recorded)");
const LOCAL = skip("ignored", "loopback source (local logon)");
const BAD_ADDRESS = skip("unknown", "IpAddress is not an IP address");
const MACHINE = skip("ignored", "machine account logon");
const ANONYMOUS = skip("ignored", "anonymous logon");

const MAX_TEXT = 256;

type Obj = Record<string, unknown>;

/** Parses one JSON line of a forwarder. Never throws. */
export function parseWindowsLine(line: string, ctx: WindowsLineContext): ParsedLogon | LineSkip {
  if (line.length > MAX_WINDOWS_LINE) return TOO_LONG;
  let i = 0;
  while (i < line.length && isBlank(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i) !== 123 /* { */) return NOT_JSON;
  // Cheap prefilter: the event id has to be written somewhere in the line.
  if (line.indexOf("4624") < 0 && line.indexOf("4625") < 0) return OTHER_EVENT;
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return BAD_JSON;
  }
  if (!isObj(v)) return NOT_JSON;
  return fromEvent(v, ctx.utcOffsetMinutes ?? 0);
}

/** Reads an already-parsed event object (any of the three shapes). Never throws. */
export function parseWindowsEvent(v: unknown, ctx: WindowsLineContext): ParsedLogon | LineSkip {
  return isObj(v) ? fromEvent(v, ctx.utcOffsetMinutes ?? 0) : NOT_JSON;
}

function fromEvent(v: Obj, off: number): ParsedLogon | LineSkip {
  let id: number;
  let data: Obj | null;
  let ts: number;
  let host: unknown;
  let channel: unknown;
  const winlog = v["winlog"];
  const ev = isObj(v["Event"]) ? (v["Event"] as Obj) : v;
  const system = ev["System"];
  if (isObj(winlog)) {
    // Winlogbeat
    id = int(winlog["event_id"]);
    channel = winlog["channel"];
    if (id !== 4624 && id !== 4625) return OTHER_EVENT;
    data = isObj(winlog["event_data"]) ? (winlog["event_data"] as Obj) : null;
    ts = time(v["@timestamp"], off);
    host = winlog["computer_name"] ?? (isObj(v["host"]) ? ((v["host"] as Obj)["name"] ?? (v["host"] as Obj)["hostname"]) : undefined);
    if (data !== null || isObj(v["source"])) data = withEcsFallbacks(data ?? {}, v);
  } else if (isObj(system)) {
    // the event's XML as JSON
    const sys = system as Obj;
    const raw = sys["EventID"];
    id = isObj(raw) ? int((raw as Obj)["#text"] ?? (raw as Obj)["Value"] ?? (raw as Obj)["value"]) : int(raw);
    channel = sys["Channel"];
    if (id !== 4624 && id !== 4625) return OTHER_EVENT;
    data = eventData(ev["EventData"]);
    const tc = sys["TimeCreated"];
    let t: unknown = tc;
    if (isObj(tc)) {
      const o = tc as Obj;
      t = o["SystemTime"] ?? o["@SystemTime"] ?? (isObj(o["#attributes"]) ? (o["#attributes"] as Obj)["SystemTime"] : undefined);
    }
    ts = typeof t === "number" ? epochSeconds(t) : time(t, off);
    host = sys["Computer"];
  } else if (v["EventID"] !== undefined) {
    // NXLog and other flat shapes
    id = int(v["EventID"]);
    channel = v["Channel"];
    if (id !== 4624 && id !== 4625) return OTHER_EVENT;
    data = v;
    ts = time(v["EventTime"] ?? v["TimeCreated"] ?? v["@timestamp"], off);
    host = v["Hostname"] ?? v["Computer"] ?? v["ComputerName"];
  } else return BAD_SHAPE;
  if (typeof channel === "string" && channel.toLowerCase() !== "security") return OTHER_CHANNEL;
  if (data === null) return NO_DATA;
  if (ts <= 0) return BAD_TIME;

  const success = id === 4624;
  const user = str(data["TargetUserName"]);
  if (success && user !== undefined) {
    if (user.endsWith("$")) return MACHINE;
    if (user.toUpperCase() === "ANONYMOUS LOGON") return ANONYMOUS;
  }
  const addr = str(data["IpAddress"]);
  if (addr === undefined || addr === "" || addr === "-") return NO_SOURCE;
  const ip = addr.length <= 64 ? normalizeIp(addr) : null;
  if (ip === null) return BAD_ADDRESS;
  if (isLocal(ip)) return LOCAL;

  const r: ParsedLogon = {
    kind: "logon",
    ts,
    service: "rdp",
    event: { outcome: success ? "success" : "failure", reason: success ? "other" : failureReason(data), code: success ? "4624" : "4625" },
    source: { ip },
  };
  const port = int(data["IpPort"]);
  if (port > 0 && port <= 65535) r.source.port = port;
  const logon: { type?: LogonType; protocol?: string } = {};
  const lt = int(data["LogonType"]);
  if (lt >= 0) logon.type = lt === 10 ? "remote_interactive" : lt === 3 ? "network" : lt === 2 ? "interactive" : "other";
  const pkg = str(data["AuthenticationPackageName"])?.trim();
  if (pkg !== undefined && pkg !== "" && pkg !== "-") logon.protocol = bounded(pkg, 64);
  if (logon.type !== undefined || logon.protocol !== undefined) r.logon = logon;
  if (user !== undefined && user !== "" && user !== "-") r.user = { name: bounded(user, MAX_TEXT) };
  const hn = str(host);
  if (hn !== undefined && hn !== "") r.host = { name: bounded(hn, MAX_TEXT) };
  return r;
}

/** Winlogbeat's security module also maps the event data to ECS fields; use them where event_data lacks one. */
function withEcsFallbacks(data: Obj, v: Obj): Obj {
  const source = isObj(v["source"]) ? (v["source"] as Obj) : null;
  const user = isObj(v["user"]) ? (v["user"] as Obj) : null;
  if (data["IpAddress"] === undefined && source?.["ip"] !== undefined) data = { ...data, IpAddress: source["ip"] };
  if (data["IpPort"] === undefined && source?.["port"] !== undefined) data = { ...data, IpPort: source["port"] };
  if (data["TargetUserName"] === undefined && user?.["name"] !== undefined) data = { ...data, TargetUserName: user["name"] };
  return data;
}

/** EventData as an object of name → value, from either `{name: value}` or `{"Data": [{"@Name": …, "#text": …}]}`. */
function eventData(ed: unknown): Obj | null {
  if (!isObj(ed)) return null;
  const o = ed as Obj;
  const list = o["Data"];
  if (!Array.isArray(list)) return o;
  const out: Obj = {};
  for (const item of list.slice(0, 200)) {
    if (!isObj(item)) continue;
    const it = item as Obj;
    const n = it["@Name"] ?? it["Name"] ?? (isObj(it["#attributes"]) ? (it["#attributes"] as Obj)["Name"] : undefined);
    if (typeof n === "string") out[n] = it["#text"] ?? it["Value"] ?? it["value"] ?? it["text"];
  }
  return out;
}

function failureReason(data: Obj): "invalid_user" | "password" | "other" {
  let code = str(data["SubStatus"])?.toLowerCase();
  if (code === undefined || code === "" || code === "0x0" || code === "-") code = str(data["Status"])?.toLowerCase();
  if (code === "0xc0000064") return "invalid_user";
  if (code === "0xc000006a") return "password";
  return "other";
}

function isLocal(ip: string): boolean {
  return ip === "::1" || ip === "::" || ip === "0.0.0.0" || ip.startsWith("127.");
}

// ---- plain-data helpers -----------------------------------------------------------------------

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isBlank(c: number): boolean {
  return c === 32 || c === 13 || c === 10 || c === 9;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** A non-negative integer from a number or a decimal string, else -1. */
function int(v: unknown): number {
  if (typeof v === "number") return Number.isInteger(v) && v >= 0 ? v : -1;
  if (typeof v !== "string" || v.length === 0 || v.length > 10) return -1;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Bounded copy of an attacker-influenced text (never splitting a surrogate pair). */
function bounded(s: string, max: number): string {
  if (s.length <= max) return s;
  let e = max;
  const c = s.charCodeAt(e - 1);
  if (c >= 0xd800 && c <= 0xdbff) e--;
  return s.slice(0, e);
}

function epochSeconds(t: number): number {
  return Number.isFinite(t) && t > 0 && t < 1e11 ? Math.round(t * 1000) : -1;
}

function digit(s: string, i: number): number {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -100;
}

function two(s: string, i: number): number {
  return digit(s, i) * 10 + digit(s, i + 1);
}

/**
 * `YYYY-MM-DD[T| ]HH:MM:SS[.fffffff][Z|±HH:MM|±HHMM| +0000]` → ms, or -1. Without a zone
 * the time is local: offsetMin applies. Also PowerShell's `/Date(ms)/`.
 */
function time(v: unknown, offsetMin: number): number {
  if (typeof v !== "string") return -1;
  if (v.startsWith("/Date(")) return psDate(v);
  if (v.length < 19 || v.length > 40) return -1;
  if (v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45 || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58) return -1;
  const sep = v.charCodeAt(10);
  if (sep !== 84 && sep !== 32) return -1;
  const y = two(v, 0) * 100 + two(v, 2), mo = two(v, 5), d = two(v, 8), hh = two(v, 11), mm = two(v, 14), ss = two(v, 17);
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) return -1;
  let i = 19;
  let ms = 0;
  if (v.charCodeAt(i) === 46) {
    let n = 0;
    for (let dg = digit(v, ++i); dg >= 0; dg = digit(v, ++i)) if (n++ < 3) ms += dg * (n === 1 ? 100 : n === 2 ? 10 : 1);
  }
  if (v.charCodeAt(i) === 32) i++;
  let off = offsetMin;
  const z = v.charCodeAt(i);
  if (z === 90 /* Z */) {
    off = 0;
    i++;
  } else if (z === 43 || z === 45) {
    const colon = v.charCodeAt(i + 3) === 58 ? 1 : 0;
    const oh = two(v, i + 1), om = two(v, i + 3 + colon);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return -1;
    off = (z === 45 ? -1 : 1) * (oh * 60 + om);
    i += 5 + colon;
  }
  if (i !== v.length) return -1;
  return Date.UTC(y, mo - 1, d, hh, mm, ss) + ms - off * 60_000;
}

/** PowerShell ConvertTo-Json's `/Date(1700000000000)/`. */
function psDate(v: string): number {
  const close = v.indexOf(")/", 6);
  if (close < 7 || close > 22) return -1;
  const n = Number(v.slice(6, close));
  return Number.isInteger(n) && n > 0 ? n : -1;
}
