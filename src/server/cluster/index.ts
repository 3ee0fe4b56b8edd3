import { hostname } from "node:os";
import type { Logger } from "pino";
import type { Agent, Clock, Store } from "../../core/index.ts";
import type { BatchResult } from "../../protocol/index.ts";
import type { Rule } from "../../detection/index.ts";
import type { ServerConfig } from "../config.ts";
import type { IngestService } from "../ingest.ts";
import type { Metrics } from "../metrics.ts";
import { TelemetryBus } from "./bus.ts";
import { ClusterWorker } from "./worker.ts";
import { accountStageKinds } from "./stages.ts";

export { TelemetryBus } from "./bus.ts";
export { ClusterWorker, JOBS_LEASE, assign } from "./worker.ts";
export { ensureClusterPki } from "./pki.ts";
export { rulesForStage, accountStageKinds, assetPartition, accountPartition, type Stage } from "./stages.ts";

export interface Cluster {
  bus: TelemetryBus;
  worker: ClusterWorker;
  /** AGT-9 on the cluster profile: validated, then acknowledged once JetStream stored the records. */
  accept(agent: Agent, records: unknown[], dropped: number): Promise<BatchResult>;
  close(): Promise<void>;
}

export interface ClusterDeps {
  store: Store;
  ingest: IngestService;
  rules: Rule[];
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  workerId: string;
  /** Wakes the long polls of an agent connected to this worker. */
  wakeLocal: (agentId: string) => void;
  info: () => Record<string, unknown>;
}

export function defaultWorkerId(): string {
  return `${hostname().replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 60)}:${process.pid}`;
}

/** Issue 10: a worker of the cluster profile — the bus, its share of the partitions, the signals between workers. */
export async function openCluster(config: ServerConfig, d: ClusterDeps): Promise<Cluster> {
  const bus = await TelemetryBus.open({
    url: config.nats.url!, stream: config.nats.stream, prefix: config.nats.prefix, partitions: config.nats.partitions,
    accountKinds: accountStageKinds(d.rules), ackWaitMs: config.nats.ackWait, maxAgeMs: config.nats.maxAge, log: d.log.child({ part: "bus" }),
  });
  // an action queued on any worker wakes the agent's long poll, wherever it is held
  bus.listen("wake", (agentId) => d.wakeLocal(agentId));
  // rule settings changed on one worker: every worker rebuilds that account's engines
  bus.listen("reload", (payload) => {
    const [from, accountId] = payload.split("\n");
    if (from !== d.workerId && accountId) void d.ingest.reloadAccount(accountId).catch((err) => d.log.warn({ err: (err as Error).message }, "rules not reloaded"));
  });
  const worker = new ClusterWorker({ id: d.workerId, store: d.store, bus, ingest: d.ingest, clock: d.clock, log: d.log.child({ part: "cluster" }), metrics: d.metrics, info: d.info });
  const touched = new Map<string, number>();
  return {
    bus,
    worker,
    async accept(agent, raw, dropped) {
      const now = d.clock.now();
      const { valid, rejected } = d.ingest.validate(agent, raw, now);
      const { accepted, duplicates } = await bus.publish(agent.accountId, valid);
      // last seen: at most every 10 s per agent (the long poll touches it too)
      if (now - (touched.get(agent.id) ?? 0) >= 10_000) {
        touched.set(agent.id, now);
        await d.store.agents.touch(agent.id, now);
      }
      if (rejected.length || dropped) await d.store.agents.addCounters(agent.id, { rejected: rejected.length, dropped });
      const result = { accepted, duplicates, rejected };
      d.ingest.countBatch(agent, result, dropped);
      return result;
    },
    async close() {
      await worker.stop();
      await bus.close();
    },
  };
}
