import type { AlertNotice } from "./notice.ts";

/**
 * RFC 5424 syslog lines carrying a CEF (ArcSight Common Event Format) payload. Pure:
 * the sender adds the transport. User names and host names come from the attacker, so
 * every value goes through the CEF escaping below; a newline, "|" or "=" in them stays
 * inside its field and can never start a new event or a new key.
 */

/** CEF header field: backslash and pipe escaped; line breaks and other controls become spaces. */
export const cefHeader = (s: string): string => s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/[\u0000-\u001f\u007f]/g, " ");

/** CEF extension value: backslash and "=" escaped, CR/LF as \r and \n, other controls as spaces. */
export const cefValue = (s: string): string =>
  s.replace(/\\/g, "\\\\").replace(/=/g, "\\=").replace(/\r/g, "\\r").replace(/\n/g, "\\n").replace(/[\u0000-\u001f\u007f]/g, " ");

/** ArcSight's field limit for most string keys; longer attacker text is cut, never the framing. */
const MAX_VALUE = 1023;
const cap = (s: string) => (s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s);

export const CEF_SEVERITY: Record<string, number> = { low: 3, medium: 5, high: 8, critical: 10 };
/** RFC 5424 severities: notice, warning, error, critical. */
export const SYSLOG_SEVERITY: Record<string, number> = { low: 5, medium: 4, high: 3, critical: 2 };

export function cefMessage(n: AlertNotice, deliveryId: string, productVersion: string): string {
  const a = n.alert;
  const ip = a.source.ip;
  const source: [string, string | null][] = ip?.includes(":") ? [["c6a2", ip], ["c6a2Label", "Source IPv6 Address"]] : [["src", ip]];
  const ext: [string, string | number | null][] = [
    ["rt", Date.parse(a.lastSeen)],
    ["start", Date.parse(a.firstSeen)],
    ...source,
    ["suser", a.user.name],
    ["dhost", a.asset.hostname],
    ["cnt", a.count],
    ["externalId", a.id],
    ["cs1Label", "status"], ["cs1", a.status],
    ["cs2Label", "attack"], ["cs2", a.attack.join(",") || null],
    ["cs3Label", "response"], ["cs3", a.response],
    ["cs4Label", "reason"], ["cs4", n.reason],
    ["cs5Label", "assetId"], ["cs5", a.asset.id],
    ["cs6Label", "deliveryId"], ["cs6", deliveryId],
    ["msg", a.triage || null],
  ];
  const extension = ext.filter(([, v]) => v !== null && v !== "").map(([k, v]) => `${k}=${cefValue(cap(String(v)))}`).join(" ");
  const header = ["CEF:0", "Hostward", "Hostward", productVersion, a.type, cap(a.name), String(CEF_SEVERITY[a.severity] ?? 5)].map((f, i) => (i === 0 ? f : cefHeader(f)));
  return `${header.join("|")}|${extension}`;
}

/** RFC 5424 header fields are printable US-ASCII without spaces; anything else would shift the fields. */
const token = (s: string, max: number): string => {
  const t = s.replace(/[^!-~]/g, "").slice(0, max);
  return t || "-";
};

export interface SyslogLine { facility: number; severity: number; timestamp: number; hostname: string; appName: string; procId: string; msgId: string; msg: string }

/** `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG` (no structured data). */
export function syslog5424(l: SyslogLine): string {
  const pri = l.facility * 8 + l.severity;
  return `<${pri}>1 ${new Date(l.timestamp).toISOString()} ${token(l.hostname, 255)} ${token(l.appName, 48)} ${token(l.procId, 128)} ${token(l.msgId, 32)} - ${l.msg}`;
}

/**
 * At most maxBytes of UTF-8, cut on a character boundary and never inside a CEF escape
 * (a lone trailing backslash would escape whatever the receiver appends).
 */
export function truncateUtf8(s: string, maxBytes: number): string {
  const buf = Buffer.from(s, "utf8");
  if (buf.length <= maxBytes) return s;
  let end = maxBytes;
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--; // buf[end] is the first byte cut off: back up to a character start
  let out = buf.subarray(0, end).toString("utf8");
  const trailing = /\\*$/.exec(out)![0].length;
  if (trailing % 2 === 1) out = out.slice(0, -1);
  return out;
}
