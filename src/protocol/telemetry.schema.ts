import { z } from "zod";
import { normalizeIp } from "../core/index.ts";

/** Attacker-controlled strings are bounded and kept as plain data. */
const text = (max: number) => z.string().max(max);

/**
 * A fleet reports the same few addresses over and over (its peers, its resolvers): their
 * canonical forms are remembered, bounded, so a record costs no re-parse of each address.
 */
const normalized = new Map<string, string | null>();
function normalizeCached(s: string): string | null {
  let n = normalized.get(s);
  if (n === undefined) {
    if (normalized.size >= 8192) normalized.clear();
    n = normalizeIp(s);
    normalized.set(s, n);
  }
  return n;
}

export const ipString = z
  .string()
  .max(64)
  .transform((s, ctx) => {
    const n = normalizeCached(s);
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

const hashes = z.object({
  md5: z.string().regex(/^[0-9a-f]{32}$/).optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
}).describe("Of the file's content, lower-case hex.");

/** A process as ECS names it; command lines and paths are attacker-controlled, kept as data. */
const processFields = z.object({
  pid: z.number().int().min(0).max(2 ** 32),
  ppid: z.number().int().min(0).max(2 ** 32).optional(),
  name: text(256).describe("comm, or the executable's base name."),
  executable: text(4096).optional().describe("/proc/PID/exe target; \" (deleted)\" kept when the file is gone."),
  command_line: text(8192).optional().describe("Arguments joined by spaces (NULs of /proc/PID/cmdline), bounded."),
  args: z.array(text(4096)).max(256).optional(),
  start: z.number().int().positive().optional().describe("Start time, ms since the epoch."),
  hash: hashes.optional(),
  cwd: text(4096).optional(),
  cpu: z.object({ pct: z.number().min(0).max(100_000).describe("Share of one core over the last sample interval (200 = two cores busy).") }).optional(),
  memory: z.object({ rss: z.number().int().min(0) }).optional(),
  user: z.object({ name: text(256).optional(), id: z.number().int().min(0).max(2 ** 32) }).optional(),
  stdio: z.enum(["socket", "tty", "pipe", "file", "null", "other"]).optional().describe("What the process's stdin and stdout both are, when the same kind (a shell on a socket is a reverse shell)."),
  network: z.object({
    external: z.boolean().describe("MIN-1: the process keeps an outbound connection to an external (public) endpoint open."),
    ip: ipString.optional(), port: z.number().int().min(0).max(65535).optional(),
    since: z.number().int().positive().optional().describe("When the agent first saw that connection."),
    connections: z.number().int().min(0).optional(),
  }).optional().describe("Samples: what the agent's connection table says about this process."),
});

/** AGT-3: a process that started (seen between samples), a periodic sample of a busy or new one, or its end. */
export const processRecord = z.object({
  id: recordId,
  kind: z.literal("process"),
  ts: timestamp,
  event: z.object({ action: z.enum(["start", "sample", "exit"]) }),
  process: processFields.extend({
    parent: z.object({ pid: z.number().int().min(0), name: text(256).optional(), executable: text(4096).optional(), command_line: text(8192).optional() }).optional(),
    /** Ancestors, nearest first (for the process tree in the evidence). */
    ancestors: z.array(z.object({ pid: z.number().int().min(0), name: text(256), executable: text(4096).optional() })).max(16).optional(),
  }),
  /** A logon session the process belongs to (sshd ancestor), when the agent can tell. */
  session: z.object({ sshdPid: z.number().int().min(0), user: text(256).optional(), sourceIp: ipString.optional() }).optional(),
});
export type ProcessRecord = z.infer<typeof processRecord>;

/** AGT-4: a network connection of a process, from /proc/net/{tcp,tcp6,udp,udp6}. */
export const connectionRecord = z.object({
  id: recordId,
  kind: z.literal("connection"),
  ts: timestamp,
  event: z.object({ action: z.enum(["opened", "seen", "closed"]) }),
  network: z.object({ transport: z.enum(["tcp", "udp"]), type: z.enum(["ipv4", "ipv6"]), state: text(32).optional(), direction: z.enum(["outbound", "inbound", "listening", "unknown"]) }),
  source: z.object({ ip: ipString, port: z.number().int().min(0).max(65535) }),
  destination: z.object({ ip: ipString, port: z.number().int().min(0).max(65535) }),
  process: processFields.pick({ pid: true, name: true, executable: true, command_line: true, hash: true }).partial({ name: true }).optional(),
  firstSeen: z.number().int().positive().describe("When the agent first saw the connection (a long-lived one keeps the same)."),
  lastSeen: z.number().int().positive(),
});
export type ConnectionRecord = z.infer<typeof connectionRecord>;

/** AGT-8: a DNS query from a resolver's log; `ts` is the query time the log states (PRC-3). */
export const dnsRecord = z.object({
  id: recordId,
  kind: z.literal("dns"),
  ts: timestamp,
  dns: z.object({
    question: z.object({ name: text(255).describe("Lower-case, no trailing dot; attacker-controlled."), type: text(16).optional() }),
    answers: z.array(z.object({ data: text(255), type: text(16).optional() })).max(32).optional(),
  }),
  source: z.object({ ip: ipString }).optional().describe("The client that asked."),
  resolver: z.enum(["dnsmasq", "bind", "unbound", "other"]),
  log: z.object({ file: text(1024).optional(), line: text(4096).optional() }).optional(),
});
export type DnsRecord = z.infer<typeof dnsRecord>;

/** WS-8: one reason of a web-shell verdict, as the engine gave it (attacker text kept as bounded data). */
const webshellReason = z.object({
  id: text(96).describe("Stable reason id, e.g. php.input-to-eval or sig.china-chopper."),
  layer: z.enum(["signature", "heuristic"]),
  severity: z.enum(["malicious", "suspicious", "info"]),
  line: z.number().int().min(1).optional().describe("1-based line of the finding."),
  text: text(512).describe("What was found, one sentence."),
  excerpt: text(160).optional().describe("A short excerpt of the code; attacker-controlled."),
});

/** AGT-5 / WS-2 … WS-6: what the agent's web-shell engine said about a web file. */
const webshellVerdict = z.object({
  verdict: z.enum(["malicious", "suspicious", "clean"]),
  lang: z.enum(["php", "asp", "aspx", "jsp"]).nullable(),
  reasons: z.array(webshellReason).max(50),
  exposure: z.enum(["phpinfo"]).optional().describe("WS-6: the file exposes phpinfo()."),
  /** WS-5: the file was clean in the agent's baseline and these newly added lines made it a shell. */
  baseline: z.object({
    previousSha256: z.string().regex(/^[0-9a-f]{64}$/),
    added: z.array(z.object({ line: z.number().int().min(1), text: text(512) })).max(20),
  }).optional(),
  scan: z.enum(["realtime", "scheduled", "on_demand"]).describe("What made the agent scan the file."),
  engine: text(64).optional().describe("Engine and signature set version."),
});
export type WebshellVerdict = z.infer<typeof webshellVerdict>;

/** AGT-6 / AGT-5: a change to a watched file, or (web files) a scan verdict. */
export const fileRecord = z.object({
  id: recordId,
  kind: z.literal("file"),
  ts: timestamp,
  event: z.object({ action: z.enum(["created", "modified", "deleted", "renamed", "attributes", "scanned"]).describe("scanned: a scheduled or on-demand scan of an unchanged file.") }),
  file: z.object({
    path: text(4096),
    hash: hashes.optional(),
    size: z.number().int().min(0).optional(),
    mode: text(16).optional().describe("Octal permission bits, e.g. 0640."),
    owner: text(256).optional(),
    /** What the watch knows about it: a sensitive file (AGT-6) or a web directory file (AGT-5). */
    category: z.enum(["sensitive", "web", "other"]),
  }),
  /** For sensitive files: what changed, when the agent can say (e.g. "line added: toor:x:0:0…"), bounded. */
  change: z.object({ summary: text(2048), added: z.array(text(1024)).max(50).optional(), removed: z.array(text(1024)).max(50).optional() }).optional(),
  /** Web files (category web): the engine's verdict. The agent sends records only for files that are not clean, or that were and no longer are. */
  webshell: webshellVerdict.optional(),
});
export type FileRecord = z.infer<typeof fileRecord>;

/** RSP-2 / WS-7: one file in the agent's quarantine vault. */
export const vaultEntry = z.object({
  id: z.string().regex(/^q-[0-9]+-[0-9a-f]{12}$/).describe("The vault's opaque name for the file."),
  originalPath: text(4096),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  md5: z.string().regex(/^[0-9a-f]{32}$/).optional(),
  size: z.number().int().min(0),
  mode: z.number().int().min(0).max(0o7777),
  uid: z.number().int().min(0),
  gid: z.number().int().min(0),
  quarantinedAt: z.number().int().positive(),
  expiresAt: z.number().int().positive().describe("When the agent purges it (30 days after quarantine)."),
});
export type VaultEntryMsg = z.infer<typeof vaultEntry>;

/** RSP-2: the whole vault as the agent has it now; sent at start and after every change (quarantine, restore, purge). */
export const vaultRecord = z.object({
  id: recordId,
  kind: z.literal("vault"),
  ts: timestamp,
  entries: z.array(vaultEntry).max(5000),
  /** What changed since the last record, for the activity log. */
  change: z.object({ action: z.enum(["snapshot", "quarantined", "restored", "purged"]), entryIds: z.array(z.string().max(64)).max(5000) }),
});
export type VaultRecord = z.infer<typeof vaultRecord>;

/** Every telemetry kind the server accepts; later kinds join this union. */
export const telemetryRecord = z.discriminatedUnion("kind", [logonRecord, accountInventoryRecord, baselineRecord, processRecord, connectionRecord, dnsRecord, fileRecord, vaultRecord]);
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
