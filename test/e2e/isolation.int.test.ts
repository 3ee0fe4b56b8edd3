import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, chmodSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { tempDir, startServer, enrolToken, waitFor, sshdLine } from "../helpers.ts";
import { canRunNetns, inNs, ip, tcpConnects, wire } from "./netns.ts";
import type { HostwardServer } from "../../src/server/index.ts";

/**
 * RSP-3 and EVT-10 for real: the `hostward agent` process in namespace `host` with real
 * nftables and a real nginx, an attacker in namespace `atk`, the server in the root namespace;
 * the playbooks are run through the REST API like an operator would.
 *
 *   root 10.77.11.1 ── veth ── 10.77.11.2 host 10.77.12.1 ── veth ── 10.77.12.2 / .3 atk
 */
const nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p));
const skip = canRunNetns();
const id = process.pid % 100000;
const HOST = `hw-iso-${id}`, ATK = `hw-isoa-${id}`;
const ROOT_IF = `hwir${id}`, HOST_IF = `hwih${id}`, HOST_ATK_IF = `hwix${id}`, ATK_IF = `hwia${id}`;
const ROOT = "10.77.11.1", HOST_ADDR = "10.77.11.2", HOST_ATK = "10.77.12.1", ATTACKER = "10.77.12.2", FRIEND = "10.77.12.3";
const WEB_PORT = 8080, ATK_PORT = 7070;
const CLI = join(import.meta.dirname, "..", "..", "src", "cli", "main.ts");

let tmp: ReturnType<typeof tempDir>;
let server: HostwardServer;
let adminToken = "";
let agentUrl = "";
let agentProc: ChildProcess | undefined;
let atkServer: ChildProcess | undefined;
let nginxProc: ChildProcess | undefined;
let assetId = "";
let authLog = "", denyFile = "", nginxConf = "";

const api = async (url: string, method = "GET", payload?: unknown) => {
  const r = await server.api.inject({ method: method as "GET", url, headers: { authorization: `Bearer ${adminToken}` }, payload: payload as object });
  return { status: r.statusCode, body: r.json() };
};

/** Runs a playbook through the API and waits for all its tasks to finish; returns them. */
async function runPlaybook(pb: string, target: object, extra: object = {}) {
  const r = await api(`/api/v1/playbooks/${pb}/run`, "POST", { target, assetIds: [assetId], ...extra });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const ids = (r.body.tasks as { id: string }[]).map((t) => t.id);
  assert.ok(ids.length > 0, `${pb} queued nothing: ${JSON.stringify(r.body.plan.steps)}`);
  return waitFor(`${pb} tasks finished`, async () => {
    const items = (await api(`/api/v1/actions?agentId=${assetId}&limit=500`)).body.items as { id: string; type: string; status: string; result: string }[];
    const mine = items.filter((a) => ids.includes(a.id));
    return mine.length === ids.length && mine.every((a) => a.status === "succeeded" || a.status === "failed") ? mine : null;
  }, 20_000, 100);
}

/** HTTP status the attacker namespace gets from the host's nginx, from a given source address. */
function httpStatus(from: string): string {
  const code = `require("http").get({host:${JSON.stringify(HOST_ATK)},port:${WEB_PORT},path:"/",localAddress:${JSON.stringify(from)},timeout:2000},(r)=>{console.log(r.statusCode);process.exit(0)}).on("timeout",()=>{console.log("timeout");process.exit(0)}).on("error",(e)=>{console.log("error "+e.code);process.exit(0)});`;
  return inNs(ATK, process.execPath, ["-e", code], 5000).stdout.trim();
}

/** A TCP connection from the root namespace (the server's side) within 2 s. */
function rootConnects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.setTimeout(2000, () => { s.destroy(); resolve(false); });
    s.on("connect", () => { s.destroy(); resolve(true); });
    s.on("error", () => resolve(false));
  });
}

const isolationTable = () => inNs(HOST, "nft", ["list", "table", "inet", "hostward_isolation"]).status === 0;

function startAgent(token?: string): void {
  const out = openSync(join(tmp.dir, "agent.log"), "a");
  agentProc = spawn("ip", ["netns", "exec", HOST, process.execPath, CLI, "agent", "--server", agentUrl, ...(token ? ["--token", token] : []), "--state", join(tmp.dir, "agent"), "--auth-log", authLog, "--no-baseline", "--no-inventory", "--no-processes", "--web-deny-file", denyFile, "--nginx-conf", nginxConf], { stdio: ["ignore", out, out], detached: true });
}

function killAgent(): void {
  try {
    if (agentProc?.pid) process.kill(-agentProc.pid, "SIGKILL");
  } catch { /* gone */ }
}

before(async () => {
  if (skip) return;
  tmp = tempDir("hw-iso-");
  for (const ns of [HOST, ATK]) ip("netns", "add", ns);
  wire({ ns: null, ifname: ROOT_IF, addrs: [`${ROOT}/24`] }, { ns: HOST, ifname: HOST_IF, addrs: [`${HOST_ADDR}/24`] });
  wire({ ns: HOST, ifname: HOST_ATK_IF, addrs: [`${HOST_ATK}/24`] }, { ns: ATK, ifname: ATK_IF, addrs: [`${ATTACKER}/24`, `${FRIEND}/24`] });
  // a service in the attacker's namespace, to see whether the host can reach out (a client that
  // only connects resets the socket: the error handler keeps the service up)
  atkServer = spawn("ip", ["netns", "exec", ATK, process.execPath, "-e", `require("net").createServer((s)=>{s.on("error",()=>{});s.end("hi")}).listen(${ATK_PORT})`], { stdio: "ignore", detached: true });
  authLog = join(tmp.dir, "auth.log");
  writeFileSync(authLog, "");
  denyFile = join(tmp.dir, "hostward-deny.conf");
  writeFileSync(denyFile, "");
  nginxConf = join(tmp.dir, "nginx.conf");
  // nginx's workers run as nobody: they need to read the web root (deny works in the access
  // phase, so the page is a file, not a `return`, which would answer before it)
  chmodSync(tmp.dir, 0o755);
  mkdirSync(join(tmp.dir, "www"), { mode: 0o755 });
  writeFileSync(join(tmp.dir, "www", "index.html"), "hello\n", { mode: 0o644 });
  writeFileSync(nginxConf, [
    `pid ${join(tmp.dir, "nginx.pid")};`, `error_log ${join(tmp.dir, "nginx-error.log")};`, "worker_processes 1;", "events { worker_connections 64; }",
    `http { access_log off; client_body_temp_path ${tmp.dir}; server { listen ${WEB_PORT}; include ${denyFile}; location / { root ${join(tmp.dir, "www")}; } } }`, "",
  ].join("\n"));
  // in the foreground, as the test's child (its pid file still serves the agent's `nginx -s reload`)
  if (nginx) nginxProc = spawn("ip", ["netns", "exec", HOST, nginx, "-c", nginxConf, "-g", "daemon off;"], { stdio: "ignore", detached: true });
  ({ server, adminToken } = await startServer({ dataDir: join(tmp.dir, "server"), overrides: { agentChannel: { host: ROOT, port: 0 } } }));
  agentUrl = `https://${ROOT}:${(server.agentChannel.server.address() as { port: number }).port}`;
  startAgent(await enrolToken(server));
  assetId = (await waitFor("agent enrolled", async () => (await api("/api/v1/agents")).body.items[0], 20_000, 100)).id;
  await waitFor("block table", () => inNs(HOST, "nft", ["list", "table", "inet", "hostward"]).status === 0, 10_000);
});

after(async () => {
  if (skip) return;
  killAgent();
  for (const p of [atkServer, nginxProc]) try { if (p?.pid) process.kill(-p.pid, "SIGKILL"); } catch { /* gone */ }
  await server?.close();
  for (const ns of [HOST, ATK]) try { ip("netns", "del", ns); } catch { /* gone */ }
  try { ip("link", "del", ROOT_IF); } catch { /* gone with the namespace */ }
  tmp.cleanup();
});

test("EVT-10 a real nginx: the web deny list playbook makes nginx answer 403 to the attacker only, and removing it restores 200", { skip: skip ?? (nginx ? false : "nginx is not installed (.ci/run installs it)"), timeout: 60_000 }, async () => {
  await waitFor("nginx answers", () => httpStatus(ATTACKER) === "200", 10_000, 200);
  assert.equal(httpStatus(FRIEND), "200");

  const [deny] = await runPlaybook("block-ip-web", { kind: "ip", ip: ATTACKER }, { validitySeconds: 3600 });
  assert.equal(deny!.status, "succeeded", deny!.result);
  assert.match(deny!.result, new RegExp(`^${ATTACKER.replaceAll(".", "\\.")} denied in .*hostward-deny\\.conf until .*; nginx reloaded$`));
  assert.match(readFileSync(denyFile, "utf8"), new RegExp(`^deny ${ATTACKER.replaceAll(".", "\\.")}; # until 20`, "m"));
  await waitFor("nginx denies the attacker", () => httpStatus(ATTACKER) === "403", 5000, 100);
  assert.equal(httpStatus(FRIEND), "200", "another address is still served");

  const [allow] = await runPlaybook("allow-ip-web", { kind: "ip", ip: ATTACKER });
  assert.equal(allow!.status, "succeeded", allow!.result);
  await waitFor("nginx serves the attacker again", () => httpStatus(ATTACKER) === "200", 5000, 100);
  assert.doesNotMatch(readFileSync(denyFile, "utf8"), /^deny /m);
});

test("RSP-3 RSP-1 isolating the host cuts the attacker off while the agent keeps reporting and acting; it survives a restart; release restores connectivity; a validity period ends on its own", { skip: skip ?? false, timeout: 120_000 }, async (t) => {
  const servicePort = WEB_PORT;
  if (!nginx) {
    // without nginx, a plain TCP service on the host stands in for it
    const p = spawn("ip", ["netns", "exec", HOST, process.execPath, "-e", `require("net").createServer((s)=>{s.on("error",()=>{});s.end("hi")}).listen(${servicePort})`], { stdio: "ignore", detached: true });
    t.after(() => { try { process.kill(-p.pid!, "SIGKILL"); } catch { /* gone */ } });
  }
  await waitFor("attacker reaches the host's service", () => tcpConnects(ATK, HOST_ATK, servicePort, ATTACKER), 10_000, 200);
  assert.ok(tcpConnects(HOST, ATTACKER, ATK_PORT), "before: the host reaches the attacker");
  assert.ok(await rootConnects(HOST_ADDR, servicePort), "before: the server's side reaches the host's service");

  const [iso] = await runPlaybook("isolate-host", { kind: "host" });
  assert.equal(iso!.status, "succeeded", iso!.result);
  assert.match(iso!.result, new RegExp(`^host isolated until .*; open: loopback, ${ROOT.replaceAll(".", "\\.")}:\\d+/tcp$`));
  assert.equal(tcpConnects(ATK, HOST_ATK, servicePort, ATTACKER), false, "the attacker cannot connect to the host");
  assert.equal(tcpConnects(HOST, ATTACKER, ATK_PORT), false, "the host cannot reach the attacker");
  assert.equal(await rootConnects(HOST_ADDR, servicePort), false, "nothing but the agent's own channel: not even the server's side reaches the service");

  // the agent keeps reporting: a brute force logged after isolation becomes an alert, and the
  // block the server answers with is carried out
  const before = Date.now();
  for (let i = 0; i < 6; i++) appendFileSync(authLog, sshdLine("fail", "10.77.13.9") + "\n");
  const alert = await waitFor("alert from telemetry sent while isolated", async () => (await api("/api/v1/alerts?sourceIp=10.77.13.9")).body.items[0], 15_000, 100);
  t.diagnostic(`telemetry → alert while isolated in ${Date.now() - before} ms`);
  assert.equal(alert.type, "ssh_brute_force");
  const pol = await waitFor("block carried out while isolated", async () => (await api("/api/v1/ip-policies?ip=10.77.13.9&status=active")).body.items[0], 15_000, 100);
  assert.match(pol.lastResult, /^blocked 10\.77\.13\.9/);
  assert.equal((await api("/api/v1/playbooks/isolate-host/dry-run", "POST", { target: { kind: "host" }, assetIds: [assetId] })).body.steps[0].reason, "condition asset.isolated = false does not hold");

  // a reboot loses the kernel's table: the agent re-applies it from its state on start
  killAgent();
  inNs(HOST, "nft", ["delete", "table", "inet", "hostward_isolation"]);
  assert.ok(tcpConnects(ATK, HOST_ATK, servicePort, ATTACKER), "table gone: reachable");
  startAgent();
  await waitFor("isolation re-applied at agent start", isolationTable, 20_000, 100);
  assert.equal(tcpConnects(ATK, HOST_ATK, servicePort, ATTACKER), false, "isolated again after the restart");

  // an action queued after isolation reaches the restarted agent: release
  const [rel] = await runPlaybook("release-host", { kind: "host" });
  assert.equal(rel!.status, "succeeded", rel!.result);
  assert.equal(isolationTable(), false);
  assert.equal(existsSync(join(tmp.dir, "agent", "isolation.json")), false);
  assert.ok(tcpConnects(ATK, HOST_ATK, servicePort, ATTACKER), "after release the attacker connects again");
  assert.ok(tcpConnects(HOST, ATTACKER, ATK_PORT), "after release the host reaches out again");
  assert.ok(await rootConnects(HOST_ADDR, servicePort));

  // a short validity period: lifted without any release being sent
  const [short] = await runPlaybook("isolate-host", { kind: "host" }, { validitySeconds: 2 });
  assert.equal(short!.status, "succeeded", short!.result);
  assert.equal(tcpConnects(ATK, HOST_ATK, servicePort, ATTACKER), false);
  await waitFor("the period ended: reachable again", () => tcpConnects(ATK, HOST_ATK, servicePort, ATTACKER), 10_000, 200);
  await waitFor("the agent removed its table", () => !isolationTable(), 5000, 100);
});
