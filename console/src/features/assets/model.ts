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

/** AGT-3: a process as the agent last reported it. Names, paths and command lines are attacker-controlled text. */
export interface HostProcess {
  pid: number;
  ppid?: number;
  name: string;
  executable?: string;
  command_line?: string;
  start?: number;
  cwd?: string;
  hash?: { md5?: string; sha256?: string };
  cpu?: { pct: number };
  memory?: { rss: number };
  user?: { name?: string; id: number };
  parent?: { pid: number; name?: string; executable?: string; command_line?: string };
  ancestors?: { pid: number; name: string; executable?: string }[];
}
export interface ProcessSession { sshdPid: number; user?: string; sourceIp?: string }
export interface ProcessItem { seenAt: string; action: string; process: HostProcess; session?: ProcessSession }

/** AGT-4: a connection of a process; source is this host's end, destination the remote one. */
export interface ConnectionItem {
  seenAt: string;
  action: string;
  network: { transport: "tcp" | "udp"; type: "ipv4" | "ipv6"; state?: string; direction: "outbound" | "inbound" | "listening" | "unknown" };
  source: { ip: string; port: number };
  destination: { ip: string; port: number };
  process?: { pid: number; name?: string; executable?: string; command_line?: string };
  firstSeen: string;
  lastSeen: string;
}

/** How often an open processes drawer asks again. */
export const HOST_REFRESH_MS = 10_000;
/** The most rows the drawer asks for (the API's maximum is 1000). */
export const HOST_LIMIT = 500;

/** "ssh alice from 203.0.113.7" for a process in a logon session. */
export function sessionText(s: ProcessSession): string {
  return `ssh${s.user ? ` ${s.user}` : ""}${s.sourceIp ? ` from ${s.sourceIp}` : ""}`;
}

/** ip:port, bracketing IPv6 addresses. */
export const endpoint = (ip: string, port: number): string => (ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`);
