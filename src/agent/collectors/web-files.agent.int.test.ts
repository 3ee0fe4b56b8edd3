/**
 * AGT-5 / WS-2 / WS-4 / WS-7 / RSP-2 through a real agent and a real server: a shell dropped
 * in a watched web root alerts; nothing is quarantined until the operator says so; the
 * operator's quarantine and restore go through the agent's vault; an on-demand scan reports
 * its counts as the action's result.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HostwardAgent } from "../agent.ts";
import { tempDir, startServer, enrolToken, waitFor, quietLog } from "../../../test/helpers.ts";

const tmp = tempDir("hw-web-agent-");
after(() => tmp.cleanup());

test("WS-2 WS-3 WS-7 RSP-2 WS-4 a dropped shell raises an alert within 2 s and a legitimate edit none; it is quarantined and restored on the operator's word, and an on-demand scan reports its counts", { timeout: 90_000 }, async () => {
  const { server, agentUrl, adminToken } = await startServer({ dataDir: join(tmp.dir, "s") });
  const www = join(tmp.dir, "html");
  mkdirSync(join(www, "uploads"), { recursive: true });
  writeFileSync(join(www, "index.php"), "<?php\nrequire __DIR__ . '/app.php';\nrun();\n");
  const agent = new HostwardAgent({ server: agentUrl, token: await enrolToken(server), stateDir: join(tmp.dir, "agent"), authLogs: [], journald: "off", firewall: null, log: quietLog, pollWait: 1000, webFiles: { dirs: [www] } });
  const api = async (url: string, method = "GET", payload?: object) => {
    const r = await server.api.inject({ method: method as "GET", url, payload, headers: { authorization: `Bearer ${adminToken}` } });
    return { status: r.statusCode, body: r.json() };
  };
  const actions = async () => (await api("/api/v1/actions")).body.items as { id: string; type: string; status: string; result: string | null }[];
  try {
    await agent.start();
    assert.ok(agent.sources.some((s) => s.startsWith("web files")), agent.sources.join(", "));
    // a legitimate edit of a clean file: no alert of any kind
    writeFileSync(join(www, "index.php"), "<?php\nrequire __DIR__ . '/app.php';\nrun(['theme' => 'dark']);\n");
    const shell = join(www, "uploads", "avatar.php");
    writeFileSync(shell, "<?php @eval($_POST['x']); ?>");
    // the bar: the alert exists on the server within 2 s of the write (the debounce, the scan, the batch and ingest)
    const alert = await waitFor("web_shell alert within 2 s", async () => ((await api("/api/v1/alerts?type=web_shell")).body.items as { id: string; evidence: Record<string, unknown> }[]).find((a) => a.evidence["file.path"] === shell), 2_000, 50);
    assert.equal((await api("/api/v1/alerts")).body.total, 1, "the legitimate edit raised nothing");
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await actions()).length, 0, "WS-7: never quarantined automatically");
    assert.equal(existsSync(shell), true);

    const h = await api(`/api/v1/alerts/${alert.id}/handle`, "POST", { action: "quarantine", remark: "dropped through the upload form" });
    assert.equal(h.status, 200, JSON.stringify(h.body));
    await waitFor("quarantined", async () => (await actions()).find((a) => a.type === "quarantine_file" && a.status === "succeeded"), 15_000, 100);
    assert.equal(existsSync(shell), false);
    const item = await waitFor("vault entry listed", async () => ((await api("/api/v1/quarantine")).body.items as { entryId: string; assetId: string; state: string; originalPath: string }[]).find((i) => i.originalPath === shell && i.state === "quarantined"), 15_000, 100);

    const r = await api(`/api/v1/quarantine/${item.assetId}/${item.entryId}/restore`, "POST", { remark: "false positive" });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const restored = await waitFor("restored", async () => (await actions()).find((a) => a.type === "restore_file" && a.status !== "queued" && a.status !== "sent"), 15_000, 100);
    assert.equal(restored.status, "succeeded", String(restored.result));
    assert.equal(readFileSync(shell, "utf8"), "<?php @eval($_POST['x']); ?>");
    await waitFor("the panel shows it restored", async () => ((await api("/api/v1/quarantine?state=restored")).body.items as { entryId: string }[]).find((i) => i.entryId === item.entryId), 15_000, 100);

    const scan = await api(`/api/v1/assets/${item.assetId}/web-scan`, "POST", {});
    assert.equal(scan.status, 200, JSON.stringify(scan.body));
    const done = await waitFor("scan result", async () => (await actions()).find((a) => a.id === scan.body.actionId && a.status === "succeeded"), 15_000, 100);
    assert.match(String(done.result), /scanned 2 web files in 1 directory .*: 1 found \(1 malicious/);
    assert.equal(agent.stats.rejected, 0, "every record fits the server's schema");
  } finally {
    await agent.stop();
    await server.close();
  }
});
