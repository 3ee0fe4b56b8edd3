/**
 * AGT-2 (Windows): logon events as JSON lines from a forwarder: the Security log's 4624
 * (success) and 4625 (failure), and SQL Server's 18456 (failure), 18454 and 18453 (success)
 * in the Application log. Three shapes are read:
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
 *
 * SQL Server (service "mssql", spec LOG-8), decisions:
 * - 18456 / 18454 / 18453 count when the provider is `MSSQLSERVER` or `MSSQL$INSTANCE`
 *   (winlog.provider_name, System.Provider's Name, NXLog's SourceName) and the channel is
 *   Application (or ForwardedEvents, for a Windows Event Forwarding collector); the same ids
 *   from any other provider or channel are ignored, counted. A line that names neither is read.
 * - The event data is positional (unnamed `<Data>`): Winlogbeat names the strings param1
 *   (user), param2 (reason, for 18456), … with the last one `[CLIENT: ip]` (its newer
 *   renderer counts from param0); evtx-as-JSON gives them as a `Data` list or
 *   `Data: {"#text": [...]}`. These fields are exact and are read first. Without them
 *   (NXLog flat records, read by their rendered Message; a trimmed event) the rendered
 *   message (`message`, `Message`, `RenderingInfo.Message`) is read the way the errorlog is
 *   (mssql.parser.ts): the client from the last `[CLIENT: …]` ending it, the user and
 *   reason against the fixed texts before it.
 * - Reason: "Could not find a login matching the name provided" → invalid_user, "Password
 *   did not match" → password, others → other; 18454/18453 → other, with logon.protocol
 *   "SQL Server" / "Windows". event.code is the event id. `[CLIENT: <local machine>]` and
 *   loopback are local: ignored, counted. No port: SQL Server does not log one.
 * - The prefilter that keeps the parser cheap on the Security log's noise lets a line reach
 *   JSON.parse only when it holds "4624", "4625" or "1845" (18453/18454/18456).
 *
 * Lines are parsed with JSON.parse (bounded length, never throws); field values are plain
 * data, wrong types count as absent.
 */
import { normalizeIp } from "../../core/index.ts";
import { mssqlFields, mssqlMessage } from "./mssql.parser.ts";
import { clip, clock, fractionMs, isBlank, isLineSkip, isLocalIp, logonOf, scanEnd, skip, trimmedEnd, two, zoneAt, BAD_ZONE, NO_ZONE, type LineSkip, type LogonType, type ParsedLogon } from "./parse-util.ts";

export type { LineSkip } from "./parse-util.ts";

export interface WindowsLineContext {
  /** Zone of stamps without one (NXLog's EventTime), minutes east of UTC; default 0. */
  utcOffsetMinutes?: number;
}

/** Longer lines are not parsed (a logon event with its message text is a few KiB). */
export const MAX_WINDOWS_LINE = 256 * 1024;

const TOO_LONG = skip("unknown", "line too long");
const NOT_JSON = skip("unknown", "not a JSON object");
const BAD_JSON = skip("unknown", "malformed JSON");
const BAD_SHAPE = skip("unknown", "JSON of no known forwarder shape");
const OTHER_EVENT = skip("ignored", "not a 4624/4625 or SQL Server logon event");
const OTHER_CHANNEL = skip("ignored", "not the Security log (or ForwardedEvents)");
const BAD_TIME = skip("unknown", "no usable event time");
const NO_DATA = skip("unknown", "no event data");
const NO_SOURCE = skip("ignored", "no source address in the event (local logon, or not recorded)");
const LOCAL = skip("ignored", "loopback source (local logon)");
const BAD_ADDRESS = skip("unknown", "IpAddress is not an IP address");
const MACHINE = skip("ignored", "machine account logon");
const ANONYMOUS = skip("ignored", "anonymous logon");
const NOT_MSSQL = skip("ignored", "18456/18454/18453 of another provider than SQL Server");
const NOT_APPLICATION = skip("ignored", "SQL Server event not from the Application log");
const NO_MSSQL_TEXT = skip("unknown", "SQL Server event without its data or message");
const MSSQL_MISMATCH = skip("unknown", "SQL Server message does not match its event id");

type Obj = Record<string, unknown>;

/** Parses one JSON line of a forwarder. Never throws. */
export function parseWindowsLine(line: string, ctx: WindowsLineContext): ParsedLogon | LineSkip {
  if (line.length > MAX_WINDOWS_LINE) return TOO_LONG;
  let i = 0;
  while (i < line.length && isBlank(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i) !== 123 /* { */) return NOT_JSON;
  // Cheap prefilter: the event id has to be written somewhere in the line.
  if (line.indexOf("4624") < 0 && line.indexOf("4625") < 0 && line.indexOf("1845") < 0) return OTHER_EVENT;
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
  let data: Obj | null = null;
  let ts: number;
  let host: unknown;
  let channel: unknown;
  let provider: unknown;
  /** SQL Server: the unnamed event data in order, and the rendered message. */
  let params: unknown[] = [];
  let message: unknown;
  const winlog = v["winlog"];
  const ev = isObj(v["Event"]) ? (v["Event"] as Obj) : v;
  const system = ev["System"];
  if (isObj(winlog)) {
    // Winlogbeat
    id = int(winlog["event_id"]);
    if (!isLogonEvent(id)) return OTHER_EVENT;
    channel = winlog["channel"];
    provider = winlog["provider_name"];
    data = isObj(winlog["event_data"]) ? (winlog["event_data"] as Obj) : null;
    ts = time(v["@timestamp"], off);
    host = winlog["computer_name"] ?? (isObj(v["host"]) ? ((v["host"] as Obj)["name"] ?? (v["host"] as Obj)["hostname"]) : undefined);
    if (id > 18000) {
      params = numberedParams(data);
      message = v["message"];
    } else if (data !== null || isObj(v["source"])) data = withEcsFallbacks(data ?? {}, v);
  } else if (isObj(system)) {
    // the event's XML as JSON
    const sys = system as Obj;
    const raw = sys["EventID"];
    id = isObj(raw) ? int((raw as Obj)["#text"] ?? (raw as Obj)["Value"] ?? (raw as Obj)["value"]) : int(raw);
    if (!isLogonEvent(id)) return OTHER_EVENT;
    channel = sys["Channel"];
    provider = attribute(sys["Provider"], "Name");
    if (id > 18000) {
      params = positionalData(ev["EventData"]);
      message = isObj(ev["RenderingInfo"]) ? (ev["RenderingInfo"] as Obj)["Message"] : undefined;
    } else data = eventData(ev["EventData"]);
    const tc = sys["TimeCreated"];
    const t: unknown = isObj(tc) ? attribute(tc, "SystemTime") : tc;
    ts = typeof t === "number" ? epochSeconds(t) : time(t, off);
    host = sys["Computer"];
  } else if (v["EventID"] !== undefined) {
    // NXLog and other flat shapes
    id = int(v["EventID"]);
    if (!isLogonEvent(id)) return OTHER_EVENT;
    channel = v["Channel"];
    provider = v["SourceName"] ?? v["ProviderName"];
    data = v;
    if (id > 18000) {
      params = numberedParams(v);
      message = v["Message"] ?? v["message"];
    }
    ts = time(v["EventTime"] ?? v["TimeCreated"] ?? v["@timestamp"], off);
    host = v["Hostname"] ?? v["Computer"] ?? v["ComputerName"];
  } else return BAD_SHAPE;
  if (id > 18000) return sqlServerEvent(id as 18456 | 18454 | 18453, channel, provider, params, message, ts, host);
  // Windows Event Forwarding collectors keep forwarded Security events in ForwardedEvents
  if (typeof channel === "string" && !["security", "forwardedevents"].includes(channel.toLowerCase())) return OTHER_CHANNEL;
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
  if (isLocalIp(ip)) return LOCAL;

  const r = logonOf(ts, "rdp", success, success ? "other" : failureReason(data), ip, success ? "4624" : "4625");
  const port = int(data["IpPort"]);
  if (port > 0 && port <= 65535) r.source.port = port;
  const logon: { type?: LogonType; protocol?: string } = {};
  const lt = int(data["LogonType"]);
  if (lt >= 0) logon.type = lt === 10 ? "remote_interactive" : lt === 3 ? "network" : lt === 2 ? "interactive" : "other";
  const pkg = str(data["AuthenticationPackageName"])?.trim();
  if (pkg !== undefined && pkg !== "" && pkg !== "-") logon.protocol = clip(pkg, 0, pkg.length, 64);
  if (logon.type !== undefined || logon.protocol !== undefined) r.logon = logon;
  if (user !== undefined && user !== "" && user !== "-") r.user = { name: clip(user, 0, user.length) };
  withHost(r, host);
  return r;
}

function isLogonEvent(id: number): boolean {
  return id === 4624 || id === 4625 || id === 18456 || id === 18454 || id === 18453;
}

function withHost(r: ParsedLogon, host: unknown): void {
  const hn = str(host);
  if (hn !== undefined && hn !== "") r.host = { name: clip(hn, 0, hn.length) };
}

/** SQL Server's 18456 / 18454 / 18453: from the event data where it has the fields, else from the message. */
function sqlServerEvent(id: 18456 | 18454 | 18453, channel: unknown, provider: unknown, params: unknown[], message: unknown, ts: number, host: unknown): ParsedLogon | LineSkip {
  if (typeof provider === "string") {
    const up = provider.toUpperCase();
    if (up !== "MSSQLSERVER" && !(up.startsWith("MSSQL$") && up.length > 6 && up.length <= 64)) return NOT_MSSQL;
  }
  if (typeof channel === "string") {
    const c = channel.toLowerCase();
    if (c !== "application" && c !== "forwardedevents") return NOT_APPLICATION;
  }
  if (ts <= 0) return BAD_TIME;
  let r: ParsedLogon | LineSkip;
  let ci = params.length - 1; // the client is the last field that holds one
  while (ci > 0 && !(typeof params[ci] === "string" && (params[ci] as string).includes("[CLIENT: "))) ci--;
  const user = params[0] ?? ""; // Winlogbeat leaves out an empty user name
  if (ci > 0 && typeof user === "string") {
    const reason = ci > 1 ? str(params[1]) ?? "" : "";
    r = mssqlFields(id, user, reason, params[ci] as string, ts);
  } else if (typeof message === "string" && message.length <= 16 * 1024) {
    let p = 0;
    while (p < message.length && isBlank(message.charCodeAt(p))) p++;
    r = mssqlMessage(message, p, trimmedEnd(message, p), ts);
    if (!isLineSkip(r) && r.event.code !== String(id)) r = MSSQL_MISMATCH;
  } else r = NO_MSSQL_TEXT;
  if (!isLineSkip(r)) withHost(r, host);
  return r;
}

/**
 * Winlogbeat's names for unnamed event data, in order (at most 16): param1, param2, … (it
 * leaves out empty values, so there may be gaps), or param0, param1, … (its newer renderer,
 * for providers without a manifest, as SQL Server's classic event source).
 */
function numberedParams(data: Obj | null): unknown[] {
  const out: unknown[] = [];
  if (data === null) return out;
  const base = data["param0"] !== undefined ? 0 : 1;
  for (let i = 0; i < 16; i++) out.push(data[`param${i + base}`]);
  while (out.length > 0 && out[out.length - 1] === undefined) out.pop();
  return out;
}

/** Unnamed `<Data>` of EventData as JSON: `{"Data": [s, …]}`, `{"Data": {"#text": [s, …] | s}}`, `{"Data": [{"#text": s}, …]}` or `{"Data": s}`. */
function positionalData(ed: unknown): unknown[] {
  if (!isObj(ed)) return [];
  let d = (ed as Obj)["Data"];
  if (isObj(d)) d = (d as Obj)["#text"] ?? (d as Obj)["Value"];
  if (typeof d === "string") return [d];
  if (!Array.isArray(d)) return [];
  return d.slice(0, 16).map((x) => (isObj(x) ? ((x as Obj)["#text"] ?? (x as Obj)["Value"]) : x));
}

/** An XML attribute as JSON converters write it: `{Name}`, `{"@Name"}` or `{"#attributes": {Name}}`. */
function attribute(o: unknown, name: string): unknown {
  if (!isObj(o)) return undefined;
  const x = o as Obj;
  return x[name] ?? x[`@${name}`] ?? (isObj(x["#attributes"]) ? (x["#attributes"] as Obj)[name] : undefined);
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

// ---- plain-data helpers -----------------------------------------------------------------------

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
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

function epochSeconds(t: number): number {
  return Number.isFinite(t) && t > 0 && t < 1e11 ? Math.round(t * 1000) : -1;
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
  const t = clock(two(v, 0) * 100 + two(v, 2), two(v, 5), two(v, 8), two(v, 11), two(v, 14), two(v, 17));
  if (t < 0) return -1;
  const ms = fractionMs(v, 19);
  let i = scanEnd;
  if (v.charCodeAt(i) === 32) i++;
  const z = zoneAt(v, i);
  if (z === BAD_ZONE || scanEnd !== v.length) return -1;
  return t + ms - (z === NO_ZONE ? offsetMin : z) * 60_000;
}

/** PowerShell ConvertTo-Json's `/Date(1700000000000)/`. */
function psDate(v: string): number {
  const close = v.indexOf(")/", 6);
  if (close < 7 || close > 22) return -1;
  const n = Number(v.slice(6, close));
  return Number.isInteger(n) && n > 0 ? n : -1;
}
