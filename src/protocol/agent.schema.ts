import { z } from "zod";
import { ipString } from "./telemetry.schema.ts";

export const enrolRequest = z.object({
  token: z.string().min(10).max(512),
  hostname: z.string().min(1).max(255),
  version: z.string().max(64),
  os: z.string().max(128).default(""),
});
export const enrolResponse = z.object({
  agentId: z.string(),
  secret: z.string().describe("Per-agent credential; sent as `Authorization: Bearer <agentId>.<secret>`."),
  accountId: z.string(),
});

/** AGT-10: the only things the server can ask an agent to do. No free-form command exists. */
export const blockIpAction = z.object({
  id: z.string(),
  type: z.literal("block_ip"),
  params: z.object({ ip: ipString, timeoutSeconds: z.number().int().min(1).max(10 * 365 * 86400).optional().describe("Omitted = permanent.") }).strict(),
});
export const unblockIpAction = z.object({
  id: z.string(),
  type: z.literal("unblock_ip"),
  params: z.object({ ip: ipString }).strict(),
});
/** BF-5 / AGT-7: run a baseline check (and send the account inventory) now rather than at the next daily run. */
export const runBaselineAction = z.object({
  id: z.string(),
  type: z.literal("run_baseline"),
  params: z.object({ checks: z.array(z.enum(["weak_password", "account_inventory"])).min(1).max(4) }).strict(),
});
/**
 * PRC-4 / MIN-5: kill one process. The agent checks that the pid still is that process (its
 * start time, and the executable's hash when given) so a reused pid is never killed.
 */
export const killProcessAction = z.object({
  id: z.string(),
  type: z.literal("kill_process"),
  params: z.object({
    pid: z.number().int().min(2).max(2 ** 32),
    start: z.number().int().positive().describe("The process's start time (ms) as the agent reported it."),
    sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  }).strict(),
});
/**
 * kill_process answers that mean the process no longer runs — the goal is met though nothing
 * was killed. The agent words its result with these and the server (EVT-7 tasks) reads them,
 * so the two cannot drift apart.
 */
export const killNotRunning = {
  gone: (pid: number): string => `pid ${pid} already gone`,
  reused: (pid: number, detail: string): string => `pid ${pid} is now another process (${detail})`,
  test: (result: string): boolean => /^pid \d+ (?:already gone|is now another process)/.test(result),
};
/** MIN-5 / RSP-2: move a file into the agent's encrypted quarantine vault, if it still has this hash. */
export const quarantineFileAction = z.object({
  id: z.string(),
  type: z.literal("quarantine_file"),
  params: z.object({ path: z.string().min(1).max(4096).regex(/^\//, "an absolute path"), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
});
/** RSP-2 / WS-7: put a quarantined file back where it was, if the vault copy still has its hash; the path is the one the vault recorded, never one the server sends. */
export const restoreFileAction = z.object({
  id: z.string(),
  type: z.literal("restore_file"),
  params: z.object({ entryId: z.string().regex(/^q-[0-9]+-[0-9a-f]{12}$/), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
});
/** WS-4 / AGT-5: a full scan of the watched web directories now (the deep scan of a playbook too). */
export const scanWebFilesAction = z.object({
  id: z.string(),
  type: z.literal("scan_web_files"),
  params: z.object({}).strict(),
});
const timeoutSeconds = z.number().int().min(1).max(365 * 86400).optional().describe("Validity period; the agent undoes the action itself when it ends, even without its server. Omitted = until undone.");
/**
 * RSP-3: drop every packet in and out except loopback and the agent's server channel. The
 * agent always keeps the server address and port of its own configuration open as well, so a
 * wrong or missing address here can never lock it out.
 */
export const isolateHostAction = z.object({
  id: z.string(),
  type: z.literal("isolate_host"),
  params: z.object({
    serverAddresses: z.array(ipString).max(16).optional().describe("Addresses the server is reached at, beside the one in the agent's configuration."),
    serverPort: z.number().int().min(1).max(65535).optional().describe("The agent channel's port at those addresses."),
    timeoutSeconds,
  }).strict(),
});
/** RSP-3: lift the isolation. */
export const releaseHostAction = z.object({
  id: z.string(),
  type: z.literal("release_host"),
  params: z.object({}).strict(),
});
/** EVT-10: deny an address in the web server's deny list (an nginx include file the agent owns; its path is agent configuration, never sent). */
export const webDenyIpAction = z.object({
  id: z.string(),
  type: z.literal("web_deny_ip"),
  params: z.object({ ip: ipString, timeoutSeconds }).strict(),
});
export const webAllowIpAction = z.object({
  id: z.string(),
  type: z.literal("web_allow_ip"),
  params: z.object({ ip: ipString }).strict(),
});
/** A local account name as useradd accepts it (never an option, never a path): passed to usermod as one argument. */
const localUser = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\$?$/, "a local account name");
/**
 * EVT-7: lock a compromised local account (password locked and the account expired, so keys
 * and PAM logons stop too). The agent refuses root and every uid-0 account. With a validity
 * period the agent unlocks it by itself when the period ends, restoring its former expiry.
 */
export const lockAccountAction = z.object({
  id: z.string(),
  type: z.literal("lock_account"),
  params: z.object({ user: localUser, timeoutSeconds }).strict(),
});
export const unlockAccountAction = z.object({
  id: z.string(),
  type: z.literal("unlock_account"),
  params: z.object({ user: localUser }).strict(),
});
export const agentAction = z.discriminatedUnion("type", [blockIpAction, unblockIpAction, runBaselineAction, killProcessAction, quarantineFileAction, restoreFileAction, scanWebFilesAction, isolateHostAction, releaseHostAction, webDenyIpAction, webAllowIpAction, lockAccountAction, unlockAccountAction]);
export type AgentActionMsg = z.infer<typeof agentAction>;

export const actionsResponse = z.object({ actions: z.array(agentAction) });
export const actionResult = z.object({
  status: z.enum(["succeeded", "failed"]),
  result: z.string().max(2000).describe("What happened, or why it failed."),
});
