/** What the baseline (BF-5) and account-inventory (AGT-7) API speaks. Never a password or a hash: only states and reasons. */
export interface InventoryKey { file: string; type: string; fingerprint: string; comment?: string }
export interface InventoryAccount {
  name: string; uid: number; gid: number; home: string; shell: string; interactiveShell: boolean;
  password: "set" | "empty" | "locked" | "none"; passwordChanged?: number; systemAccount: boolean; packaged?: boolean;
  keys: InventoryKey[]; sudo?: boolean;
  backdoorReasons: string[]; weakPassword: string | null;
}
export interface Accounts { assetId: string; ts: string | null; uidMin: number | null; accounts: InventoryAccount[] }

export interface BaselineRun { assetId: string; hostname: string; check: string; ts: string; trigger: string; checked: number; findings: number; skipped: { subject: string; reason: string }[]; durationMs: number; receivedAt: string }
export interface Finding { assetId: string; hostname: string; check: string; subject: string; reason: string; scheme: string; firstSeen: string; lastSeen: string }

export const WEAK_REASON: Record<string, string> = { dictionary: "in the common-password list", username: "same as the user name", empty: "empty password" };
export const TRIGGER: Record<string, string> = { scheduled: "daily run", on_demand: "on demand", startup: "agent start" };
export const PASSWORD_STATE: Record<InventoryAccount["password"], string> = { set: "set", empty: "empty", locked: "locked", none: "no entry" };

/** How long "Run baseline now" waits for the agent's answer before saying so. */
export const RUN_WAIT_MS = 120_000;
export const RUN_POLL_MS = 3000;
