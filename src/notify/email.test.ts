import { test, after } from "node:test";
import assert from "node:assert/strict";
import { addChannel, freePort, makeAlert, parseMail, startSmtpReceiver, closeHarnesses, notifyHarness } from "../../test/notify-receivers.ts";
import { renderEmail, noticeFromAlert, html } from "./index.ts";

after(closeHarnesses);

async function setup() {
  return notifyHarness();
}

const smtpConfig = (port: number, extra: Record<string, unknown> = {}) => ({
  to: ["soc@example.com", "oncall@example.com"], from: "Hostward <hostward@example.com>",
  smtp: { host: "127.0.0.1", port, secure: false, ...extra },
});

test("ALR-9 an alert reaches a real SMTP server: subject, recipients, plain text and HTML with attacker text escaped", async () => {
  const smtp = await startSmtpReceiver({ user: "hostward", pass: "smtp pass 123" });
  try {
    const { store, dispatcher, raise } = await setup();
    await addChannel(store, "email", smtpConfig(smtp.port, { user: "hostward", pass: "smtp pass 123" }));
    const evil = `<script>alert("x")</script>`;
    const alert = await raise({ userName: evil, evidence: { "log.lines": [`Failed password for invalid user <img src=x onerror=alert(1)> from 203.0.113.7`] } });
    assert.deepEqual(await dispatcher.runOnce(), { sent: 1, retried: 0, dead: 0 });

    assert.equal(smtp.mails.length, 1);
    const mail = smtp.mails[0]!;
    assert.equal(mail.from, "hostward@example.com");
    assert.deepEqual(mail.to, ["soc@example.com", "oncall@example.com"]);
    const parsed = parseMail(mail.raw);
    assert.equal(parsed.headers.subject, "[Hostward] HIGH ssh_brute_force on web-1: 203.0.113.7");
    const [item] = (await store.notifications.listOutbox("default", { limit: 10, offset: 0 })).items;
    assert.equal(parsed.headers["message-id"], `<${item!.id}@hostward.invalid>`, "the delivery id is the Message-ID: the same on every retry");
    assert.equal(parsed.headers["x-hostward-alert"], alert.id);
    assert.ok(parsed.text?.includes(`User: ${evil}`), parsed.text ?? "no text part");
    assert.ok(parsed.html, "an HTML part");
    assert.ok(parsed.html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"), "the user name arrives escaped");
    assert.ok(parsed.html.includes("&lt;img src=x onerror=alert(1)&gt;"), "evidence arrives escaped");
    assert.ok(!/<script|<img/i.test(parsed.html), "no attacker markup in the HTML");
    assert.equal(item!.status, "sent");
  } finally {
    await smtp.close();
  }
});

test("ALR-9 email: a newline in attacker text cannot forge a line of the plain-text body or a header", () => {
  const n = noticeFromAlert(makeAlert({ userName: "root\nSeverity: low" }), "web-1\r\nBcc: victim@example.com", "opened");
  const mail = renderEmail(n);
  assert.ok(!/[\r\n]/.test(mail.subject), mail.subject);
  assert.ok(mail.text.includes("User: root\\nSeverity: low"));
  assert.equal(mail.text.split("\n").filter((l) => l.startsWith("Severity:")).length, 1);
  assert.equal(html`<b>${"<i>"}</b>${["&", html`<br>`]}`.value, "<b>&lt;i&gt;</b>&amp;<br>");
});

test("ALR-9 email: SMTP down is retried; a refused recipient (SMTP 5xx) is dead at once", async () => {
  const { store, clock, dispatcher, raise } = await setup();
  const down = await addChannel(store, "email", smtpConfig(await freePort()));
  await raise();
  assert.deepEqual(await dispatcher.runOnce(), { sent: 0, retried: 1, dead: 0 });
  const [retry] = (await store.notifications.listOutbox("default", { channelId: down.id, limit: 10, offset: 0 })).items;
  assert.equal(retry!.status, "pending");
  assert.equal(retry!.nextAttemptAt, clock.now() + 30_000);
  assert.match(retry!.lastError ?? "", /SMTP failed/);

  const smtp = await startSmtpReceiver({ refuseRcpt: true });
  try {
    await store.notifications.deleteChannel("default", down.id);
    const refusing = await addChannel(store, "email", smtpConfig(smtp.port));
    await raise();
    clock.advance(30_000);
    const r = await dispatcher.runOnce();
    assert.equal(r.sent, 0);
    const [dead] = (await store.notifications.listOutbox("default", { channelId: refusing.id, limit: 10, offset: 0 })).items;
    assert.equal(dead!.status, "dead");
    assert.equal(dead!.attempts, 1);
    assert.match(dead!.lastError ?? "", /SMTP refused.*550/);
  } finally {
    await smtp.close();
  }
});
