import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { newId, UserError, ErrorCodes, type NotificationChannel } from "../../core/index.ts";
import { channelDtoSchema, createChannelSchema, mergeChannelConfig, parseChannelConfig, redactChannel, updateChannelSchema } from "../../notify/index.ts";
import { principal, auditFor } from "../auth.ts";
import { errorSchema, iso, pageQuery, type RouteDeps } from "./common.ts";

const outboxSchema = z.object({
  id: z.string().describe("Delivery id (the webhook's x-hostward-delivery, the mail's Message-ID, CEF cs6)"),
  channelId: z.string(), channelName: z.string().nullable().describe("null once the channel is deleted"), alertId: z.string().nullable(),
  status: z.enum(["pending", "sent", "dead"]), attempts: z.number(), nextAttemptAt: z.string(), lastError: z.string().nullable(),
  createdAt: z.string(), sentAt: z.string().nullable(),
});

/** ALR-9: notification channels (admins) and the delivery outbox (everyone may see what was sent and what failed). */
export async function notifyRoutes(root: FastifyInstance, deps: RouteDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, clock } = deps;
  const tags = ["notifications"];
  const idParams = z.object({ id: z.string() });

  const getChannel = async (accountId: string, id: string): Promise<NotificationChannel> => {
    const c = await store.notifications.getChannel(accountId, id);
    if (!c) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no notification channel ${id}`);
    return c;
  };

  app.get("/api/v1/notification-channels", {
    config: { access: "admin" },
    schema: { tags, description: "Where alerts are sent (ALR-9): email, webhook, syslog/CEF. Secrets are shown as \"[redacted]\".", response: { 200: z.object({ items: z.array(channelDtoSchema) }) } },
  }, async (req) => ({ items: (await store.notifications.listChannels(principal(req).accountId)).map(redactChannel) }));

  app.post("/api/v1/notification-channels", {
    config: { access: "admin" },
    schema: { tags, description: "Adds a channel. New alerts at or above `minSeverity` (and of the listed `types`, if any) are sent to it; a receiver that is down is retried with back-off.", body: createChannelSchema, response: { 200: channelDtoSchema } },
  }, async (req) => {
    const p = principal(req);
    const now = clock.now();
    const b = req.body;
    const c: NotificationChannel = { id: newId("nch", now), accountId: p.accountId, name: b.name, kind: b.kind, config: b.config, minSeverity: b.minSeverity, types: b.types, enabled: b.enabled, createdAt: now, updatedAt: now };
    await store.notifications.insertChannel(c);
    await auditFor(deps.audit, req, "notification_channel.create", c.id, { name: c.name, kind: c.kind, minSeverity: c.minSeverity, types: c.types, enabled: c.enabled });
    return redactChannel(c);
  });

  app.patch("/api/v1/notification-channels/:id", {
    config: { access: "admin" },
    schema: { tags, description: "Changes a channel. `config` replaces the whole config; secrets left out or sent back as \"[redacted]\" keep their value. The kind cannot change.", params: idParams, body: updateChannelSchema, response: { 200: channelDtoSchema, 400: errorSchema, 404: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    const old = await getChannel(p.accountId, req.params.id);
    const b = req.body;
    let config = old.config;
    if (b.config) {
      const parsed = parseChannelConfig(old.kind, mergeChannelConfig(old.kind, old.config, b.config));
      if (!parsed.ok) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, parsed.error);
      config = parsed.config;
    }
    const c: NotificationChannel = { ...old, name: b.name ?? old.name, minSeverity: b.minSeverity ?? old.minSeverity, types: b.types ?? old.types, enabled: b.enabled ?? old.enabled, config, updatedAt: clock.now() };
    await store.notifications.updateChannel(c);
    // field names only: values may be secrets
    await auditFor(deps.audit, req, "notification_channel.change", c.id, { name: c.name, changed: Object.keys(b) });
    return redactChannel(c);
  });

  app.delete("/api/v1/notification-channels/:id", {
    config: { access: "admin" },
    schema: { tags, description: "Deletes a channel. Deliveries still pending for it are given up (dead: \"channel deleted\").", params: idParams, response: { 200: z.object({ deleted: z.boolean() }), 404: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    const c = await getChannel(p.accountId, req.params.id);
    const deleted = await store.notifications.deleteChannel(p.accountId, c.id);
    await auditFor(deps.audit, req, "notification_channel.delete", c.id, { name: c.name, kind: c.kind });
    return { deleted };
  });

  app.post("/api/v1/notification-channels/:id/test", {
    config: { access: "admin" },
    schema: { tags, description: "Sends a test alert to the channel now (even a disabled one) and says whether it arrived. Not kept in the outbox.", params: idParams, response: { 200: z.object({ ok: z.boolean(), message: z.string() }), 404: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    const c = await getChannel(p.accountId, req.params.id);
    const out = await deps.notifier.sendTest(c);
    await auditFor(deps.audit, req, "notification_channel.test", c.id, { name: c.name, message: out.message }, out.ok ? "success" : "failure");
    return out;
  });

  app.get("/api/v1/notifications", {
    config: { access: "viewer" },
    schema: { tags, description: "The notification outbox, newest first: what was sent, what is being retried and what was given up, with the last error.", querystring: z.object({ status: z.enum(["pending", "sent", "dead"]).optional(), channelId: z.string().optional(), alertId: z.string().optional(), ...pageQuery }), response: { 200: z.object({ items: z.array(outboxSchema), total: z.number() }) } },
  }, async (req) => {
    const accountId = principal(req).accountId;
    const page = await store.notifications.listOutbox(accountId, req.query);
    const names = new Map((await store.notifications.listChannels(accountId)).map((c) => [c.id, c.name]));
    return {
      items: page.items.map((o) => ({ id: o.id, channelId: o.channelId, channelName: names.get(o.channelId) ?? null, alertId: o.alertId, status: o.status, attempts: o.attempts, nextAttemptAt: iso(o.nextAttemptAt)!, lastError: o.lastError, createdAt: iso(o.createdAt)!, sentAt: iso(o.sentAt) })),
      total: page.total,
    };
  });
}
