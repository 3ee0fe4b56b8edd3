// Unit tests without root: a stand-in "nft" records its arguments and stdin, so we see exactly
// what would reach nft (and that invalid input never does). Real nftables: test/e2e/isolation.int.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeClock } from "../../core/index.ts";
import { channelEndpoints, checkEndpoints, isolationScript, NftIsolation } from "./isolation.ts";

async function fakeNft(t: { after: (fn: () => Promise<void>) => void }, body = "exit 0") {
  const d = await mkdtemp(join(tmpdir(), "hw-iso-"));
  t.after(() => rm(d, { recursive: true, force: true }));
  const path = join(d, "nft");
  const log = join(d, "calls");
  await writeFile(path, `#!/bin/sh\necho "ARGS $*" >> "${log}"\ncat >> "${log}"\n${body}\n`);
  await chmod(path, 0o755);
  return { dir: d, path, calls: async () => (existsSync(log) ? await readFile(log, "utf8") : ""), reset: () => writeFile(log, "") };
}

test("RSP-3 the agent's own server address is always kept open; the server's addresses are added on its port", async () => {
  const r = await channelEndpoints("https://10.77.0.1:8443", { serverAddresses: ["192.0.2.10", "2001:db8::10"], serverPort: 9443 });
  assert.ok(r.ok);
  assert.deepEqual(r.endpoints, [
    { ip: "10.77.0.1", proto: "tcp", port: 8443 },
    { ip: "192.0.2.10", proto: "tcp", port: 9443 },
    { ip: "2001:db8::10", proto: "tcp", port: 9443 },
  ]);
  const none = await channelEndpoints("https://[2001:db8::1]:8443", {});
  assert.ok(none.ok);
  assert.deepEqual(none.endpoints, [{ ip: "2001:db8::1", proto: "tcp", port: 8443 }]);
});

test("RSP-3 a server configured by name: its addresses and the resolvers (not loopback ones) stay open; unresolvable and nothing sent is refused", async (t) => {
  const d = await mkdtemp(join(tmpdir(), "hw-iso-dns-"));
  t.after(() => rm(d, { recursive: true, force: true }));
  const conf = join(d, "resolv.conf");
  await writeFile(conf, "# comment\nnameserver 192.0.2.53\nnameserver 127.0.0.53\nnameserver 1.2.3.4; flush ruleset\nsearch example\n");
  const r = await channelEndpoints("https://hostward.example:8443", {}, { lookup: async () => ["198.51.100.7"], resolvConf: conf });
  assert.ok(r.ok);
  assert.deepEqual(r.endpoints, [
    { ip: "198.51.100.7", proto: "tcp", port: 8443 },
    { ip: "192.0.2.53", proto: "udp", port: 53 },
    { ip: "192.0.2.53", proto: "tcp", port: 53 },
  ]);
  await writeFile(conf, "");
  const bad = await channelEndpoints("https://hostward.example:8443", {}, { lookup: async () => { throw new Error("ENOTFOUND"); }, resolvConf: conf });
  assert.equal(bad.ok, false);
  assert.match((bad as { message: string }).message, /refusing to isolate: no server address.*could not resolve hostward\.example/);
});

test("RSP-3 AGT-10 endpoints are validated: no text that is not an address, protocol or port reaches nft", () => {
  for (const e of [{ ip: "1.2.3.4 } ; flush ruleset", proto: "tcp", port: 1 }, { ip: "1.2.3.4", proto: "icmp", port: 1 }, { ip: "1.2.3.4", proto: "tcp", port: 0 }, { ip: "1.2.3.4", proto: "tcp", port: 70000 }, { ip: "fe80::1%eth0", proto: "tcp", port: 1 }]) {
    assert.equal(checkEndpoints([e]).ok, false, JSON.stringify(e));
  }
  assert.equal(checkEndpoints([{ ip: "192.0.2.53", proto: "udp", port: 53 }]).ok, false, "DNS alone keeps no server channel");
  assert.equal(checkEndpoints(Array.from({ length: 65 }, (_, i) => ({ ip: `192.0.2.${i}`, proto: "tcp", port: 1 }))).ok, false);
  assert.deepEqual(checkEndpoints([{ ip: "::FFFF:192.0.2.1", proto: "tcp", port: 8443 }, { ip: "192.0.2.1", proto: "tcp", port: 8443 }]), { ok: true, endpoints: [{ ip: "192.0.2.1", proto: "tcp", port: 8443 }] });
});

test("RSP-3 the script drops everything but loopback and the channel, before the block table, with the period as a kernel timeout", () => {
  const s = isolationScript([{ ip: "10.77.0.1", proto: "tcp", port: 8443 }, { ip: "2001:db8::1", proto: "tcp", port: 8443 }], 600);
  assert.match(s, /chain input \{ type filter hook input priority -20; policy accept; \}/);
  assert.match(s, /add rule inet hostward_isolation input iif lo accept\n/);
  assert.match(s, /input ct state established ip saddr \. meta l4proto \. th sport @allow4 accept/);
  assert.match(s, /output ip daddr \. meta l4proto \. th dport @allow4 accept/);
  assert.match(s, /add rule inet hostward_isolation output drop\n/);
  assert.match(s, /add rule inet hostward_isolation forward drop\n/);
  assert.match(s, /add element inet hostward_isolation allow4 \{ 10\.77\.0\.1 \. tcp \. 8443 \}/);
  assert.match(s, /add element inet hostward_isolation allow6 \{ 2001:db8::1 \. tcp \. 8443 \}/);
  assert.match(s, /add element inet hostward_isolation active \{ ipv4 timeout 600s, ipv6 timeout 600s \}\n$/);
  // re-running replaces: every chain and set is flushed first, inside the same transaction
  assert.equal(s.match(/^flush (chain|set) /gm)?.length, 8);
  assert.match(isolationScript([{ ip: "10.77.0.1", proto: "tcp", port: 8443 }], null), /active \{ ipv4, ipv6 \}\n$/);
});

test("RSP-3 isolate sends one transaction, saves the state; invalid input never reaches nft", async (t) => {
  const nft = await fakeNft(t);
  const clock = new FakeClock("2026-03-01T10:00:00Z");
  const stateFile = join(nft.dir, "isolation.json");
  const iso = new NftIsolation({ nftPath: nft.path, stateFile, clock });
  t.after(() => iso.stop());
  assert.equal((await iso.isolate([{ ip: "1.2.3.4; flush ruleset", proto: "tcp", port: 1 }])).ok, false);
  assert.equal((await iso.isolate([{ ip: "10.77.0.1", proto: "tcp", port: 8443 }], 0)).ok, false);
  assert.equal(await nft.calls(), "");
  const r = await iso.isolate([{ ip: "10.77.0.1", proto: "tcp", port: 8443 }], 3600);
  assert.deepEqual(r, { ok: true, message: "host isolated until 2026-03-01T11:00:00.000Z; open: loopback, 10.77.0.1:8443/tcp" });
  const calls = await nft.calls();
  assert.match(calls, /^ARGS -f -\ntable inet hostward_isolation \{/);
  assert.equal(calls.match(/^ARGS /gm)?.length, 1);
  assert.deepEqual(JSON.parse(readFileSync(stateFile, "utf8")), { allow: [{ ip: "10.77.0.1", proto: "tcp", port: 8443 }], until: Date.parse("2026-03-01T11:00:00Z"), since: clock.now() });
});

test("RSP-3 RSP-1 survives a restart with the rest of its period and the current server kept open, and is lifted when the period ends (agent-enforced too)", async (t) => {
  const nft = await fakeNft(t);
  const clock = new FakeClock("2026-03-01T10:00:00Z");
  const stateFile = join(nft.dir, "isolation.json");
  const released: string[] = [];
  const first = new NftIsolation({ nftPath: nft.path, stateFile, clock });
  assert.equal((await first.isolate([{ ip: "10.77.0.1", proto: "tcp", port: 8443 }], 3600)).ok, true);
  first.stop();

  // the agent restarts 20 minutes later: isolation is re-applied for the 40 minutes left
  clock.advance(20 * 60_000);
  await nft.reset();
  const again = new NftIsolation({ nftPath: nft.path, stateFile, clock, onReleased: (m) => released.push(m) });
  t.after(() => again.stop());
  // …and the server the agent is configured with now (it may have moved) is kept open as well
  const r = await again.restore([{ ip: "10.77.0.9", proto: "tcp", port: 8443 }]);
  assert.equal(r?.ok, true);
  assert.match(r!.message, /^isolation re-applied after restart: host isolated until 2026-03-01T11:00:00\.000Z; open: loopback, 10\.77\.0\.9:8443\/tcp, 10\.77\.0\.1:8443\/tcp$/);
  assert.match(await nft.calls(), /active \{ ipv4 timeout 2400s, ipv6 timeout 2400s \}/);

  // not yet due: nothing happens
  assert.equal(await again.expire(), null);
  clock.advance(40 * 60_000);
  await nft.reset();
  const e = await again.expire();
  assert.deepEqual(e, { ok: true, message: "isolation lifted (its validity period ended at 2026-03-01T11:00:00.000Z)" });
  assert.equal(await nft.calls(), "ARGS delete table inet hostward_isolation\n");
  assert.equal(existsSync(stateFile), false);
  assert.equal(released.length, 1);
  assert.equal(await again.restore([]), null, "nothing left to restore");
});

test("RSP-3 a restart after the period ended lifts the isolation instead of re-applying it; release of nothing succeeds", async (t) => {
  const nft = await fakeNft(t);
  const clock = new FakeClock("2026-03-01T10:00:00Z");
  const stateFile = join(nft.dir, "isolation.json");
  const a = new NftIsolation({ nftPath: nft.path, stateFile, clock });
  await a.isolate([{ ip: "10.77.0.1", proto: "tcp", port: 8443 }], 60);
  a.stop();
  clock.advance(61_000);
  await nft.reset();
  const r = await new NftIsolation({ nftPath: nft.path, stateFile, clock }).restore([]);
  assert.equal(r?.ok, true);
  assert.equal(await nft.calls(), "ARGS delete table inet hostward_isolation\n");

  const absent = await fakeNft(t, 'echo "Error: Could not process rule: No such file or directory" >&2; exit 1');
  assert.deepEqual(await new NftIsolation({ nftPath: absent.path, stateFile }).release("by test"), { ok: true, message: "the host was not isolated" });
  const eperm = await fakeNft(t, 'echo "Error: Operation not permitted" >&2; exit 1');
  assert.deepEqual(await new NftIsolation({ nftPath: eperm.path, stateFile }).isolate([{ ip: "10.77.0.1", proto: "tcp", port: 8443 }]), { ok: false, message: "isolation failed: permission denied: nft needs root or CAP_NET_ADMIN" });
});

test("RSP-3 AGT-10 the agent isolates with its own server address open whatever the server sends, and reports failure without isolation control", async () => {
  const { HostwardAgent } = await import("../agent.ts");
  const { quietLog } = await import("../../../test/helpers.ts");
  const calls: unknown[] = [];
  const isolation = {
    isolate: async (allow: unknown, timeoutSeconds?: number) => (calls.push({ allow, timeoutSeconds }), { ok: true, message: "isolated" }),
    release: async (why: string) => (calls.push({ release: why }), { ok: true, message: "released" }),
    restore: async () => null, stop: () => {},
  };
  const agent = new HostwardAgent({ server: "https://10.77.0.1:8443", stateDir: "/nonexistent", firewall: null, isolation, log: quietLog });
  assert.equal((await agent.execute({ id: "a", type: "isolate_host", params: { timeoutSeconds: 60 } })).ok, true);
  assert.equal((await agent.execute({ id: "b", type: "isolate_host", params: { serverAddresses: ["192.0.2.10"], serverPort: 9443 } })).ok, true);
  assert.equal((await agent.execute({ id: "c", type: "release_host", params: {} })).ok, true);
  assert.deepEqual(calls, [
    { allow: [{ ip: "10.77.0.1", proto: "tcp", port: 8443 }], timeoutSeconds: 60 },
    { allow: [{ ip: "10.77.0.1", proto: "tcp", port: 8443 }, { ip: "192.0.2.10", proto: "tcp", port: 9443 }], timeoutSeconds: undefined },
    { release: "released by the server" },
  ]);
  const blind = new HostwardAgent({ server: "https://10.77.0.1:8443", stateDir: "/nonexistent", firewall: null, log: quietLog });
  assert.match((await blind.execute({ id: "d", type: "isolate_host", params: {} })).message, /host isolation is off on this agent/);
  assert.match((await blind.execute({ id: "e", type: "web_deny_ip", params: { ip: "192.0.2.1" } })).message, /web-server deny list is off on this agent/);
});
