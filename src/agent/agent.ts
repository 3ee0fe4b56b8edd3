import { existsSync, readFileSync, mkdirSync, readlinkSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { hostname as osHostname, platform, release } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { systemClock, type Clock, UserError } from "../core/index.ts";
import { agentAction, enrolResponse, type AgentActionMsg, type BatchResult } from "../protocol/index.ts";
import { writeFileAtomic } from "./atomic-file.ts";
import { DiskSpool } from "./spool.ts";
import { FileTail, JsonFileTailState, firstLines, recordIdFor, type TailLine } from "./collectors/file-tail.ts";
import type { ParsedLogon } from "./collectors/sshd.parser.ts";
import { DEFAULT_LOGON_SOURCES, JOURNAL_LOGON_IDENTIFIERS, LogonLineParser, detectFormat, isLineSkip, parseJournalLogon, type LogonFormat } from "./collectors/logon-sources.ts";
import { collectAccounts } from "./inventory/accounts.ts";
import { DnsLineParser, detectDnsFormat, type DnsFormat } from "./collectors/dns.parser.ts";
import type { CountingLineParser } from "./collectors/parse-util.ts";
import { SensitiveFileWatch } from "./collectors/sensitive-files.ts";
import { ProcessCollector } from "./collectors/processes.ts";
import { startAuditExec } from "./collectors/audit-exec.ts";
import { ConnectionCollector } from "./collectors/connections.ts";
import { ExeHashCache } from "./collectors/exe-hash-cache.ts";
import { QuarantineVault } from "./actions/quarantine.ts";
import { channelEndpoints, type HostIsolation } from "./actions/isolation.ts";
import type { WebDeny } from "./actions/web-deny.ts";
import { LocalAccounts, type AccountControl } from "./actions/accounts.ts";
import type { WebFileWatch, WebScanner } from "./collectors/web-files.ts";
import { cidrContains, isPublicIp, parseCidr, type Cidr } from "../core/index.ts";
import { JournaldSource, JsonFileCursorStore, recordIdForCursor, type JournalEntry } from "./collectors/journald.ts";
import { fetchPinnedCa, HttpStatusError, ServerChannel } from "./transport.ts";

export const AGENT_VERSION = "0.1.0";

/** What the agent can do to the host's firewall (AGT-10). Typed calls only: no free command exists. */
export interface Firewall {
  ensure(): Promise<{ ok: boolean; message: string }>;
  block(ip: string, timeoutSeconds?: number): Promise<{ ok: boolean; message: string }>;
  unblock(ip: string): Promise<{ ok: boolean; message: string }>;
}

export interface AgentOptions {
  /** Agent channel URL, e.g. https://hostward.example:8443. */
  server: string;
  /** One-time enrolment token; needed only until the agent is enrolled. */
  token?: string;
  /** Where the credential, pinned CA, spool and read positions live. */
  stateDir: string;
  /** sshd log files (same as `logs` with format sshd). */
  authLogs?: string[];
  /**
   * AGT-2 logon logs and their formats (format omitted: guessed from the name and first lines).
   * Default, when neither this nor authLogs is given: every usual log of DEFAULT_LOGON_SOURCES
   * that exists (auth.log/secure, vsftpd.log, the MySQL/MariaDB error logs), else journald.
   */
  logs?: { path: string; format?: LogonFormat }[];
  /** Read logons from journald: "auto" (when no log file is found), "on", "off". */
  journald?: "auto" | "on" | "off";
  /** AGT-7: account inventory; sent at start, then when it changes (checked every `every` ms, default 10 min). */
  inventory?: { every?: number; root?: string } | false;
  /**
   * BF-5: the weak-password check — daily (every `every` ms) and on demand. Hashes never leave
   * the host. Off by default in tests; the CLI turns it on.
   */
  baseline?: { every?: number; delayMs?: number; check: () => Promise<WeakPasswordOutcome> } | false;
  /** AGT-8: resolver query logs (format guessed when left out). Default: none; the CLI reads DEFAULT_DNS_SOURCES that exist. */
  dnsLogs?: { path: string; format?: DnsFormat }[];
  /** AGT-6: sensitive-file tampering watch; off when absent. */
  sensitiveFiles?: { paths?: string[]; root?: string; rescanMs?: number };
  /**
   * AGT-3/AGT-4: processes and connections from /proc; off when absent. `externalNets`:
   * networks counted as external besides public addresses (MIN-1 "sends to an external endpoint").
   */
  hostProcesses?: { intervalMs?: number; fastScanMs?: number; cpuThresholdPct?: number; seenEveryMs?: number; connections?: boolean; externalNets?: string[]; audit?: AuditExecOption };
  /**
   * AGT-5 / WS-2 … WS-6: web directories watched in real time, scanned in full at start, on
   * `cron` (default daily "17 3 * * *") and on demand (scan_web_files); off when absent.
   * `scanner`: the engine (tests inject a fake). Web shells are only reported, never quarantined (WS-7).
   */
  webFiles?: { dirs: string[]; cron?: string; maxFileBytes?: number; maxFiles?: number; scanner?: WebScanner; debounceMs?: number; cpuShare?: number };
  /** AGT-10 kill_process: carried out by the process collector, which knows each pid's start time. */
  processes?: { kill(p: { pid: number; start: number; sha256?: string }): Promise<{ ok: boolean; message: string }> };
  /** Enforces blocks; null disables response actions (they report failure). */
  firewall: Firewall | null;
  /** RSP-3 host isolation; absent: isolate_host/release_host report failure. */
  isolation?: HostIsolation | null;
  /** EVT-10 web-server deny list; absent: web_deny_ip/web_allow_ip report failure. */
  webDeny?: WebDeny | null;
  /** EVT-7 lock_account/unlock_account; absent: usermod on this host (state in stateDir); null: off. */
  accounts?: AccountControl | null;
  log: Logger;
  clock?: Clock;
  hostname?: string;
  /** Read a brand-new log from its start instead of its end. */
  fromStart?: boolean;
  spoolMaxBytes?: number;
  /** Long-poll wait for actions, ms. */
  pollWait?: number;
}

/**
 * Issue 7: execs from auditd's log, for processes too short for the /proc scan. `rules`: add
 * (and on stop remove) an execve audit rule; otherwise the host's audit rules are left as they are.
 */
export interface AuditExecOption {
  logPath: string;
  rules?: boolean;
}

interface AgentState {
  server: string;
  agentId: string;
  secret: string;
  caPem: string;
  accountId: string;
  enrolledAt: string;
}

/** What the weak-password check reports (never a hash or a password). */
export interface WeakPasswordOutcome {
  checked: number;
  findings: { subject: string; reason: "dictionary" | "username" | "empty"; scheme: string }[];
  skipped: { subject: string; reason: string }[];
  durationMs: number;
}

const DAY = 86_400_000;

type ConnRec = { event: { action: string }; network: { transport: string; direction: string }; source: { port: number }; destination: { ip: string; port: number }; process?: { pid: number }; firstSeen: number };
type ProcRec = { event: { action: string }; process: { pid: number } & Record<string, unknown> };

/**
 * The Hostward agent: collects logons from sshd logs into a disk spool (AGT-2, AGT-9),
 * ships them to the server, and carries out the typed actions the server queues (AGT-10).
 */
export class HostwardAgent {
  readonly #o: AgentOptions;
  readonly #clock: Clock;
  #state: AgentState | null = null;
  #channel: ServerChannel | null = null;
  #spool: DiskSpool | null = null;
  #tails: FileTail[] = [];
  #journal: JournaldSource | null = null;
  #running = false;
  #wakeSender: (() => void) | null = null;
  #loops: Promise<void>[] = [];
  #pendingDropped = 0;
  #timers: NodeJS.Timeout[] = [];
  #parsers = new Map<string, LogonLineParser>();
  #dnsParsers = new Map<string, DnsLineParser>();
  #sensitive: SensitiveFileWatch | null = null;
  #procs: ProcessCollector | null = null;
  #audit: { stop: () => Promise<void> } | null = null;
  #conns: ConnectionCollector | null = null;
  #web: WebFileWatch | null = null;
  #vault: QuarantineVault;
  #accounts: AccountControl | null;
  /** Actions that take long (a full web scan) run beside the action loop, not in it. */
  #slowActions = new Set<Promise<void>>();
  /** Outbound connections to external endpoints per pid, from the connection records (MIN-1). */
  #outbound = new Map<number, Map<string, { ip: string; port: number; since: number }>>();
  #inventoryHash = "";
  #inventorySentAt = 0;
  #baselineRunning: Promise<void> | null = null;
  #baselineAgain: "scheduled" | "on_demand" | "startup" | null = null;
  /** Sources being read, for status output. */
  readonly sources: string[] = [];
  readonly stats = { sent: 0, rejected: 0, actions: 0, sendErrors: 0, lines: { parsed: 0, ignored: 0, unknown: 0 }, baselineRuns: 0, inventories: 0 };

  constructor(o: AgentOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#vault = new QuarantineVault(join(o.stateDir, "quarantine"));
    this.#accounts = o.accounts === undefined ? new LocalAccounts({ stateFile: join(o.stateDir, "account-locks.json"), clock: this.#clock, onExpired: (m) => o.log.info(m) }) : o.accounts;
  }

  get agentId(): string | null {
    return this.#state?.agentId ?? null;
  }

  /** AGT-1: enrols with the one-time token (pinning the server's CA), or loads the saved credential. */
  async enrol(): Promise<AgentState> {
    mkdirSync(this.#o.stateDir, { recursive: true, mode: 0o700 });
    const file = join(this.#o.stateDir, "agent.json");
    if (existsSync(file)) {
      const st = JSON.parse(readFileSync(file, "utf8")) as AgentState;
      if (st.server === this.#o.server || !this.#o.token) return (this.#state = st);
    }
    const token = this.#o.token;
    if (!token) throw new UserError("invalid", "HW_ERR_AGENT_NOT_ENROLLED", `this agent is not enrolled yet: pass --token (make one on the server with \`hostward token create\`)`);
    const m = /^hw1\.[A-Za-z0-9_-]+\.([0-9a-f]{64})$/.exec(token.trim());
    if (!m) throw new UserError("invalid", "HW_ERR_ENROL_TOKEN_INVALID", "the enrolment token is malformed (expected hw1.<secret>.<fingerprint>)");
    const caPem = await fetchPinnedCa(this.#o.server, m[1]!);
    const ch = new ServerChannel(this.#o.server, caPem);
    try {
      const res = enrolResponse.parse(await ch.call("POST", "/agent/v1/enrol", { token: token.trim(), hostname: this.#o.hostname ?? osHostname(), version: AGENT_VERSION, os: `${platform()} ${release()}` }));
      const st: AgentState = { server: this.#o.server, agentId: res.agentId, secret: res.secret, caPem, accountId: res.accountId, enrolledAt: new Date(this.#clock.now()).toISOString() };
      await writeFileAtomic(file, JSON.stringify(st, null, 2));
      return (this.#state = st);
    } finally {
      ch.close();
    }
  }

  async start(): Promise<void> {
    const st = await this.enrol();
    this.#channel = new ServerChannel(st.server, st.caPem);
    this.#channel.setCredential(st.agentId, st.secret);
    this.#spool = await DiskSpool.open(join(this.#o.stateDir, "spool"), { maxBytes: this.#o.spoolMaxBytes });
    if (this.#o.firewall) {
      const r = await this.#o.firewall.ensure();
      if (!r.ok) this.#o.log.warn({ reason: r.message }, "firewall not ready: blocks will fail until it is");
    }
    // RSP-3 / EVT-10: an isolation or deny entry outlives a restart, and one whose period ended meanwhile is lifted
    const channel = this.#o.isolation ? await channelEndpoints(st.server, {}) : null;
    for (const [what, p] of [["host isolation", this.#o.isolation?.restore(channel?.ok ? channel.endpoints : [])], ["web deny list", this.#o.webDeny?.start()]] as const) {
      const r = await p?.catch((e: Error) => ({ ok: false, message: e.message }));
      if (r) this.#o.log[r.ok ? "info" : "warn"]({ result: r.message }, what);
    }
    // EVT-7: a lock whose validity period ended while the agent was down is undone now
    await this.#accounts?.start().catch((e: Error) => this.#o.log.warn({ err: e.message }, "account locks"));
    this.#running = true;
    await this.#startCollectors();
    this.#startHostChecks();
    this.#loops.push(this.#sendLoop(), this.#actionLoop());
  }

  async stop(): Promise<void> {
    this.#running = false;
    for (const t of this.#timers) clearTimeout(t);
    this.#o.isolation?.stop();
    this.#o.webDeny?.stop();
    this.#accounts?.stop();
    await this.#baselineRunning?.catch(() => {});
    for (const t of this.#tails) await t.stop();
    await this.#journal?.stop();
    await this.#sensitive?.stop();
    await this.#audit?.stop();
    await this.#procs?.stop();
    await this.#conns?.stop();
    await this.#web?.stop();
    await Promise.allSettled(this.#slowActions);
    this.#wakeSender?.();
    this.#channel?.close();
    await Promise.allSettled(this.#loops);
    await this.#spool?.close();
  }

  /** The log files to read and their formats. */
  #logSources(): { path: string; format: LogonFormat }[] {
    const given = [...(this.#o.authLogs ?? []).map((path) => ({ path, format: "sshd" as LogonFormat })), ...(this.#o.logs ?? [])];
    const list = given.length ? given : DEFAULT_LOGON_SOURCES.filter((s) => existsSync(s.path)).map((s) => ({ path: s.path, format: s.format as LogonFormat | undefined }));
    return list.map((s) => ({ path: s.path, format: s.format ?? detectFormat(s.path, firstLines(s.path)) ?? "sshd" }));
  }

  /** AGT-8 DNS logs and AGT-6 sensitive files. */
  async #startHostCollectors(state: JsonFileTailState): Promise<void> {
    const d = new Date(this.#clock.now());
    const logonPaths = new Set(this.#parsers.keys());
    for (const src of this.#o.dnsLogs ?? []) {
      // one tail per file (the tail state is keyed by path)
      if (logonPaths.has(src.path) || this.#dnsParsers.has(src.path)) continue;
      const format = src.format ?? detectDnsFormat(src.path, firstLines(src.path)) ?? "syslog";
      this.#dnsParsers.set(src.path, new DnsLineParser(format, { year: d.getFullYear(), utcOffsetMinutes: -d.getTimezoneOffset() }));
      const tail = new FileTail({ path: src.path, state, startAtEnd: !this.#o.fromStart, onLines: (lines) => this.#onDnsLines(src.path, lines), onStatus: (msg) => this.#o.log.info({ path: src.path }, msg) });
      await tail.start();
      this.#tails.push(tail);
      this.sources.push(`${src.path} (dns: ${format})`);
    }
    const hp = this.#o.hostProcesses;
    if (hp) {
      const hashes = new ExeHashCache();
      const external: Cidr[] = (hp.externalNets ?? []).map((c) => parseCidr(c)).filter((c): c is Cidr => c !== null);
      const isExternal = (ip: string) => isPublicIp(ip) || external.some((c) => cidrContains(c, ip));
      if (hp.connections !== false) {
        this.#conns = new ConnectionCollector({
          hashes, clock: this.#clock, intervalMs: hp.intervalMs, seenEveryMs: hp.seenEveryMs ?? 60_000,
          onRecords: (r) => { this.#trackOutbound(r as unknown as ConnRec[], isExternal); return this.#enqueue(r); },
          onError: (err) => this.#o.log.warn({ source: "connections", err }, "connection collector"),
        });
        await this.#conns.start();
        this.sources.push("connections (/proc/net)");
      }
      this.#procs = new ProcessCollector({
        hashes, clock: this.#clock, intervalMs: hp.intervalMs, fastScanMs: hp.fastScanMs, cpuThresholdPct: hp.cpuThresholdPct,
        onRecords: (r) => this.#enqueue(r.map((x) => this.#withNetwork(x as unknown as ProcRec))),
        onError: (err) => this.#o.log.warn({ source: "processes", err }, "process collector"),
      });
      await this.#procs.start();
      this.sources.push("processes (/proc)");
      if (hp.audit) {
        this.#audit = await startAuditExec({ path: hp.audit.logPath, rules: Boolean(hp.audit.rules), state, sink: this.#procs, log: (level, msg) => this.#o.log[level]({ source: "audit" }, msg) });
        this.sources.push(`process execs (auditd: ${hp.audit.logPath})`);
      }
    }
    const sf = this.#o.sensitiveFiles;
    if (sf) {
      this.#sensitive = new SensitiveFileWatch({ ...sf, clock: this.#clock, onRecords: (r) => this.#enqueue(r), onStatus: (m) => this.#o.log.warn({ source: "sensitive-files" }, m) });
      await this.#sensitive.start();
      this.sources.push(`sensitive files (${this.#sensitive.targets.length})`);
    }
    const wf = this.#o.webFiles;
    if (wf && wf.dirs.length) {
      // loaded only when web directories are watched: the engine (YARA-X, heuristics) costs memory
      const { WebFileWatch } = await import("./collectors/web-files.ts");
      this.#web = new WebFileWatch({ ...wf, stateDir: join(this.#o.stateDir, "web-files"), clock: this.#clock, onRecords: (r) => this.#enqueue(r), onStatus: (m) => this.#o.log.warn({ source: "web-files" }, m) });
      await this.#web.start();
      this.sources.push(`web files (${this.#web.dirs.join(", ")})`);
    }
  }

  #trackOutbound(records: ConnRec[], isExternal: (ip: string) => boolean): void {
    for (const c of records) {
      const pid = c.process?.pid;
      if (pid === undefined || c.network.direction !== "outbound" || !isExternal(c.destination.ip)) continue;
      const key = `${c.network.transport} ${c.source.port} ${c.destination.ip}:${c.destination.port}`;
      let m = this.#outbound.get(pid);
      if (c.event.action === "closed") {
        m?.delete(key);
        if (m && m.size === 0) this.#outbound.delete(pid);
        continue;
      }
      if (!m) this.#outbound.set(pid, (m = new Map()));
      m.set(key, { ip: c.destination.ip, port: c.destination.port, since: c.firstSeen });
    }
  }

  /** MIN-1: a busy process's sample says whether it keeps an outbound connection to an external endpoint. */
  #withNetwork(r: ProcRec): object {
    if (r.event.action === "exit") {
      this.#outbound.delete(r.process.pid);
      return r;
    }
    if (r.event.action === "start") {
      // PRC-2: a shell or interpreter whose stdin and stdout are a socket is a reverse shell, whatever its command line
      const stdio = stdioKind(r.process.pid);
      return stdio ? { ...r, process: { ...r.process, stdio } } : r;
    }
    if (r.event.action !== "sample") return r;
    const m = this.#outbound.get(r.process.pid);
    if (!m || m.size === 0) return r;
    const oldest = [...m.values()].sort((a, b) => a.since - b.since)[0]!;
    return { ...r, process: { ...r.process, network: { external: true, ip: oldest.ip, port: oldest.port, since: oldest.since, connections: m.size } } };
  }

  #onDnsLines(path: string, lines: TailLine[]): Promise<void> {
    return this.#onParsed(path, lines, this.#dnsParsers.get(path)!, (records, id, p, log) => records.push({ id, ...p, log }));
  }

  async #startCollectors(): Promise<void> {
    const state = new JsonFileTailState(join(this.#o.stateDir, "tail-state.json"));
    await this.#startLogonCollectors(state);
    await this.#startHostCollectors(state);
  }

  async #startLogonCollectors(state: JsonFileTailState): Promise<void> {
    const sources = this.#logSources();
    const jmode = this.#o.journald ?? "auto";
    if (jmode === "on" || (jmode === "auto" && sources.length === 0 && (await JournaldSource.available()))) {
      this.#journal = new JournaldSource({
        identifiers: [...JOURNAL_LOGON_IDENTIFIERS],
        units: ["ssh.service", "sshd.service", "vsftpd.service", "mariadb.service", "mysql.service", "mysqld.service"],
        cursor: new JsonFileCursorStore(join(this.#o.stateDir, "journal-cursor.json")),
        startAtEnd: !this.#o.fromStart,
        onEntries: (entries) => this.#onJournal(entries),
        onStatus: (msg) => this.#o.log.info({ source: "journald" }, msg),
      });
      await this.#journal.start();
      this.sources.push("journald (sshd, vsftpd, mysqld/mariadbd)");
    }
    if (sources.length === 0) {
      if (this.#journal) return;
      this.#o.log.warn(`no logon log found (looked for ${DEFAULT_LOGON_SOURCES.map((s) => s.path).join(", ")}); the agent keeps running and will report no logons until one is configured (--log)`);
      return;
    }
    const d = new Date(this.#clock.now());
    // vsftpd's PAM line is the record of an attempt only where vsftpd's own log is not read too
    const vsftpdPam = sources.some((s) => s.format === "vsftpd") ? "helper" : "record";
    for (const { path, format } of sources) {
      this.#parsers.set(path, new LogonLineParser(format, { year: d.getFullYear(), utcOffsetMinutes: -d.getTimezoneOffset(), vsftpdPam }));
      const tail = new FileTail({
        path, state,
        startAtEnd: !this.#o.fromStart,
        onLines: (lines) => this.#onLines(path, lines),
        onStatus: (msg) => this.#o.log.info({ path }, msg),
      });
      await tail.start();
      this.#tails.push(tail);
      this.sources.push(`${path} (${format})`);
    }
  }

  async #onJournal(entries: JournalEntry[]): Promise<void> {
    const records: object[] = [];
    for (const e of entries) {
      const p = parseJournalLogon(e.identifier ?? "sshd", e.text, e.ts, e.host ?? undefined);
      if (isLineSkip(p)) {
        this.stats.lines[p.skip]++;
        continue;
      }
      this.stats.lines.parsed++;
      this.#push(records, recordIdForCursor(e.cursor), p, { file: "journald", line: e.text.slice(0, 4096) });
    }
    await this.#enqueue(records);
  }

  async #enqueue(records: object[]): Promise<void> {
    if (records.length === 0) return;
    await this.#spool!.append(records);
    this.#wakeSender?.();
  }

  /** One record per attempt: `message repeated N times` becomes N records with derived ids. */
  #push(records: object[], id: string, p: ParsedLogon, log: { file: string; line: string }): void {
    const { repeat, ...rec } = p;
    const base = { ...rec, log };
    records.push({ id, ...base });
    for (let i = 1; i < (repeat ?? 1); i++) records.push({ id: `${id}:r${i}`, ...base });
  }

  #onLines(path: string, lines: TailLine[]): Promise<void> {
    return this.#onParsed(path, lines, this.#parsers.get(path)!, (records, id, p, log) => this.#push(records, id, p, log));
  }

  /** Parses tailed lines into records (counted: parsed, ignored, unknown) and spools them. */
  async #onParsed<F extends string, C extends { year: number }, R extends { ts: number }>(path: string, lines: TailLine[], parser: CountingLineParser<F, C, R>, add: (records: object[], id: string, p: R, log: { file: string; line: string }) => void): Promise<void> {
    const before = { ...parser.counts };
    const year = new Date(this.#clock.now()).getFullYear();
    parser.ctx.year = year;
    const records: object[] = [];
    for (const l of lines) {
      const p = parser.parse(l.text);
      if (!p) continue;
      // a classic stamp has no year: a date ahead of now belongs to last year
      if (p.ts > this.#clock.now() + DAY) p.ts = new Date(p.ts).setFullYear(year - 1);
      add(records, recordIdFor(path, l), p, { file: path, line: l.text.slice(0, 4096) });
    }
    for (const k of ["parsed", "ignored", "unknown"] as const) this.stats.lines[k] += parser.counts[k] - before[k];
    // said on the first unknown line and then every thousand: counted, never fatal
    if (before.unknown === 0 ? parser.counts.unknown > 0 : Math.floor(parser.counts.unknown / 1000) > Math.floor(before.unknown / 1000)) {
      this.#o.log.warn({ path, unknown: parser.counts.unknown, reasons: Object.fromEntries(parser.unknownReasons) }, "log lines of an unknown shape (counted, skipped)");
    }
    await this.#enqueue(records);
  }

  // ---- AGT-7 inventory and BF-5 baseline ----

  #startHostChecks(): void {
    // WS-7: the vault is purged of entries past 30 days at start and daily; the server gets the list at start
    const purge = (first: boolean) => {
      void this.#purgeVault(first).catch((e) => this.#o.log.warn({ err: (e as Error).message }, "quarantine vault purge failed"));
      if (this.#running) this.#timers.push(setTimeout(() => purge(false), DAY).unref());
    };
    purge(true);
    const inv = this.#o.inventory;
    if (inv !== false && inv !== undefined) {
      const every = inv.every ?? 10 * 60_000;
      const tick = () => {
        void this.sendInventory(false).catch((e) => this.#o.log.warn({ err: (e as Error).message }, "account inventory failed"));
        if (this.#running) this.#timers.push(setTimeout(tick, every).unref());
      };
      tick();
    }
    const bl = this.#o.baseline;
    if (bl) {
      const every = bl.every ?? DAY;
      const file = join(this.#o.stateDir, "baseline-state.json");
      const last = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { lastRun?: number }).lastRun ?? 0 : 0;
      const due = Math.max(bl.delayMs ?? 60_000, last + every - this.#clock.now());
      const tick = (trigger: "scheduled" | "startup") => {
        void this.runBaseline(trigger).finally(() => {
          if (this.#running) this.#timers.push(setTimeout(() => tick("scheduled"), every).unref());
        });
      };
      this.#timers.push(setTimeout(() => tick(last ? "scheduled" : "startup"), due).unref());
    }
  }

  async #purgeVault(snapshot: boolean): Promise<void> {
    const { purged } = this.#vault.purge(this.#clock.now());
    if (purged.length) this.#o.log.info({ purged }, "quarantine vault: entries past 30 days purged");
    // a vault never used sends nothing: the server's view of it is already right (empty)
    if (purged.length || (snapshot && existsSync(this.#vault.dir))) await this.#sendVault(purged.length ? "purged" : "snapshot", purged);
  }

  /** RSP-2: the whole vault list as a `vault` record (skipped when the agent is not running, e.g. in unit tests). */
  async #sendVault(action: "snapshot" | "quarantined" | "restored" | "purged", entryIds: string[]): Promise<void> {
    if (!this.#spool) return;
    const now = this.#clock.now();
    const entries = this.#vault.list().slice(-5000);
    await this.#enqueue([{ id: `vault-${now}-${action}-${randomBytes(4).toString("hex")}`, kind: "vault", ts: now, entries, change: { action, entryIds: entryIds.slice(0, 5000) } }]);
  }

  /** AGT-7: collects the accounts; sends them when they changed (or `force`, or once a day). */
  async sendInventory(force: boolean): Promise<boolean> {
    const inv = this.#o.inventory || {};
    const { uidMin, accounts } = await collectAccounts({ root: inv.root });
    const hash = createHash("sha256").update(JSON.stringify({ uidMin, accounts })).digest("hex");
    const now = this.#clock.now();
    if (!force && hash === this.#inventoryHash && now - this.#inventorySentAt < DAY) return false;
    this.#inventoryHash = hash;
    this.#inventorySentAt = now;
    await this.#enqueue([{ id: `inv-${now}-${hash.slice(0, 12)}`, kind: "account_inventory", ts: now, uidMin, accounts }]);
    this.stats.inventories++;
    return true;
  }

  /**
   * BF-5: runs the weak-password check and sends the result as baseline telemetry, stamped
   * with the time the check began (when it read the hashes). One run at a time; a request
   * arriving during a run gets a fresh run after it, so a password changed meanwhile is seen.
   */
  runBaseline(trigger: "scheduled" | "on_demand" | "startup"): Promise<void> {
    const bl = this.#o.baseline;
    if (!bl) return Promise.resolve();
    if (this.#baselineRunning) {
      this.#baselineAgain = trigger;
      return this.#baselineRunning;
    }
    const run = (async () => {
      let next: typeof trigger | null = trigger;
      while (next && this.#running) {
        const t = next;
        this.#baselineAgain = null;
        const began = this.#clock.now();
        try {
          const r = await bl.check();
          await this.#enqueue([{ id: `bl-weak-${began}`, kind: "baseline", ts: began, check: "weak_password", trigger: t, checked: r.checked, findings: r.findings, skipped: r.skipped.slice(0, 1000), durationMs: Math.round(r.durationMs) }]);
          this.stats.baselineRuns++;
          await writeFileAtomic(join(this.#o.stateDir, "baseline-state.json"), JSON.stringify({ lastRun: began }));
          this.#o.log.info({ trigger: t, checked: r.checked, weak: r.findings.length, skipped: r.skipped.length, ms: Math.round(r.durationMs) }, "weak-password baseline done");
        } catch (e) {
          this.#o.log.warn({ err: (e as Error).message }, "weak-password baseline failed");
        }
        next = this.#baselineAgain;
      }
    })().finally(() => {
      this.#baselineRunning = null;
    });
    this.#baselineRunning = run;
    return run;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.#wakeSender = null; resolve(); }, ms);
      this.#wakeSender = () => { clearTimeout(t); this.#wakeSender = null; resolve(); };
    });
  }

  async #sendLoop(): Promise<void> {
    let backoff = 250;
    while (this.#running) {
      const batch = await this.#spool!.peek(1000, 4 * 1024 * 1024);
      if (!batch) {
        await this.#sleep(1000);
        continue;
      }
      this.#pendingDropped += this.#spool!.takeDropped();
      try {
        const res = await this.#channel!.call<BatchResult>("POST", "/agent/v1/telemetry", { agentVersion: AGENT_VERSION, dropped: this.#pendingDropped, records: batch.records });
        this.#pendingDropped = 0;
        await batch.ack();
        this.stats.sent += res.accepted + res.duplicates;
        if (res.rejected.length) {
          this.stats.rejected += res.rejected.length;
          this.#o.log.warn({ rejected: res.rejected.slice(0, 5) }, `${res.rejected.length} record(s) rejected by the server`);
        }
        backoff = 250;
      } catch (e) {
        this.stats.sendErrors++;
        if (e instanceof HttpStatusError && e.status === 400) {
          // the batch as a whole can never be accepted; keep going rather than block the spool forever
          this.#o.log.error({ err: e.message }, "server refused a whole batch; dropping it");
          this.#pendingDropped += batch.records.length;
          await batch.ack();
          continue;
        }
        if (e instanceof HttpStatusError && e.status === 401) this.#o.log.error(`${e.message} — the agent keeps spooling`);
        else this.#o.log.debug({ err: (e as Error).message }, "server unreachable; records stay in the spool");
        if (!this.#running) return;
        await this.#sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  async #actionLoop(): Promise<void> {
    let backoff = 250;
    const wait = this.#o.pollWait ?? 25_000;
    while (this.#running) {
      try {
        const res = await this.#channel!.call<{ actions: unknown[] }>("GET", `/agent/v1/actions?wait=${wait}`, undefined, wait + 15_000);
        for (const raw of res.actions) {
          const id = (raw as { id?: unknown }).id;
          const parsed = agentAction.safeParse(raw);
          const report = async (result: { ok: boolean; message: string }) => {
            this.stats.actions++;
            if (typeof id === "string") await this.#channel!.call("POST", `/agent/v1/actions/${encodeURIComponent(id)}/result`, { status: result.ok ? "succeeded" : "failed", result: result.message.slice(0, 2000) });
          };
          if (parsed.success && parsed.data.type === "scan_web_files") {
            // a full scan can take minutes: it must not hold up a block queued behind it
            const p: Promise<void> = this.execute(parsed.data).then(report).catch((e) => this.#o.log.warn({ err: (e as Error).message }, "could not report a web scan's result")).finally(() => this.#slowActions.delete(p));
            this.#slowActions.add(p);
            continue;
          }
          await report(parsed.success ? await this.execute(parsed.data) : { ok: false, message: `refused: not a valid action (${parsed.error.issues[0]?.message})` });
        }
        backoff = 250;
      } catch (e) {
        if (!this.#running) return;
        this.#o.log.debug({ err: (e as Error).message }, "action channel error");
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  /** AGT-10: carries out one typed action. */
  async execute(a: AgentActionMsg): Promise<{ ok: boolean; message: string }> {
    if (a.type === "run_baseline") return this.#runChecks(a.params.checks);
    if (a.type === "quarantine_file" || a.type === "restore_file") {
      // RSP-2: the restore goes to the path the vault recorded, never one from the server
      const r = a.type === "quarantine_file" ? this.#vault.quarantine(a.params.path, a.params.sha256, this.#clock.now()) : this.#vault.restore(a.params.entryId, a.params.sha256, this.#clock.now());
      if (r.ok && r.entry) await this.#sendVault(a.type === "quarantine_file" ? "quarantined" : "restored", [r.entry.id]).catch((e) => this.#o.log.warn({ err: (e as Error).message }, "could not spool the vault list"));
      return { ok: r.ok, message: r.message };
    }
    if (a.type === "scan_web_files") {
      if (!this.#web) return { ok: false, message: "no web directory is watched on this agent (hostward agent --web-dir)" };
      const s = await this.#web.runFullScan("on_demand");
      const found = s.found ? `${s.found} found (${s.malicious} malicious, ${s.suspicious} suspicious, ${s.phpinfo} phpinfo exposure): their records follow as telemetry` : "nothing found";
      const extra = [s.skipped ? `${s.skipped} skipped (too large or unreadable)` : "", s.errors ? `${s.errors} engine errors` : "", s.truncated ? "a tree had more web files than the limit" : ""].filter(Boolean).join("; ");
      return { ok: true, message: `${s.trigger === "on_demand" ? "scanned" : `joined the ${s.trigger} scan already running:`} ${s.files} web files in ${this.#web.dirs.length} director${this.#web.dirs.length === 1 ? "y" : "ies"} (${s.scanned} by the engine, ${s.cached} unchanged and clean) in ${(s.durationMs / 1000).toFixed(1)} s: ${found}${extra ? `; ${extra}` : ""}` };
    }
    if (a.type === "lock_account" || a.type === "unlock_account") {
      if (!this.#accounts) return { ok: false, message: "account control is off on this agent" };
      return (a.type === "lock_account" ? this.#accounts.lock(a.params.user, a.params.timeoutSeconds) : this.#accounts.unlock(a.params.user)).catch((e: Error) => ({ ok: false, message: e.message }));
    }
    if (a.type === "kill_process") {
      const pc = this.#o.processes ?? this.#procs;
      return pc ? pc.kill(a.params) : { ok: false, message: "process control is off on this agent (no process collector)" };
    }
    try {
      if (a.type === "isolate_host" || a.type === "release_host") {
        const iso = this.#o.isolation;
        if (!iso) return { ok: false, message: "host isolation is off on this agent (it needs root and nftables; --no-firewall turns it off)" };
        if (a.type === "release_host") return await iso.release("released by the server");
        // RSP-3: the agent's own server address is always kept open, whatever the server sent
        const ch = await channelEndpoints(this.#state?.server ?? this.#o.server, a.params);
        return ch.ok ? await iso.isolate(ch.endpoints, a.params.timeoutSeconds) : ch;
      }
      if (a.type === "web_deny_ip" || a.type === "web_allow_ip") {
        const wd = this.#o.webDeny;
        if (!wd) return { ok: false, message: "the web-server deny list is off on this agent (it needs root; --web-deny-file sets its path)" };
        return a.type === "web_deny_ip" ? await wd.deny(a.params.ip, a.params.timeoutSeconds) : await wd.allow(a.params.ip);
      }
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
    const fw = this.#o.firewall;
    if (!fw) return { ok: false, message: "this agent runs without firewall control (--no-firewall)" };
    try {
      switch (a.type) {
        case "block_ip":
          return await fw.block(a.params.ip, a.params.timeoutSeconds);
        case "unblock_ip":
          return await fw.unblock(a.params.ip);
      }
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
  }

  /** On demand (BF-5): answers at once, the results follow as telemetry (a long check must not hold up blocks). */
  async #runChecks(checks: string[]): Promise<{ ok: boolean; message: string }> {
    const done: string[] = [];
    const problems: string[] = [];
    if (checks.includes("account_inventory")) {
      if (this.#o.inventory === false) problems.push("account inventory is off on this agent");
      else {
        await this.sendInventory(true);
        done.push("account inventory sent");
      }
    }
    if (checks.includes("weak_password")) {
      if (!this.#o.baseline) problems.push("the weak-password check is off on this agent");
      else {
        const busy = this.#baselineRunning !== null;
        void this.runBaseline("on_demand");
        done.push(busy ? "a weak-password check is running: a fresh one follows it, and its result follows as baseline telemetry" : "weak-password check started: its result follows as baseline telemetry");
      }
    }
    return { ok: problems.length === 0, message: [...done, ...problems].join("; ") };
  }
}

/** What a process's stdin and stdout are, when both are the same kind of thing. */
function stdioKind(pid: number): "socket" | "tty" | "pipe" | "file" | "null" | "other" | null {
  const kind = (fd: number) => {
    try {
      const t = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (t.startsWith("socket:")) return "socket";
      if (t.startsWith("pipe:")) return "pipe";
      if (t === "/dev/null") return "null";
      if (t.startsWith("/dev/pts/") || t.startsWith("/dev/tty")) return "tty";
      return t.startsWith("/") ? "file" : "other";
    } catch {
      return null;
    }
  };
  const a = kind(0), b = kind(1);
  return a !== null && a === b ? a : null;
}

