import type { AlertNotice } from "./notice.ts";

/**
 * The mail for one notice. User names, hosts and log lines come from the attacker (an
 * SSH user name is whatever they typed), so the HTML is built only through the `html`
 * tag below, which escapes every interpolated value; nothing is concatenated raw.
 */

/** HTML that is already safe; only `html` makes one. */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);

/** Tagged template: interpolated values are escaped unless they are SafeHtml; arrays are joined. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += fragment(v) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

function fragment(v: unknown): string {
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(fragment).join("");
  if (v === null || v === undefined) return "";
  return escapeHtml(String(v));
}

/** One line of plain text: control characters shown as escapes, so an attacker's newline cannot forge a line. */
export const plain = (v: unknown): string => {
  const s = typeof v === "string" ? v : JSON.stringify(v) ?? "";
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => (c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
};

const SEVERITY_COLOUR: Record<string, string> = { low: "#4a7", medium: "#d90", high: "#d50", critical: "#c00" };

const INTRO: Record<AlertNotice["reason"], string> = {
  opened: "Hostward opened an alert.",
  recurred: "A Hostward alert fired again.",
  test: "This is a test notification from Hostward.",
};

export function renderEmail(n: AlertNotice): { subject: string; text: string; html: string } {
  const a = n.alert;
  const intro = INTRO[n.reason];
  const host = a.asset.hostname ?? a.asset.id;
  const subject = plain(`[Hostward] ${n.reason === "test" ? "TEST " : ""}${a.severity.toUpperCase()} ${a.type} on ${host}${a.source.ip ? `: ${a.source.ip}` : ""}`).slice(0, 250);
  const rows: [string, unknown][] = [
    ["Alert", a.name], ["Severity", a.severity], ["Type", a.type], ["Status", a.status], ["Asset", `${host} (${a.asset.id})`],
    ["Source IP", a.source.ip ?? "-"], ["User", a.user.name ?? "-"], ["First seen", a.firstSeen], ["Last seen", a.lastSeen], ["Count", a.count],
    ["ATT&CK", a.attack.join(", ") || "-"], ["Response", a.response ?? "-"], ["Alert id", a.id],
  ];
  const evidence = Object.entries(a.evidence);
  const text = [
    intro,
    "",
    ...rows.map(([k, v]) => `${k}: ${plain(v)}`),
    ...(evidence.length ? ["", "Evidence:", ...evidence.map(([k, v]) => `  ${plain(k)}: ${plain(v)}`)] : []),
    ...(a.triage ? ["", "Triage:", plain(a.triage)] : []),
    "",
  ].join("\n");
  const cell = "padding:2px 8px;border-bottom:1px solid #eee;vertical-align:top";
  const body = html`<!doctype html>
<html><body style="font-family:sans-serif;font-size:14px">
<p>${intro}</p>
<p style="font-size:16px"><b style="color:${SEVERITY_COLOUR[a.severity] ?? "#000"}">${a.severity.toUpperCase()}</b> ${a.name}</p>
<table style="border-collapse:collapse">
${rows.map(([k, v]) => html`<tr><th style="${cell};text-align:left">${k}</th><td style="${cell}">${String(v)}</td></tr>\n`)}</table>
${evidence.length ? html`<h4>Evidence</h4><table style="border-collapse:collapse">
${evidence.map(([k, v]) => html`<tr><th style="${cell};text-align:left">${k}</th><td style="${cell}"><pre style="margin:0;white-space:pre-wrap">${typeof v === "string" ? v : JSON.stringify(v, null, 1)}</pre></td></tr>\n`)}</table>` : ""}
${a.triage ? html`<h4>Triage</h4><p style="white-space:pre-wrap">${a.triage}</p>` : ""}
</body></html>
`;
  return { subject, text, html: body.value };
}
