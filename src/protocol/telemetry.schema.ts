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
  }),
  source: z.object({
    ip: ipString.describe("Address the attempt came from."),
    port: z.number().int().min(0).max(65535).optional(),
  }),
  user: z.object({ name: text(256).describe("Account name tried; attacker-controlled.") }).optional(),
  host: z.object({ name: text(256) }).optional().describe("Host name the log line names, if any."),
  log: z.object({ file: text(1024).optional(), line: text(4096).optional() }).optional().describe("Where the record was read and the raw line (bounded)."),
});
export type LogonRecord = z.infer<typeof logonRecord>;

/** Every telemetry kind the server accepts; later kinds join this union. */
export const telemetryRecord = z.discriminatedUnion("kind", [logonRecord]);
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
