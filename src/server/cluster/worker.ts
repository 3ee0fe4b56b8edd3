import type { Logger } from "pino";
import type { Clock, Store } from "../../core/index.ts";
import type { BusSlot, IngestService } from "../ingest.ts";
import type { Metrics } from "../metrics.ts";
import type { BusPartition, TelemetryBus } from "./bus.ts";
import { accountPartition, assetPartition, hash32 } from "./stages.ts";

export interface ClusterWorkerOptions {
  id: string;
  store: Store;
  bus: TelemetryBus;
  ingest: IngestService;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** What the other workers and operators see of this one (addresses). */
  info: () => Record<string, unknown>;
  /** A lease not renewed for this long is free: how long a dead worker's partitions wait. */
  leaseTtlMs?: number;
  tickMs?: number;
}

/** The lease of the scheduled jobs (expiry, retention, notifications): one worker runs them. */
export const JOBS_LEASE = "jobs";

interface Held {
  part: BusPartition;
  slot: BusSlot;
  abort: AbortController;
  running: Promise<void>;
}

/**
 * Issue 10: a worker's share of the cluster. Every tick it says it is alive (heartbeat), renews
 * its leases, and settles which partitions are its own (`assign`). A partition is consumed only
 * under its lease; one that belongs to another worker now is given up after its current batch.
 */
export class ClusterWorker {
  readonly #o: Required<Omit<ClusterWorkerOptions, "info">> & Pick<ClusterWorkerOptions, "info">;
  readonly #held = new Map<string, Held>();
  #jobs: { epoch: number } | null = null;
  #timer: NodeJS.Timeout | null = null;
  #ticking: Promise<void> | null = null;
  #stopped = false;
  #startedAt = 0;
  #ticks = 0;
  /** Partitions whose state is being rebuilt (taken, not consuming yet). */
  #warming = 0;
  /** Messages waiting in the held partitions, as last read (every few rounds). */
  #lag = 0;

  constructor(o: ClusterWorkerOptions) {
    this.#o = { leaseTtlMs: 6000, tickMs: 1000, ...o };
    o.metrics.gauge("hostward_bus_partitions_held", () => this.#held.size);
    o.metrics.gauge("hostward_bus_lag_messages", () => this.#lag);
  }

  get id(): string {
    return this.#o.id;
  }

  /** Ready: has taken part in the assignment at least once (its partitions are being consumed). */
  get ready(): boolean {
    return this.#ticks > 0 && this.#warming === 0 && !this.#stopped;
  }

  holdsJobs(): boolean {
    return this.#jobs !== null;
  }

  held(): string[] {
    return [...this.#held.keys()].sort();
  }

  async start(): Promise<void> {
    this.#startedAt = this.#o.clock.now();
    await this.tick();
    this.#timer = setInterval(() => void this.tick(), this.#o.tickMs);
    this.#timer.unref();
  }

  /** One round of heartbeat, renewals and assignment (serialized; the timer skips a round still running). */
  tick(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#ticking) return this.#ticking;
    this.#ticking = this.#tick()
      .catch((err) => this.#o.log.warn({ err: (err as Error).message }, "cluster round failed; retried next tick"))
      .finally(() => (this.#ticking = null));
    return this.#ticking;
  }

  async #tick(): Promise<void> {
    const { store, clock, id, leaseTtlMs } = this.#o;
    const now = clock.now();
    await store.coordination.heartbeat({ id, startedAt: this.#startedAt, seenAt: now, info: this.#o.info() });
    // renew first: a slow assignment round must never let a held lease lapse
    for (const [key, h] of this.#held) {
      const l = await store.coordination.acquireLease(h.slot.lease.name, id, now, leaseTtlMs);
      if (!l || l.epoch !== h.slot.lease.epoch) {
        this.#o.log.warn({ partition: key }, "partition lease lost to another worker");
        await this.#let(key, false);
      }
    }
    const jobs = await store.coordination.acquireLease(JOBS_LEASE, id, now, leaseTtlMs);
    if (jobs && (!this.#jobs || this.#jobs.epoch !== jobs.epoch)) this.#o.log.info({ worker: id }, "this worker runs the scheduled jobs");
    this.#jobs = jobs ? { epoch: jobs.epoch } : null;

    const live = (await store.coordination.workers(now - leaseTtlMs)).map((w) => w.id);
    if (!live.includes(id)) live.push(id);
    // each stage shared out on its own: asset partitions carry most of the work
    const owner = new Map([
      ...assign(live, this.#o.bus.partitions.filter((p) => p.stage === "asset").map((p) => p.key)),
      ...assign(live, this.#o.bus.partitions.filter((p) => p.stage === "account").map((p) => p.key)),
    ]);
    const mine = this.#o.bus.partitions.filter((p) => owner.get(p.key) === id);
    const want = new Set(mine.map((p) => p.key));
    // give up what belongs to another live worker now (it takes it once the lease is released)
    for (const key of [...this.#held.keys()]) if (!want.has(key)) await this.#let(key, true);
    const taken: { part: BusPartition; slot: BusSlot }[] = [];
    for (const part of mine) {
      if (this.#held.has(part.key)) continue;
      const l = await store.coordination.acquireLease(`bus.${part.key}`, id, now, leaseTtlMs);
      if (!l) continue; // still the previous holder's: next round
      taken.push({ part, slot: slotOf(part, this.#o.bus, { name: l.name, holder: id, epoch: l.epoch }) });
    }
    if (taken.length) await this.#take(taken);
    this.#ticks++;
    if (this.#ticks % 5 === 1) this.#lag = await this.lag();
    if (this.#ticks === 1 || taken.length) this.#o.log.info({ worker: id, live: live.length, partitions: this.held() }, "cluster partitions");
  }

  async #take(taken: { part: BusPartition; slot: BusSlot }[]): Promise<void> {
    this.#warming++;
    try {
      const t0 = Date.now();
      const n = await this.#o.ingest.takeSlots(taken.map((t) => t.slot));
      this.#o.log.info({ partitions: taken.map((t) => t.part.key), records: n, ms: Date.now() - t0 }, "partitions taken over: detection state rebuilt from the store");
    } finally {
      this.#warming--;
    }
    for (const { part, slot } of taken) {
      if (this.#stopped) break;
      const abort = new AbortController();
      const h: Held = { part, slot, abort, running: Promise.resolve() };
      h.running = this.#run(h);
      this.#held.set(part.key, h);
    }
  }

  /** Consumes a held partition, restarting after a failed batch (redelivered) until it is let go. */
  async #run(h: Held): Promise<void> {
    const { bus, ingest, metrics, log } = this.#o;
    while (!h.abort.signal.aborted) {
      try {
        await bus.consume(h.part, async (batch) => {
          const r = await ingest.processBus(h.slot, batch);
          if (h.part.stage === "asset") metrics.inc("hostward_records_processed_total", r.processed);
          metrics.inc("hostward_bus_redelivered_skipped_total", r.skipped);
        }, h.abort.signal);
      } catch (e) {
        if (h.abort.signal.aborted) break;
        if ((e as Error).name === "LeaseLostError") {
          log.warn({ partition: h.part.key }, "partition lease lost while processing; its batch is left to the new holder");
          void this.#let(h.part.key, false);
          break;
        }
        log.warn({ partition: h.part.key, err: (e as Error).message }, "partition consumer stopped; restarting");
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** Stops consuming a partition (after its current batch), drops its state and, if asked, frees its lease. */
  async #let(key: string, release: boolean): Promise<void> {
    const h = this.#held.get(key);
    if (!h) return;
    this.#held.delete(key);
    h.abort.abort();
    await h.running.catch(() => {});
    this.#o.ingest.dropSlot(key);
    if (release) await this.#o.store.coordination.releaseLease(h.slot.lease.name, this.#o.id).catch(() => {});
  }

  /** Messages waiting in the partitions held (for /metrics and readiness). */
  async lag(): Promise<number> {
    let n = 0;
    for (const h of this.#held.values()) n += await this.#o.bus.lag(h.part).catch(() => 0);
    return n;
  }

  /** Graceful stop: partitions and the jobs lease handed over at once, not after their expiry. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#ticking?.catch(() => {});
    for (const key of [...this.#held.keys()]) await this.#let(key, true);
    if (this.#jobs) await this.#o.store.coordination.releaseLease(JOBS_LEASE, this.#o.id).catch(() => {});
    this.#jobs = null;
    await this.#o.store.coordination.removeWorker(this.#o.id).catch(() => {});
  }
}

/**
 * Which live worker each partition belongs to: rendezvous hashing (a worker joining or leaving
 * moves few partitions) bounded so that no worker gets more than its share, rounded up. Every
 * worker computes the same answer from the same list of live workers.
 */
export function assign(live: string[], keys: string[]): Map<string, string> {
  const workers = [...new Set(live)].sort();
  const cap = Math.ceil(keys.length / Math.max(1, workers.length));
  const load = new Map(workers.map((w) => [w, 0]));
  const out = new Map<string, string>();
  for (const key of keys) {
    const ranked = workers.map((w) => ({ w, score: mix(hash32(w + "\u0000" + key)) })).sort((a, b) => b.score - a.score || (a.w < b.w ? -1 : 1));
    const pick = ranked.find((r) => load.get(r.w)! < cap) ?? ranked[0]!;
    load.set(pick.w, load.get(pick.w)! + 1);
    out.set(key, pick.w);
  }
  return out;
}

/** murmur3's finalizer: FNV of similar short strings differs in few bits; this spreads them. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function slotOf(part: BusPartition, bus: TelemetryBus, lease: BusSlot["lease"]): BusSlot {
  const n = bus.partitions.filter((p) => p.stage === "asset").length;
  return {
    key: part.key,
    stage: part.stage,
    lease,
    owns: part.stage === "asset"
      ? (accountId, agentId) => assetPartition(accountId, agentId, n) === part.index
      : (accountId, _agentId, kind) => kind === part.kind && accountPartition(accountId, n) === part.index,
  };
}
