import { RE2 } from "re2-wasm";
import { WHITELIST_OPERATORS, type Alert, type WhitelistEntry, type WhitelistOperator, type WhitelistRule } from "../core/index.ts";

/**
 * The fields an alert can be matched on (ALR-6 "any evidence field"): the alert's own
 * columns under ECS-style names, plus every evidence key as the detector wrote it.
 */
export function alertDocument(a: Alert): Record<string, unknown> {
  return {
    ...a.evidence,
    type: a.type,
    name: a.name,
    severity: a.severity,
    count: a.count,
    "asset.id": a.assetId,
    "source.ip": a.sourceIp ?? undefined,
    "user.name": a.userName ?? (a.evidence["user.name"] as string | undefined),
  };
}

export const STANDARD_FIELDS = ["type", "name", "severity", "count", "asset.id", "source.ip", "user.name"];

/** ALR-4: the whitelist fields of an alert with their values, only those present. */
export function whitelistFieldsOf(a: Alert, fields: readonly string[]): Record<string, string> {
  const doc = alertDocument(a);
  const out: Record<string, string> = {};
  for (const f of fields) {
    const v = doc[f];
    if (typeof v === "string" || typeof v === "number") out[f] = String(v);
  }
  return out;
}

const regexCache = new Map<string, RE2>();

/** User-written regexes run on RE2: linear time, no catastrophic backtracking (ALR-6). */
function re2(pattern: string): RE2 {
  let r = regexCache.get(pattern);
  if (!r) {
    r = new RE2(pattern, "u");
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, r);
  }
  return r;
}

export const regexMatchesEmpty = (pattern: string): boolean => re2(pattern).test("");

/** Why a rule cannot be saved, or null. */
export function ruleProblem(r: { field: string; operator: WhitelistOperator; value: string }): string | null {
  if (!/^[a-z][a-zA-Z0-9_]*(\.[a-z][a-zA-Z0-9_]*)*$/.test(r.field)) return `not a field name: ${JSON.stringify(r.field)}`;
  if (!WHITELIST_OPERATORS.includes(r.operator)) return `unknown operator ${r.operator}`;
  if (r.operator === "regex") {
    try {
      re2(r.value);
    } catch (e) {
      return `not a valid RE2 regular expression: ${(e as Error).message}`;
    }
  }
  if ((r.operator === "greater" || r.operator === "less") && !Number.isFinite(Number(r.value))) return `${r.operator} needs a number, not ${JSON.stringify(r.value)}`;
  if (r.value.length === 0 && r.operator !== "equals") return "the value is empty";
  return null;
}

function matchValue(op: WhitelistOperator, want: string, v: unknown): boolean {
  if (Array.isArray(v)) return v.some((x) => matchValue(op, want, x));
  if (v === undefined || v === null || typeof v === "object") return false;
  const s = String(v);
  switch (op) {
    case "equals":
      return s === want;
    case "contains":
      return s.includes(want);
    case "regex":
      return re2(want).test(s);
    case "greater":
      return Number.isFinite(Number(s)) && Number(s) > Number(want);
    case "less":
      return Number.isFinite(Number(s)) && Number(s) < Number(want);
  }
}

export function ruleMatches(r: WhitelistRule, a: Alert, doc: Record<string, unknown> = alertDocument(a)): boolean {
  if (r.deletedAt !== null) return false;
  if (r.alertType !== "*" && r.alertType !== a.type) return false;
  if (r.assetId !== null && r.assetId !== a.assetId) return false;
  return matchValue(r.operator, r.value, doc[r.field]);
}

export function entryMatches(e: WhitelistEntry, a: Alert, doc: Record<string, unknown> = alertDocument(a)): boolean {
  if (e.alertType !== a.type) return false;
  if (e.assetId !== null && e.assetId !== a.assetId) return false;
  const fields = Object.entries(e.fields);
  return fields.length > 0 && fields.every(([k, v]) => doc[k] !== undefined && String(doc[k]) === v);
}

/** Which whitelist (entry or rule) covers the alert, if any. Rules and entries are OR-ed. */
export function findWhitelist(a: Alert, entries: readonly WhitelistEntry[], rules: readonly WhitelistRule[]): { kind: "entry" | "rule"; id: string; text: string } | null {
  const doc = alertDocument(a);
  for (const e of entries) if (entryMatches(e, a, doc)) return { kind: "entry", id: e.id, text: `whitelist entry ${e.id} (${Object.entries(e.fields).map(([k, v]) => `${k}=${v}`).join(", ")})` };
  for (const r of rules) if (ruleMatches(r, a, doc)) return { kind: "rule", id: r.id, text: `whitelist rule ${r.id} (${r.field} ${r.operator} ${JSON.stringify(r.value)})` };
  return null;
}
