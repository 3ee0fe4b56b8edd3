import { existsSync, readFileSync, mkdirSync } from "node:fs";
import { hostname as osHostname, platform, release } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { systemClock, type Clock, UserError } from "../core/index.ts";
import { agentAction, enrolResponse, type AgentActionMsg, type BatchResult } from "../protocol/index.ts";
import { writeFileAtomic } from "./atomic-file.ts";
import { DiskSpool } from "./spool.ts";
import { FileTail, JsonFileTailState, recordIdFor, type TailLine } from "./collectors/file-tail.ts";
import { parseAuthLine, parseJournalMessage, type ParsedLogon } from "./collectors/sshd.parser.ts";
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
  /** sshd log files; default: the first of /var/log/auth.log and /var/log/secure that exists, else journald. */
  authLogs?: string[];
  /** Read sshd from journald: "auto" (when no log file is found), "on", "off". */
  journald?: "auto" | "on" | "off";
  /** Enforces blocks; null disables response actions (they report failure). */
  firewall: Firewall | null;
  log: Logger;
  clock?: Clock;
  hostname?: string;
  /** Read a brand-new log from its start instead of its end. */
  fromStart?: boolean;
  spoolMaxBytes?: number;
  /** Long-poll wait for actions, ms. */
  pollWait?: number;
}

interface AgentState {
  server: string;
  agentId: string;
  secret: string;
  caPem: string;
  accountId: string;
  enrolledAt: string;
}

const DEFAULT_AUTH_LOGS = ["/var/log/auth.log", "/var/log/secure"];

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
  /** Sources being read, for status output. */
  readonly sources: string[] = [];
  readonly stats = { sent: 0, rejected: 0, actions: 0, sendErrors: 0 };

  constructor(o: AgentOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
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
    this.#running = true;
    await this.#startCollectors();
    this.#loops.push(this.#sendLoop(), this.#actionLoop());
  }

  async stop(): Promise<void> {
    this.#running = false;
    for (const t of this.#tails) await t.stop();
    await this.#journal?.stop();
    this.#wakeSender?.();
    this.#channel?.close();
    await Promise.allSettled(this.#loops);
    await this.#spool?.close();
  }

  async #startCollectors(): Promise<void> {
    const explicit = this.#o.authLogs;
    const paths = explicit ?? DEFAULT_AUTH_LOGS.filter((p) => existsSync(p)).slice(0, 1);
    const jmode = this.#o.journald ?? "auto";
    if (jmode === "on" || (jmode === "auto" && paths.length === 0 && (await JournaldSource.available()))) {
      this.#journal = new JournaldSource({
        cursor: new JsonFileCursorStore(join(this.#o.stateDir, "journal-cursor.json")),
        startAtEnd: !this.#o.fromStart,
        onEntries: (entries) => this.#onJournal(entries),
        onStatus: (msg) => this.#o.log.info({ source: "journald" }, msg),
      });
      await this.#journal.start();
      this.sources.push("journald (sshd)");
    }
    if (paths.length === 0) {
      if (this.#journal) return;
      this.#o.log.warn(`no sshd log found (looked for ${DEFAULT_AUTH_LOGS.join(", ")}); the agent keeps running and will report nothing until one is configured (--auth-log)`);
      return;
    }
    const state = new JsonFileTailState(join(this.#o.stateDir, "tail-state.json"));
    for (const path of paths) {
      const tail = new FileTail({
        path, state,
        startAtEnd: !this.#o.fromStart,
        onLines: (lines) => this.#onLines(path, lines),
        onStatus: (msg) => this.#o.log.info({ path }, msg),
      });
      await tail.start();
      this.#tails.push(tail);
      this.sources.push(path);
    }
  }

  async #onJournal(entries: JournalEntry[]): Promise<void> {
    const records: object[] = [];
    for (const e of entries) {
      const p = parseJournalMessage(e.text, e.ts, e.host ?? undefined);
      if (p) this.#push(records, recordIdForCursor(e.cursor), p, { file: "journald", line: e.text.slice(0, 4096) });
    }
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

  async #onLines(path: string, lines: TailLine[]): Promise<void> {
    const d = new Date(this.#clock.now());
    const ctx = { year: d.getFullYear(), utcOffsetMinutes: -d.getTimezoneOffset() };
    const records: object[] = [];
    for (const l of lines) {
      const p = parseAuthLine(l.text, ctx);
      if (!p) continue;
      // a classic stamp has no year: a date ahead of now belongs to last year
      if (p.ts > this.#clock.now() + 86_400_000) p.ts = new Date(p.ts).setFullYear(ctx.year - 1);
      this.#push(records, recordIdFor(path, l), p, { file: path, line: l.text.slice(0, 4096) });
    }
    if (records.length === 0) return;
    await this.#spool!.append(records);
    this.#wakeSender?.();
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
          const result = parsed.success ? await this.execute(parsed.data) : { ok: false, message: `refused: not a valid action (${parsed.error.issues[0]?.message})` };
          this.stats.actions++;
          if (typeof id === "string") await this.#channel!.call("POST", `/agent/v1/actions/${encodeURIComponent(id)}/result`, { status: result.ok ? "succeeded" : "failed", result: result.message.slice(0, 2000) });
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
    const fw = this.#o.firewall;
    if (!fw) return { ok: false, message: "this agent runs without firewall control (--no-firewall)" };
    try {
      switch (a.type) {
        case "block_ip":
          return await fw.block(a.params.ip, a.params.timeoutSeconds);
        case "unblock_ip":
          return await fw.unblock(a.params.ip);
        case "run_baseline":
          return { ok: false, message: "baseline checks are not available in this agent yet" };
      }
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
  }
}
