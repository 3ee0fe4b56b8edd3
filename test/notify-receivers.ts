/**
 * Real receivers for the ALR-9 tests, all on 127.0.0.1: an SMTP server (smtp-server),
 * a webhook endpoint (node:http), syslog collectors over UDP and TCP, and parsers for
 * what they receive (MIME parts, RFC 5424, CEF) written from the specs, not from the
 * code under test.
 */
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server as HttpServer } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { createSocket } from "node:dgram";
import { SMTPServer } from "smtp-server";
import pino from "pino";
import { FakeClock, newId, type Alert, type ChannelKind, type NotificationChannel, type Store } from "../src/core/index.ts";
import { SqliteStore } from "../src/store/index.ts";
import { NotificationDispatcher, enqueueForAlert, type Sender } from "../src/notify/index.ts";

// --- SMTP ---

export interface ReceivedMail { from: string; to: string[]; raw: string }

export async function startSmtpReceiver(opts: { user?: string; pass?: string; refuseRcpt?: boolean } = {}): Promise<{ port: number; mails: ReceivedMail[]; close(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ["STARTTLS"],
    authOptional: opts.user === undefined,
    allowInsecureAuth: true,
    onAuth(auth, _session, cb) {
      if (auth.username === opts.user && auth.password === opts.pass) cb(null, { user: auth.username });
      else cb(new Error("Invalid username or password"));
    },
    onRcptTo(_addr, _session, cb) {
      if (!opts.refuseRcpt) return cb();
      const err = new Error("mailbox unavailable") as Error & { responseCode: number };
      err.responseCode = 550;
      cb(err);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
        mails.push({ from, to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString("utf8") });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Headers (unfolded, lower-case names) and body of a MIME entity. */
function entity(raw: string): { headers: Record<string, string>; body: string } {
  const i = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, i).replace(/\r\n[ \t]+/g, " ");
  const headers: Record<string, string> = {};
  for (const line of head.split("\r\n")) {
    const c = line.indexOf(":");
    if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
  }
  return { headers, body: raw.slice(i + 4) };
}

function decodeBody(body: string, encoding: string | undefined): string {
  const enc = (encoding ?? "7bit").toLowerCase();
  if (enc === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (enc === "quoted-printable") {
    const soft = body.replace(/=\r\n/g, "");
    const bytes: number[] = [];
    for (let i = 0; i < soft.length; i++) {
      if (soft[i] === "=" && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
        bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(...Buffer.from(soft[i]!, "utf8"));
    }
    return Buffer.from(bytes).toString("utf8");
  }
  return body;
}

/** A mail's headers and its decoded text/plain and text/html parts. */
export function parseMail(raw: string): { headers: Record<string, string>; text: string | null; html: string | null } {
  const top = entity(raw);
  const parts: Record<string, string> = {};
  const walk = (e: { headers: Record<string, string>; body: string }) => {
    const type = e.headers["content-type"] ?? "text/plain";
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (type.toLowerCase().startsWith("multipart/") && boundary) {
      for (const chunk of e.body.split(`--${boundary}`).slice(1)) {
        if (chunk.startsWith("--")) break;
        walk(entity(chunk.replace(/^\r\n/, "")));
      }
    } else parts[type.split(";")[0]!.trim().toLowerCase()] = decodeBody(e.body, e.headers["content-transfer-encoding"]);
  };
  walk(top);
  return { headers: top.headers, text: parts["text/plain"] ?? null, html: parts["text/html"] ?? null };
}

// --- webhook ---

export interface ReceivedHook { headers: IncomingHttpHeaders; body: string }

/** A webhook endpoint; `answer` picks the status for each request (default 200). */
export async function startWebhookReceiver(opts: { port?: number; answer?: (n: number) => number } = {}): Promise<{ port: number; url: string; hooks: ReceivedHook[]; close(): Promise<void> }> {
  const hooks: ReceivedHook[] = [];
  const server: HttpServer = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      hooks.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.statusCode = opts.answer?.(hooks.length) ?? 200;
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    port, url: `http://127.0.0.1:${port}/hooks/hostward`, hooks,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A loopback TCP port that nothing listens on (right now). */
export async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

// --- syslog ---

export async function startSyslogUdp(): Promise<{ port: number; messages: Buffer[]; close(): Promise<void> }> {
  const messages: Buffer[] = [];
  const sock = createSocket("udp4");
  sock.on("message", (m) => messages.push(m));
  await new Promise<void>((resolve) => sock.bind(0, "127.0.0.1", () => resolve()));
  return { port: sock.address().port, messages, close: () => new Promise<void>((resolve) => sock.close(() => resolve())) };
}

/** A TCP collector that splits the stream by RFC 6587 octet counting ("<len> <msg>"). */
export async function startSyslogTcp(): Promise<{ port: number; messages: string[]; close(): Promise<void> }> {
  const messages: string[] = [];
  const server = createNetServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const sp = buf.indexOf(0x20);
        if (sp < 0) break;
        const len = Number(buf.subarray(0, sp).toString("ascii"));
        if (!Number.isInteger(len)) throw new Error(`bad frame length ${buf.subarray(0, sp).toString()}`);
        if (buf.length < sp + 1 + len) break;
        messages.push(buf.subarray(sp + 1, sp + 1 + len).toString("utf8"));
        buf = buf.subarray(sp + 1 + len);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return { port: (server.address() as AddressInfo).port, messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** RFC 5424: `<PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]` (SD = "-" here). */
export function parseSyslog(line: string): { pri: number; version: number; timestamp: string; hostname: string; appName: string; procId: string; msgId: string; sd: string; msg: string } {
  const m = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) (-|\[.*?\]) (.*)$/s.exec(line);
  if (!m) throw new Error(`not RFC 5424: ${line.slice(0, 120)}`);
  return { pri: Number(m[1]), version: Number(m[2]), timestamp: m[3]!, hostname: m[4]!, appName: m[5]!, procId: m[6]!, msgId: m[7]!, sd: m[8]!, msg: m[9]! };
}

/** CEF per the ArcSight spec: 7 "|"-separated header fields (\| and \\ escaped), then key=value pairs (\=, \\, \n, \r escaped). */
export function parseCef(msg: string): { header: string[]; ext: Record<string, string> } {
  const header: string[] = [];
  let cur = "";
  let i = 0;
  for (; i < msg.length && header.length < 7; i++) {
    const ch = msg[i]!;
    if (ch === "\\" && (msg[i + 1] === "|" || msg[i + 1] === "\\")) cur += msg[++i];
    else if (ch === "|") {
      header.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (header.length !== 7 || !header[0]!.startsWith("CEF:")) throw new Error(`not CEF: ${msg.slice(0, 120)}`);
  const rest = msg.slice(i);
  // an unescaped "=" ends a key; the key is the word before it
  const eqs: number[] = [];
  for (let j = 0; j < rest.length; j++) {
    if (rest[j] === "\\") j++;
    else if (rest[j] === "=") eqs.push(j);
  }
  const ext: Record<string, string> = {};
  const keyStart = (eq: number) => rest.lastIndexOf(" ", eq) + 1;
  eqs.forEach((eq, k) => {
    const key = rest.slice(keyStart(eq), eq);
    const end = k + 1 < eqs.length ? keyStart(eqs[k + 1]!) - 1 : rest.length;
    const raw = rest.slice(eq + 1, end);
    if (!/^[A-Za-z0-9_]+$/.test(key)) throw new Error(`bad CEF key ${JSON.stringify(key)}`);
    ext[key] = raw.replace(/\\(.)/gs, (_m, c: string) => (c === "n" ? "\n" : c === "r" ? "\r" : c));
  });
  return { header, ext };
}

// --- rows ---

export function makeAlert(over: Partial<Alert> = {}): Alert {
  const now = over.createdAt ?? Date.parse("2026-03-01T10:00:00Z");
  return {
    id: newId("al", now), accountId: "default", assetId: "ag_web1", type: "ssh_brute_force", ruleId: "ssh-brute-force", name: "SSH brute force",
    severity: "high", status: "unhandled", dedupKey: `k-${Math.random()}`, firstSeen: now - 60_000, lastSeen: now, count: 7,
    sourceIp: "203.0.113.7", userName: "root", attack: ["T1110.001"], evidence: { "log.lines": ["Failed password for root from 203.0.113.7"] },
    triage: "Check whether the source is expected.", response: null, handledHow: null, whitelistedBy: null, createdAt: now, updatedAt: now, ...over,
  } as Alert;
}

export async function addChannel(store: Store, kind: ChannelKind, config: Record<string, unknown>, over: Partial<NotificationChannel> = {}): Promise<NotificationChannel> {
  const now = Date.parse("2026-03-01T00:00:00Z");
  const c: NotificationChannel = { id: newId("nch", now), accountId: "default", name: `${kind} channel`, kind, config, minSeverity: "low", types: [], enabled: true, createdAt: now, updatedAt: now, ...over };
  await store.notifications.insertChannel(c);
  return c;
}

export async function addAsset(store: Store, id: string, hostname: string, accountId = "default"): Promise<void> {
  await store.agents.insert({ id, accountId, hostname, version: "1", os: "linux", enrolledAt: 0, lastSeenAt: 0, revokedAt: null, credentialHash: "x", rejectedRecords: 0, droppedRecords: 0 });
}

// --- a dispatcher over an in-memory store, for the notify tests ---

const harnessStores: SqliteStore[] = [];

/** Closes the stores the harnesses opened (call from the test file's `after`). */
export async function closeHarnesses(): Promise<void> {
  for (const s of harnessStores.splice(0)) await s.close();
}

/**
 * An in-memory store with one asset, a fake clock and a dispatcher; `raise` stores an alert
 * and queues its notifications as ingest does, in one transaction.
 */
export async function notifyHarness(opts: { start?: string; hostname?: string; senders?: (clock: FakeClock) => Partial<Record<ChannelKind, Sender>> } = {}) {
  const store = new SqliteStore({ path: ":memory:" });
  harnessStores.push(store);
  const clock = new FakeClock(opts.start ?? "2026-03-01T10:00:00Z");
  await addAsset(store, "ag_web1", opts.hostname ?? "web-1");
  const dispatcher = new NotificationDispatcher({ store, clock, log: pino({ level: "silent" }), random: () => 0, senders: opts.senders?.(clock) ?? {} });
  const raiseQueued = (over: Partial<Alert> = {}) => {
    const alert = makeAlert({ createdAt: clock.now(), ...over });
    return store.transaction(async (tx) => {
      await tx.alerts.insert(alert);
      return { alert, queued: await enqueueForAlert(tx, alert, "opened", clock.now()) };
    });
  };
  const raise = async (over: Partial<Alert> = {}) => (await raiseQueued(over)).alert;
  const outbox = async (accountId = "default") => (await store.notifications.listOutbox(accountId, { limit: 100, offset: 0 })).items;
  return { store, clock, dispatcher, raise, raiseQueued, outbox };
}
