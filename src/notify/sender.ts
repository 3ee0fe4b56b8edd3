import { HostwardError, OperationalError, type ChannelKind, type NotificationChannel, type OutboxItem } from "../core/index.ts";
import { parseChannelConfig, type ChannelConfigs } from "./channel.schema.ts";
import { readNotice, type AlertNotice } from "./notice.ts";

/** Error codes of this layer (HW_ERR_<AREA>_<WHAT>). */
export const NotifyErrorCodes = {
  /** The receiver refused for good (4xx, SMTP 5xx) or the channel/notice is unusable: retrying cannot help. */
  SEND_PERMANENT: "HW_ERR_NOTIFY_SEND_PERMANENT",
  /** The receiver is down or answered "try later": the dispatcher retries with back-off. */
  SEND_FAILED: "HW_ERR_NOTIFY_SEND_FAILED",
} as const;

/** A delivery that can never succeed as it is: the dispatcher marks it dead at once. */
export class PermanentSendError extends HostwardError {
  constructor(message: string) {
    super(NotifyErrorCodes.SEND_PERMANENT, message);
  }
}

/** A delivery that may succeed later (any other error is treated the same way). */
export class RetryableSendError extends OperationalError {
  constructor(message: string) {
    super(NotifyErrorCodes.SEND_FAILED, message);
  }
}

/** Delivers one outbox item over one kind of channel. Throws PermanentSendError, or anything else to be retried. */
export interface Sender {
  send(item: OutboxItem, channel: NotificationChannel): Promise<void>;
  /** Releases connections and timers (server shutdown). */
  close?(): Promise<void>;
}

/** The channel's typed config and the item's notice, or a PermanentSendError: a bad row never becomes sendable by waiting. */
export function prepare<K extends ChannelKind>(kind: K, item: OutboxItem, channel: NotificationChannel): { config: ChannelConfigs[K]; notice: AlertNotice } {
  if (channel.kind !== kind) throw new PermanentSendError(`channel ${channel.id} is ${channel.kind}, not ${kind}`);
  const parsed = parseChannelConfig(kind, channel.config);
  if (!parsed.ok) throw new PermanentSendError(`invalid channel: ${parsed.error}`);
  const notice = readNotice(item.payload);
  if (!notice) throw new PermanentSendError("the outbox item does not hold an alert notice");
  return { config: parsed.config, notice };
}

/** Error text safe for the outbox (viewers read it): one line, bounded. Callers never put URLs or secrets in it. */
export function errorText(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/[\r\n\t]+/g, " ").slice(0, 500);
}
