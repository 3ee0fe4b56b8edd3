import { test, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { FakeClock } from "../core/index.ts";
import { tempDir, startServer } from "../../test/helpers.ts";
import { addAsset, makeAlert, startWebhookReceiver } from "../../test/notify-receivers.ts";
import { enqueueForAlert, verifyWebhookSignature } from "./index.ts";

const tmp = tempDir();
after(() => tmp.cleanup());

const SECRET = "e2e webhook secret 0123456789";

test("ALR-9 end to end: a channel made over the API, an alert queued in its transaction, the server's job loop delivers it signed", async () => {
  const hook = await startWebhookReceiver({ answer: (n) => (n === 2 ? 503 : 200) });
  const clock = new FakeClock("2026-03-01T10:00:00Z");
  const { server, adminToken } = await startServer({ dataDir: join(tmp.dir, "s"), clock, listen: false });
  try {
    const api = (method: string, url: string, payload?: object) => server.api.inject({ method: method as "GET", url, payload, headers: { authorization: `Bearer ${adminToken}` } });

    const created = await api("POST", "/api/v1/notification-channels", { name: "SOC webhook", kind: "webhook", minSeverity: "high", config: { url: hook.url, secret: SECRET, headers: { authorization: "Bearer soc-token" } } });
    assert.equal(created.statusCode, 200, created.body);
    const channel = created.json();
    assert.deepEqual(channel.config, { url: hook.url, secret: "[redacted]", headers: { authorization: "[redacted]" } });
    const listed = await api("GET", "/api/v1/notification-channels");
    assert.ok(!listed.body.includes(SECRET) && !listed.body.includes("soc-token"), "secrets never leave the server");
    assert.equal(listed.json().items[0].id, channel.id);

    // the console sends the redacted config back with one change: the secrets are kept
    const patched = await api("PATCH", `/api/v1/notification-channels/${channel.id}`, { config: { ...channel.config, url: `${hook.url}?v=2` } });
    assert.equal(patched.statusCode, 200, patched.body);
    const bad = await api("PATCH", `/api/v1/notification-channels/${channel.id}`, { config: { url: "ftp://example.com/" } });
    assert.equal(bad.statusCode, 400);
    assert.equal((await api("POST", "/api/v1/notification-channels", { name: "short", kind: "webhook", config: { url: hook.url, secret: "short" } })).statusCode, 400);

    // "send test" from the console
    const t = await api("POST", `/api/v1/notification-channels/${channel.id}/test`, {});
    assert.deepEqual(t.json(), { ok: true, message: "test notification delivered over webhook" });
    assert.equal(JSON.parse(hook.hooks[0]!.body).reason, "test");
    assert.equal(hook.hooks[0]!.headers.authorization, "Bearer soc-token", "the redacted round-trip kept the header value");

    // what ingest does: the alert and its notifications in one transaction
    await addAsset(server.store, "ag_e2e", "shop-web");
    const alert = makeAlert({ assetId: "ag_e2e", createdAt: clock.now(), severity: "critical" });
    const queued = await server.store.transaction(async (tx) => {
      await tx.alerts.insert(alert);
      return enqueueForAlert(tx, alert, "opened", clock.now());
    });
    assert.equal(queued, 1);
    const quiet = makeAlert({ assetId: "ag_e2e", createdAt: clock.now(), severity: "medium" });
    assert.equal(await server.store.transaction((tx) => enqueueForAlert(tx, quiet, "opened", clock.now())), 0, "below the channel's minimum severity");

    await server.runJobs(); // the receiver answers 503 once
    let outbox = (await api("GET", "/api/v1/notifications")).json();
    assert.deepEqual(outbox.items.map((o: { status: string; attempts: number; lastError: string; channelName: string }) => [o.status, o.attempts, o.lastError, o.channelName]), [["pending", 1, "webhook answered HTTP 503", "SOC webhook"]]);
    clock.advance(33_000); // 30 s back-off plus at most 10 % jitter
    await server.runJobs();
    outbox = (await api("GET", "/api/v1/notifications?status=sent")).json();
    assert.equal(outbox.total, 1);
    assert.equal(outbox.items[0].alertId, alert.id);

    assert.equal(hook.hooks.length, 3);
    const delivered = hook.hooks[2]!;
    assert.equal(delivered.headers["x-hostward-delivery"], outbox.items[0].id);
    assert.equal(delivered.headers["x-hostward-delivery"], hook.hooks[1]!.headers["x-hostward-delivery"]);
    assert.ok(verifyWebhookSignature(SECRET, String(delivered.headers["x-hostward-signature"]), delivered.body, Math.floor(clock.now() / 1000)), "signed with the secret that survived the PATCH");
    assert.deepEqual(JSON.parse(delivered.body).alert.asset, { id: "ag_e2e", hostname: "shop-web" });

    const audit = (await api("GET", "/api/v1/audit?action=notification_channel.create")).json();
    assert.equal(audit.total, 1);
    assert.ok(!(await api("GET", "/api/v1/audit")).body.includes(SECRET));

    assert.deepEqual((await api("DELETE", `/api/v1/notification-channels/${channel.id}`)).json(), { deleted: true });
    assert.equal((await api("DELETE", `/api/v1/notification-channels/${channel.id}`)).statusCode, 404);
  } finally {
    await server.close();
    await hook.close();
  }
});
