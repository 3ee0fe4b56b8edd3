import { connect, createInbox, headers, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, AckPolicy, DeliverPolicy, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager, type JsMsg, type ConsumerMessages } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { OperationalError, ErrorCodes, type StoredRecord } from "../../core/index.ts";
import { busKey, type BusRecord } from "../ingest.ts";
import { accountPartition, assetPartition, hash32 } from "./stages.ts";

export interface BusOptions {
  url: string;
  /** JetStream stream name (one per cluster). */
  stream: string;
  /** First token of every subject (one per cluster). */
  prefix: string;
  partitions: number;
  /** Record kinds the account stage reads (its consumers filter on them). */
  accountKinds: string[];
  /** How long an unacknowledged message waits before it is delivered again (a dead worker's). */
  ackWaitMs: number;
  /** Messages older than this are dropped from the stream even if not processed (counted). */
  maxAgeMs: number;
  log: Logger;
}

/** A consumer partition: `asset.<p>` or `account.<q>.<kind>`. */
export interface BusPartition {
  key: string;
  stage: "asset" | "account";
  index: number;
  kind?: string;
  consumer: string;
  filter: string;
}

/** A subject token from an id: ids are ours ([A-Za-z0-9_-]), anything else is hashed, never interpreted. */
function token(id: string): string {
  return /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : "h" + hash32(id).toString(16);
}

/** Nanoseconds in a millisecond (JetStream's durations are nanoseconds). */
const NS = 1_000_000;

/**
 * Issue 10: the telemetry bus of a cluster, on NATS JetStream. Any worker publishes the records
 * an agent sends, one message per record with `<agent>:<record id>` as Nats-Msg-Id (JetStream drops
 * a duplicate within its window; the asset stage's store drops older ones), on the subject
 * `<prefix>.tel.<asset partition>.<account partition>.<kind>.<account>.<asset>`. Each partition
 * has one durable consumer; a worker consumes a partition only while it holds its lease, and
 * acknowledges a message only after its detection result is committed, so a worker's death means
 * redelivery to the next holder, never loss.
 */
export class TelemetryBus {
  readonly #o: BusOptions;
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly partitions: BusPartition[];
  /** Publish acknowledgements awaited, by reply token (see `publish`). */
  readonly #acks = new Map<string, { resolve: (duplicate: boolean) => void; reject: (e: Error) => void; at: number }>();
  readonly #inbox = createInbox();
  #next = 0;
  readonly #sweep: NodeJS.Timeout;

  private constructor(o: BusOptions, nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager) {
    this.#o = o;
    this.#nc = nc;
    this.#js = js;
    this.#jsm = jsm;
    nc.subscribe(`${this.#inbox}.*`, {
      callback: (err, m) => {
        if (err) return;
        const token = m.subject.slice(this.#inbox.length + 1);
        const w = this.#acks.get(token);
        if (!w) return;
        this.#acks.delete(token);
        try {
          const a = m.json<{ stream?: string; seq?: number; duplicate?: boolean; error?: { description?: string } }>();
          if (a.error || typeof a.seq !== "number") w.reject(new OperationalError(ErrorCodes.INTERNAL, `the bus refused a record: ${a.error?.description ?? "no acknowledgement"}`));
          else w.resolve(a.duplicate === true);
        } catch {
          w.reject(new OperationalError(ErrorCodes.INTERNAL, "the bus answered a record with something that is not an acknowledgement"));
        }
      },
    });
    // an acknowledgement that never comes (stream gone, NATS restarting) fails the batch: the agent sends it again
    this.#sweep = setInterval(() => {
      const old = Date.now() - 10_000;
      for (const [k, w] of this.#acks) if (w.at < old) {
        this.#acks.delete(k);
        w.reject(new OperationalError(ErrorCodes.INTERNAL, "the bus did not acknowledge a record within 10 s"));
      }
    }, 1000);
    this.#sweep.unref();
    this.partitions = [];
    for (let p = 0; p < o.partitions; p++) this.partitions.push({ key: `asset.${p}`, stage: "asset", index: p, consumer: `asset-${p}`, filter: `${o.prefix}.tel.${p}.>` });
    for (let q = 0; q < o.partitions; q++) {
      for (const kind of o.accountKinds) this.partitions.push({ key: `account.${q}.${kind}`, stage: "account", index: q, kind, consumer: `account-${q}-${kind}`, filter: `${o.prefix}.tel.*.${q}.${kind}.>` });
    }
  }

  /** Connects and makes sure the stream and every partition's durable consumer exist (idempotent: every worker does it). */
  static async open(o: BusOptions): Promise<TelemetryBus> {
    let nc: NatsConnection;
    try {
      nc = await connect({ servers: o.url, name: "hostward-worker", maxReconnectAttempts: -1, reconnectTimeWait: 500 });
    } catch (e) {
      throw new OperationalError(ErrorCodes.INTERNAL, `cannot reach NATS at ${o.url}: ${(e as Error).message}`);
    }
    const jsm = await jetstreamManager(nc);
    const bus = new TelemetryBus(o, nc, jetstream(nc), jsm);
    const config = {
      name: o.stream,
      subjects: [`${o.prefix}.tel.>`],
      // a message stays until every consumer interested in it acknowledged it
      retention: RetentionPolicy.Interest,
      storage: StorageType.File,
      duplicate_window: 10 * 60_000 * NS,
      max_age: o.maxAgeMs * NS,
    };
    try {
      await jsm.streams.info(o.stream);
      await jsm.streams.update(o.stream, { subjects: config.subjects, duplicate_window: config.duplicate_window, max_age: config.max_age });
    } catch (e) {
      if (!/not found/i.test((e as Error).message)) throw e;
      await jsm.streams.add(config).catch(async (err) => {
        // another worker created it meanwhile
        if (!/already in use|exists/i.test((err as Error).message)) throw err;
      });
    }
    for (const p of bus.partitions) {
      await jsm.consumers.add(o.stream, {
        durable_name: p.consumer,
        filter_subject: p.filter,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: o.ackWaitMs * NS,
        max_ack_pending: 20_000,
      });
    }
    return bus;
  }

  subject(accountId: string, assetId: string, kind: string): string {
    const p = this.#o.partitions;
    return `${this.#o.prefix}.tel.${assetPartition(accountId, assetId, p)}.${accountPartition(accountId, p)}.${token(kind)}.${token(accountId)}.${token(assetId)}`;
  }

  /**
   * Publishes an agent's valid records and resolves when JetStream has stored every one of them
   * (then, and only then, the agent's batch is acknowledged). Duplicates: records JetStream
   * already had within its window.
   */
  async publish(accountId: string, records: StoredRecord[]): Promise<{ accepted: number; duplicates: number }> {
    // JetStream's own publish makes a request (and a timer) per message; a plain publish with a
    // reply subject of ours and one subscription for the acknowledgements does the same job at a
    // few times the rate (bench/REPORT.md, Fleet)
    const acks = await Promise.all(records.map((r) => new Promise<boolean>((resolve, reject) => {
      const token = (this.#next++).toString(36);
      this.#acks.set(token, { resolve, reject, at: Date.now() });
      const h = headers();
      h.set("Nats-Msg-Id", busKey(r));
      h.set("Nats-Expected-Stream", this.#o.stream);
      this.#nc.publish(this.subject(accountId, r.agentId, r.kind), JSON.stringify({ a: accountId, r }), { reply: `${this.#inbox}.${token}`, headers: h });
    })));
    const duplicates = acks.filter(Boolean).length;
    return { accepted: records.length - duplicates, duplicates };
  }

  /**
   * Consumes one partition until `signal` aborts: messages are handed to `process` in batches of
   * what has arrived (up to `max`), each acknowledged only after `process` resolved. A batch whose
   * `process` failed is left unacknowledged (redelivered after the ack wait) — or, when the
   * partition is given up, handed back at once (nak).
   */
  async consume(p: BusPartition, process: (batch: BusRecord[]) => Promise<void>, signal: AbortSignal, max = 500): Promise<void> {
    const c = await this.#js.consumers.get(this.#o.stream, p.consumer);
    const buffer: JsMsg[] = [];
    let wake: (() => void) | null = null;
    const msgs: ConsumerMessages = await c.consume({
      max_messages: 2 * max,
      callback: (m) => {
        buffer.push(m);
        wake?.();
      },
    });
    const stop = () => {
      msgs.stop();
      wake?.();
    };
    signal.addEventListener("abort", stop, { once: true });
    try {
      while (!signal.aborted) {
        if (buffer.length === 0) {
          await new Promise<void>((r) => (wake = r));
          wake = null;
          continue;
        }
        const taken = buffer.splice(0, max);
        const batch: BusRecord[] = [];
        for (const m of taken) {
          try {
            const v = m.json<{ a: string; r: StoredRecord }>();
            batch.push({ accountId: v.a, record: v.r });
          } catch {
            // not ours (or damaged): never redelivered forever
            this.#o.log.warn({ partition: p.key, seq: m.seq }, "bus message that is not a telemetry record dropped");
            m.term();
          }
        }
        try {
          await process(batch);
        } catch (e) {
          this.#o.log.warn({ partition: p.key, err: (e as Error).message, messages: taken.length }, "bus batch not processed; it will be delivered again");
          // the rest of the buffer too: the batch must be done before later messages of its assets
          for (const m of buffer.splice(0)) m.nak(1000);
          for (const m of taken) m.nak(1000);
          throw e;
        }
        for (const m of taken) m.ack();
      }
    } finally {
      signal.removeEventListener("abort", stop);
      msgs.stop();
      // handed back at once, not after the ack wait
      for (const m of buffer.splice(0)) m.nak();
    }
  }

  /** Messages not yet processed in a partition (pending + delivered and not acknowledged). */
  async lag(p: BusPartition): Promise<number> {
    const info = await this.#jsm.consumers.info(this.#o.stream, p.consumer);
    return info.num_pending + info.num_ack_pending;
  }

  /** Cluster-wide signals (wake an agent's long poll, reload an account's rules): core NATS, at most once. */
  broadcast(topic: string, payload: string): void {
    this.#nc.publish(`${this.#o.prefix}.sig.${topic}`, payload);
  }

  listen(topic: string, fn: (payload: string) => void): Subscription {
    return this.#nc.subscribe(`${this.#o.prefix}.sig.${topic}`, { callback: (err, m) => {
      if (!err) fn(m.string());
    } });
  }

  get connected(): boolean {
    return !this.#nc.isClosed();
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep);
    await this.#nc.drain().catch(() => {});
  }

  /** Tests and `hostward cluster reset`: removes the stream and its consumers. */
  async destroy(): Promise<void> {
    await this.#jsm.streams.delete(this.#o.stream).catch(() => {});
  }
}
