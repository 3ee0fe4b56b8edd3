import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer as netServer } from "node:net";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { fetchPinnedCa, ServerChannel } from "../src/agent/transport.ts";
import { SqliteStore } from "../src/store/index.ts";
import { tempDir, waitFor } from "./helpers.ts";

const ROOT = join(import.meta.dirname, "..");
const CLI = join(ROOT, "src", "cli", "main.ts");

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = netServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function startServerProcess(dataDir: string, apiPort: number, agentPort: number): ChildProcess {
  return spawn(process.execPath, [CLI, "server", "--data", dataDir, "--api-port", String(apiPort), "--agent-host", "127.0.0.1", "--agent-port", String(agentPort)], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, HOSTWARD_LOG_LEVEL: "warn" } });
}

test("AGT-9 kill -9 of the server in the middle of ingest: every acknowledged record is stored exactly once", async () => {
  const tmp = tempDir();
  const dataDir = join(tmp.dir, "data");
  const [apiPort, agentPort] = [await freePort(), await freePort()];
  const url = `https://127.0.0.1:${agentPort}`;
  let proc = startServerProcess(dataDir, apiPort, agentPort);
  try {
    await waitFor("server up", async () => (await fetch(`http://127.0.0.1:${apiPort}/api/v1/health`)).ok, 20_000, 100);
    const tok = spawnSync(process.execPath, [CLI, "token", "create", "--data", dataDir], { encoding: "utf8" });
    assert.equal(tok.status, 0, tok.stderr);
    const token = tok.stdout.trim();
    const ca = await fetchPinnedCa(url, token.split(".")[2]!);
    const ch = new ServerChannel(url, ca);
    const { agentId, secret } = await ch.call<{ agentId: string; secret: string }>("POST", "/agent/v1/enrol", { token, hostname: "crash-test", version: "1", os: "linux" });
    ch.setCredential(agentId, secret);

    const acked = new Set<string>();
    const sent: string[][] = [];
    let killed = false;
    let n = 0;
    const batchOf = (b: number) => Array.from({ length: 200 }, (_, i) => ({ id: `crash-${b}-${i}-xxxxxxxx`, kind: "logon", ts: Date.now(), service: "ssh", event: { outcome: "failure", reason: "password" }, source: { ip: `198.51.100.${(i % 200) + 1}` }, user: { name: `u${i}` } }));
    // two senders in parallel, so that the kill lands while requests are in flight
    const sender = async () => {
      while (!killed) {
        const b = n++;
        const records = batchOf(b);
        sent.push(records.map((r) => r.id));
        try {
          const res = await ch.call<{ accepted: number; duplicates: number }>("POST", "/agent/v1/telemetry", { records });
          assert.equal(res.accepted + res.duplicates, 200);
          for (const r of records) acked.add(r.id);
        } catch {
          // the server died under this request: not acknowledged, so not promised
        }
      }
    };
    const senders = [sender(), sender()];
    await waitFor("some batches acknowledged", () => acked.size >= 2000, 20_000);
    proc.kill("SIGKILL");
    killed = true;
    await Promise.all(senders);
    await new Promise((r) => proc.once("exit", r));
    ch.close();

    // restart on the same data: every acknowledged record is there once
    proc = startServerProcess(dataDir, apiPort, agentPort);
    await waitFor("server up again", async () => (await fetch(`http://127.0.0.1:${apiPort}/api/v1/health`)).ok, 20_000, 100);
    proc.kill("SIGTERM");
    await new Promise((r) => proc.once("exit", r));
    const store = new SqliteStore({ path: join(dataDir, "hostward.db") });
    try {
      const stored = new Map<string, number>();
      for (let off = 0; ; off += 5000) {
        const p = await store.telemetry.list("default", { agentId, limit: 5000, offset: off });
        for (const r of p.items) stored.set(r.id, (stored.get(r.id) ?? 0) + 1);
        if (p.items.length < 5000) break;
      }
      let missing = 0;
      for (const id of acked) if (stored.get(id) !== 1) missing++;
      assert.equal(missing, 0, `${missing} acknowledged records missing or duplicated`);
      assert.ok([...stored.values()].every((c) => c === 1));
      assert.ok(stored.size >= acked.size && stored.size <= sent.flat().length);
    } finally {
      await store.close();
    }
  } finally {
    proc.kill("SIGKILL");
    tmp.cleanup();
  }
});
