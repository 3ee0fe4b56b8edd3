/** What the intel API speaks (PRC-1): the lists loaded and a lookup's verdict. */
export const INDICATOR_KINDS = ["ip", "domain", "url", "md5", "sha1", "sha256", "port", "process", "cmdline"] as const;
export type IndicatorKind = (typeof INDICATOR_KINDS)[number];

export const KIND_LABEL: Record<string, string> = {
  ip: "IP address or network", domain: "Domain", url: "URL", md5: "MD5 hash", sha1: "SHA-1 hash", sha256: "SHA-256 hash", port: "Port", process: "Process name", cmdline: "Command line",
};
export const CATEGORY_LABEL: Record<string, string> = {
  malicious: "malicious", c2: "command and control", scanner: "scanner", botnet: "botnet", phishing: "phishing", mining_pool: "mining pool", miner: "miner",
  download_source: "download source", tor_exit: "Tor exit", other: "other",
};
/** Categories that make a verdict bad (red), the others say where something belongs (amber). */
export const BAD_CATEGORIES = new Set(["malicious", "c2", "scanner", "botnet", "phishing"]);

export interface IntelSource {
  name: string;
  path: string;
  shipped: boolean;
  format: string | null;
  kinds: string[];
  categories: string[];
  provenance: string;
  entries: number;
  rejected: number;
  skipped: number;
  problems: string[];
  loadedAt: number | null;
  error: string | null;
  /** The last read failed; what was read before is still served. */
  stale: boolean;
}
export interface IntelStatus { loadedAt: number | null; checkedAt: number | null; entries: number; byKind: Record<string, number>; sources: IntelSource[] }

export interface IntelMatch { kind: string; indicator: string; list: string; category: string; provenance: string; note?: string; ref?: string; via?: string }
export interface Lookup { kind: string | null; value: string; matches: IntelMatch[] }

export const isoOf = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
