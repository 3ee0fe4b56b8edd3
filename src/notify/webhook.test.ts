import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { addChannel, freePort, startWebhookReceiver, closeHarnesses, notifyHarness } from "../../test/notify-receivers.ts";
import { WebhookSender, verifyWebhookSignature } from "./index.ts";

const SECRET = "webhook secret 0123456789";
after(closeHarnesses);

async function setup(opts: { timeoutMs?: number } = {}) {
  return notifyHarness({ senders: (clock) => (opts.timeoutMs ? { webhook: new WebhookSender({ clock, timeoutMs: opts.timeoutMs }) } : {}) });
}

test("ALR-9 webhook: the alert as JSON with a delivery id and a valid HMAC-SHA256 signature", async () => {
  const hook = await startWebhookReceiver();
  try {
    const { store, clock, dispatcher, raise, outbox } = await setup();
    await addChannel(store, "webhook", { url: hook.url, secret: SECRET, headers: { authorization: "Bearer receiver-token" } });
    const alert = await raise({ userName: "ad|min=\\x" });
    assert.deepEqual(await dispatcher.runOnce(), { sent: 1, retried: 0, dead: 0 });

    assert.equal(hook.hooks.length, 1);
    const { headers, body } = hook.hooks[0]!;
    assert.equal(headers["content-type"], "application/json");
    assert.equal(headers["x-hostward-event"], "alert");
    assert.equal(headers["x-hostward-delivery"], (await outbox())[0]!.id);
    assert.equal(headers.authorization, "Bearer receiver-token", "the channel's own headers are sent");
    // verified the way a receiver would, from the raw body and the shared secret
    const sig = String(headers["x-hostward-signature"]);
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig);
    assert.ok(m, sig);
    assert.equal(Number(m[1]), Math.floor(clock.now() / 1000));
    assert.equal(m[2], createHmac("sha256", SECRET).update(`${m[1]}.${body}`).digest("hex"));
    assert.ok(verifyWebhookSignature(SECRET, sig, body, Math.floor(clock.now() / 1000)));
    assert.ok(!verifyWebhookSignature("another secret 0123456789", sig, body, Math.floor(clock.now() / 1000)));
    assert.ok(!verifyWebhookSignature(SECRET, sig, body.replace("ssh_brute_force", "nothing_to_see"), Math.floor(clock.now() / 1000)), "a changed body fails");

    const doc = JSON.parse(body);
    assert.equal(doc.version, 1);
    assert.equal(doc.reason, "opened");
    assert.deepEqual(
      { id: doc.alert.id, type: doc.alert.type, severity: doc.alert.severity, asset: doc.alert.asset, source: doc.alert.source, user: doc.alert.user, count: doc.alert.count, firstSeen: doc.alert.firstSeen },
      { id: alert.id, type: "ssh_brute_force", severity: "high", asset: { id: "ag_web1", hostname: "web-1" }, source: { ip: "203.0.113.7" }, user: { name: "ad|min=\\x" }, count: 7, firstSeen: new Date(alert.firstSeen).toISOString() },
    );
  } finally {
    await hook.close();
  }
});

test("ALR-9 a webhook receiver that is down is retried with back-off, nothing is lost, and it is delivered exactly once when back", async () => {
  const { store, clock, dispatcher, raise, outbox } = await setup();
  const port = await freePort();
  await addChannel(store, "webhook", { url: `http://127.0.0.1:${port}/hooks/hostward`, secret: SECRET });
  await raise();
  const t0 = clock.now();

  assert.deepEqual(await dispatcher.runOnce(), { sent: 0, retried: 1, dead: 0 });
  let [item] = await outbox();
  assert.deepEqual({ status: item!.status, attempts: item!.attempts, next: item!.nextAttemptAt - t0 }, { status: "pending", attempts: 1, next: 30_000 });
  assert.match(item!.lastError ?? "", /webhook unreachable: ECONNREFUSED/);

  assert.deepEqual(await dispatcher.runOnce(), { sent: 0, retried: 0, dead: 0 }, "not due yet");
  clock.advance(30_000);
  assert.deepEqual(await dispatcher.runOnce(), { sent: 0, retried: 1, dead: 0 });
  [item] = await outbox();
  assert.deepEqual({ attempts: item!.attempts, next: item!.nextAttemptAt - clock.now() }, { attempts: 2, next: 60_000 }, "the delay doubles");

  const hook = await startWebhookReceiver({ port });
  try {
    clock.advance(60_000);
    assert.deepEqual(await dispatcher.runOnce(), { sent: 1, retried: 0, dead: 0 });
    clock.advance(86_400_000);
    assert.deepEqual(await dispatcher.runOnce(), { sent: 0, retried: 0, dead: 0 });
    assert.equal(hook.hooks.length, 1, "delivered exactly once");
    [item] = await outbox();
    assert.deepEqual({ status: item!.status, attempts: item!.attempts, lastError: item!.lastError }, { status: "sent", attempts: 3, lastError: null });
    assert.equal(hook.hooks[0]!.headers["x-hostward-delivery"], item!.id);
  } finally {
    await hook.close();
  }
});

test("ALR-9 webhook: the delivery id and body are the same on every retry (503, 429, 408 are retried)", async () => {
  const statuses = [503, 429, 408, 200];
  const hook = await startWebhookReceiver({ answer: (n) => statuses[n - 1] ?? 200 });
  try {
    const { store, clock, dispatcher, raise, outbox } = await setup();
    await addChannel(store, "webhook", { url: hook.url, secret: SECRET });
    await raise();
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await dispatcher.runOnce(), { sent: 0, retried: 1, dead: 0 }, `answer ${statuses[i]}`);
      clock.advance(3_600_000);
    }
    assert.deepEqual(await dispatcher.runOnce(), { sent: 1, retried: 0, dead: 0 });
    assert.equal(hook.hooks.length, 4);
    assert.deepEqual(new Set(hook.hooks.map((h) => h.headers["x-hostward-delivery"])), new Set([(await outbox())[0]!.id]));
    assert.equal(new Set(hook.hooks.map((h) => h.body)).size, 1);
  } finally {
    await hook.close();
  }
});

test("ALR-9 webhook: a 400 from the receiver is permanent (dead at once); a redirect is not followed", async () => {
  const hook = await startWebhookReceiver({ answer: (n) => (n === 1 ? 400 : 302) });
  try {
    const { store, dispatcher, raise, outbox } = await setup();
    await addChannel(store, "webhook", { url: hook.url, secret: SECRET });
    await raise();
    assert.deepEqual(await dispatcher.runOnce(), { sent: 0, retried: 0, dead: 1 });
    let [item] = await outbox();
    assert.deepEqual({ status: item!.status, attempts: item!.attempts, lastError: item!.lastError }, { status: "dead", attempts: 1, lastError: "webhook answered HTTP 400" });
    await raise();
    assert.deepEqual(await dispatcher.runOnce(), { sent: 0, retried: 0, dead: 1 });
    [item] = await outbox();
    assert.match(item!.lastError ?? "", /HTTP 302 \(redirects are not followed/);
    assert.equal(hook.hooks.length, 2);
  } finally {
    await hook.close();
  }
});

test("ALR-9 webhook: a receiver that never answers times out and is retried; the outbox error never shows the URL", async () => {
  // accepts the request but never answers
  const silent = createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
  try {
    const { store, dispatcher, raise, outbox } = await setup({ timeoutMs: 200 });
    const port = (silent.address() as { port: number }).port;
    await addChannel(store, "webhook", { url: `http://127.0.0.1:${port}/T000/B000/secret-path-token?key=secret-query`, secret: SECRET });
    await raise();
    assert.deepEqual(await dispatcher.runOnce(), { sent: 0, retried: 1, dead: 0 });
    const [item] = await outbox();
    assert.equal(item!.lastError, "webhook unreachable: no answer within 0.2 s");
    assert.ok(!/secret/.test(item!.lastError ?? ""));
  } finally {
    silent.closeAllConnections();
    await new Promise<void>((r) => silent.close(() => r()));
  }
});
