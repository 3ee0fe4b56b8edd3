import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { tempDir, startServer, enrolToken, waitFor } from "../helpers.ts";
import { canRunNetns, inNs, ip, tcpConnects, wire } from "./netns.ts";
import type { HostwardServer } from "../../src/server/index.ts";

/**
 * The real thing: Debian's sshd in namespace `srv` logging to a file, an attacker in
 * namespace `atk` guessing passwords with sshpass+ssh, the agent in `srv` tailing the log
 * and enforcing blocks with nftables, the server in the root namespace over a veth pair.
 *
 *   root 10.77.0.1 ── veth ── 10.77.0.2 srv 10.77.1.1 ── veth ── 10.77.1.2 / 10.77.1.3 atk
 */
const skip = canRunNetns();
const id = process.pid % 100000;
const SRV = `hw-srv-${id}`, ATK = `hw-atk-${id}`;
const ROOT_IF = `hwr${id}`, SRV_IF = `hws${id}`, SRV_ATK_IF = `hwa${id}`, ATK_IF = `hwb${id}`;
const ATTACKER = "10.77.1.2", FRIEND = "10.77.1.3", SSHD = "10.77.1.1";
const CLI = join(import.meta.dirname, "..", "..", "src", "cli", "main.ts");

let tmp: ReturnType<typeof tempDir>;
let server: HostwardServer;
let adminToken = "";
let agentProc: ChildProcess | undefined;
let sshdProc: ChildProcess | undefined;
let authLog = "";

function api(url: string, method = "GET", payload?: unknown) {
  return server.api.inject({ method: method as "GET", url, headers: { authorization: `Bearer ${adminToken}` }, payload: payload as object });
}

function nftBlocked(): string[] {
  const r = inNs(SRV, "nft", ["-j", "list", "set", "inet", "hostward", "blocked4"]);
  if (r.status !== 0) return [];
  const j = JSON.parse(r.stdout) as { nftables: { set?: { elem?: unknown[] } }[] };
  const elems = j.nftables.find((x) => x.set)?.set?.elem ?? [];
  return elems.map((e) => (typeof e === "string" ? e : String((e as { elem: { val: string } }).elem.val)));
}

/** One failed password guess from `from` (a separate ssh connection, as brute-force tools do). */
function guess(from: string, user = "root") {
  return new Promise<void>((resolve) => {
    const p = spawn("ip", ["netns", "exec", ATK, "sshpass", "-p", "wrong-password", "ssh", "-b", from, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1", "-o", "ConnectTimeout=3", "-o", "LogLevel=ERROR", `${user}@${SSHD}`, "true"], { stdio: "ignore" });
    p.on("exit", () => resolve());
  });
}

const failuresFrom = (addr: string) => readFileSync(authLog, "utf8").split("\n").filter((l) => l.includes("Failed password") && l.includes(` from ${addr} port `)).length;

before(async () => {
  if (skip) return;
  tmp = tempDir("hw-e2e-");
  for (const ns of [SRV, ATK]) ip("netns", "add", ns);
  wire({ ns: null, ifname: ROOT_IF, addrs: ["10.77.0.1/24"] }, { ns: SRV, ifname: SRV_IF, addrs: ["10.77.0.2/24"] });
  wire({ ns: SRV, ifname: SRV_ATK_IF, addrs: [`${SSHD}/24`] }, { ns: ATK, ifname: ATK_IF, addrs: [`${ATTACKER}/24`, `${FRIEND}/24`] });

  // sshd logs to stderr; a small shim stamps each line the way Debian 12's rsyslog writes
  // /var/log/auth.log (RFC 3339 time, host, program[pid]) and appends it to the log file.
  authLog = join(tmp.dir, "auth.log");
  writeFileSync(authLog, "");
  mkdirSync("/run/sshd", { recursive: true });
  const conf = join(tmp.dir, "sshd_config");
  writeFileSync(conf, [`ListenAddress ${SSHD}`, "Port 22", "HostKey /etc/ssh/ssh_host_ed25519_key", "PasswordAuthentication yes", "KbdInteractiveAuthentication no", "UsePAM no", `PidFile ${join(tmp.dir, "sshd.pid")}`, "MaxStartups 100:30:200", "LogLevel INFO", ""].join("\n"));
  const shim = `exec /usr/sbin/sshd -D -e -f ${conf} 2>&1 | while IFS= read -r l; do printf '%s.000000+00:00 srv sshd[%s]: %s\\n' "$(TZ=UTC printf '%(%Y-%m-%dT%H:%M:%S)T' -1)" "$$" "$l" >> ${authLog}; done`;
  sshdProc = spawn("ip", ["netns", "exec", SRV, "bash", "-c", shim], { stdio: "ignore", detached: true });
  await waitFor("sshd listening", () => tcpConnects(ATK, SSHD, 22), 10_000, 200);

  ({ server, adminToken } = await startServer({ dataDir: join(tmp.dir, "server"), overrides: { agentChannel: { host: "10.77.0.1", port: 0 } } }));
});

after(async () => {
  if (skip) return;
  for (const p of [agentProc, sshdProc]) {
    try {
      if (p?.pid) process.kill(-p.pid, "SIGKILL");
    } catch { /* gone */ }
    p?.kill("SIGKILL");
  }
  const pidFile = join(tmp.dir, "sshd.pid");
  if (existsSync(pidFile)) try { process.kill(Number(readFileSync(pidFile, "utf8")), "SIGKILL"); } catch { /* gone */ }
  await server?.close();
  for (const ns of [SRV, ATK]) try { ip("netns", "del", ns); } catch { /* gone */ }
  try { ip("link", "del", ROOT_IF); } catch { /* gone with the namespace */ }
  tmp.cleanup();
});

test("BF-1 BF-3 BF-4 RSP-1 real sshd, real nftables: brute force is alerted and blocked within 2 s, disabling the policy lets the source back in; an allowlisted source is never blocked", { skip: skip ?? false, timeout: 120_000 }, async (t) => {
  const addr = server.agentChannel.server.address() as { port: number };
  const token = await enrolToken(server);
  const stateDir = join(tmp.dir, "agent");
  const agentLog = openSync(join(tmp.dir, "agent.log"), "a");
  agentProc = spawn("ip", ["netns", "exec", SRV, process.execPath, CLI, "agent", "--server", `https://10.77.0.1:${addr.port}`, "--token", token, "--state", stateDir, "--auth-log", authLog, "--from-start"], { stdio: ["ignore", agentLog, agentLog], detached: true, env: { ...process.env, HOSTWARD_LOG_LEVEL: "info" } });
  const agent = await waitFor("agent enrolled", async () => (await api("/api/v1/agents")).json().items[0], 20_000, 100);
  assert.equal(agent.revokedAt, null);
  // the agent has made its nftables table in srv
  await waitFor("nft table", () => inNs(SRV, "nft", ["list", "table", "inet", "hostward"]).status === 0, 10_000);
  assert.equal((await api("/api/v1/allowlist", "POST", { cidr: `${FRIEND}/32`, note: "our own scanner" })).statusCode, 200);

  assert.ok(tcpConnects(ATK, SSHD, 22, ATTACKER), "before the attack the attacker can reach sshd");

  // --- the attack: failing password guesses until the threshold (5 in 10 min) ---
  for (let i = 0; i < 5; i++) await guess(ATTACKER);
  await waitFor("5 failures logged", () => failuresFrom(ATTACKER) >= 5, 10_000, 20);
  const thresholdAt = Date.now();
  const alert = await waitFor("alert in the API", async () => (await api(`/api/v1/alerts?sourceIp=${ATTACKER}&type=ssh_brute_force`)).json().items[0], 5000, 20);
  const alertAfter = Date.now() - thresholdAt;
  await waitFor("nftables drops the attacker", () => nftBlocked().includes(ATTACKER), 5000, 20);
  const blockAfter = Date.now() - thresholdAt;
  assert.ok(alertAfter <= 2000, `alert ${alertAfter} ms after the threshold`);
  assert.ok(blockAfter <= 2000, `block ${blockAfter} ms after the threshold`);
  t.diagnostic(`threshold → alert in API ${alertAfter} ms, → nftables element ${blockAfter} ms`);
  assert.equal(alert.severity, "high");
  assert.ok(alert.count >= 5);
  assert.equal(tcpConnects(ATK, SSHD, 22, ATTACKER), false, "the attacker's next TCP connection fails");

  const pol = await waitFor("policy active", async () => (await api(`/api/v1/ip-policies?ip=${ATTACKER}&status=active`)).json().items[0], 5000);
  assert.equal(pol.alertId, alert.id);

  // --- an allowlisted source failing just as often: alerted, never blocked ---
  for (let i = 0; i < 6; i++) await guess(FRIEND, "scanner");
  await waitFor("friend failures logged", () => failuresFrom(FRIEND) >= 6, 10_000, 20);
  const friendAlert = await waitFor("friend alert", async () => (await api(`/api/v1/alerts?sourceIp=${FRIEND}`)).json().items.find((a: { count: number }) => a.count >= 6), 5000, 20);
  assert.match(friendAlert.response, /not blocked: allowlist 10\.77\.1\.3\/32/);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(nftBlocked().includes(FRIEND), false);
  assert.ok(tcpConnects(ATK, SSHD, 22, FRIEND), "the allowlisted source still connects");
  assert.equal((await api(`/api/v1/ip-policies?ip=${FRIEND}`)).json().total, 0);

  // --- BF-4: disabling the policy lets the attacker connect again within 5 s ---
  const disabledAt = Date.now();
  assert.equal((await api(`/api/v1/ip-policies/${pol.id}/disable`, "POST")).statusCode, 200);
  await waitFor("attacker can connect again", () => tcpConnects(ATK, SSHD, 22, ATTACKER), 5000, 50);
  assert.ok(Date.now() - disabledAt <= 5000);
  assert.equal(nftBlocked().includes(ATTACKER), false);
  const actions = await waitFor("unblock result reported", async () => {
    const items = (await api(`/api/v1/actions?policyId=${pol.id}`)).json().items as { type: string; status: string }[];
    return items.every((a) => a.status !== "sent" && a.status !== "queued") && items;
  }, 5000);
  assert.deepEqual(actions.map((a) => `${a.type}:${a.status}`).sort(), ["block_ip:succeeded", "unblock_ip:succeeded"]);
});
