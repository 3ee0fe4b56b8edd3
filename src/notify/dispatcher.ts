import { newId, type Clock, type NotificationChannel, type OutboxItem, type Store } from "../core/index.ts";
import { noticeFromAlert, testAlert } from "./notice.ts";
import { PermanentSendError, errorText } from "./sender.ts";
import { defaultSenders, type Senders } from "./senders.ts";

/** What the dispatcher logs through (a pino logger fits). */
export interface NotifyLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** ALR-9 retry policy: "a receiver that is down is retried and the alert is not lost" — for a while, then the item is kept as dead. */
export const RETRY_POLICY = {
  firstDelayMs: 30_000,
  maxDelayMs: 3_600_000,
  /** Share of the delay added at random, so many items failing together do not retry in lock-step. */
  jitter: 0.1,
  maxAttempts: 20,
  maxAgeMs: 3 * 86_400_000,
} as const;

/** Delay before the next try after `failures` failed attempts: 30 s, 1 min, 2 min, … capped at 1 h, plus up to 10 % jitter. */
export function retryDelay(failures: number, random: () => number = Math.random): number {
  const base = Math.min(RETRY_POLICY.firstDelayMs * 2 ** Math.max(0, failures - 1), RETRY_POLICY.maxDelayMs);
  return base + Math.floor(base * RETRY_POLICY.jitter * random());
}

export interface RunResult { sent: number; retried: number; dead: number }

export interface DispatcherDeps {
  store: Store;
  clock: Clock;
  log: NotifyLog;
  /** Replaces the default sender of a kind (tests, or another transport). */
  senders?: Partial<Senders>;
  random?: () => number;
  /** Product version shown in CEF headers. */
  productVersion?: string;
}

/**
 * Delivers the outbox. Called by the server's one-second job loop; every decision
 * (retry time, give-up) is taken from the injected clock, so tests drive it with a
 * FakeClock and `runOnce()` instead of sleeping.
 *
 * Delivery is at least once: a crash between a successful send and `markSent` sends the
 * item again on restart; receivers deduplicate on the delivery id (webhook header,
 * Message-ID, CEF cs6).
 */
export class NotificationDispatcher {
  readonly #deps: DispatcherDeps;
  readonly #senders: Senders;
  #inflight: Promise<RunResult> | null = null;

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
    this.#senders = { ...defaultSenders({ clock: deps.clock, productVersion: deps.productVersion }), ...deps.senders };
  }

  /** Sends what is due. A call while a run is in progress joins that run (the job loop ticks every second; a slow receiver must not stack runs). */
  runOnce(limit = 100): Promise<RunResult> {
    this.#inflight ??= this.#run(limit).finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  async #run(limit: number): Promise<RunResult> {
    const result: RunResult = { sent: 0, retried: 0, dead: 0 };
    const due = await this.#deps.store.notifications.due(this.#deps.clock.now(), limit);
    // channels in parallel (one slow receiver must not hold up the others), each channel's items in order
    const byChannel = new Map<string, OutboxItem[]>();
    for (const item of due) {
      const k = `${item.accountId}\u0000${item.channelId}`;
      const list = byChannel.get(k);
      if (list) list.push(item);
      else byChannel.set(k, [item]);
    }
    await Promise.all([...byChannel.values()].map((items) => this.#deliverChannel(items, result)));
    return result;
  }

  async #deliverChannel(items: OutboxItem[], result: RunResult): Promise<void> {
    const { store, log } = this.#deps;
    const first = items[0]!;
    let channel: NotificationChannel | null;
    try {
      channel = await store.notifications.getChannel(first.accountId, first.channelId);
    } catch (err) {
      log.error({ err, channel: first.channelId }, "notification channel lookup failed; items stay pending");
      return;
    }
    // after a retryable failure the channel's other items wait with it instead of each spending a timeout
    let down: { nextAt: number; error: string } | null = null;
    for (const item of items) {
      try {
        if (!channel || !channel.enabled) await this.#dead(item, item.attempts, channel ? "channel disabled" : "channel deleted", result);
        else if (down && !this.#tooOld(item)) {
          await store.notifications.markRetry(item.id, item.attempts, down.nextAt, `not tried: ${down.error}`);
          result.retried++;
        } else down = await this.#attempt(item, channel, result) ?? down;
      } catch (err) {
        // a store failure leaves the item pending: it is picked up again on a later run
        log.error({ err, item: item.id }, "notification bookkeeping failed");
      }
    }
  }

  /** One delivery; returns the retry it scheduled, if any. */
  async #attempt(item: OutboxItem, channel: NotificationChannel, result: RunResult): Promise<{ nextAt: number; error: string } | null> {
    const { store, clock, log } = this.#deps;
    try {
      await this.#senders[channel.kind].send(item, channel);
    } catch (e) {
      const attempts = item.attempts + 1;
      const error = errorText(e);
      if (e instanceof PermanentSendError || attempts >= RETRY_POLICY.maxAttempts || this.#tooOld(item)) {
        await this.#dead(item, attempts, e instanceof PermanentSendError ? error : `gave up after ${attempts} attempts: ${error}`, result);
        return null;
      }
      const nextAt = clock.now() + retryDelay(attempts, this.#deps.random);
      await store.notifications.markRetry(item.id, attempts, nextAt, error);
      result.retried++;
      log.warn({ item: item.id, channel: channel.id, kind: channel.kind, attempts, nextAttemptAt: new Date(nextAt).toISOString(), error }, "notification not delivered; will retry");
      return { nextAt, error };
    }
    await store.notifications.markSent(item.id, clock.now());
    result.sent++;
    return null;
  }

  #tooOld(item: OutboxItem): boolean {
    return this.#deps.clock.now() - item.createdAt >= RETRY_POLICY.maxAgeMs;
  }

  async #dead(item: OutboxItem, attempts: number, error: string, result: RunResult): Promise<void> {
    await this.#deps.store.notifications.markDead(item.id, attempts, error);
    result.dead++;
    this.#deps.log.warn({ item: item.id, channel: item.channelId, alert: item.alertId, attempts, error }, "notification given up (dead)");
  }

  /** "Send test": a synthetic alert to this channel now, outside the outbox; says what happened. */
  async sendTest(channel: NotificationChannel): Promise<{ ok: boolean; message: string }> {
    const now = this.#deps.clock.now();
    const notice = noticeFromAlert(testAlert(channel.accountId, now), "hostward-test", "test");
    const item: OutboxItem = {
      id: newId("ntf", now), accountId: channel.accountId, channelId: channel.id, alertId: null, payload: notice as unknown as Record<string, unknown>,
      status: "pending", attempts: 0, nextAttemptAt: now, lastError: null, createdAt: now, sentAt: null,
    };
    try {
      await this.#senders[channel.kind].send(item, channel);
    } catch (e) {
      return { ok: false, message: errorText(e) };
    }
    const udp = channel.kind === "syslog" && channel.config.transport === "udp";
    return { ok: true, message: udp ? "test notification sent (UDP cannot confirm that it arrived)" : `test notification delivered over ${channel.kind}` };
  }

  /** Waits for a run in progress, then closes the senders' connections. */
  async close(): Promise<void> {
    await this.#inflight?.catch(() => {});
    await Promise.all(Object.values(this.#senders).map((s) => s.close?.()));
  }
}
