import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, startServer, enrolToken, waitFor, sshdLine } from "../helpers.ts";
import { canRunNetns, inNs, ip, wire } from "./netns.ts";

/**
 * ALR-4 ALR-6: a whitelisted source never reaches the nftables set, through the real
 * action path — the `hostward agent` process in its own namespace, tailing an sshd log,
 * enforcing with real nft; the server in the root namespace over a veth pair.
 */
const skip = canRunNetns();
const CLI = join(import.meta.dirname, "..", "..", "src", "cli", "main.ts");

test("ALR-4 ALR-6 a whitelisted source IP never appears in the nftables set; whitelisting an alert lifts its block", { skip: skip ?? false, timeout: 90_000 }, async () => {
  const id = process.pid % 100000;
  const NS = `hw-wl-${id}`, HOST_IF = `hwwr${id}`, NS_IF = `hwws${id}`;
  const tmp = tempDir("hw-wl-");
  ip("netns", "add", NS);
  let agent: ReturnType<typeof spawn> | undefined;
  const { server, adminToken } = await startServer({ dataDir: join(tmp.dir, "server"), listen: false });
  try {
    wire({ ns: null, ifname: HOST_IF, addrs: ["10.77.2.1/24"] }, { ns: NS, ifname: NS_IF, addrs: ["10.77.2.2/24"] });
    server.config.agentChannel.host = "10.77.2.1";
    server.config.agentChannel.port = 0;
    server.config.api.port = 0;
    const { agentUrl } = await server.listen();
    const api = async (url: string, method = "GET", payload?: object) => (await server.api.inject({ method: method as "GET", url, payload, headers: { authorization: `Bearer ${adminToken}` } })).json();
    const log = join(tmp.dir, "auth.log");
    writeFileSync(log, "");
    const out = openSync(join(tmp.dir, "agent.log"), "a");
    agent = spawn("ip", ["netns", "exec", NS, process.execPath, CLI, "agent", "--server", agentUrl, "--token", await enrolToken(server), "--state", join(tmp.dir, "agent"), "--auth-log", log], { stdio: ["ignore", out, out], detached: true });
    await waitFor("agent enrolled and firewall ready", async () => (await api("/api/v1/agents")).items.length === 1 && inNs(NS, "nft", ["list", "table", "inet", "hostward"]).status === 0, 20_000, 100);
    const blocked = () => {
      const r = inNs(NS, "nft", ["-j", "list", "set", "inet", "hostward", "blocked4"]);
      const set = (JSON.parse(r.stdout) as { nftables: { set?: { elem?: unknown[] } }[] }).nftables.find((x) => x.set)?.set?.elem ?? [];
      return set.map((e) => (typeof e === "string" ? e : (e as { elem: { val: string } }).elem.val));
    };
    const fail = (src: string, times: number) => {
      for (let i = 0; i < times; i++) appendFileSync(log, sshdLine("fail", src) + "\n");
    };

    // a custom rule whitelists 10.77.3.9; 10.77.3.7 is the control
    const rule = await api("/api/v1/whitelist-rules", "POST", { alertType: "ssh_brute_force", field: "source.ip", operator: "equals", value: "10.77.3.9", note: "our vulnerability scanner" });
    assert.ok(rule.id);
    fail("10.77.3.9", 8);
    fail("10.77.3.7", 8);
    await waitFor("control blocked in nftables", () => blocked().includes("10.77.3.7"), 10_000, 50);
    const wl = await waitFor("whitelisted alert", async () => (await api("/api/v1/alerts?sourceIp=10.77.3.9")).items[0], 5000, 50);
    assert.equal(wl.status, "whitelisted_auto");
    assert.equal(blocked().includes("10.77.3.9"), false);

    // whitelisting the control's alert lifts its block, and it stays out afterwards
    const ctrl = (await api("/api/v1/alerts?sourceIp=10.77.3.7")).items[0];
    const res = await api(`/api/v1/alerts/${ctrl.id}/handle`, "POST", { action: "whitelist", scope: "asset" });
    assert.equal(res.status, "whitelisted_manual");
    await waitFor("control unblocked", () => !blocked().includes("10.77.3.7"), 10_000, 50);
    fail("10.77.3.7", 10);
    fail("10.77.3.9", 10);
    await waitFor("the new failures are counted", async () => (await api("/api/v1/alerts?sourceIp=10.77.3.7")).items[0].lastSeen !== ctrl.lastSeen, 5000, 50);
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(blocked().filter((x) => x.startsWith("10.77.3.")), [], "no whitelisted source in the set");
    assert.equal((await api("/api/v1/ip-policies?status=active")).total, 0);
  } finally {
    if (agent?.pid) try { process.kill(-agent.pid, "SIGKILL"); } catch { /* gone */ }
    await server.close();
    try { ip("netns", "del", NS); } catch { /* gone */ }
    try { ip("link", "del", HOST_IF); } catch { /* gone with the namespace */ }
    tmp.cleanup();
  }
});
