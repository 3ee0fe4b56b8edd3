import type { ChannelKind, Clock } from "../core/index.ts";
import { EmailSender } from "./email.sender.ts";
import { SyslogSender } from "./syslog.sender.ts";
import { WebhookSender } from "./webhook.sender.ts";
import type { Sender } from "./sender.ts";

export { EmailSender } from "./email.sender.ts";
export { SyslogSender, MAX_UDP_BYTES } from "./syslog.sender.ts";
export { WebhookSender, WEBHOOK_TIMEOUT_MS, webhookSignature, verifyWebhookSignature } from "./webhook.sender.ts";
export { PermanentSendError, RetryableSendError, NotifyErrorCodes, type Sender } from "./sender.ts";

export type Senders = Record<ChannelKind, Sender>;

/** One sender per channel kind, sharing the clock (signature and syslog timestamps). */
export function defaultSenders(opts: { clock?: Clock; productVersion?: string } = {}): Senders {
  return {
    email: new EmailSender(),
    webhook: new WebhookSender({ clock: opts.clock }),
    syslog: new SyslogSender({ clock: opts.clock, productVersion: opts.productVersion }),
  };
}
