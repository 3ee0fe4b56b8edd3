import { test, after } from "node:test";
import assert from "node:assert/strict";
import { type NotificationChannel, type OutboxItem } from "../core/index.ts";
import { addChannel, closeHarnesses, notifyHarness } from "../../test/notify-receivers.ts";
import { PermanentSendError, RETRY_POLICY, enqueueForAlert, readNotice, retryDelay, type Sender } from "./index.ts";

after(closeHarnesses);

/** A sender that records what it was asked to send and answers with `outcome`. */
class FakeSender implements Sender {
  calls: { item: OutboxItem; channel: NotificationChannel }[] = [];
  outcome: (item: OutboxItem, channel: NotificationChannel) => Error | null = () => null;
  async send(item: OutboxItem, channel: NotificationChannel): Promise<void> {
    this.calls.push({ item, channel });
    const e = this.outcome(item, channel);
    if (e) throw e;
  }
}

const HOOK = { url: "http://127.0.0.1:1/x", secret: "0123456789abcdef" };

async function setup() {
  const fake = new FakeSender();
  const h = await notifyHarness({ senders: () => ({ webhook: fake, email: fake, syslog: fake }) });
  return { ...h, fake, raise: h.raiseQueued };
}

test("ALR-9 enqueueForAlert picks the account's enabled channels by minimum severity and alert type", async () => {
  const { store, raise, outbox } = await setup();
  const all = await addChannel(store, "webhook", HOOK, { minSeverity: "low" });
  const highOnly = await addChannel(store, "webhook", HOOK, { minSeverity: "high" });
  const otherType = await addChannel(store, "webhook", HOOK, { types: ["malware"] });
  const sshOnly = await addChannel(store, "webhook", HOOK, { types: ["malware", "ssh_brute_force"], minSeverity: "medium" });
  await addChannel(store, "webhook", HOOK, { enabled: false });
  await addChannel(store, "webhook", HOOK, { accountId: "acc_other" });

  const medium = await raise({ severity: "medium" });
  assert.equal(medium.queued, 2);
  assert.deepEqual(new Set((await outbox()).map((i) => i.channelId)), new Set([all.id, sshOnly.id]));
  const critical = await raise({ severity: "critical" });
  assert.equal(critical.queued, 3);
  const low = await raise({ severity: "low", type: "malware" });
  assert.equal(low.queued, 2, "low malware: the catch-all and the malware channel (its minimum is the default low)");
  assert.deepEqual(new Set((await outbox()).filter((i) => i.alertId === low.alert.id).map((i) => i.channelId)), new Set([all.id, otherType.id]));
  assert.ok(!(await outbox()).some((i) => i.channelId === highOnly.id && i.alertId !== critical.alert.id));
  assert.equal((await outbox("acc_other")).length, 0, "another account's channels get nothing");
});

test("ALR-9 the outbox payload is a stable alert document, kept as it was when queued", async () => {
  const { store, raise, outbox } = await setup();
  await addChannel(store, "webhook", HOOK);
  const { alert } = await raise({ userName: "root", evidence: { "log.lines": ["x"], threshold: "5 in 600s" }, response: "blocked by policy pol_1" });
  const [item] = await outbox();
  const notice = readNotice(item!.payload);
  assert.ok(notice);
  assert.deepEqual(Object.keys(item!.payload), ["version", "reason", "alert"]);
  assert.deepEqual(Object.keys(notice.alert), ["id", "type", "name", "ruleId", "severity", "status", "asset", "source", "user", "firstSeen", "lastSeen", "count", "attack", "evidence", "triage", "response"]);
  assert.deepEqual(notice.alert, {
    id: alert.id, type: "ssh_brute_force", name: "SSH brute force", ruleId: "ssh-brute-force", severity: "high", status: "unhandled",
    asset: { id: "ag_web1", hostname: "web-1" }, source: { ip: "203.0.113.7" }, user: { name: "root" },
    firstSeen: "2026-03-01T09:59:00.000Z", lastSeen: "2026-03-01T10:00:00.000Z", count: 7, attack: ["T1110.001"],
    evidence: { "log.lines": ["x"], threshold: "5 in 600s" }, triage: "Check whether the source is expected.", response: "blocked by policy pol_1",
  });
  assert.equal(notice.reason, "opened");
  assert.equal(item!.alertId, alert.id);
});

test("ALR-9 back-off: 30 s, 1 min, 2 min, … capped at 1 h, plus at most 10 % jitter", () => {
  const zero = () => 0;
  assert.deepEqual([1, 2, 3, 4, 7, 8, 9, 20].map((n) => retryDelay(n, zero)), [30_000, 60_000, 120_000, 240_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000]);
  assert.equal(retryDelay(1, () => 0.999), 30_000 + 2_997);
  for (let i = 0; i < 100; i++) {
    const d = retryDelay(3);
    assert.ok(d >= 120_000 && d < 132_000, String(d));
  }
});

test("ALR-9 a channel deleted or disabled meanwhile: its pending items go dead with that reason", async () => {
  const { store, fake, dispatcher, raise, outbox } = await setup();
  const gone = await addChannel(store, "webhook", HOOK);
  const off = await addChannel(store, "syslog", { host: "127.0.0.1", port: 514, transport: "udp" });
  await raise();
  await store.notifications.deleteChannel("default", gone.id);
  await store.notifications.updateChannel({ ...off, enabled: false });
  assert.deepEqual(await dispatcher.runOnce(), { sent: 0, retried: 0, dead: 2 });
  assert.equal(fake.calls.length, 0);
  const items = await outbox();
  assert.deepEqual(items.map((i) => [i.channelId, i.status, i.lastError]).sort(), [[gone.id, "dead", "channel deleted"], [off.id, "dead", "channel disabled"]].sort());
});

test("ALR-9 gives up after 20 attempts (dead, kept in the outbox with the last error)", async () => {
  const { store, clock, fake, dispatcher, raise, outbox } = await setup();
  await addChannel(store, "webhook", HOOK);
  fake.outcome = () => new Error("receiver down");
  await raise();
  for (let i = 1; i < RETRY_POLICY.maxAttempts; i++) {
    assert.deepEqual(await dispatcher.runOnce(), { sent: 0, retried: 1, dead: 0 }, `attempt ${i}`);
    clock.advance(retryDelay(i, () => 0));
  }
  assert.deepEqual(await dispatcher.runOnce(), { sent: 0, retried: 0, dead: 1 });
  const [item] = await outbox();
  assert.deepEqual({ status: item!.status, attempts: item!.attempts, lastError: item!.lastError }, { status: "dead", attempts: 20, lastError: "gave up after 20 attempts: receiver down" });
  assert.ok(clock.now() - item!.createdAt < RETRY_POLICY.maxAgeMs, "20 attempts come before 3 days");
  assert.equal(fake.calls.length, 20);
});

test("ALR-9 gives up on an item older than 3 days at its next failure", async () => {
  const { store, clock, fake, dispatcher, raise, outbox } = await setup();
  await addChannel(store, "webhook", HOOK);
  fake.outcome = () => new Error("receiver down");
  await raise();
  await dispatcher.runOnce();
  clock.advance(RETRY_POLICY.maxAgeMs);
  assert.deepEqual(await dispatcher.runOnce(), { sent: 0, retried: 0, dead: 1 });
  assert.deepEqual((await outbox()).map((i) => [i.status, i.attempts]), [["dead", 2]]);
});

test("ALR-9 per-item failures never stop the batch; a channel that is down holds its other items without trying each", async () => {
  const { store, clock, fake, dispatcher, raise, outbox } = await setup();
  const down = await addChannel(store, "webhook", HOOK, { name: "down" });
  const up = await addChannel(store, "syslog", { host: "127.0.0.1", port: 514, transport: "udp" }, { name: "up" });
  const refusing = await addChannel(store, "email", { to: ["a@example.com"], from: "h@example.com", smtp: { host: "127.0.0.1", port: 25 } }, { name: "refusing" });
  fake.outcome = (_i, c) => (c.id === down.id ? new Error("ECONNREFUSED") : c.id === refusing.id ? new PermanentSendError("SMTP refused: 550") : null);
  for (let i = 0; i < 3; i++) await raise();
  assert.deepEqual(await dispatcher.runOnce(), { sent: 3, retried: 3, dead: 3 });
  assert.equal(fake.calls.filter((c) => c.channel.id === down.id).length, 1, "one try for the channel that is down");
  const held = (await outbox()).filter((i) => i.channelId === down.id);
  assert.deepEqual(held.map((i) => i.nextAttemptAt), held.map(() => clock.now() + 30_000));
  assert.deepEqual(held.map((i) => i.attempts).sort(), [0, 0, 1], "only the item that was tried counts an attempt");
  assert.ok(held.filter((i) => i.attempts === 0).every((i) => i.lastError === "not tried: ECONNREFUSED"));

  fake.outcome = () => null;
  clock.advance(30_000);
  assert.deepEqual(await dispatcher.runOnce(), { sent: 3, retried: 0, dead: 0 });
  assert.deepEqual((await outbox()).filter((i) => i.channelId === up.id).map((i) => i.status), ["sent", "sent", "sent"]);
});

test("ALR-9 a run already in progress is joined, not stacked (the job loop ticks every second)", async () => {
  const { store, fake, dispatcher, raise } = await setup();
  await addChannel(store, "webhook", HOOK);
  await raise();
  const [a, b] = await Promise.all([dispatcher.runOnce(), dispatcher.runOnce()]);
  assert.deepEqual(a, { sent: 1, retried: 0, dead: 0 });
  assert.equal(a, b);
  assert.equal(fake.calls.length, 1);
});

test("ALR-9 send test: a synthetic test alert goes out at once, outside the outbox, with the outcome", async () => {
  const { store, fake, dispatcher, outbox } = await setup();
  const c = await addChannel(store, "webhook", HOOK, { enabled: false, minSeverity: "critical" });
  assert.deepEqual(await dispatcher.sendTest(c), { ok: true, message: "test notification delivered over webhook" });
  const notice = readNotice(fake.calls[0]!.item.payload);
  assert.equal(notice?.reason, "test");
  assert.equal(notice?.alert.type, "test");
  fake.outcome = () => new PermanentSendError("webhook answered HTTP 401");
  assert.deepEqual(await dispatcher.sendTest(c), { ok: false, message: "webhook answered HTTP 401" });
  assert.equal((await outbox()).length, 0);
});
