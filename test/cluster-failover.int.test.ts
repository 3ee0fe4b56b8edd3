/**
 * Issue 10 failover: three `hostward server --profile cluster` workers (real processes) on the
 * machine's PostgreSQL and NATS JetStream, a simulated fleet of agents (real agent-protocol
 * clients: TLS pinned to the cluster's CA, enrolment, telemetry batches retried until
 * acknowledged, moving to another worker when theirs stops answering — as behind a TCP load
 * balancer), and one worker killed with SIGKILL mid-stream.
 *
 * Exactly once is judged against a reference: the same batches through a standalone server
 * (SQLite, in process) must give the same alerts, with the same counts — a lost record would
 * lower a count or lose an alert, a record processed twice would raise a count or add one.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ServerChannel } from "../src/agent/transport.ts";
import { createEnrolToken } from "../src/server/index.ts";
import { ensurePki } from "../src/server/pki.ts";
import { PgStore } from "../src/store/index.ts";
import { TEST_PG_URL } from "../src/store/postgres/test-db.ts";
import type { Alert, Store } from "../src/core/index.ts";
import { startServer, tempDir, waitFor } from "./helpers.ts";
import { clusterEnv, requireClusterServices, startWorkerProcess, waitReady, type WorkerProcess } from "./cluster-kit.ts";

const AGENTS = 24;
const BATCHES = 12;
const FILLER = 17;

/** Batch j of agent i: one SSH password-guessing run from its own address, and DNS queries. */
function batchOf(i: number, j: number, base: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const ip = `203.0.113.${(i * BATCHES + j) % 250}`;
  const ip6 = `2001:db8:${i.toString(16)}::${(j + 1).toString(16)}`;
  for (let k = 0; k < 8; k++) {
    out.push({ id: `a${i}-b${j}-f${k}`, kind: "logon", ts: base + j * 1000 + k, service: "ssh", event: { outcome: "failure", reason: "password" }, source: { ip: i * BATCHES + j < 250 ? ip : ip6 }, user: { name: "root" } });
  }
  for (let k = 0; k < FILLER; k++) {
    out.push({ id: `a${i}-b${j}-d${k}`, kind: "dns", ts: base + j * 1000 + 100 + k, dns: { question: { name: `svc${k}.example.org`, type: "A" } }, resolver: "other" });
  }
  // one source probes three assets once each: an account-scoped detection (the account stage)
  if (j === 5 && i < 3) out.push({ id: `a${i}-b5-scan`, kind: "logon", ts: base + 5500 + i, service: "ssh", event: { outcome: "failure", reason: "invalid_user" }, source: { ip: "198.51.100.77" }, user: { name: `scan${i}` } });
  return out;
}

/** What an alert must be the same in: the asset (by agent index), type, key and count. Account-scoped alerts land on whichever asset crossed the threshold: not compared by asset. */
function signature(a: Alert, indexOf: (agentId: string) => number): string {
  const asset = a.type === "logon_scan_hosts" ? "*" : String(indexOf(a.assetId));
  return `${asset}|${a.type}|${a.dedupKey}|${a.count}`;
}

async function allAlerts(store: Store): Promise<Alert[]> {
  return (await store.alerts.list("default", { limit: 10_000, offset: 0 })).items;
}

/** A simulated agent: retries a batch until a worker acknowledges it, moving on when its worker does not answer. */
class FleetAgent {
  readonly channels: ServerChannel[];
  at: number;
  ackedBy: { batch: number; worker: number; at: number }[] = [];
  lastError = "";
  readonly id: string;
  constructor(urls: string[], ca: string, start: number, id: string, secret: string) {
    this.id = id;
    this.channels = urls.map((u) => {
      const c = new ServerChannel(u, ca);
      c.setCredential(id, secret);
      return c;
    });
    this.at = start;
  }
  async send(batch: number, records: Record<string, unknown>[]): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt++) {
      try {
        const r = await this.channels[this.at]!.call<{ accepted: number; duplicates: number; rejected: unknown[] }>("POST", "/agent/v1/telemetry", { agentVersion: "0.1.0", records }, 5000);
        assert.equal(r.rejected.length, 0);
        this.ackedBy.push({ batch, worker: this.at, at: Date.now() });
        return;
      } catch (e) {
        this.lastError = (e as Error).message;
        this.at = (this.at + 1) % this.channels.length;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`agent ${this.id}: batch ${batch} never acknowledged (last error: ${this.lastError})`);
  }
  close(): void {
    for (const c of this.channels) c.close();
  }
}

if (await requireClusterServices("issue 10 failover")) {
  test("issue 10 failover: three workers, one killed with SIGKILL mid-stream — every acknowledged record processed exactly once, no lost or duplicate alert, agents move to the survivors", { timeout: 240_000 }, async () => {
    const env = clusterEnv(4);
    const tmp = tempDir("hw-cluster-");
    const workers: WorkerProcess[] = [];
    const fleet: FleetAgent[] = [];
    let store: PgStore | null = null;
    try {
      const cfg = join(tmp.dir, "cluster.json");
      writeFileSync(cfg, JSON.stringify({ nats: { partitions: 4, ackWait: 3000 } }));
      for (const id of ["w1", "w2", "w3"]) {
        const dir = join(tmp.dir, id);
        mkdirSync(dir);
        workers.push(await startWorkerProcess(env, id, dir, cfg));
      }
      const ready = await Promise.all(workers.map((w) => waitReady(w)));
      // each worker ends up with a share of the 4 asset + 4 account partitions
      const held = async () => Promise.all(workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null).map(async (w) => Number(/\((\d+) held\)/.exec(((await (await fetch(`${w.apiUrl}/readyz`)).json()) as { checks: { partitions: string } }).checks.partitions)?.[1] ?? -1)));
      await waitFor("partitions spread over the three workers", async () => {
        const h = await held();
        return h.every((n) => n >= 1) && h.reduce((a, b) => a + b, 0) === 8 && h;
      }, 20_000, 250);
      assert.equal(ready.length, 3);

      store = await PgStore.open({ url: TEST_PG_URL, schema: env.schema, poolSize: 2 });
      const pki = ensurePki(workers[0]!.dataDir);
      for (const w of workers.slice(1)) assert.equal(ensurePki(w.dataDir).caFingerprint, pki.caFingerprint, "every worker serves the cluster's one CA");
      const urls = workers.map((w) => w.agentUrl);
      for (let i = 0; i < AGENTS; i++) {
        const { token } = await createEnrolToken(store, pki, Date.now(), 600_000, `fleet-${i}`, "default");
        const enrol = new ServerChannel(urls[i % 3]!, pki.caCertPem);
        const r = await enrol.call<{ agentId: string; secret: string }>("POST", "/agent/v1/enrol", { token, hostname: `fleet-${i}`, version: "0.1.0", os: "linux" });
        enrol.close();
        fleet.push(new FleetAgent(urls, pki.caCertPem, i % 3, r.agentId, r.secret));
      }

      // the stream: every agent sends its batches in order; SIGKILL once 40 % are acknowledged
      const base = Date.now() - 60_000;
      const victim = 0;
      let killedAt = 0;
      let acked = 0;
      await Promise.all(fleet.map(async (a, i) => {
        for (let j = 0; j < BATCHES; j++) {
          await a.send(j, batchOf(i, j, base));
          if (++acked === Math.floor(AGENTS * BATCHES * 0.4)) {
            killedAt = Date.now();
            workers[victim]!.child.kill("SIGKILL");
          }
          await new Promise((r) => setTimeout(r, 40));
        }
      }));
      assert.ok(killedAt > 0, "the worker was killed mid-stream");

      // every acknowledged record ends up stored once (the dead worker's partitions are taken over, its unacknowledged messages redelivered)
      const expected = AGENTS * BATCHES * (8 + FILLER) + 3;
      const stored = async () => Number((await (store as PgStore & { count?: never }).telemetry.since(0, 1_000_000)).length);
      await waitFor(`all ${expected} records stored`, async () => (await stored()) === expected, 90_000, 500);
      // and nothing more arrives: give redeliveries time (ack wait 3 s, lease 6 s), then compare
      await new Promise((r) => setTimeout(r, 8000));
      assert.equal(await stored(), expected, "every acknowledged record stored exactly once");
      const h = await held();
      assert.equal(h.length, 2);
      assert.equal(h.reduce((a, b) => a + b, 0), 8, "the survivors hold every partition");

      // agents of the dead worker moved on; no batch was acknowledged by it after the kill
      for (const a of fleet) {
        assert.equal(a.ackedBy.length, BATCHES);
        // (a reply already on its way when the signal was sent may land a moment later)
        assert.ok(a.ackedBy.every((x) => x.worker !== victim || x.at <= killedAt + 500), `${a.id}: no acknowledgement from the killed worker after its death`);
      }
      const moved = fleet.filter((a) => a.ackedBy.some((x) => x.worker === victim) && a.ackedBy.some((x) => x.worker !== victim && x.at > killedAt));
      assert.ok(moved.length >= 1, "agents that were on the killed worker finished on the survivors");

      // the reference: the same batches through a standalone server
      const refDir = tempDir("hw-ref-");
      const ref = await startServer({ dataDir: refDir.dir, listen: false });
      try {
        for (let i = 0; i < AGENTS; i++) {
          const agent = { id: `ref-${i}`, accountId: "default", hostname: `fleet-${i}`, version: "0.1.0", os: "linux", enrolledAt: 1, lastSeenAt: null, revokedAt: null, credentialHash: "x", rejectedRecords: 0, droppedRecords: 0 };
          await ref.server.store.agents.insert(agent);
        }
        for (let j = 0; j < BATCHES; j++) {
          for (let i = 0; i < AGENTS; i++) {
            const agent = (await ref.server.store.agents.get(`ref-${i}`))!;
            await ref.server.ingest.ingest(agent, batchOf(i, j, base));
          }
        }
        const refAlerts = (await allAlerts(ref.server.store)).map((a) => signature(a, (id) => Number(id.slice(4)))).sort();
        const index = new Map(fleet.map((a, i) => [a.id, i]));
        const clusterAlerts = (await allAlerts(store)).map((a) => signature(a, (id) => index.get(id) ?? -1)).sort();
        assert.ok(refAlerts.length >= AGENTS * BATCHES, `the reference raised its alerts (${refAlerts.length})`);
        assert.ok(refAlerts.some((s) => s.includes("|logon_scan_hosts|")), "the account stage's detection is in the reference");
        assert.deepEqual(clusterAlerts, refAlerts, "the cluster raised exactly the reference's alerts, with the same counts");
      } finally {
        await ref.server.close();
        refDir.cleanup();
      }
    } finally {
      for (const a of fleet) a.close();
      for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGTERM");
      await Promise.all(workers.map((w) => (w.child.exitCode !== null || w.child.signalCode !== null ? null : new Promise((r) => w.child.once("exit", r)))));
      await store?.close();
      await env.cleanup();
      tmp.cleanup();
    }
  });
}
