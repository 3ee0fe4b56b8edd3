import { z } from "zod";
import type { ChannelKind, NotificationChannel, Severity } from "../core/index.ts";

/**
 * ALR-9 channel configuration, one schema per kind. The store keeps `config` as an
 * opaque record; it is parsed here on every write (API) and every send (dispatcher), so
 * a row edited by hand or written by an older version fails loudly instead of half-sending.
 */

/** One header line's worth of text: CR/LF would let a value start a new header. */
const oneLine = (max: number) => z.string().max(max).regex(/^[^\r\n\0]*$/, "must be one line");

export const smtpSchema = z.strictObject({
  host: z.string().min(1).max(253).describe("SMTP server host name or address"),
  port: z.number().int().min(1).max(65535).describe("SMTP port: 587 (submission, STARTTLS), 465 (implicit TLS) or 25"),
  secure: z.boolean().default(false).describe("Implicit TLS from the first byte (port 465). false = plain connection upgraded by STARTTLS when offered"),
  requireTLS: z.boolean().optional().describe("Refuse to send unless STARTTLS succeeds (with secure=false)"),
  user: oneLine(256).optional().describe("SMTP AUTH user name; omit for no authentication"),
  pass: z.string().max(1024).optional().describe("SMTP AUTH password; never returned by the API"),
  rejectUnauthorized: z.boolean().default(true).describe("Verify the server's TLS certificate; turn off only for a known self-signed relay"),
});

export const emailConfigSchema = z.strictObject({
  to: z.array(z.email()).min(1).max(50).describe("Recipients"),
  from: oneLine(320).min(3).describe("Sender, e.g. \"Hostward <hostward@example.com>\""),
  smtp: smtpSchema.describe("How to reach the SMTP server"),
});

/** Headers the sender sets itself; a channel may not override them. */
export const RESERVED_WEBHOOK_HEADERS = ["content-type", "content-length", "host", "x-hostward-event", "x-hostward-delivery", "x-hostward-signature"];

export const webhookConfigSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }).max(2048).describe("Where alerts are POSTed as JSON"),
  secret: z.string().min(16).max(256).describe("Shared secret for the x-hostward-signature HMAC-SHA256; never returned by the API"),
  headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, "not a header name"), oneLine(1024))
    .refine((h) => Object.keys(h).every((k) => !RESERVED_WEBHOOK_HEADERS.includes(k.toLowerCase())), `may not set ${RESERVED_WEBHOOK_HEADERS.join(", ")}`)
    .refine((h) => Object.keys(h).length <= 20, "at most 20 headers")
    .optional()
    .describe("Extra request headers (e.g. an Authorization header); their values are never returned by the API"),
});

export const syslogConfigSchema = z.strictObject({
  host: z.string().min(1).max(253).describe("Syslog receiver host name or address"),
  port: z.number().int().min(1).max(65535).describe("Receiver port (514 by convention)"),
  transport: z.enum(["udp", "tcp"]).describe("udp: one datagram per alert (at most 8 KiB); tcp: RFC 6587 octet-counted frames"),
  facility: z.number().int().min(0).max(23).default(10).describe("Syslog facility: 10 = authpriv (default), 4 = auth, 16-23 = local0-local7"),
  appName: z.string().regex(/^[!-~]{1,48}$/, "1-48 printable ASCII characters, no spaces (RFC 5424 APP-NAME)").default("hostward").describe("RFC 5424 APP-NAME"),
});

export type EmailConfig = z.infer<typeof emailConfigSchema>;
export type WebhookConfig = z.infer<typeof webhookConfigSchema>;
export type SyslogConfig = z.infer<typeof syslogConfigSchema>;
export interface ChannelConfigs { email: EmailConfig; webhook: WebhookConfig; syslog: SyslogConfig }

export const configSchemas = { email: emailConfigSchema, webhook: webhookConfigSchema, syslog: syslogConfigSchema } as const;

const severityEnum = z.enum(["low", "medium", "high", "critical"]) satisfies z.ZodType<Severity>;
const severitySchema = severityEnum.describe("Alerts below this severity are not sent");
const common = {
  name: z.string().min(1).max(100).describe("A name for people"),
  minSeverity: severitySchema.default("medium"),
  types: z.array(z.string().min(1).max(100)).max(100).default([]).describe("Alert types to send (e.g. ssh_brute_force); empty = every type"),
  enabled: z.boolean().default(true).describe("A disabled channel receives nothing; pending deliveries to it are dropped"),
};

/** POST body: the config is checked against the schema of its kind. */
export const createChannelSchema = z.discriminatedUnion("kind", [
  z.strictObject({ ...common, kind: z.literal("email"), config: emailConfigSchema }),
  z.strictObject({ ...common, kind: z.literal("webhook"), config: webhookConfigSchema }),
  z.strictObject({ ...common, kind: z.literal("syslog"), config: syslogConfigSchema }),
]);
export type CreateChannel = z.infer<typeof createChannelSchema>;

/**
 * PATCH body. The kind cannot change. `config` is the whole config for the channel's kind
 * (checked in `mergeChannelConfig`); a secret left out, or sent back as REDACTED
 * (as GET shows it), keeps its stored value, so the console can round-trip a channel.
 */
export const updateChannelSchema = z.strictObject({
  name: common.name.optional(),
  minSeverity: severitySchema.optional(),
  types: z.array(z.string().min(1).max(100)).max(100).optional().describe("Alert types to send; empty = every type"),
  enabled: z.boolean().optional(),
  config: z.record(z.string(), z.unknown()).optional().describe("The channel's whole config (see the create schema of its kind); omitted or \"[redacted]\" secrets are kept"),
});
export type UpdateChannel = z.infer<typeof updateChannelSchema>;

export const REDACTED = "[redacted]";

/** Parses a stored or submitted config for its kind; the error message names the field. */
export function parseChannelConfig<K extends ChannelKind>(kind: K, config: unknown): { ok: true; config: ChannelConfigs[K] } | { ok: false; error: string } {
  const r = configSchemas[kind].safeParse(config);
  if (r.success) return { ok: true, config: r.data as ChannelConfigs[K] };
  const i = r.error.issues[0]!;
  return { ok: false, error: `${kind} config ${i.path.join(".") || "(root)"}: ${i.message}` };
}

/** The new config with the stored secrets kept where the caller left them out or redacted. */
export function mergeChannelConfig(kind: ChannelKind, stored: Record<string, unknown>, next: Record<string, unknown>): Record<string, unknown> {
  const keep = (v: unknown, old: unknown) => (v === undefined || v === REDACTED ? old : v);
  if (kind === "email") {
    if (typeof next.smtp !== "object" || next.smtp === null) return next;
    const oldSmtp = (stored.smtp ?? {}) as Record<string, unknown>;
    const smtp = next.smtp as Record<string, unknown>;
    // a changed user keeps no password it was not given (the old one was for another login)
    const pass = smtp.user === oldSmtp.user ? keep(smtp.pass, oldSmtp.pass) : smtp.pass === REDACTED ? undefined : smtp.pass;
    return { ...next, smtp: { ...smtp, pass } };
  }
  if (kind === "webhook") {
    const oldHeaders = (stored.headers ?? {}) as Record<string, unknown>;
    const headers = next.headers && typeof next.headers === "object" ? Object.fromEntries(Object.entries(next.headers as Record<string, unknown>).map(([k, v]) => [k, keep(v, oldHeaders[k])])) : next.headers;
    return { ...next, secret: keep(next.secret, stored.secret), headers };
  }
  return next;
}

/** The config as the API shows it: secrets and header values replaced by REDACTED. */
export function redactConfig(kind: ChannelKind, config: Record<string, unknown>): Record<string, unknown> {
  if (kind === "email") {
    const smtp = (config.smtp ?? {}) as Record<string, unknown>;
    return { ...config, smtp: { ...smtp, ...(smtp.pass !== undefined ? { pass: REDACTED } : {}) } };
  }
  if (kind === "webhook") {
    const headers = config.headers as Record<string, unknown> | undefined;
    return { ...config, secret: REDACTED, ...(headers ? { headers: Object.fromEntries(Object.keys(headers).map((k) => [k, REDACTED])) } : {}) };
  }
  return { ...config };
}

/** The channel as API output: secrets hidden, times as ISO strings. */
export function redactChannel(c: NotificationChannel): ChannelDto {
  return {
    id: c.id, name: c.name, kind: c.kind, config: redactConfig(c.kind, c.config), minSeverity: c.minSeverity, types: c.types, enabled: c.enabled,
    createdAt: new Date(c.createdAt).toISOString(), updatedAt: new Date(c.updatedAt).toISOString(),
  };
}

export const channelDtoSchema = z.object({
  id: z.string(), name: z.string(), kind: z.enum(["email", "webhook", "syslog"]),
  config: z.record(z.string(), z.unknown()).describe("The kind's config with secrets shown as \"[redacted]\""),
  minSeverity: severityEnum, types: z.array(z.string()), enabled: z.boolean(), createdAt: z.string(), updatedAt: z.string(),
});
export type ChannelDto = z.infer<typeof channelDtoSchema>;
