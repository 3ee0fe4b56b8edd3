/**
 * RSP-2 / WS-7 at the agent level: quarantine_file and restore_file through the agent's
 * action executor, with the `vault` records reaching a real server (its store) at start
 * and after each change.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { vaultRecord, type VaultRecord } from "../../protocol/index.ts";
import { HostwardAgent } from "../agent.ts";
import { tempDir, startServer, enrolToken, waitFor, quietLog } from "../../../test/helpers.ts";

const tmp = tempDir("hw-vault-int-");
after(() => tmp.cleanup());

test("RSP-2 WS-7 restore_file through the agent: the vault record is sent on quarantine and on restore (and at start once the vault is used); a second restore is refused", { timeout: 60_000 }, async () => {
  const { server, agentUrl } = await startServer({ dataDir: join(tmp.dir, "s") });
  const www = join(tmp.dir, "www");
  mkdirSync(www);
  const path = join(www, "up.php");
  const text = "<?php @eval($_POST['x']); ?>\n";
  writeFileSync(path, text);
  chmodSync(path, 0o604);
  const sha256 = createHash("sha256").update(text).digest("hex");
  const agent = new HostwardAgent({ server: agentUrl, token: await enrolToken(server), stateDir: join(tmp.dir, "agent"), authLogs: [], journald: "off", firewall: null, log: quietLog, pollWait: 2000 });
  const vaults = async (): Promise<VaultRecord[]> => (await server.store.telemetry.recent(agent.agentId!, "vault", 20)).map((r) => r.body as VaultRecord).sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
  try {
    await agent.start();
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(await vaults(), [], "a vault never used sends nothing at start");

    const q = await agent.execute({ id: "a1", type: "quarantine_file", params: { path, sha256 } });
    assert.equal(q.ok, true, q.message);
    assert.equal(existsSync(path), false);
    const quarantined = await waitFor("the vault record after quarantine", async () => (await vaults()).find((v) => v.change.action === "quarantined"), 10_000);
    assert.equal(vaultRecord.safeParse(quarantined).success, true);
    const entry = quarantined.entries[0]!;
    assert.deepEqual(quarantined.change.entryIds, [entry.id]);
    assert.deepEqual([entry.originalPath, entry.sha256, entry.md5, entry.mode, entry.size], [path, sha256, createHash("md5").update(text).digest("hex"), 0o604, text.length]);
    assert.equal(entry.expiresAt - entry.quarantinedAt, 30 * 86_400_000);

    const wrong = await agent.execute({ id: "a2", type: "restore_file", params: { entryId: entry.id, sha256: "0".repeat(64) } });
    assert.equal(wrong.ok, false);
    const r = await agent.execute({ id: "a3", type: "restore_file", params: { entryId: entry.id, sha256 } });
    assert.equal(r.ok, true, r.message);
    assert.equal(readFileSync(path, "utf8"), text);
    assert.equal(statSync(path).mode & 0o7777, 0o604);
    const restored = await waitFor("the vault record after restore", async () => (await vaults()).find((v) => v.change.action === "restored"), 10_000);
    assert.deepEqual([restored.entries, restored.change.entryIds], [[], [entry.id]]);

    const again = await agent.execute({ id: "a4", type: "restore_file", params: { entryId: entry.id, sha256 } });
    assert.equal(again.ok, false);
    assert.match(again.message, /no such entry/);
    assert.equal((await vaults()).length, 2, "no record for a refused action");
    assert.equal(agent.stats.rejected, 0, "every vault record fits the server's schema");
    // once used, the vault's state is sent at every start (the server may have missed a change)
    await agent.stop();
    await agent.start();
    const snap = await waitFor("the vault snapshot at start", async () => (await vaults()).find((v) => v.change.action === "snapshot"), 10_000);
    assert.deepEqual(snap.entries, []);
  } finally {
    await agent.stop();
    await server.close();
  }
});
