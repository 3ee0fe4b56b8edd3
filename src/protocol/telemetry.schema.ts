import { z } from "zod";
import { normalizeIp } from "../core/index.ts";

/** Attacker-controlled strings are bounded and kept as plain data. */
const text = (max: number) => z.string().max(max);

export const ipString = z
  .string()
  .max(64)
  .transform((s, ctx) => {
    const n = normalizeIp(s);
    if (!n) {
      ctx.addIssue({ code: "custom", message: `not an IP address: ${JSON.stringify(s.slice(0, 64))}` });
      return z.NEVER;
    }
    return n;
  });

export const recordId = z.string().min(8).max(128).regex(/^[A-Za-z0-9_:.-]+$/).describe("Stable id chosen by the agent; the server ingests each id once per agent (AGT-9).");
const timestamp = z.number().int().positive().describe("Event time, ms since the Unix epoch (the time in the log line, not the time it was read).");

/** AGT-2: one logon attempt seen in an authentication log. */
export const logonRecord = z.object({
  id: recordId,
  kind: z.literal("logon"),
  ts: timestamp,
  service: z.enum(["ssh", "rdp", "ftp", "mysql", "mssql"]).describe("Which service was logged on to."),
  event: z.object({
    outcome: z.enum(["success", "failure"]).describe("Whether the logon succeeded."),
    reason: z.enum(["password", "publickey", "keyboard-interactive", "invalid_user", "pam", "preauth_disconnect", "other"]).describe("Which kind of attempt the line records."),
    code: text(32).optional().describe("The source's own event code, e.g. Windows 4624/4625."),
  }),
  logon: z.object({
    type: z.enum(["interactive", "network", "remote_interactive", "other"]).optional().describe("Windows logon type: remote_interactive = RDP (10), network = SMB/IPC/NLA (3)."),
    protocol: text(64).optional().describe("Authentication package or protocol the source names (e.g. NTLM, Kerberos, ssh2)."),
  }).optional(),
  source: z.object({
    ip: ipString.describe("Address the attempt came from."),
    port: z.number().int().min(0).max(65535).optional(),
  }),
  user: z.object({ name: text(256).describe("Account name tried; attacker-controlled.") }).optional(),
  host: z.object({ name: text(256) }).optional().describe("Host name the log line names, if any."),
  log: z.object({ file: text(1024).optional(), line: text(4096).optional() }).optional().describe("Where the record was read and the raw line (bounded)."),
});
export type LogonRecord = z.infer<typeof logonRecord>;

/** AGT-7: one local account as the agent sees it. Never a password hash: only what state the password is in. */
export const inventoryAccount = z.object({
  name: text(256),
  uid: z.number().int().min(0).max(2 ** 32),
  gid: z.number().int().min(0).max(2 ** 32),
  home: text(1024),
  shell: text(1024),
  interactiveShell: z.boolean().describe("The shell allows a logon (not nologin/false/sync/halt/shutdown)."),
  password: z.enum(["set", "empty", "locked", "none"]).describe("set: a hash is present; empty: no password needed; locked: `!`/`*`; none: no shadow entry."),
  passwordChanged: z.number().int().optional().describe("Last change, ms since the epoch (shadow field 3)."),
  systemAccount: z.boolean().describe("uid below UID_MIN of /etc/login.defs (and not 0)."),
  packaged: z.boolean().optional().describe("The account is known to come from the OS or a package (base-passwd, package scripts); absent when the agent cannot tell."),
  keys: z.array(z.object({
    file: text(1024),
    type: text(64),
    fingerprint: text(128).describe("SHA256:… of the key blob."),
    comment: text(256).optional(),
  })).max(200),
  sudo: z.boolean().optional().describe("Member of sudo/wheel/admin or named in sudoers."),
});
export type InventoryAccount = z.infer<typeof inventoryAccount>;

export const accountInventoryRecord = z.object({
  id: recordId,
  kind: z.literal("account_inventory"),
  ts: timestamp,
  uidMin: z.number().int().min(0).max(2 ** 32),
  accounts: z.array(inventoryAccount).max(20_000),
});
export type AccountInventoryRecord = z.infer<typeof accountInventoryRecord>;

/** BF-5: one baseline check's full result on this host. It replaces the previous result of the same check. */
export const baselineRecord = z.object({
  id: recordId,
  kind: z.literal("baseline"),
  ts: timestamp,
  check: z.enum(["weak_password"]),
  trigger: z.enum(["scheduled", "on_demand", "startup"]),
  checked: z.number().int().min(0).describe("Accounts (or items) examined."),
  skipped: z.array(z.object({ subject: text(256), reason: text(256) })).max(1000).default([]).describe("Items that could not be judged (e.g. an unsupported hash format)."),
  findings: z.array(z.object({
    subject: text(256).describe("The account name."),
    reason: z.enum(["dictionary", "username", "empty"]).describe("Which test found it weak (never the password itself)."),
    scheme: text(32).describe("Hash scheme, e.g. yescrypt, sha512crypt."),
  })).max(20_000),
  durationMs: z.number().int().min(0),
});
export type BaselineRecord = z.infer<typeof baselineRecord>;

/** Every telemetry kind the server accepts; later kinds join this union. */
export const telemetryRecord = z.discriminatedUnion("kind", [logonRecord, accountInventoryRecord, baselineRecord]);
export type TelemetryRecord = z.infer<typeof telemetryRecord>;

export const MAX_BATCH_RECORDS = 5000;

/** A batch as posted; records are validated one by one so that a bad one does not sink the rest. */
export const telemetryBatch = z.object({
  agentVersion: text(64).optional(),
  /** Records the agent could not keep (spool full) since its last report. */
  dropped: z.number().int().min(0).optional(),
  records: z.array(z.unknown()).max(MAX_BATCH_RECORDS),
});

export const batchResult = z.object({
  accepted: z.number().int().describe("Records stored now."),
  duplicates: z.number().int().describe("Records already stored earlier (same id)."),
  rejected: z.array(z.object({ index: z.number().int(), id: z.string().nullable(), error: z.string() })).describe("Malformed records, rejected and counted; the rest of the batch is kept."),
});
export type BatchResult = z.infer<typeof batchResult>;
