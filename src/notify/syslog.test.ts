import { test, after } from "node:test";
import assert from "node:assert/strict";
import { waitFor } from "../../test/helpers.ts";
import { addChannel, freePort, makeAlert, parseCef, parseSyslog, startSyslogTcp, startSyslogUdp, closeHarnesses, notifyHarness } from "../../test/notify-receivers.ts";
import { SyslogSender, cefHeader, cefValue, MAX_UDP_BYTES } from "./index.ts";
import { truncateUtf8 } from "./cef.ts";

after(closeHarnesses);

/** Everything that could break CEF or syslog framing, in a user name and a host name the attacker controls. */
const HOSTILE_USER = "ev|il=us\\er\nCEF:0|Fake|Inject|1|x|y|10|src=6.6.6.6 suser=admin\r";
const HOSTILE_HOST = "web 1|x=y";

async function setup() {
  return notifyHarness({ start: "2026-03-01T10:00:00.123Z", hostname: HOSTILE_HOST, senders: (clock) => ({ syslog: new SyslogSender({ clock, hostname: "hw-server", productVersion: "0.1.0" }) }) });
}

function checkCef(line: string, alert: ReturnType<typeof makeAlert>, deliveryId: string) {
  const cef = parseCef(parseSyslog(line).msg);
  assert.deepEqual(cef.header, ["CEF:0", "Hostward", "Hostward", "0.1.0", "ssh_brute_force", "SSH brute force", "8"]);
  assert.equal(cef.ext.suser, HOSTILE_USER, "the user name round-trips into its own field");
  assert.equal(cef.ext.dhost, HOSTILE_HOST);
  assert.equal(cef.ext.src, "203.0.113.7", "an injected src= inside the user name did not become a field");
  assert.equal(cef.ext.rt, String(alert.lastSeen));
  assert.equal(cef.ext.start, String(alert.firstSeen));
  assert.equal(cef.ext.cnt, "7");
  assert.equal(cef.ext.externalId, alert.id);
  assert.deepEqual([cef.ext.cs1Label, cef.ext.cs1], ["status", "unhandled"]);
  assert.deepEqual([cef.ext.cs2Label, cef.ext.cs2], ["attack", "T1110.001"]);
  assert.deepEqual([cef.ext.cs4Label, cef.ext.cs4], ["reason", "opened"]);
  assert.deepEqual([cef.ext.cs5Label, cef.ext.cs5], ["assetId", "ag_web1"]);
  assert.deepEqual([cef.ext.cs6Label, cef.ext.cs6], ["deliveryId", deliveryId]);
  return cef;
}

test("ALR-9 syslog over UDP: one RFC 5424 datagram with a CEF payload; a hostile user name stays in its field", async () => {
  const rx = await startSyslogUdp();
  try {
    const { store, clock, dispatcher, raise, outbox } = await setup();
    await addChannel(store, "syslog", { host: "127.0.0.1", port: rx.port, transport: "udp" });
    const alert = await raise({ userName: HOSTILE_USER });
    assert.deepEqual(await dispatcher.runOnce(), { sent: 1, retried: 0, dead: 0 });
    await waitFor("the datagram", () => rx.messages.length === 1);
    const line = rx.messages[0]!.toString("utf8");
    assert.ok(!/[\r\n]/.test(line), "no raw line break anywhere in the message");
    const s = parseSyslog(line);
    assert.deepEqual(
      { pri: s.pri, version: s.version, timestamp: s.timestamp, hostname: s.hostname, appName: s.appName, procId: s.procId, msgId: s.msgId, sd: s.sd },
      { pri: 10 * 8 + 3, version: 1, timestamp: new Date(clock.now()).toISOString(), hostname: "hw-server", appName: "hostward", procId: String(process.pid), msgId: "ALERT", sd: "-" },
      "authpriv (10) and err (3) for a high alert",
    );
    checkCef(line, alert, (await outbox())[0]!.id);
  } finally {
    await rx.close();
  }
});

test("ALR-9 syslog over TCP: RFC 6587 octet-counted frames, facility and app name from the channel", async () => {
  const rx = await startSyslogTcp();
  try {
    const { store, dispatcher, raise, outbox } = await setup();
    await addChannel(store, "syslog", { host: "127.0.0.1", port: rx.port, transport: "tcp", facility: 4, appName: "hw-test" });
    const a1 = await raise({ userName: HOSTILE_USER });
    const a2 = await raise({ userName: HOSTILE_USER, severity: "critical", sourceIp: "2001:db8::7" });
    assert.deepEqual(await dispatcher.runOnce(), { sent: 2, retried: 0, dead: 0 });
    await waitFor("two frames", () => rx.messages.length === 2);
    const items = await outbox();
    const byAlert = new Map(items.map((i) => [i.alertId, i.id]));
    const [m1, m2] = rx.messages.map(parseSyslog).sort((x, y) => x.pri - y.pri);
    assert.deepEqual([m1!.pri, m1!.appName, m2!.pri, m2!.appName], [4 * 8 + 2, "hw-test", 4 * 8 + 3, "hw-test"], "auth (4): crit for critical, err for high");
    const lines = rx.messages.slice().sort((x, y) => parseSyslog(x).pri - parseSyslog(y).pri);
    const critical = parseCef(parseSyslog(lines[0]!).msg);
    assert.equal(critical.header[6], "10");
    assert.deepEqual([critical.ext.c6a2, critical.ext.c6a2Label, critical.ext.src], ["2001:db8::7", "Source IPv6 Address", undefined], "IPv6 sources go to c6a2");
    assert.equal(critical.ext.suser, HOSTILE_USER);
    checkCef(lines[1]!, a1, byAlert.get(a1.id)!);
    assert.equal(critical.ext.externalId, a2.id);
  } finally {
    await rx.close();
  }
});

test("ALR-9 syslog over TCP: a collector that is down is retried and nothing is lost", async () => {
  const { store, clock, dispatcher, raise, outbox } = await setup();
  await addChannel(store, "syslog", { host: "127.0.0.1", port: await freePort(), transport: "tcp" });
  await raise();
  assert.deepEqual(await dispatcher.runOnce(), { sent: 0, retried: 1, dead: 0 });
  const [item] = await outbox();
  assert.equal(item!.status, "pending");
  assert.equal(item!.nextAttemptAt, clock.now() + 30_000);
  assert.match(item!.lastError ?? "", /syslog tcp failed: .*ECONNREFUSED/);
});

test("ALR-9 syslog over UDP: a huge alert is cut to one 8 KiB datagram that still parses", async () => {
  const rx = await startSyslogUdp();
  try {
    const { store, dispatcher, raise } = await setup();
    await addChannel(store, "syslog", { host: "127.0.0.1", port: rx.port, transport: "udp" });
    // many long fields, each with escapes, far beyond one datagram
    const long = "€\\\\==|".repeat(400);
    await raise({ userName: long, name: long, triage: long, response: long });
    assert.equal((await dispatcher.runOnce()).sent, 1);
    await waitFor("the datagram", () => rx.messages.length === 1);
    const dgram = rx.messages[0]!;
    assert.ok(dgram.length <= MAX_UDP_BYTES && dgram.length > MAX_UDP_BYTES - 8, `${dgram.length} bytes: filled and cut`);
    const cef = parseCef(parseSyslog(dgram.toString("utf8")).msg);
    assert.equal(cef.header[4], "ssh_brute_force");
    assert.ok(cef.ext.suser!.startsWith("€\\\\==|€"));
    assert.ok(cef.ext.msg && cef.ext.msg.length < 1000 && cef.ext.msg.startsWith("€"), "the last field is cut short, cleanly");
  } finally {
    await rx.close();
  }
});

test("ALR-9 CEF escaping and safe truncation", () => {
  assert.equal(cefHeader("a|b\\c\nd"), "a\\|b\\\\c d");
  assert.equal(cefValue("a=b\\c\r\nd|e\u0000"), "a\\=b\\\\c\\r\\nd|e ");
  // never cut inside a UTF-8 character or a CEF escape
  assert.equal(truncateUtf8("abé", 3), "ab");
  assert.equal(truncateUtf8("ab\\\\", 3), "ab");
  assert.equal(truncateUtf8("ab\\\\cd", 4), "ab\\\\");
  assert.equal(truncateUtf8("short", 100), "short");
});
