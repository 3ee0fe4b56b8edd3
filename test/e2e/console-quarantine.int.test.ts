import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { tempDir, startServer, waitFor } from "../helpers.ts";
import { browserSkip, ensureConsoleBuilt, launch, shot } from "../browser.ts";
import { addConsoleUser, agentSide, assertClean as clean, nav, signIn as signInAs, type AgentCred } from "../console-kit.ts";
import type { HostwardServer } from "../../src/server/index.ts";

/**
 * Web shells and the quarantine vault in a real browser: a web-shell alert's reasons by line
 * (hostile path and excerpts stay text), quarantining its file from the drawer, the vault
 * records an agent sends shown in the File quarantine panel, restoring one, an on-demand web
 * scan — and a viewer who can do none of it. Everything arrives through the agent channel.
 */
const skip = browserSkip();
const tmp = tempDir("hw-console-quarantine-");
const XSS = "<img src=x onerror=alert(1)>";
const PATH = `/var/www/html/uploads/"><script>window.__pwned=1</script>${XSS}.php`;
const SHA = "5e".repeat(32);
const MD5 = "a7".repeat(16);
const DAY = 86_400_000;
let server: HostwardServer;
let base = "";
let adminToken = "";
let browser: Browser;
let web: AgentCred;
let db: AgentCred;
const send = (records: object[], as: AgentCred = web) => agents.send(as, records);
const signIn = (username: string) => signInAs(browser, base, username);
let agents: ReturnType<typeof agentSide>;

async function api(path: string, method = "GET", payload?: object): Promise<{ status: number; body: any }> {
  const r = await server.api.inject({ method: method as "GET", url: path, payload, headers: { authorization: `Bearer ${adminToken}` } });
  return { status: r.statusCode, body: r.json() };
}
const alertOf = async (type: string): Promise<{ id: string; status: string }> => {
  const items = (await api(`/api/v1/alerts?type=${type}&limit=10`)).body.items;
  assert.equal(items.length, 1, `one ${type} alert`);
  return items[0];
};
const actions = async (type: string): Promise<{ agentId: string; type: string; params: Record<string, unknown> }[]> =>
  (await api("/api/v1/actions?limit=200")).body.items.filter((a: { type: string }) => a.type === type);

// the engine's reasons, deliberately out of line order, one without a line, excerpts carrying markup
const REASONS = [
  { id: "php.input-to-eval", layer: "heuristic", severity: "malicious", line: 12, text: "$_POST reaches eval()", excerpt: `@eval($_POST['c']); // ${XSS}` },
  { id: "sig.php-small-eval-loader", layer: "signature", severity: "malicious", line: 3, text: "known one-line eval loader", excerpt: `<?php /*"><script>window.__pwned=2</script>*/` },
  { id: "php.high-entropy", layer: "heuristic", severity: "suspicious", text: "a 4 KiB base64 blob (entropy 5.9 bits/byte)" },
  { id: "php.obfuscation-chain", layer: "heuristic", severity: "suspicious", line: 7, text: "base64_decode(gzinflate(str_rot13(...)))", excerpt: `$x=base64_decode(gzinflate(str_rot13('${"QUJD".repeat(25)}')));` },
];
const webFile = (path: string, o: { md5: string; sha256: string; action?: string; reasons: object[]; baseline?: object; verdict?: string }) => ({
  kind: "file", ts: Date.now(), event: { action: o.action ?? "created" },
  file: { path, category: "web", hash: { md5: o.md5, sha256: o.sha256 }, size: 4211, mode: "0644", owner: "www-data" },
  webshell: { verdict: o.verdict ?? "malicious", lang: "php", scan: "realtime", engine: "hostward-ws 1", reasons: o.reasons, ...(o.baseline ? { baseline: o.baseline } : {}) },
});

async function openAlert(page: Page, type: string) {
  await page.goto(base + `/alerts?alert=${(await alertOf(type)).id}`);
  const d = page.getByTestId("alert-drawer");
  await d.getByText("Details").waitFor();
  return d;
}

before(async () => {
  if (skip) return;
  ensureConsoleBuilt();
  ({ server, apiUrl: base, adminToken } = await startServer({ dataDir: join(tmp.dir, "s") }));
  await addConsoleUser(server, "ana", "analyst");
  await addConsoleUser(server, "watcher", "viewer");
  agents = agentSide(server);
  web = await agents.enrol("web-1");
  db = await agents.enrol("db-2");
  // WS-2 a web shell with a hostile name; WS-5 a known file that gained a backdoor line
  await send([webFile(PATH, { md5: MD5, sha256: SHA, reasons: REASONS })]);
  await send([webFile("/var/www/html/index.php", {
    md5: "b8".repeat(16), sha256: "c9".repeat(32), action: "modified",
    reasons: [{ id: "php.input-to-eval", layer: "heuristic", severity: "malicious", line: 41, text: "$_REQUEST reaches eval()", excerpt: "if(isset($_REQUEST['k'])){eval($_REQUEST['k']);}" }],
    baseline: { previousSha256: "d0".repeat(32), added: [{ line: 41, text: "if(isset($_REQUEST['k'])){eval($_REQUEST['k']);}" }, { line: 40, text: `/* ${XSS} */` }] },
  })]);
  // AGT-6 a sensitive file: it names a path and a hash, but is never quarantined from the console
  await send([{ kind: "file", ts: Date.now(), event: { action: "modified" }, file: { path: "/etc/passwd", category: "sensitive", mode: "0644", owner: "root", hash: { sha256: "a1".repeat(32) } }, change: { summary: "1 line added", added: ["toor:x:0:0:root:/root:/bin/bash"] } }]);
  for (const t of ["web_shell", "web_file_backdoor", "sensitive_file_tampering"]) await alertOf(t);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
  tmp.cleanup();
});

test("WS-8 a web-shell alert lists its reasons by line with layer and severity, the hostile path and excerpts as text; WS-5 the added lines as a diff", { skip: skip ?? false }, async () => {
  const s = await signIn("ana");
  const { page } = s;
  const d = await openAlert(page, "web_shell");
  assert.equal(await d.getByTestId("webshell-path").innerText(), PATH, "the path is text, markup and all");
  const reasons = d.getByTestId("webshell-reason");
  await reasons.first().waitFor();
  assert.deepEqual(await reasons.evaluateAll((els) => els.map((el) => el.getAttribute("data-line"))), ["3", "7", "12", ""], "sorted by line, the whole-file trait last");
  const texts = await reasons.allInnerTexts();
  assert.match(texts[0]!, /^line 3 — known one-line eval loader\s+signature\s+malicious/i);
  assert.match(texts[2]!, /^line 12 — \$_POST reaches eval\(\)\s+heuristic\s+malicious/i);
  assert.match(texts[3]!, /^whole file — a 4 KiB base64 blob[\s\S]*suspicious/i);
  assert.deepEqual(await d.getByTestId("webshell-excerpt").allInnerTexts(), [REASONS[1]!.excerpt, REASONS[3]!.excerpt, REASONS[0]!.excerpt], "excerpts verbatim");
  assert.match(await reasons.nth(2).getAttribute("class") ?? "", /malicious/, "severity colour");
  assert.match(await d.getByTestId("webshell-file").innerText(), /PHP[\s\S]*real-time watch[\s\S]*www-data · 0644[\s\S]*5e5e5e5e[\s\S]*a7a7a7a7[\s\S]*php\.input-to-eval/);
  assert.equal(await d.getByTestId("webshell-added").count(), 0, "a new file has no baseline diff");
  assert.equal(await d.locator("script").count(), 0);
  await d.getByTestId("webshell-file").evaluate((el) => { el.scrollIntoView({ block: "start" }); el.closest("aside")?.scrollBy(0, -110); });
  assert.equal(await page.getByTestId("vault-table").count(), 0);
  await shot(page, "alert-webshell");

  // WS-5: the backdoored index.php shows the lines added since the clean baseline
  const b = await openAlert(page, "web_file_backdoor");
  const added = await b.getByTestId("webshell-added-line").allInnerTexts();
  assert.deepEqual(added.map((x) => x.replace(/\s+/g, " ").trim()), [`+ line 40: /* ${XSS} */`, "+ line 41: if(isset($_REQUEST['k'])){eval($_REQUEST['k']);}"]);
  await clean(s);
  await s.ctx.close();
});

test("WS-7 an analyst quarantines the alert's file after a confirm: quarantine_file is queued with its path and hash; a sensitive-file alert offers no quarantine", { skip: skip ?? false }, async () => {
  const s = await signIn("ana");
  const { page } = s;
  assert.equal((await actions("quarantine_file")).length, 0, "WS-7: nothing was quarantined automatically");
  const d = await openAlert(page, "web_shell");
  await d.getByLabel("Remark").fill("reviewed: an upload-form shell");
  await d.getByTestId("quarantine-file").click();
  const confirm = page.getByTestId("quarantine-confirm");
  await confirm.waitFor();
  assert.ok((await confirm.innerText()).includes(PATH), "the confirm names the file");
  assert.match(await confirm.innerText(), /web-1[\s\S]*SHA-256 5e5e5e5e5e5e5e5e…[\s\S]*30 days/);
  await confirm.getByTestId("quarantine-confirm-ok").click();
  await page.getByText("Quarantine queued", { exact: false }).waitFor();
  const q = await waitFor("quarantine_file queued", async () => (await actions("quarantine_file"))[0]);
  assert.equal(q.agentId, web.agentId);
  assert.deepEqual(q.params, { path: PATH, sha256: SHA });
  assert.equal((await alertOf("web_shell")).status, "handled");

  const f = await openAlert(page, "sensitive_file_tampering");
  await f.getByRole("region", { name: "Handle" }).waitFor();
  assert.equal(await f.getByTestId("quarantine-file").count(), 0, "/etc/passwd is never one click from the vault");
  await clean(s);
  await s.ctx.close();
});

test("RSP-2 WS-7 the File quarantine panel: the empty vault explained; the vault records an agent sends, days left (amber under 3), filters; Restore queues restore_file; a web scan is queued", { skip: skip ?? false }, async () => {
  const s = await signIn("ana");
  const { page } = s;
  await nav(page, "File quarantine");
  const empty = page.getByTestId("vault-empty");
  await empty.waitFor();
  assert.match(await empty.innerText(), /never quarantined automatically[\s\S]*Quarantine file[\s\S]*30 days/);

  // the agents report their vaults (RSP-2): web-1 holds the shell and an older file near its purge; db-2 restored one
  const now = Date.now();
  const shell = { id: `q-${now}-5e5e5e5e5e5e`, originalPath: PATH, sha256: SHA, md5: MD5, size: 4211, mode: 0o644, uid: 33, gid: 33, quarantinedAt: now, expiresAt: now + 30 * DAY };
  const old = { id: `q-${now - 27 * DAY}-0123456789ab`, originalPath: "/var/www/html/wp-content/uploads/2024/cache.php", sha256: "0e".repeat(32), size: 912, mode: 0o640, uid: 33, gid: 33, quarantinedAt: now - 27.5 * DAY, expiresAt: now + 2.5 * DAY };
  await send([{ kind: "vault", ts: now, entries: [shell, old], change: { action: "quarantined", entryIds: [shell.id] } }]);
  const gone = { id: `q-${now - DAY}-abcdefabcdef`, originalPath: "/srv/app/public/info.php", sha256: "1f".repeat(32), size: 20, mode: 0o644, uid: 1000, gid: 1000, quarantinedAt: now - DAY, expiresAt: now + 29 * DAY };
  await send([{ kind: "vault", ts: now - 1000, entries: [gone], change: { action: "quarantined", entryIds: [gone.id] } }], db);
  await send([{ kind: "vault", ts: now, entries: [], change: { action: "restored", entryIds: [gone.id] } }], db);

  await page.getByTestId("vault-reload").click();
  const rows = page.getByTestId("vault-row");
  await waitFor("three vault rows", async () => (await rows.count()) === 3);
  const row = page.locator(`[data-testid=vault-row][data-entry="${shell.id}"]`);
  assert.equal(await row.getByTestId("vault-path").innerText(), PATH, "the original path is text");
  assert.equal(await row.getByTestId("vault-path").getAttribute("title"), PATH, "and whole in the title");
  assert.match(await row.innerText(), /In the vault[\s\S]*web-1[\s\S]*4\.1 KiB[\s\S]*0644 · 33:33[\s\S]*5e5e5e5e5e…[\s\S]*29 days left/);
  const soon = page.locator(`[data-testid=vault-row][data-entry="${old.id}"]`);
  assert.match(await soon.getByTestId("vault-until").innerText(), /2 days left/);
  assert.match(await soon.getAttribute("class") ?? "", /qv-soon/, "under 3 days: the amber cue");
  const restored = page.locator(`[data-testid=vault-row][data-entry="${gone.id}"]`);
  assert.match(await restored.innerText(), /Restored[\s\S]*db-2[\s\S]*restored/);
  assert.equal(await restored.getByTestId("vault-restore").count(), 0, "only a file in the vault can be restored");
  assert.equal(await page.getByTestId("vault-table").evaluate((t) => t.scrollWidth <= t.parentElement!.clientWidth), true, "the table fits at 1440 px");
  await shot(page, "quarantine");

  // filters (in the URL): state, then asset
  await page.getByLabel("State", { exact: true }).selectOption("restored");
  await waitFor("restored only", async () => (await rows.count()) === 1 && (await rows.first().getAttribute("data-entry")) === gone.id);
  assert.equal(new URL(page.url()).searchParams.get("state"), "restored");
  await page.getByLabel("State", { exact: true }).selectOption("");
  await page.getByLabel("Asset", { exact: true }).selectOption({ label: "web-1" });
  await waitFor("web-1 only", async () => (await rows.count()) === 2);

  // the alert's drawer knows its file is in the vault now
  const d = await openAlert(page, "web_shell");
  await d.getByTestId("webshell-vault").getByText(/In the quarantine vault since/).waitFor();
  await d.getByTestId("webshell-vault").getByRole("link", { name: /File quarantine/ }).click();
  await waitFor("panel filtered on web-1", async () => new URL(page.url()).searchParams.get("assetId") === web.agentId && (await rows.count()) === 2);

  // RSP-2 restore, confirmed with a remark
  await row.getByTestId("vault-restore").click();
  const dialog = page.getByTestId("restore-dialog");
  await dialog.waitFor();
  const said = await dialog.innerText();
  assert.ok(said.includes(PATH));
  assert.match(said, /vault copy is intact[\s\S]*nothing exists at that path/);
  await dialog.getByLabel("Remark").fill("false positive: our own upload test");
  await dialog.getByTestId("restore-confirm").click();
  await page.getByText("Restore queued on web-1", { exact: false }).waitFor();
  const r = await waitFor("restore_file queued", async () => (await actions("restore_file"))[0]);
  assert.equal(r.agentId, web.agentId);
  assert.deepEqual(r.params, { entryId: shell.id, sha256: SHA }, "the entry and its hash, never a path");

  // WS-4 an on-demand scan of an asset's web directories
  await page.getByTestId("web-scan-open").click();
  const scan = page.getByTestId("scan-dialog");
  await scan.getByLabel("Asset to scan").selectOption({ label: "db-2" });
  await scan.getByTestId("web-scan-confirm").click();
  await page.getByText("Web scan queued on db-2", { exact: false }).waitFor();
  const sc = await actions("scan_web_files");
  assert.deepEqual(sc.map((x) => x.agentId), [db.agentId]);
  await clean(s);
  await s.ctx.close();
});

test("ACC-1 a viewer reads the evidence and the vault but has no Quarantine, Restore or Scan", { skip: skip ?? false }, async () => {
  const v = await signIn("watcher");
  const d = await openAlert(v.page, "web_shell");
  await d.getByTestId("webshell-reason").first().waitFor();
  assert.equal(await d.getByTestId("quarantine-file").count(), 0);
  assert.equal(await d.getByRole("region", { name: "Handle" }).count(), 0);
  await d.getByRole("button", { name: "Close" }).click();
  await nav(v.page, "File quarantine");
  await v.page.getByTestId("vault-row").first().waitFor();
  assert.equal(await v.page.getByTestId("vault-row").count(), 3);
  assert.equal(await v.page.getByTestId("vault-restore").count(), 0);
  assert.equal(await v.page.getByTestId("web-scan-open").count(), 0);
  await clean(v);
  await v.ctx.close();
});
