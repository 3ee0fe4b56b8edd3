/** What the quarantine API speaks (RSP-2, WS-7). */
export const STATES = ["quarantined", "restored", "purged"] as const;
export type VaultState = (typeof STATES)[number];
export const STATE_LABEL: Record<VaultState, string> = { quarantined: "In the vault", restored: "Restored", purged: "Purged" };

export interface VaultFile {
  assetId: string;
  entryId: string;
  /** Where the file was on the host: attacker-chosen text. */
  originalPath: string;
  sha256: string;
  md5: string | null;
  size: number;
  /** Octal, e.g. "0644". */
  mode: string;
  uid: number;
  gid: number;
  quarantinedAt: string;
  expiresAt: string;
  state: VaultState;
  updatedAt: string;
}
export interface VaultPage { items: VaultFile[]; total: number }

const DAY = 86_400_000;
/** Fewer days than this left before the purge gets a warning colour. */
export const SOON_DAYS = 3;

/** How long a vault file stays restorable: "12 days left", "5 h left", or "purge due". */
export function restorable(expiresAt: string, now = Date.now()): { text: string; level: "ok" | "soon" | "due" } {
  const ms = Date.parse(expiresAt) - now;
  if (!Number.isFinite(ms) || ms <= 0) return { text: "purge due", level: "due" };
  const days = Math.floor(ms / DAY);
  const text = days >= 1 ? `${days} day${days === 1 ? "" : "s"} left` : `${Math.max(1, Math.round(ms / 3_600_000))} h left`;
  return { text, level: ms < SOON_DAYS * DAY ? "soon" : "ok" };
}
