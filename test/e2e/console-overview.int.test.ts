import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { tempDir, startServer, enrolToken } from "../helpers.ts";
import { browserSkip, ensureConsoleBuilt, launch, shot, watch } from "../browser.ts";
import { hashPassword, type HostwardServer } from "../../src/server/index.ts";
import { newId } from "../../src/core/index.ts";

/**
 * The console's Overview, Attack Analysis (BF-3) and Assets views in a real browser, over
 * data made by a real ingest: an enrolled agent reports SSH logon failures, the server
 * raises the alerts and blocks the sources.
 */
const skip = browserSkip();
const tmp = tempDir("hw-console-ov-");
let server: HostwardServer;
let base = "";
let browser: Browser;
const ATTACKER = "203.0.113.77";
const PASSWORD = "amber quarry lighthouse 7";

before(async () => {
  if (skip) return;
  ensureConsoleBuilt();
  let apiUrl: string;
  ({ server, apiUrl } = await startServer({ dataDir: join(tmp.dir, "s") }));
  base = apiUrl;
  // an admin who can sign in straight away
  const now = Date.now();
  await server.store.users.insert({ id: newId("usr", now), accountId: "default", username: "ops", passwordHash: await hashPassword(PASSWORD), role: "admin", createdAt: now, mustChangePassword: false, disabledAt: null });
  // a real ingest: enrol web-1 and db-1, then report brute force from ATTACKER (web-1 twice, db-1 once) and another source
  const enrol = async (hostname: string) => (await server.agentChannel.inject({ method: "POST", url: "/agent/v1/enrol", payload: { token: await enrolToken(server), hostname, version: "0.1.0", os: "Debian GNU/Linux 12" } })).json() as { agentId: string; secret: string };
  const web = await enrol("web-1"), db = await enrol("db-1");
  let seq = 0;
  const fail = async (asset: { agentId: string; secret: string }, ip: string, times: number, user = "root") => {
    const records = Array.from({ length: times }, () => ({ id: `rec-${String(seq++).padStart(8, "0")}`, kind: "logon", ts: Date.now(), service: "ssh", event: { outcome: "failure", reason: "password" }, source: { ip }, user: { name: user } }));
    const r = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/telemetry", headers: { authorization: `Bearer ${asset.agentId}.${asset.secret}` }, payload: { records } });
    assert.equal(r.statusCode, 200, r.body);
  };
  await fail(web, ATTACKER, 12);
  await fail(db, ATTACKER, 6, "admin");
  await fail(db, "198.51.100.23", 5, "oracle");
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
  tmp.cleanup();
});

async function signIn(page: Page): Promise<void> {
  await page.goto(base + "/");
  await page.getByLabel("User name").fill("ops");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("whoami").waitFor();
}

/** A chart rendered: ECharts put a canvas (or an svg) inside the .chart element. */
async function chartsDrawn(page: Page, min: number): Promise<void> {
  await page.locator(".chart canvas, .chart svg").nth(min - 1).waitFor();
}

test("BF-3 the overview, attack analysis and assets views show a real attack; an admin enrols and revokes an agent", { skip: skip ?? false }, async () => {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  const seen = watch(page);
  await signIn(page);

  // Overview: KPIs, both charts, the tops
  await page.getByTestId("overview").waitFor();
  await page.getByTestId("top-sources").getByText(ATTACKER).waitFor();
  assert.equal(await page.getByTestId("kpi-unhandled-value").innerText(), "3");
  assert.equal(await page.getByTestId("kpi-critical-value").innerText(), "0");
  assert.equal(await page.getByTestId("kpi-blocks-value").innerText(), "3", "the defence blocked each source on each asset it attacked");
  assert.equal(await page.getByTestId("kpi-assets-value").innerText(), "2");
  const topSource = page.getByTestId("top-sources").locator("tbody tr").first();
  assert.match(await topSource.innerText(), new RegExp(`${ATTACKER.replaceAll(".", "\\.")}\\s+2\\s+18\\s+2\\s+Blocked`));
  const topAsset = page.getByTestId("top-assets").locator("tbody tr").first();
  assert.match(await topAsset.innerText(), /db-1\s+2\s+11\s+2/);
  await chartsDrawn(page, 2);
  await shot(page, "overview");

  // the days selector keeps the window in the URL
  await page.getByRole("button", { name: "30 days" }).click();
  await page.waitForURL(/\?days=30$/);
  await page.getByText("over the last 30 days").waitFor();
  await page.getByTestId("top-sources").getByText(ATTACKER).waitFor();

  // Attack Analysis: the top source with its attempts, assets hit and block status
  await page.getByRole("navigation").getByRole("link", { name: "Attack Analysis" }).click();
  await page.getByTestId("attack-analysis").waitFor();
  const src = page.getByTestId("an-top-sources").locator("tbody tr").first();
  await src.getByText(ATTACKER).waitFor();
  assert.match(await src.innerText(), new RegExp(`${ATTACKER.replaceAll(".", "\\.")}\\s+18\\s+2\\s+2\\s+.*ago\\s+Blocked`));
  assert.equal(await page.getByTestId("an-attacks-value").innerText(), "3");
  assert.equal(await page.getByTestId("an-attempts-value").innerText(), "23");
  assert.equal(await page.getByTestId("an-sources-value").innerText(), "2");
  assert.match(await page.getByTestId("an-assets").innerText(), /web-1\s+1\s+12\s+1\s+1/);
  await chartsDrawn(page, 1);
  await shot(page, "attack-analysis");

  // Assets: both agents online, with version and OS
  await page.getByRole("navigation").getByRole("link", { name: "Assets" }).click();
  await page.getByTestId("agents-table").waitFor();
  const web = page.getByTestId("agent-web-1");
  assert.equal(await web.getByTestId("agent-status").innerText(), "Online");
  assert.match(await web.innerText(), /0\.1\.0\s+Debian GNU\/Linux 12/);
  assert.equal(await page.getByTestId("assets-online").innerText(), "2");
  await page.getByText("An agent not seen for 2 minutes is offline.").waitFor();
  await shot(page, "assets");

  // Enrol a new agent: a one-time token and the command that uses it
  await page.getByTestId("enrol-open").click();
  await page.getByTestId("enrol-create").click();
  const cmd = await page.getByTestId("enrol-command").innerText();
  assert.match(cmd, /hostward agent --server https:\/\/\S+ --token hw1\.\S+/);
  await page.getByTestId("enrol-result").getByText("expires").waitFor();
  await shot(page, "enrol-agent");
  assert.equal((await server.store.enrolTokens.list("default")).filter((t) => t.note === "" && t.usedAt === null).length, 1, "the dialog made one token");

  await page.getByRole("button", { name: "Done" }).click();

  // an admin revokes an agent: it says Revoked and no longer counts as online
  await page.getByTestId("agent-db-1").getByRole("button", { name: "Revoke" }).click();
  await page.getByTestId("revoke-confirm").click();
  await page.getByTestId("agent-db-1").getByText("Revoked").waitFor();
  assert.equal(await page.getByTestId("assets-online").innerText(), "1");
  assert.notEqual((await server.store.agents.list("default")).find((a) => a.hostname === "db-1")!.revokedAt, null);

  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.dialogs, []);
  await ctx.close();
});
