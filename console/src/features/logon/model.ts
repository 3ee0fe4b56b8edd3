/** What the logon-intelligence API speaks (LOG-1 … LOG-6), shared by the settings page and the alert drawer. */
export type LogonFactor = "location" | "ip" | "time" | "account";

export interface LogonApproval {
  id: string;
  factor: LogonFactor;
  value: string;
  tz: string | null;
  /** null = every asset, present and future. */
  assetIds: string[] | null;
  note: string;
  source: "operator" | "auto";
  createdBy: string;
  createdAt: string;
}
export interface AutoUpdate { location: boolean; ip: boolean; account: boolean }
export interface ApprovalsPage { items: LogonApproval[]; autoUpdate: AutoUpdate }

export interface LearnedLocation { assetId: string; key: string; label: string; how: "learning" | "six_successes" | "operator"; ip: string; approvedAt: string }
export interface LearningWindow { assetId: string; hostname: string; startedAt: string | null; endsAt: string | null; active: boolean }
export interface LocationsPage { items: LearnedLocation[]; learning: LearningWindow[] }

/** A logon's place as the server's GeoIP reader gives it (evidence `source.geo`). */
export interface Geo { country: string; region: string; city: string; lat: number | null; lon: number | null; key?: string; label: string }

export const FACTORS: { id: LogonFactor; label: string; plural: string; placeholder: string; hint: string; outside: string }[] = [
  { id: "location", label: "Location", plural: "Locations", placeholder: "DE/Berlin/Berlin or GB", hint: "A country code, CC/Region or CC/Region/City, as the alerts name them.", outside: "a logon from anywhere else fires" },
  { id: "ip", label: "IP", plural: "IP addresses", placeholder: "198.51.100.0/24 or 203.0.113.7", hint: "An address or a network in CIDR notation, IPv4 or IPv6.", outside: "a logon from any other address fires" },
  { id: "time", label: "Time range", plural: "Time ranges", placeholder: "Mon-Fri 08:00-19:00", hint: "[days ]HH:MM-HH:MM in the time zone beside it; 22:00-06:00 spans midnight.", outside: "a logon at any other time fires" },
  { id: "account", label: "Account", plural: "Accounts", placeholder: "deploy", hint: "A user name exactly as it logs on.", outside: "a logon with any other account fires" },
];
export const factorLabel = (f: string): string => FACTORS.find((x) => x.id === f)?.label ?? f;

export const HOW_LABEL: Record<LearnedLocation["how"], string> = { learning: "first 24 h", six_successes: "6 successful logons", operator: "approved by hand" };

/** The approvals that apply to one asset (null assetIds = every asset). */
export const approvalsFor = (all: readonly LogonApproval[], assetId: string): LogonApproval[] => all.filter((a) => a.assetIds === null || a.assetIds.includes(assetId));

/** "CC/Region/City" for an approval; empty or slash-bearing parts shorten it (the API refuses empty parts). */
export function locationValue(g: Geo): string {
  const parts = [g.country];
  for (const p of [g.region, g.city]) {
    if (!p || p.includes("/")) break;
    parts.push(p);
  }
  return parts.join("/");
}

/** Whether an operator's location entry (CC, CC/Region, CC/Region/City; case-insensitive) covers a place, as the server judges it. */
export function locationMatches(pattern: string, g: Geo): boolean {
  const want = pattern.split("/").map((p) => p.trim().toLowerCase());
  const have = [g.country, g.region, g.city].map((p) => p.toLowerCase());
  return want.every((w, i) => w === "*" || w === have[i]);
}

export function isGeo(v: unknown): v is Geo {
  return typeof v === "object" && v !== null && typeof (v as Geo).country === "string" && typeof (v as Geo).label === "string";
}

/** The browser's time zone, the default for a new time range. */
export function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

export function timeZones(): string[] {
  try {
    return ["UTC", ...Intl.supportedValuesOf("timeZone").filter((z) => z !== "UTC")];
  } catch {
    return ["UTC"];
  }
}
