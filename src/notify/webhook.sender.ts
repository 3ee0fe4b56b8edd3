import { createHmac, timingSafeEqual } from "node:crypto";
import { systemClock, type Clock, type NotificationChannel, type OutboxItem } from "../core/index.ts";
import { PermanentSendError, RetryableSendError, prepare, type Sender } from "./sender.ts";

/**
 * Webhooks: the notice as JSON, POSTed with an HMAC-SHA256 signature over
 * "<unix seconds>.<raw body>" (the timestamp lets a receiver refuse replays) and the
 * outbox id as a delivery id (the same on every retry, so a receiver can drop duplicates).
 */
export const WEBHOOK_TIMEOUT_MS = 10_000;

export function webhookSignature(secret: string, t: number, body: string): string {
  return `t=${t},v1=${createHmac("sha256", secret).update(`${t}.${body}`).digest("hex")}`;
}

/** For receivers (and tests): checks a signature header against the raw body, within a tolerance in seconds. */
export function verifyWebhookSignature(secret: string, header: string, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const want = Buffer.from(webhookSignature(secret, t, body).slice(`t=${t},v1=`.length), "hex");
  return timingSafeEqual(want, Buffer.from(m[2]!, "hex"));
}

export class WebhookSender implements Sender {
  readonly #clock: Clock;
  readonly #timeoutMs: number;

  constructor(opts: { clock?: Clock; timeoutMs?: number } = {}) {
    this.#clock = opts.clock ?? systemClock;
    this.#timeoutMs = opts.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  }

  async send(item: OutboxItem, channel: NotificationChannel): Promise<void> {
    const { config, notice } = prepare("webhook", item, channel);
    const body = JSON.stringify(notice);
    const t = Math.floor(this.#clock.now() / 1000);
    let res: Response;
    try {
      res = await fetch(config.url, {
        method: "POST",
        body,
        // a redirect would re-send the signed alert to a place nobody configured
        redirect: "manual",
        signal: AbortSignal.timeout(this.#timeoutMs),
        headers: {
          ...config.headers,
          "content-type": "application/json",
          "user-agent": "Hostward-Webhook/1",
          "x-hostward-event": "alert",
          "x-hostward-delivery": item.id,
          "x-hostward-signature": webhookSignature(config.secret, t, body),
        },
      });
    } catch (e) {
      // never the URL in the message: it may carry a token (outbox errors are shown to viewers)
      throw new RetryableSendError(`webhook unreachable: ${networkReason(e, this.#timeoutMs)}`);
    }
    await res.body?.cancel().catch(() => {});
    if (res.status >= 200 && res.status < 300) return;
    const what = `webhook answered HTTP ${res.status}`;
    if (res.status === 408 || res.status === 429 || res.status >= 500) throw new RetryableSendError(what);
    if (res.status < 400) throw new PermanentSendError(`${what} (redirects are not followed; configure the final URL)`);
    throw new PermanentSendError(what);
  }
}

function networkReason(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; cause?: { code?: string; name?: string } };
  if (err.name === "TimeoutError") return `no answer within ${timeoutMs / 1000} s`;
  return err.cause?.code ?? err.cause?.name ?? err.name ?? "network error";
}
