import { createTransport, type Transporter } from "nodemailer";
import type { NotificationChannel, OutboxItem } from "../core/index.ts";
import type { EmailConfig } from "./channel.schema.ts";
import { renderEmail } from "./email.render.ts";
import { PermanentSendError, RetryableSendError, errorText, prepare, type Sender } from "./sender.ts";

/**
 * Email over SMTP with nodemailer. One transport per channel, rebuilt when the channel's
 * config changes. Transports are not pooled: alerts are rare, and a connection per mail
 * never leaves a half-dead socket behind after the relay restarts.
 */
export class EmailSender implements Sender {
  #transports = new Map<string, { key: string; transport: Transporter }>();

  async send(item: OutboxItem, channel: NotificationChannel): Promise<void> {
    const { config, notice } = prepare("email", item, channel);
    const mail = renderEmail(notice);
    try {
      await this.#transport(channel.id, config).sendMail({
        from: config.from, to: config.to, subject: mail.subject, text: mail.text, html: mail.html,
        // the same id on every retry lets mail systems and people spot a duplicate
        messageId: `<${item.id}@hostward.invalid>`,
        headers: { "X-Hostward-Delivery": item.id, "X-Hostward-Alert": notice.alert.id },
      });
    } catch (e) {
      // SMTP 5xx is a permanent refusal (unknown mailbox, bad credentials, policy); 4xx and network errors are worth retrying
      const code = (e as { responseCode?: unknown }).responseCode;
      if (typeof code === "number" && code >= 500 && code < 600) throw new PermanentSendError(`SMTP refused: ${errorText(e)}`);
      throw new RetryableSendError(`SMTP failed: ${errorText(e)}`);
    }
  }

  #transport(channelId: string, c: EmailConfig): Transporter {
    const key = JSON.stringify(c);
    const have = this.#transports.get(channelId);
    if (have?.key === key) return have.transport;
    have?.transport.close();
    const transport = createTransport({
      host: c.smtp.host, port: c.smtp.port, secure: c.smtp.secure, requireTLS: c.smtp.requireTLS,
      auth: c.smtp.user !== undefined ? { user: c.smtp.user, pass: c.smtp.pass ?? "" } : undefined,
      tls: { rejectUnauthorized: c.smtp.rejectUnauthorized },
      connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000,
    });
    this.#transports.set(channelId, { key, transport });
    return transport;
  }

  async close(): Promise<void> {
    for (const { transport } of this.#transports.values()) transport.close();
    this.#transports.clear();
  }
}
