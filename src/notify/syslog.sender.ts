import { createSocket } from "node:dgram";
import { createConnection, isIPv6 } from "node:net";
import { hostname as osHostname } from "node:os";
import { systemClock, type Clock, type NotificationChannel, type OutboxItem } from "../core/index.ts";
import { SYSLOG_SEVERITY, cefMessage, syslog5424, truncateUtf8 } from "./cef.ts";
import { RetryableSendError, errorText, prepare, type Sender } from "./sender.ts";

/** RFC 5426 lets receivers drop larger datagrams; 8 KiB is what common collectors accept. */
export const MAX_UDP_BYTES = 8192;

/**
 * Syslog (RFC 5424) with a CEF message, over UDP (one datagram) or TCP (RFC 6587
 * octet counting, one connection per alert: alerts are rare and a fresh connection
 * never writes into a socket the collector already dropped). UDP cannot tell that
 * nobody listens, so only TCP delivery is known to have arrived.
 */
export class SyslogSender implements Sender {
  readonly #clock: Clock;
  readonly #hostname: string;
  readonly #version: string;
  readonly #timeoutMs: number;

  constructor(opts: { clock?: Clock; hostname?: string; productVersion?: string; timeoutMs?: number } = {}) {
    this.#clock = opts.clock ?? systemClock;
    this.#hostname = opts.hostname ?? osHostname();
    this.#version = opts.productVersion ?? "1";
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async send(item: OutboxItem, channel: NotificationChannel): Promise<void> {
    const { config, notice } = prepare("syslog", item, channel);
    const line = syslog5424({
      facility: config.facility, severity: SYSLOG_SEVERITY[notice.alert.severity] ?? 5, timestamp: this.#clock.now(),
      hostname: this.#hostname, appName: config.appName, procId: String(process.pid), msgId: notice.reason === "test" ? "TEST" : "ALERT",
      msg: cefMessage(notice, item.id, this.#version),
    });
    try {
      if (config.transport === "udp") await sendUdp(config.host, config.port, Buffer.from(truncateUtf8(line, MAX_UDP_BYTES)));
      else await sendTcp(config.host, config.port, line, this.#timeoutMs);
    } catch (e) {
      throw new RetryableSendError(`syslog ${config.transport} failed: ${errorText(e)}`);
    }
  }
}

function sendUdp(host: string, port: number, msg: Buffer): Promise<void> {
  const sock = createSocket(isIPv6(host) ? "udp6" : "udp4");
  return new Promise<void>((resolve, reject) => {
    sock.once("error", reject);
    sock.send(msg, port, host, (err) => (err ? reject(err) : resolve()));
  }).finally(() => sock.close());
}

function sendTcp(host: string, port: number, line: string, timeoutMs: number): Promise<void> {
  const body = Buffer.from(line, "utf8");
  const frame = Buffer.concat([Buffer.from(`${body.length} `), body]);
  return new Promise<void>((resolve, reject) => {
    const sock = createConnection({ host, port });
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`no progress within ${timeoutMs / 1000} s`)));
    sock.once("error", reject);
    sock.once("connect", () => sock.end(frame));
    // "finish": every byte was handed to the kernel and our FIN sent; the collector owns it now
    sock.once("finish", () => {
      sock.destroy();
      resolve();
    });
  });
}
