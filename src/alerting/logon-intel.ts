import { newId, type GeoIpReader, type IpReputationReader, type LogonApproval, type Store } from "../core/index.ts";
import type { AccountInventoryRecord, BaselineRecord, LogonRecord } from "../protocol/index.ts";
import { approvalsFor, backdoorReasons, enrichLogon, judgeLogon, unusualFields, type AutoUpdate, type LogonEnrichment } from "../detection/index.ts";

export interface LogonIntelDeps {
  geo: GeoIpReader;
  reputation: IpReputationReader;
}

/** LOG-6: per account, whether learning adds to the operators' entries. */
export const AUTO_UPDATE_KEY = "logon.autoUpdate";
export const DEFAULT_AUTO_UPDATE: AutoUpdate = { location: false, ip: false, account: false };

type Rec = { kind: string; ts: number; [k: string]: unknown };

/**
 * What the judgement reads, kept for one ingest batch (one transaction): an asset's learned
 * locations, learning start, inventory and weak-password findings, an account's approvals and
 * auto-update setting. Writes made through `apply` update or drop what they change; a batch's
 * cache is never used by another transaction. On PostgreSQL this turns ~8 round trips per
 * successful logon into ~2 (the success counters).
 */
export class IntelBatch {
  readonly approvals = new Map<string, LogonApproval[]>();
  readonly auto = new Map<string, Partial<AutoUpdate> | undefined>();
  readonly learned = new Map<string, { key: string }[]>();
  readonly learning = new Map<string, number | null>();
  readonly inventory = new Map<string, Awaited<ReturnType<Store["inventory"]["latest"]>>>();
  readonly findings = new Map<string, Awaited<ReturnType<Store["baseline"]["finding"]>>>();
  /** Success counters: the total as of this batch, and what is still to be written (`flush`). */
  readonly counters = new Map<string, { accountId: string; assetId: string; kind: "ip" | "user"; value: string; total: number; pending: number; last: number }>();
}

async function cached<K, V>(m: Map<K, V>, k: K, load: () => Promise<V>): Promise<V> {
  if (m.has(k)) return m.get(k) as V;
  const v = await load();
  m.set(k, v);
  return v;
}

/**
 * Server-side knowledge applied to telemetry before detection (LOG-1 … LOG-8, BF-5, AGT-7):
 * a successful logon gets its location, reputation, the baseline's weak-password finding,
 * the inventory's backdoor verdict and the unusual-logon judgement; baseline and inventory
 * records update what later logons are judged against. State lives in the store (the
 * transaction of the batch), so several server workers judge alike.
 */
export class LogonIntel {
  readonly #d: LogonIntelDeps;
  constructor(deps: LogonIntelDeps) {
    this.#d = deps;
  }

  /**
   * Returns the record to detect on and store (the same object when nothing applies). `batch`:
   * reads shared by the records of one transaction (a fresh one per transaction).
   */
  async apply(tx: Store, accountId: string, assetId: string, record: Rec, now: number, batch: IntelBatch = new IntelBatch()): Promise<Rec> {
    switch (record.kind) {
      case "logon":
        return (record as unknown as LogonRecord).event.outcome === "success" ? this.#success(tx, accountId, assetId, record as unknown as LogonRecord & Rec, batch) : record;
      case "baseline":
        batch.findings.clear();
        await this.#baseline(tx, accountId, assetId, record as unknown as BaselineRecord, now);
        return record;
      case "account_inventory": {
        const r = record as unknown as AccountInventoryRecord;
        batch.inventory.delete(assetId);
        const prev = await tx.inventory.put({ accountId, assetId, ts: r.ts, uidMin: r.uidMin, accounts: r.accounts, receivedAt: now });
        // PRC-2 "backdoor account created": backdoors this inventory shows that the previous one did not
        if (!prev || prev.ts > r.ts) return record;
        const was = new Set(prev.accounts.filter((a) => backdoorReasons(a as never, prev.accounts as never).length > 0).map((a) => a.name));
        const found = r.accounts.map((a) => ({ name: a.name, reasons: backdoorReasons(a, r.accounts) })).filter((a) => a.reasons.length > 0 && !was.has(a.name));
        if (!found.length) return record;
        return { ...record, inventory: { newBackdoor: true, backdoorNames: found.map((a) => a.name).sort().join(","), reasons: found.flatMap((a) => a.reasons).slice(0, 20) } };
      }
      default:
        return record;
    }
  }

  /** One more success: the first of a key in the batch is written at once (its total read back), the rest counted here until `flush`. */
  async #count(tx: Store, batch: IntelBatch, accountId: string, assetId: string, kind: "ip" | "user", value: string, at: number): Promise<number> {
    const k = `${assetId}\u0000${kind}\u0000${value}`;
    const c = batch.counters.get(k);
    if (c) {
      c.total++;
      c.pending++;
      c.last = Math.max(c.last, at);
      return c.total;
    }
    const total = await tx.logon.countSuccess(accountId, assetId, kind, value, at);
    batch.counters.set(k, { accountId, assetId, kind, value, total, pending: 0, last: at });
    return total;
  }

  /** Writes what the batch counted and did not write yet; call before the transaction commits. */
  async flush(tx: Store, batch: IntelBatch): Promise<void> {
    for (const c of batch.counters.values()) {
      if (c.pending) await tx.logon.countSuccess(c.accountId, c.assetId, c.kind, c.value, c.last, c.pending);
      c.pending = 0;
    }
  }

  async #baseline(tx: Store, accountId: string, assetId: string, r: BaselineRecord, now: number): Promise<void> {
    // an older run arriving late (a spooled record) must not undo a newer one
    const prev = (await tx.baseline.runs(accountId, { assetId, check: r.check }))[0];
    if (prev && prev.ts > r.ts) return;
    await tx.baseline.replace(
      { accountId, assetId, check: r.check, ts: r.ts, trigger: r.trigger, checked: r.checked, skipped: r.skipped, durationMs: r.durationMs, findings: r.findings.length, receivedAt: now },
      r.findings,
    );
  }

  async #success(tx: Store, accountId: string, assetId: string, r: LogonRecord & Rec, batch: IntelBatch): Promise<Rec> {
    const ip = r.source.ip;
    const user = r.user?.name ?? null;
    const geo = this.#d.geo.locate(ip);
    const rep = this.#d.reputation.lookup(ip);
    const e: LogonEnrichment = {};
    if (geo || rep) e.source = { ...(geo ? { geo } : {}), ...(rep ? { reputation: "malicious" as const, intel: rep } : {}) };

    if (user !== null) {
      const weak = await cached(batch.findings, `${assetId}\u0000${user}`, () => tx.baseline.finding(assetId, "weak_password", user));
      const inv = await cached(batch.inventory, assetId, () => tx.inventory.latest(assetId));
      const acct = inv?.accounts.find((a) => a.name === user);
      const reasons = acct ? backdoorReasons(acct as never, inv!.accounts as never) : [];
      if (weak || reasons.length) {
        e.user = {
          ...(weak ? { weakPassword: true as const, weakReason: weak.reason } : {}),
          ...(reasons.length ? { backdoor: true as const, backdoorReasons: reasons } : {}),
        };
      }
    }

    // LOG-1 … LOG-6
    const ipSuccesses = await this.#count(tx, batch, accountId, assetId, "ip", ip, r.ts);
    const userSuccesses = user === null ? 0 : await this.#count(tx, batch, accountId, assetId, "user", user, r.ts);
    const approvals = approvalsFor(await cached(batch.approvals, accountId, () => tx.logon.listApprovals(accountId)), assetId);
    const auto = { ...DEFAULT_AUTO_UPDATE, ...(await cached(batch.auto, accountId, () => tx.accountSettings.get<Partial<AutoUpdate>>(accountId, AUTO_UPDATE_KEY))) };
    const learned = await cached(batch.learned, assetId, () => tx.logon.approvedLocations(assetId));
    const j = judgeLogon(
      { ts: r.ts, ip, geo, user },
      { learningStartedAt: await cached(batch.learning, assetId, () => tx.logon.learningStartedAt(assetId)), approvedLocations: new Set(learned.map((l) => l.key)), ipSuccesses, userSuccesses },
      approvals,
      auto,
    );
    if (j.startLearning !== null) {
      await tx.logon.startLearning(accountId, assetId, j.startLearning);
      batch.learning.delete(assetId);
    }
    if (j.approve) {
      await tx.logon.approveLocation({ accountId, assetId, key: j.approve.key, label: j.approve.label, how: j.approve.how, ip, approvedAt: r.ts });
      batch.learned.delete(assetId);
    }
    for (const a of j.autoAdd) {
      const entry: LogonApproval = { id: newId("la", r.ts), accountId, factor: a.factor, value: a.value, tz: null, assetIds: [assetId], source: "auto", note: "added automatically (auto-update)", createdBy: "system", createdAt: r.ts };
      await tx.logon.insertApproval(entry);
      batch.approvals.delete(accountId);
    }
    e.unusual = unusualFields(j);
    return enrichLogon(r, e);
  }
}
