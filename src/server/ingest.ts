import type { Logger } from "pino";
import { OperationalError, ErrorCodes, type Agent, type Alert, type Clock, type Store, type StoredRecord } from "../core/index.ts";
import { telemetryRecord, type BatchResult } from "../protocol/index.ts";
import { DetectionEngine, type Detection, type Rule } from "../detection/index.ts";
import { applyDetection, applyWhitelists, isWhitelisted, transition, EventCorrelator, IntelBatch, type HostIntel, type LogonIntel } from "../alerting/index.ts";
import { loadCorrelationRules } from "../../content/correlation.ts";
import { loadAttack } from "../../content/attack.ts";
import { applyRuleOverrides, RULE_OVERRIDES_KEY, type RuleOverrides } from "../detection/index.ts";
import { applyVaultRecord, proactiveDefenceOn, queueAgentAction, type IpPolicyService } from "../response/index.ts";
import type { Metrics } from "./metrics.ts";
import { rulesForStage, type Stage } from "./cluster/stages.ts";

export interface IngestDeps {
  store: Store;
  rules: Rule[];
  policies: IpPolicyService;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  blockFor: () => number;
  /** Called after commit for each agent that got a new action. */
  notify: (agentId: string) => void;
  /** LOG-1 … LOG-8, BF-5, AGT-7: what the server knows, applied to records before the rules. */
  intel?: LogonIntel;
  /** PRC-1/PRC-2/MIN-2/MIN-3: intel verdicts on processes, connections and DNS queries. */
  hostIntel?: HostIntel;
  /** ALR-9: queues the alert's notifications inside the ingest transaction (an outbox). */
  enqueueNotifications?: (tx: Store, alert: Alert, reason: "opened" | "recurred", now: number) => Promise<unknown>;
  /** EVT-1: alerts into security events (default: the shipped correlation rules and ATT&CK table). */
  events?: EventCorrelator;
  /** Networks judged like public addresses (config externalNets): their addresses join events across assets. */
  externalNets?: string[];
}

/** Issue 10: one telemetry record taken from the bus. */
export interface BusRecord {
  accountId: string;
  record: StoredRecord;
}

/** Issue 10: a bus partition a worker holds: its stage, its lease (fencing) and its offset's name. */
export interface BusSlot {
  /** e.g. `asset.3`: the lease is `bus.<key>`; the account stage marks processed messages under it. */
  key: string;
  stage: Exclude<Stage, "all">;
  /** Which assets' and accounts' records belong to the slot (to rebuild its state from the store). */
  owns(accountId: string, agentId: string, kind: string): boolean;
  lease: { name: string; holder: string; epoch: number };
}

/** The partition's lease went to another worker: nothing of the batch was committed. */
export class LeaseLostError extends OperationalError {
  constructor(lease: string) {
    super(ErrorCodes.INTERNAL, `lease ${lease} is held by another worker now`);
  }
}

/** A record's bus message id (Nats-Msg-Id): record ids are unique per agent. */
export const busKey = (r: { agentId: string; id: string }): string => `${r.agentId}:${r.id}`;

/** Standalone: one engine per account, every rule. */
const STANDALONE = "";

/** A standalone batch waiting for its group commit. */
interface WaitingBatch {
  agent: Agent;
  records: unknown[];
  dropped: number;
  receivedAt: number;
  resolve: (r: BatchResult) => void;
  reject: (e: unknown) => void;
}

/** A group commit holds at most this many records (bounds a transaction's time and memory). */
const GROUP_MAX_RECORDS = 20_000;

/**
 * Telemetry ingest (AGT-9): validate each record, store the new ones (unique per agent
 * and record id), detect, and store the alerts and blocks — all in one transaction, so
 * an acknowledged batch is stored with its consequences or not at all.
 *
 * Standalone, `ingest` does it all as a batch arrives. In a cluster (issue 10) a batch is
 * validated (`validate`) and published to the bus; the worker holding the records' partition
 * then runs `processBus`, in one transaction fenced by its lease and made idempotent by the
 * partition's offset, and acknowledges the bus only after the commit.
 */
export class IngestService {
  /** Engines by slot (STANDALONE or a bus partition) and account: BF-1 thresholds are configurable per account. */
  #engines = new Map<string, Map<string, { engine: DetectionEngine; emit: Set<string> | null }>>();
  /** Cluster slots held, for `reloadAccount`. */
  #slots = new Map<string, BusSlot>();
  #deps: IngestDeps;
  #queue: Promise<unknown> = Promise.resolve();
  /** Cluster: one queue per bus partition — partitions' transactions overlap, each partition stays in order. */
  #slotQueues = new Map<string, Promise<unknown>>();
  #pending = 0;
  readonly #events: EventCorrelator;

  constructor(deps: IngestDeps) {
    this.#deps = deps;
    this.#events = deps.events ?? new EventCorrelator({ rules: loadCorrelationRules(), attack: loadAttack(), externalNets: deps.externalNets });
  }

  /** EVT-1 … EVT-9: the correlation ingest uses, for the events API (detach, recompute, ATT&CK table). */
  get events(): EventCorrelator {
    return this.#events;
  }

  /** The account's rules: the shipped ones with its overrides applied. */
  async rulesFor(accountId: string, store: Store = this.#deps.store): Promise<Rule[]> {
    const o = await store.accountSettings.get<RuleOverrides>(accountId, RULE_OVERRIDES_KEY);
    return o ? applyRuleOverrides(this.#deps.rules, o) : this.#deps.rules;
  }

  /** `store`: the transaction's, when called inside one (the root store waits for open transactions). */
  async #engineFor(slot: string, stage: Stage, accountId: string, store: Store = this.#deps.store): Promise<{ engine: DetectionEngine; emit: Set<string> | null }> {
    let bySlot = this.#engines.get(slot);
    if (!bySlot) this.#engines.set(slot, (bySlot = new Map()));
    let e = bySlot.get(accountId);
    if (!e) {
      const sr = rulesForStage(await this.rulesFor(accountId, store), stage);
      e = { engine: new DetectionEngine(sr.rules), emit: sr.emit };
      bySlot.set(accountId, e);
    }
    return e;
  }

  /**
   * Rebuilds detection state from stored records: every account's (after a restart or a failed
   * write), one account's (its rule settings changed), or that of bus partitions just taken over —
   * all of them in one pass over the stored records.
   */
  async warm(onlyAccount?: string, slots: BusSlot[] | null = null): Promise<number> {
    const { store, clock } = this.#deps;
    const targets: { key: string; stage: Stage; slot: BusSlot | null }[] = slots ? slots.map((s) => ({ key: s.key, stage: s.stage, slot: s })) : [{ key: STANDALONE, stage: "all", slot: null }];
    for (const t of targets) {
      if (onlyAccount === undefined) this.#engines.delete(t.key);
      else this.#engines.get(t.key)?.delete(onlyAccount);
    }
    const lookback = new DetectionEngine(this.#deps.rules).lookback;
    const accountOf = new Map<string, string | null>();
    let n = 0;
    const since = clock.now() - lookback;
    // the account stage's state is what it committed (the asset stage may have stored records it has not processed yet)
    const committed = new Map<string, Set<string>>();
    for (const t of targets) if (t.stage === "account") committed.set(t.key, await store.coordination.processed(t.key, since - 86_400_000));
    const records = await store.telemetry.since(since, 5_000_000);
    for (const r of records) {
      let acct = accountOf.get(r.agentId);
      if (acct === undefined) {
        acct = (await store.agents.get(r.agentId))?.accountId ?? null;
        accountOf.set(r.agentId, acct);
      }
      if (acct === null || (onlyAccount !== undefined && acct !== onlyAccount)) continue;
      for (const t of targets) {
        if (t.slot && !t.slot.owns(acct, r.agentId, r.kind)) continue;
        if (t.stage === "account" && !committed.get(t.key)!.has(busKey(r))) continue;
        (await this.#engineFor(t.key, t.stage, acct)).engine.process({ assetId: r.agentId, accountId: acct, record: r.body as StoredRecord["body"] & { kind: string; ts: number } });
        n++;
      }
    }
    return n;
  }

  /** An account's rule settings changed: rebuild its engines only (state re-read from stored records). */
  reloadAccount(accountId: string): Promise<number> {
    // a barrier: after every batch in flight, before any later one
    const run = Promise.all([this.#queue, ...this.#slotQueues.values()]).then(async () => {
      let n = 0;
      if (this.#engines.has(STANDALONE)) n += await this.warm(accountId);
      if (this.#slots.size) n += await this.warm(accountId, [...this.#slots.values()]);
      return n;
    });
    const settled = run.catch(() => {});
    this.#queue = settled;
    for (const k of this.#slotQueues.keys()) this.#slotQueues.set(k, settled);
    return run;
  }

  /** Issue 10: bus partitions this worker now holds — their state rebuilt from the store before their first record. */
  takeSlots(slots: BusSlot[]): Promise<number> {
    const before = slots.map((sl) => this.#slotQueues.get(sl.key) ?? Promise.resolve());
    const run = Promise.all(before).then(() => {
      for (const sl of slots) this.#slots.set(sl.key, sl);
      return this.warm(undefined, slots);
    });
    const settled = run.catch(() => {});
    for (const sl of slots) this.#slotQueues.set(sl.key, settled);
    return run;
  }

  /** Issue 10: a bus partition given up (or lost): its state is dropped. */
  dropSlot(key: string): void {
    this.#slots.delete(key);
    this.#engines.delete(key);
  }

  /** AGT-9: the records to keep and the ones rejected, with why (a malformed record never costs the batch). */
  validate(agent: Agent, raw: unknown[], now: number): { valid: StoredRecord[]; rejected: BatchResult["rejected"] } {
    const rejected: BatchResult["rejected"] = [];
    const valid: StoredRecord[] = [];
    raw.forEach((r, index) => {
      const p = telemetryRecord.safeParse(r);
      if (p.success) {
        valid.push({ agentId: agent.id, id: p.data.id, kind: p.data.kind, ts: p.data.ts, receivedAt: now, body: p.data });
      } else {
        const id = r && typeof r === "object" && typeof (r as { id?: unknown }).id === "string" ? String((r as { id: string }).id).slice(0, 128) : null;
        const issue = p.error.issues[0]!;
        rejected.push({ index, id, error: `${issue.path.join(".") || "record"}: ${issue.message}` });
      }
    });
    return { valid, rejected };
  }

  /** Counts what a batch brought (both profiles). */
  countBatch(agent: Agent, r: { accepted: number; duplicates: number; rejected: BatchResult["rejected"] }, dropped: number): void {
    const { metrics } = this.#deps;
    metrics.inc("hostward_records_accepted_total", r.accepted);
    metrics.inc("hostward_records_duplicate_total", r.duplicates);
    metrics.inc("hostward_records_rejected_total", r.rejected.length);
    metrics.inc("hostward_records_dropped_by_agents_total", dropped);
    if (r.rejected.length) this.#deps.log.warn({ agent: agent.id, rejected: r.rejected.length, first: r.rejected[0] }, "malformed telemetry records rejected");
  }

  /** Batches waiting for the ingest queue (a gauge in /metrics). */
  get pending(): number {
    return this.#pending;
  }

  ingest(agent: Agent, records: unknown[], dropped = 0): Promise<BatchResult> {
    // one group at a time: the engine's state and the store must advance together
    this.#pending++;
    return new Promise<BatchResult>((resolve, reject) => {
      this.#waiting.push({ agent, records, dropped, receivedAt: this.#deps.clock.now(), resolve, reject });
      if (this.#waiting.length === 1) this.#scheduleGroup();
    }).finally(() => this.#pending--);
  }

  /** Batches waiting for the next group (standalone ingest). */
  #waiting: WaitingBatch[] = [];

  #scheduleGroup(): void {
    const run = this.#queue.then(() => this.#ingestGroup());
    this.#queue = run.catch(() => {});
  }

  /**
   * Group commit: every batch waiting when the queue gets to it goes into one transaction (one
   * commit, one fsync, for all), each answered after that commit. When the group fails, each
   * batch is retried alone, so one bad batch never costs the others.
   */
  async #ingestGroup(): Promise<void> {
    let n = 0, take = 0;
    while (take < this.#waiting.length && (take === 0 || n + this.#waiting[take]!.records.length <= GROUP_MAX_RECORDS)) n += this.#waiting[take++]!.records.length;
    const group = this.#waiting.splice(0, take);
    if (group.length === 0) return;
    // batches that came meanwhile (or did not fit) get the next turn
    if (this.#waiting.length) this.#scheduleGroup();
    try {
      const results = await this.#commit(group);
      group.forEach((b, i) => b.resolve(results[i]!));
    } catch (e) {
      if (group.length === 1) return group[0]!.reject(e);
      // one bad batch never costs the others: each alone
      for (const b of group) await this.#commit([b]).then(([r]) => b.resolve(r!), b.reject);
    }
  }

  /** Batches in one transaction (one commit, one fsync for all); each batch's result, in order. */
  async #commit(group: WaitingBatch[]): Promise<BatchResult[]> {
    const { store, clock } = this.#deps;
    const now = clock.now();
    const parts = group.map((b) => ({ b, ...this.validate(b.agent, b.records, now), fresh: [] as StoredRecord[] }));
    // received = when the request reached the ingest queue (the wait in it counts as latency)
    for (const p of parts) for (const r of p.valid) r.receivedAt = p.b.receivedAt;
    const notifyAgents = new Set<string>();
    try {
      const engines = new Map<string, DetectionEngine>();
      for (const p of parts) if (!engines.has(p.b.agent.accountId)) engines.set(p.b.agent.accountId, (await this.#engineFor(STANDALONE, "all", p.b.agent.accountId)).engine);
      await store.transaction(async (tx) => {
        for (const p of parts) {
          const { agent, dropped } = p.b;
          p.fresh = await tx.telemetry.insertNew(p.valid);
          const intel = new IntelBatch();
          for (const r of p.fresh) await this.#detect(tx, engines.get(agent.accountId)!, null, agent.accountId, r, now, notifyAgents, intel);
          await this.#deps.intel?.flush(tx, intel);
          await tx.agents.touch(agent.id, now);
          if (p.rejected.length || dropped) await tx.agents.addCounters(agent.id, { rejected: p.rejected.length, dropped });
        }
      });
    } catch (e) {
      // the engine saw records the store did not keep: rebuild it from what is stored
      await this.warm().catch(() => {});
      throw e;
    }
    const done = clock.now();
    const results = parts.map((p) => {
      this.#observeLatency(p.fresh, done);
      const result = { accepted: p.fresh.length, duplicates: p.valid.length - p.fresh.length, rejected: p.rejected };
      this.countBatch(p.b.agent, result, p.b.dropped);
      return result;
    });
    for (const a of notifyAgents) this.#deps.notify(a);
    return results;
  }


  /**
   * Issue 10: one batch of a bus partition, in one transaction: nothing is committed unless this
   * worker still holds the partition's lease, and messages already processed (redelivered after a
   * crash between commit and acknowledgement) are skipped. Resolves
   * after the commit; the caller then acknowledges the bus.
   */
  processBus(slot: BusSlot, batch: BusRecord[]): Promise<{ processed: number; skipped: number }> {
    this.#pending++;
    const run = (this.#slotQueues.get(slot.key) ?? Promise.resolve()).then(() => this.#processBus(slot, batch)).finally(() => this.#pending--);
    this.#slotQueues.set(slot.key, run.catch(() => {}));
    return run;
  }

  async #processBus(slot: BusSlot, batch: BusRecord[]): Promise<{ processed: number; skipped: number }> {
    const { store, clock } = this.#deps;
    if (!this.#slots.has(slot.key) || batch.length === 0) return { processed: 0, skipped: batch.length };
    const now = clock.now();
    const notifyAgents = new Set<string>();
    let done: StoredRecord[] = [];
    try {
      await store.transaction(async (tx) => {
        if (!(await tx.coordination.holdsLease(slot.lease.name, slot.lease.holder, slot.lease.epoch))) throw new LeaseLostError(slot.lease.name);
        const accountOf = new Map(batch.map((m) => [busKey(m.record), m.accountId]));
        // redelivered messages (committed, not acknowledged before a crash) are skipped: the asset
        // stage stores each record once per agent and id; the account stage marks what it processed
        let records: StoredRecord[];
        if (slot.stage === "asset") records = await tx.telemetry.insertNew(batch.map((m) => m.record));
        else {
          const fresh = await tx.coordination.markProcessed(slot.key, batch.map((m) => busKey(m.record)), now);
          records = batch.map((m) => m.record).filter((r) => fresh.delete(busKey(r)));
        }
        const intel = slot.stage === "asset" ? new IntelBatch() : null;
        for (const r of records) {
          const accountId = accountOf.get(busKey(r))!;
          const e = await this.#engineFor(slot.key, slot.stage, accountId, tx);
          await this.#detect(tx, e.engine, e.emit, accountId, r, now, notifyAgents, intel);
        }
        if (intel) await this.#deps.intel?.flush(tx, intel);
        done = records;
      });
    } catch (e) {
      if (e instanceof LeaseLostError) this.dropSlot(slot.key);
      else await this.warm(undefined, [slot]).catch(() => {});
      throw e;
    }
    if (slot.stage === "asset") this.#observeLatency(done, clock.now());
    for (const a of notifyAgents) this.#deps.notify(a);
    return { processed: done.length, skipped: batch.length - done.length };
  }

  /**
   * One record through intel and the rules (`emit`: the rules whose detections this engine
   * reports; `intel`: the batch's intel reads, null where the stage does not enrich).
   */
  async #detect(tx: Store, engine: DetectionEngine, emit: Set<string> | null, accountId: string, r: StoredRecord, now: number, notifyAgents: Set<string>, intel: IntelBatch | null): Promise<void> {
    let record = r.body as { kind: string; ts: number };
    if (intel) {
      if (record.kind === "vault") await applyVaultRecord(tx, accountId, r.agentId, r.body as Parameters<typeof applyVaultRecord>[3], now);
      if (this.#deps.intel) record = await this.#deps.intel.apply(tx, accountId, r.agentId, record, now, intel);
    }
    if (this.#deps.hostIntel) record = this.#deps.hostIntel.apply(record);
    const detections = engine.process({ assetId: r.agentId, accountId, record });
    for (const d of detections) if (emit === null || emit.has(d.ruleId)) await this.#onDetection(tx, accountId, d, now, notifyAgents);
  }

  /** Issue 10: received by a worker → its detection result committed. */
  #observeLatency(records: StoredRecord[], now: number): void {
    for (const r of records) this.#deps.metrics.observe("hostward_detection_latency_seconds", (now - r.receivedAt) / 1000);
  }

  async #onDetection(tx: Store, accountId: string, d: Detection, now: number, notifyAgents: Set<string>): Promise<void> {
    // "notify only the first time" needs to know whether this key ever had an alert, before this one
    const firstEver = d.notify === "first" ? !(await tx.alerts.everHad(d.assetId, d.dedupKey)) : false;
    let { alert, created } = await applyDetection(tx, d, now, accountId);
    if (created) this.#deps.metrics.inc("hostward_alerts_opened_total", 1);
    if (!created && !d.opened) {
      // EVT-1: a threshold still counting keeps its event (and the entities later alerts join on) recent
      await this.#events.onRecurrence(tx, alert, now);
      return;
    }
    // whitelists apply before anything else: a whitelisted alert is never blocked, notifies no one and joins no event
    alert = await applyWhitelists(tx, alert, now);
    if (isWhitelisted(alert.status)) return;
    if (d.opened && d.response === "kill_process" && alert.status === "unhandled" && (await proactiveDefenceOn(tx, accountId, d.assetId))) {
      // PRC-4: killed on sight; a precision-defence alert is Blocked and handled, and notifies no one
      const pid = d.evidence["process.pid"], start = d.evidence["process.start"];
      const sha256 = (d.evidence["process.hash"] as { sha256?: string } | undefined)?.sha256;
      if (typeof pid === "number" && typeof start === "number") {
        const action = await queueAgentAction(tx, { accountId, agentId: d.assetId, type: "kill_process", params: { pid, start, ...(sha256 ? { sha256 } : {}) } }, now);
        notifyAgents.add(d.assetId);
        alert = await transition(tx, alert, "blocked", { actor: "proactive-defence", how: `process ${pid} killed on sight (action ${action.id})` }, now, { response: `kill_process queued (${action.id})`, handledHow: `killed by proactive defence (action ${action.id})` });
        this.#deps.metrics.inc("hostward_processes_killed_total", 1);
        // EVT-8: a Blocked alert is part of the attack's event, though event handling never changes it
        await this.#events.onAlert(tx, alert, now);
        return;
      }
    }
    if (d.opened && d.response === "block_source" && d.sourceIp) {
      alert = { ...alert, response: await this.#respond(tx, alert, d, d.sourceIp, now, notifyAgents), updatedAt: now };
      await tx.alerts.update(alert);
    }
    // EVT-1: into a security event, in this transaction (the state is the store's: any worker can continue it)
    await this.#events.onAlert(tx, alert, now);
    // ALR-9: queued in this transaction (an outbox), after the response so the notice says what was done
    if (d.notify === "every" || (d.notify === "first" && firstEver)) await this.#deps.enqueueNotifications?.(tx, alert, created ? "opened" : "recurred", now);
  }

  /** BF-3: block the source unless something says not to; returns what was done, for the alert. */
  async #respond(tx: Store, alert: Alert, d: Detection, ip: string, now: number, notifyAgents: Set<string>): Promise<string> {
    const prior = (await tx.policies.list(alert.accountId, { assetId: d.assetId, ip, limit: 1, offset: 0 })).items[0];
    if (prior && prior.status === "disabled" && prior.alertId === alert.id) {
      return `not re-blocked: the block on this source was lifted by ${prior.lastResult?.replace(/^disabled by /, "") ?? "an operator"}`;
    }
    const out = await this.#deps.policies.autoBlock(tx, { accountId: alert.accountId, assetId: d.assetId, ip, reason: `${d.name} (${d.type})`, alertId: alert.id, createdBy: "defence", duration: this.#deps.blockFor() }, now);
    switch (out.kind) {
      case "blocked":
        notifyAgents.add(out.action.agentId);
        this.#deps.metrics.inc("hostward_blocks_total", 1);
        return `blocked by policy ${out.policy.id} until ${new Date(out.policy.expiresAt ?? 0).toISOString()}`;
      case "already":
        return `already blocked by policy ${out.policy.id}`;
      case "allowlisted":
        return `not blocked: ${out.entry}`;
      case "operator":
        return "not blocked: the source is a console/API user's address";
      case "approved_logon_ip":
        return `not blocked: ${out.entry} is an approved logon address`;
      case "defence_off":
        return "not blocked: defence is off";
    }
  }

}
