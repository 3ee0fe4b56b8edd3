import { test } from "node:test";
import assert from "node:assert/strict";
import type { NotificationChannel } from "../core/index.ts";
import { REDACTED, createChannelSchema, mergeChannelConfig, parseChannelConfig, redactChannel } from "./index.ts";

const email = { to: ["soc@example.com"], from: "hostward@example.com", smtp: { host: "smtp.example.com", port: 587, user: "hw", pass: "smtp-password" } };
const webhook = { url: "https://hooks.example.com/x", secret: "0123456789abcdef", headers: { authorization: "Bearer t0ken" } };
const channel = (kind: NotificationChannel["kind"], config: Record<string, unknown>): NotificationChannel =>
  ({ id: "nch_1", accountId: "default", name: "n", kind, config, minSeverity: "high", types: [], enabled: true, createdAt: 0, updatedAt: 0 });

test("ALR-9 channel configs: defaults filled in, bad values refused with the field named", () => {
  const e = parseChannelConfig("email", email);
  assert.ok(e.ok);
  assert.deepEqual(e.config.smtp, { ...email.smtp, secure: false, rejectUnauthorized: true });
  const s = parseChannelConfig("syslog", { host: "127.0.0.1", port: 514, transport: "tcp" });
  assert.ok(s.ok);
  assert.deepEqual([s.config.facility, s.config.appName], [10, "hostward"]);
  const cases: [NotificationChannel["kind"], unknown, RegExp][] = [
    ["webhook", { ...webhook, secret: "short" }, /secret/],
    ["webhook", { ...webhook, url: "file:///etc/passwd" }, /url/],
    ["webhook", { ...webhook, headers: { "X-Hostward-Signature": "forged" } }, /headers/],
    ["webhook", { ...webhook, headers: { "x-a": "v\r\nInjected: 1" } }, /headers/],
    ["email", { ...email, to: ["not an address"] }, /to/],
    ["email", { ...email, from: "a@example.com\r\nBcc: x@example.com" }, /from/],
    ["syslog", { host: "h", port: 514, transport: "udp", facility: 24 }, /facility/],
    ["syslog", { host: "h", port: 514, transport: "udp", appName: "has space" }, /appName/],
    ["syslog", { host: "h", port: 514, transport: "udp", extra: 1 }, /extra|Unrecognized/],
  ];
  for (const [kind, config, field] of cases) {
    const r = parseChannelConfig(kind, config);
    assert.ok(!r.ok, JSON.stringify(config));
    assert.match(r.error, field);
  }
  assert.equal(createChannelSchema.safeParse({ name: "x", kind: "syslog", config: webhook }).success, false, "the config must fit the kind");
});

test("ALR-9 API output hides secrets; sending the redacted config back keeps them", () => {
  const shown = redactChannel(channel("email", email));
  assert.equal((shown.config.smtp as { pass: string }).pass, REDACTED);
  assert.ok(!JSON.stringify(shown).includes("smtp-password"));
  const hook = redactChannel(channel("webhook", webhook));
  assert.ok(!JSON.stringify(hook).includes("t0ken") && !JSON.stringify(hook).includes("0123456789abcdef"));

  assert.deepEqual(mergeChannelConfig("email", email, shown.config), email);
  assert.deepEqual(mergeChannelConfig("webhook", webhook, hook.config), webhook);
  assert.deepEqual(mergeChannelConfig("webhook", webhook, { url: webhook.url }), { url: webhook.url, secret: webhook.secret, headers: undefined }, "an omitted secret is kept; omitted headers are dropped");
  assert.equal((mergeChannelConfig("email", email, { ...shown.config, smtp: { ...email.smtp, user: "other", pass: REDACTED } }).smtp as { pass?: string }).pass, undefined, "a new user never inherits the old password");
  assert.equal((mergeChannelConfig("webhook", webhook, { ...webhook, secret: "a new secret 0123456789" })).secret, "a new secret 0123456789");
});
