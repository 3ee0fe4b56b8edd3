/**
 * Issue 10: the agent channel's contract, run unchanged on both profiles — standalone (SQLite,
 * ingest in process) and cluster (PostgreSQL + NATS JetStream bus, in-process workers) — and
 * what only a cluster has: wake-ups, rule changes and the scheduled jobs across workers.
 */
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { ServerChannel } from "../src/agent/transport.ts";
import type { HostwardServer } from "../src/server/index.ts";
import { startServer, tempDir, waitFor, enrolToken } from "./helpers.ts";
import { clusterEnv, requireClusterServices } from "./cluster-kit.ts";
import { assetPartition } from "../src/server/cluster/index.ts";

interface Profile {
  /** Started servers; in a cluster all share one schema and stream. */
  start(n: number): Promise<{ servers: { server: HostwardServer; apiUrl: string; agentUrl: string; adminToken: string }[]; stop(): Promise<void> }>;
}

const standalone: Profile = {
  async start() {
    const tmp = tempDir("hw-prof-");
    const s = await startServer({ dataDir: tmp.dir });
    return { servers: [s], stop: async () => { await s.server.close(); tmp.cleanup(); } };
  },
};

const cluster: Profile = {
  async start(n) {
    const env = clusterEnv(2);
    const tmp = tempDir("hw-prof-");
    const servers: Awaited<ReturnType<typeof startServer>>[] = [];
    for (let i = 0; i < n; i++) servers.push(await startServer({ dataDir: `${tmp.dir}/w${i}`, overrides: env.config(`w${i}`, `${tmp.dir}/w${i}`) }));
    // settled: every worker holds its share of the 2 asset + 2 account partitions
    await waitFor("partitions assigned", () => servers.every((s) => s.server.cluster!.worker.ready && s.server.cluster!.worker.held().length === 4 / n), 15_000, 100);
    return {
      servers,
      async stop() {
        for (const s of servers) await s.server.close();
        await env.cleanup();
        tmp.cleanup();
      },
    };
  },
};

async function enrolled(s: { server: HostwardServer; agentUrl: string }, hostname = "web-1"): Promise<{ ch: ServerChannel; agentId: string }> {
  const ch = new ServerChannel(s.agentUrl, s.server.pki.caCertPem);
  const r = await ch.call<{ agentId: string; secret: string }>("POST", "/agent/v1/enrol", { token: await enrolToken(s.server), hostname, version: "0.1.0", os: "linux" });
  ch.setCredential(r.agentId, r.secret);
  return { ch, agentId: r.agentId };
}

const failure = (id: string, ts: number, ip: string) => ({ id, kind: "logon", ts, service: "ssh", event: { outcome: "failure", reason: "password" }, source: { ip }, user: { name: "root" } });

function contract(name: string, profile: Profile): void {
  describe(`agent channel contract: ${name}`, () => {
    test("AGT-9: valid records stored and detected once, a malformed one rejected and counted, a resent batch all duplicates", async () => {
      const { servers, stop } = await profile.start(1);
      const s = servers[0]!;
      const { ch, agentId } = await enrolled(s);
      try {
        const now = Date.now();
        const batch = [...Array.from({ length: 6 }, (_, i) => failure(`rec-${i}-aaaa`, now - 6000 + i, "203.0.113.50")), { id: "rec-bad-aaaa", kind: "logon", ts: "yesterday" }];
        const r1 = await ch.call<{ accepted: number; duplicates: number; rejected: { index: number; id: string | null }[] }>("POST", "/agent/v1/telemetry", { agentVersion: "0.1.0", records: batch });
        assert.deepEqual([r1.accepted, r1.duplicates, r1.rejected.map((x) => [x.index, x.id])], [6, 0, [[6, "rec-bad-aaaa"]]]);
        const r2 = await ch.call<{ accepted: number; duplicates: number }>("POST", "/agent/v1/telemetry", { agentVersion: "0.1.0", records: batch.slice(0, 6) });
        assert.deepEqual([r2.accepted, r2.duplicates], [0, 6]);
        const alert = await waitFor("the brute-force alert", async () => (await s.server.store.alerts.list("default", { type: "ssh_brute_force", limit: 10, offset: 0 })).items[0], 10_000, 100);
        assert.equal(alert.count, 6, "each record counted once");
        assert.equal(alert.assetId, agentId);
        const stored = (await s.server.store.telemetry.since(0, 1000)).filter((x) => x.agentId === agentId);
        assert.equal(stored.length, 6);
        assert.equal((await s.server.store.agents.get(agentId))!.rejectedRecords, 1);
        const metrics = await (await fetch(`${s.apiUrl}/metrics`)).text();
        assert.match(metrics, /^hostward_records_rejected_total 1$/m);
        assert.match(metrics, /^hostward_detection_latency_seconds_count 6$/m, "detection latency observed for each record");
      } finally {
        ch.close();
        await stop();
      }
    });

    test("RSP-1: an action queued for an agent wakes its long poll at once", async () => {
      const { servers, stop } = await profile.start(1);
      const s = servers[0]!;
      const { ch, agentId } = await enrolled(s);
      try {
        const t0 = Date.now();
        const poll = ch.call<{ actions: { type: string; params: { ip: string } }[] }>("GET", "/agent/v1/actions?wait=20000", undefined, 30_000);
        await new Promise((r) => setTimeout(r, 300));
        const res = await fetch(`${s.apiUrl}/api/v1/ip-policies`, { method: "POST", headers: { authorization: `Bearer ${s.adminToken}`, "content-type": "application/json" }, body: JSON.stringify({ assetId: agentId, ip: "203.0.113.9", duration: "6h" }) });
        assert.equal(res.status, 200);
        const got = await poll;
        assert.deepEqual(got.actions.map((a) => [a.type, a.params.ip]), [["block_ip", "203.0.113.9"]]);
        assert.ok(Date.now() - t0 < 10_000, "answered by the wake-up, not the poll's timeout");
      } finally {
        ch.close();
        await stop();
      }
    });
  });
}

contract("standalone", standalone);

if (await requireClusterServices("issue 10 agent channel contract on the cluster profile")) {
  contract("cluster", cluster);

  describe("issue 10: across the workers of a cluster", () => {
    const started: (() => Promise<void>)[] = [];
    after(async () => {
      for (const s of started) await s();
    });

    test("an action queued on one worker wakes the agent's long poll held by another", async () => {
      const { servers, stop } = await cluster.start(2);
      started.push(stop);
      const [a, b] = servers as [typeof servers[0], typeof servers[0]];
      const { ch, agentId } = await enrolled(b);
      const t0 = Date.now();
      const poll = ch.call<{ actions: { type: string }[] }>("GET", "/agent/v1/actions?wait=20000", undefined, 30_000);
      await new Promise((r) => setTimeout(r, 300));
      const res = await fetch(`${a.apiUrl}/api/v1/ip-policies`, { method: "POST", headers: { authorization: `Bearer ${a.adminToken}`, "content-type": "application/json" }, body: JSON.stringify({ assetId: agentId, ip: "203.0.113.10", duration: "6h" }) });
      assert.equal(res.status, 200);
      assert.deepEqual((await poll).actions.map((x) => x.type), ["block_ip"]);
      assert.ok(Date.now() - t0 < 10_000, "woken over the bus, not by the poll's timeout");
      ch.close();
    });

    test("BF-1: a rule threshold changed through one worker applies on the worker that detects", async () => {
      const { servers, stop } = await cluster.start(2);
      started.push(stop);
      // the change goes to the worker that does not hold the agent's asset partition
      const { ch, agentId } = await enrolled(servers[0]!);
      const part = `asset.${assetPartition("default", agentId, 2)}`;
      const detector = servers.find((s) => s.server.cluster!.worker.held().includes(part))!;
      const other = servers.find((s) => s !== detector)!;
      assert.ok(detector && other);
      // the detecting worker's engine exists (built with the shipped threshold) before the change
      const now = Date.now();
      await ch.call("POST", "/agent/v1/telemetry", { agentVersion: "0.1.0", records: [failure("thr-first-aaaa", now - 5000, "203.0.113.60")] });
      await waitFor("the first record processed", async () => (await detector.server.store.telemetry.since(0, 100)).length === 1, 10_000, 100);
      const res = await fetch(`${other.apiUrl}/api/v1/detection/rules/hw-ssh-brute-force`, { method: "PATCH", headers: { authorization: `Bearer ${other.adminToken}`, "content-type": "application/json" }, body: JSON.stringify({ count: 3 }) });
      assert.equal(res.status, 200);
      await new Promise((r) => setTimeout(r, 500));
      await ch.call("POST", "/agent/v1/telemetry", { agentVersion: "0.1.0", records: Array.from({ length: 3 }, (_, i) => failure(`thr-${i}-aaaa`, now - 3000 + i, "203.0.113.61")) });
      const alert = await waitFor("an alert at the new threshold (3, not the shipped 5)", async () => (await detector.server.store.alerts.list("default", { type: "ssh_brute_force", limit: 10, offset: 0 })).items[0], 10_000, 100);
      assert.equal(alert.count, 3);
      ch.close();
    });

    test("the scheduled jobs run on one worker; when it stops, another takes them over", async () => {
      const { servers, stop } = await cluster.start(2);
      started.push(stop);
      await waitFor("one jobs holder", () => servers.filter((s) => s.server.cluster!.worker.holdsJobs()).length === 1, 10_000, 100);
      const holder = servers.find((s) => s.server.cluster!.worker.holdsJobs())!;
      const other = servers.find((s) => s !== holder)!;
      await holder.server.cluster!.worker.stop();
      await waitFor("the other worker holds the jobs", async () => {
        await other.server.cluster!.worker.tick();
        return other.server.cluster!.worker.holdsJobs();
      }, 10_000, 200);
      await waitFor("and every partition", async () => {
        await other.server.cluster!.worker.tick();
        return other.server.cluster!.worker.held().length === 4;
      }, 15_000, 200);
    });
  });
}
