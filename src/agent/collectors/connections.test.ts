import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeClock } from "../../core/index.ts";
import { connectionRecord, type ConnectionRecord } from "../../protocol/index.ts";
import { ConnectionCollector, Listeners, decodeHexAddress, inboundPeerOf, parseNetTable, type ConnectionCollectorOptions } from "./connections.ts";
import { ExeHashCache } from "./exe-hash-cache.ts";
import { FakeProcTree, ProcFs } from "./proc-fs.ts";

// Real tables from this machine: a local listener on [::]:38347 (0x95CB), client connections to it
// over IPv4 (seen in tcp6 as IPv4-mapped) and ::1, a TIME_WAIT without an inode, a connected and an
// unconnected UDP socket.
const REAL_TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1111 00000000:0000 0A 00000000:00000000 00:00000000 00000000   106        0 6615 1 000000008e76c716 100 0 0 10 0
   7: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1222 1 0000000048ebdd7a 100 0 0 10 0
  10: 0100007F:8600 0100007F:1111 06 00000000:00000000 03:00000900 00000000     0        0 0 3 0000000025885410
  12: 0100007F:C82E 0100007F:95CB 01 00000000:00000000 00:00000000 00000000     0        0 172320 2 0000000058d88ffc 20 0 0 10 -1
`;
const REAL_TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:95CB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 172319 1 0000000001a614db 100 0 0 10 0
   3: 00000000000000000000000001000000:95CB 00000000000000000000000001000000:AF38 01 00000000:00000000 00:00000000 00000000     0        0 172323 1 000000009eaa42eb 20 0 0 10 -1
   4: 0000000000000000FFFF00000100007F:95CB 0000000000000000FFFF00000100007F:C82E 01 00000000:00000000 00:00000000 00000000     0        0 172321 1 00000000f66a5d31 20 0 0 10 -1
`;
const REAL_UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
 3120: 020200C0:B281 08080808:0035 01 00000000:00000000 00:00000000 00000000     0        0 172324 2 000000000d2b5737 0
`;
const REAL_UDP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
 4005: 00000000000000000000000000000000:B5F6 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 172325 2 00000000e867f357 0
`;

/** An IPv4 address as /proc/net/tcp writes it (host byte order, little-endian). */
const hex4 = (ip: string) => ip.split(".").map((o) => Number(o).toString(16).padStart(2, "0").toUpperCase()).reverse().join("");
const hexPort = (p: number) => p.toString(16).toUpperCase().padStart(4, "0");
const tcpLine = (sl: number, local: string, lport: number, remote: string, rport: number, st: string, inode: number) =>
  `${String(sl).padStart(4)}: ${hex4(local)}:${hexPort(lport)} ${hex4(remote)}:${hexPort(rport)} ${st} 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000035a7d83a 20 4 31 10 -1`;

test("AGT-4 addresses are little-endian hex words; IPv4-mapped IPv6 becomes IPv4", () => {
  assert.equal(decodeHexAddress("0100007F"), "127.0.0.1");
  assert.equal(decodeHexAddress("020200C0"), "192.0.2.2");
  assert.equal(decodeHexAddress("00000000000000000000000001000000"), "::1");
  assert.equal(decodeHexAddress("00000000000000000000000000000000"), "::");
  assert.equal(decodeHexAddress("0000000000000000FFFF00000100007F"), "127.0.0.1");
  assert.equal(decodeHexAddress("B80D0120000000000000000001000000"), "2001:db8::1");
  assert.equal(decodeHexAddress("7F000001", false), "127.0.0.1", "big-endian hosts keep the order");
  assert.equal(decodeHexAddress("nothex!!"), null);
  assert.equal(decodeHexAddress("0100"), null);
});

test("AGT-4 parseNetTable reads this machine's real tcp, tcp6, udp and udp6 lines", () => {
  const tcp = parseNetTable(REAL_TCP, "tcp");
  assert.equal(tcp.length, 4);
  assert.deepEqual(tcp[0], { table: "tcp", transport: "tcp", type: "ipv4", local: { ip: "127.0.0.1", port: 4369 }, remote: { ip: "0.0.0.0", port: 0 }, stateCode: 10, state: "LISTEN", uid: 106, inode: 6615 });
  assert.deepEqual([tcp[2]!.state, tcp[2]!.inode], ["TIME_WAIT", 0]);
  assert.deepEqual([tcp[3]!.local, tcp[3]!.remote, tcp[3]!.state], [{ ip: "127.0.0.1", port: 51246 }, { ip: "127.0.0.1", port: 38347 }, "ESTABLISHED"]);
  const tcp6 = parseNetTable(REAL_TCP6, "tcp6");
  assert.deepEqual(tcp6.map((e) => [e.type, e.local.ip, e.local.port, e.remote.ip, e.remote.port, e.state]), [
    ["ipv6", "::", 38347, "::", 0, "LISTEN"],
    ["ipv6", "::1", 38347, "::1", 44856, "ESTABLISHED"],
    ["ipv4", "127.0.0.1", 38347, "127.0.0.1", 51246, "ESTABLISHED"],
  ]);
  const udp = parseNetTable(REAL_UDP, "udp");
  assert.deepEqual([udp[0]!.local, udp[0]!.remote, udp[0]!.state, udp[0]!.transport], [{ ip: "192.0.2.2", port: 45697 }, { ip: "8.8.8.8", port: 53 }, "ESTABLISHED", "udp"]);
  assert.equal(parseNetTable(REAL_UDP6, "udp6")[0]!.state, "UNCONN");
  assert.deepEqual(parseNetTable("header\n  garbage line\n\n", "tcp"), []);
});

test("AGT-4 direction: listening sockets, inbound to a listened port, outbound from an ephemeral one", () => {
  const entries = [...parseNetTable(REAL_TCP, "tcp"), ...parseNetTable(REAL_TCP6, "tcp6"), ...parseNetTable(REAL_UDP, "udp"), ...parseNetTable(REAL_UDP6, "udp6")];
  const l = new Listeners(entries);
  const dir = (inode: number) => l.direction(entries.find((e) => e.inode === inode)!);
  assert.equal(dir(6615), "listening");
  assert.equal(dir(172319), "listening");
  assert.equal(dir(172325), "listening", "unconnected UDP");
  assert.equal(dir(172320), "outbound", "client side: ephemeral port to the listener");
  assert.equal(dir(172321), "inbound", "server side: the [::] listener covers IPv4-mapped");
  assert.equal(dir(172323), "inbound");
  assert.equal(dir(172324), "outbound", "connected UDP to 8.8.8.8:53");
});

function setup(t: { after: (fn: () => void) => void }, opts: Partial<ConnectionCollectorOptions> = {}) {
  const d = mkdtempSync(join(tmpdir(), "hw-conn-"));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const tree = new FakeProcTree(join(d, "proc"));
  const miner = join(d, "xmrig");
  writeFileSync(miner, "miner bytes");
  tree.add({ pid: 1, comm: "systemd", ppid: 0, startTicks: 10 });
  tree.add({ pid: 400, comm: "nginx", ppid: 1, exe: "/usr/sbin/nginx", cmdline: ["nginx: master process /usr/sbin/nginx"], socketInodes: [5001, 5003], startTicks: 500 });
  tree.add({ pid: 401, comm: "nginx", ppid: 400, exe: "/usr/sbin/nginx", cmdline: ["nginx: worker process"], socketInodes: [5001, 5002], startTicks: 501 });
  tree.add({ pid: 900, comm: "xmrig", ppid: 1, exe: miner, cmdline: ["./xmrig", "-o", "pool:3333"], socketInodes: [7001, 7002], startTicks: 9000 });
  tree.setNet("tcp", [
    tcpLine(0, "0.0.0.0", 443, "0.0.0.0", 0, "0A", 5001),
    tcpLine(1, "10.0.0.2", 443, "198.51.100.20", 50123, "01", 5002),
    tcpLine(2, "10.0.0.2", 41000, "203.0.113.50", 3333, "01", 7001),
    tcpLine(3, "127.0.0.1", 41001, "127.0.0.1", 6379, "01", 7002),
    tcpLine(4, "10.0.0.2", 41002, "203.0.113.9", 80, "06", 0),
    tcpLine(5, "10.0.0.2", 41003, "203.0.113.77", 8080, "01", 8888), // no process holds it
  ]);
  const clock = new FakeClock("2026-03-01T10:00:00Z");
  const records: ConnectionRecord[] = [];
  const c = new ConnectionCollector({ root: tree.root, clock, onRecords: (rs) => void records.push(...rs), ...opts });
  let seen = 0;
  const take = () => records.slice(seen, (seen = records.length));
  return { tree, clock, records, take, c, miner };
}

function checkAll(records: ConnectionRecord[]): void {
  for (const r of records) {
    const p = connectionRecord.safeParse(r);
    assert.ok(p.success, `${r.id}: ${p.success ? "" : p.error.message}`);
  }
  assert.equal(new Set(records.map((r) => r.id)).size, records.length, "ids are unique");
}

const brief = (r: ConnectionRecord) => [r.event.action, r.network.direction, `${r.source.ip}:${r.source.port}`, `${r.destination.ip}:${r.destination.port}`, r.process?.pid];

test("AGT-4 opened, seen and closed records with the owning process; firstSeen kept, lastSeen advancing", async (t) => {
  const { tree, clock, take, records, c, miner } = setup(t, { hashes: new ExeHashCache() });
  const t0 = clock.now();
  await c.poll();
  const first = take();
  assert.deepEqual(first.map(brief), [
    ["opened", "listening", "0.0.0.0:0", "0.0.0.0:443", 400],
    ["opened", "inbound", "198.51.100.20:50123", "10.0.0.2:443", 401],
    ["opened", "outbound", "10.0.0.2:41000", "203.0.113.50:3333", 900],
    ["opened", "outbound", "10.0.0.2:41003", "203.0.113.77:8080", undefined],
  ], "loopback pair and TIME_WAIT (no inode) skipped; the shared listener goes to the master");
  const mine = first[2]!;
  assert.deepEqual(mine.process, {
    pid: 900, name: "xmrig", executable: miner, command_line: "./xmrig -o pool:3333",
    hash: { md5: createHash("md5").update("miner bytes").digest("hex"), sha256: createHash("sha256").update("miner bytes").digest("hex") },
  });
  assert.deepEqual(mine.network, { transport: "tcp", type: "ipv4", state: "ESTABLISHED", direction: "outbound" });
  assert.equal(mine.firstSeen, t0);
  assert.equal(mine.lastSeen, t0);
  assert.equal(c.stats.unresolved, 1);
  assert.equal(c.stats.orphans, 1);

  clock.advance(5000);
  await c.poll();
  assert.deepEqual(take().map(brief), [
    ["seen", "inbound", "198.51.100.20:50123", "10.0.0.2:443", 401],
    ["seen", "outbound", "10.0.0.2:41000", "203.0.113.50:3333", 900],
    ["seen", "outbound", "10.0.0.2:41003", "203.0.113.77:8080", undefined],
  ], "listeners are not re-reported");

  clock.advance(5000);
  tree.setNet("tcp", [tcpLine(0, "0.0.0.0", 443, "0.0.0.0", 0, "0A", 5001), tcpLine(2, "10.0.0.2", 41000, "203.0.113.50", 3333, "01", 7001)]);
  await c.poll();
  const third = take();
  assert.deepEqual(third.map(brief), [
    ["closed", "inbound", "198.51.100.20:50123", "10.0.0.2:443", 401],
    ["closed", "outbound", "10.0.0.2:41003", "203.0.113.77:8080", undefined],
    ["seen", "outbound", "10.0.0.2:41000", "203.0.113.50:3333", 900],
  ]);
  const seen = third[2]!;
  assert.deepEqual([seen.firstSeen, seen.lastSeen, seen.ts], [t0, t0 + 10_000, t0 + 10_000], "a long-lived connection keeps its firstSeen");
  assert.equal(third[0]!.lastSeen, t0 + 5000, "closed: last seen at the poll before");
  checkAll(records);
});

test("AGT-4 includeLoopback reports loopback pairs; seenEveryMs throttles 'seen'", async (t) => {
  const { clock, take, c } = setup(t, { includeLoopback: true, seenEveryMs: 60_000 });
  await c.poll();
  assert.ok(take().some((r) => r.destination.port === 6379 && r.process?.pid === 900));
  for (let i = 0; i < 11; i++) {
    clock.advance(5000);
    await c.poll();
  }
  assert.deepEqual(take(), [], "55 s: not yet");
  clock.advance(5000);
  await c.poll();
  assert.equal(take().filter((r) => r.event.action === "seen").length, 4);
});

test("AGT-11 bounded: maxConnections tracked, maxRecordsPerPoll per poll (the rest next poll)", async (t) => {
  const { take, c } = setup(t, { maxConnections: 2 });
  await c.poll();
  assert.equal(take().length, 2);
  assert.equal(c.stats.untracked, 2);
  const b = setup(t, { maxRecordsPerPoll: 3 });
  await b.c.poll();
  assert.equal(b.take().length, 3);
  assert.equal(b.c.stats.deferred, 1);
  b.clock.advance(5000);
  await b.c.poll();
  assert.deepEqual(b.take().map((r) => r.event.action), ["opened", "seen", "seen"], "the held-back one opens first");
});

test("AGT-4 inboundPeerOf: the client address of a process's established inbound socket (an sshd session)", (t) => {
  const d = mkdtempSync(join(tmpdir(), "hw-conn-"));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const tree = new FakeProcTree(join(d, "proc"));
  tree.add({ pid: 601, comm: "sshd", socketInodes: [9001] });
  tree.add({ pid: 602, comm: "bash" });
  tree.setNet("tcp6", ["   0: 0000000000000000FFFF00000200000A:0016 0000000000000000FFFF0000077100CB:C822 01 00000000:00000000 02:0009F1A2 00000000     0        0 9001 4 0000000035a7d83a 20 4 31 10 -1"]);
  const fs = new ProcFs({ root: tree.root });
  assert.equal(inboundPeerOf(fs, 601), "203.0.113.7");
  assert.equal(inboundPeerOf(fs, 602), undefined);
});
