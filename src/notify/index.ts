/**
 * ALR-9 notifications: channel configs, the outbox (filled inside the ingest
 * transaction), the senders (SMTP, webhook, syslog/CEF) and the dispatcher that
 * delivers and retries. The one public door of src/notify/.
 */
export {
  createChannelSchema, updateChannelSchema, channelDtoSchema, emailConfigSchema, webhookConfigSchema, syslogConfigSchema, configSchemas,
  parseChannelConfig, mergeChannelConfig, redactChannel, redactConfig, REDACTED,
  type CreateChannel, type UpdateChannel, type ChannelDto, type EmailConfig, type WebhookConfig, type SyslogConfig, type ChannelConfigs,
} from "./channel.schema.ts";
export { alertNoticeSchema, noticeFromAlert, readNotice, NOTICE_VERSION, type AlertNotice, type NoticeReason } from "./notice.ts";
export { enqueueForAlert, channelWants } from "./outbox.ts";
export {
  EmailSender, WebhookSender, SyslogSender, PermanentSendError, RetryableSendError, NotifyErrorCodes, defaultSenders,
  webhookSignature, verifyWebhookSignature, WEBHOOK_TIMEOUT_MS, MAX_UDP_BYTES, type Sender, type Senders,
} from "./senders.ts";
export { cefMessage, cefHeader, cefValue, syslog5424 } from "./cef.ts";
export { renderEmail, escapeHtml, html } from "./email.render.ts";
export { NotificationDispatcher, retryDelay, RETRY_POLICY, type DispatcherDeps, type NotifyLog, type RunResult } from "./dispatcher.ts";
