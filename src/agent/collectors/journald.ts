import { spawn, execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import type { Readable } from "node:stream";
import { writeFileAtomic } from "../atomic-file.ts";

/** One journal entry of an sshd process, as the logon parser needs it. */
export interface JournalEntry {
  text: string;
  /** ms since the epoch, from __REALTIME_TIMESTAMP (the time journald received it). */
  ts: number;
  host: string | null;
  cursor: string;
  identifier: string | null;
  pid: number | null;
}

export interface JournalCursorStore {
  load(): Promise<string | null>;
  save(cursor: string): Promise<void>;
}

/** The part of a ChildProcess we use; injectable so tests can feed journalctl output without systemd. */
export interface JournalProcess {
  stdout: Readable;
  stderr: Readable;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: "close", fn: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  once(event: "error", fn: (err: Error) => void): unknown;
}
export type JournalSpawner = (cmd: string, args: string[]) => JournalProcess;

export interface JournaldOptions {
  onEntries: (entries: JournalEntry[]) => Promise<void>;
  cursor?: JournalCursorStore;
  /** SYSLOG_IDENTIFIER values; OpenSSH ≥ 9.8 logs per-connection lines as sshd-session. */
  identifiers?: string[];
  /** _SYSTEMD_UNIT values, OR-ed with the identifiers. */
  units?: string[];
  /** Without a saved cursor, start at the end rather than replay the whole journal. */
  startAtEnd?: boolean;
  journalctlPath?: string;
  /** journald namespace (journalctl --namespace); used by the integration test. */
  namespace?: string;
  spawn?: JournalSpawner;
  backoffMs?: { initial: number; max: number };
  maxMessageBytes?: number;
  batchSize?: number;
  onStatus?: (msg: string) => void;
}

const NAME_RE = /^[A-Za-z0-9@_.:-]{1,128}$/;
const MAX_PENDING_LINE = 1024 * 1024;

export function recordIdForCursor(cursor: string): string {
  return createHash("sha256").update(`journal\0${cursor}`).digest("base64url").slice(0, 32);
}

const defaultSpawn: JournalSpawner = (cmd, args) => {
  const c = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  return c as unknown as JournalProcess;
};

/** Parses one `journalctl -o json` line; null for lines that are not usable entries. */
export function parseJournalLine(line: string, maxMessageBytes = 8192): JournalEntry | null {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line);
  } catch {
    return null;
  }
  if (!o || typeof o !== "object" || typeof o.__CURSOR !== "string") return null;
  // MESSAGE is a string, or an array of bytes when it is not valid UTF-8 / has control characters.
  let buf: Buffer;
  if (typeof o.MESSAGE === "string") buf = Buffer.from(o.MESSAGE, "utf8");
  else if (Array.isArray(o.MESSAGE) && o.MESSAGE.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) buf = Buffer.from(o.MESSAGE as number[]);
  else return null;
  let text = buf.subarray(0, maxMessageBytes).toString("utf8");
  if (buf.length > maxMessageBytes) text = text.replace(/\uFFFD+$/, ""); // a character cut in half
  const us = Number(o.__REALTIME_TIMESTAMP);
  const pid = Number(o._PID);
  return {
    text,
    ts: Number.isFinite(us) && us > 0 ? Math.floor(us / 1000) : Date.now(),
    host: typeof o._HOSTNAME === "string" ? o._HOSTNAME : null,
    cursor: o.__CURSOR,
    identifier: typeof o.SYSLOG_IDENTIFIER === "string" ? o.SYSLOG_IDENTIFIER : null,
    pid: Number.isSafeInteger(pid) && pid > 0 ? pid : null,
  };
}

export class JournaldSource {
  #o: Required<Omit<JournaldOptions, "cursor" | "namespace" | "onStatus">> & Pick<JournaldOptions, "cursor" | "namespace" | "onStatus">;
  #cursor: string | null = null;
  #child: JournalProcess | null = null;
  #childDone: Promise<void> = Promise.resolve();
  #stopped = true;
  #timer: NodeJS.Timeout | null = null;
  #delay: number;
  #pump: Promise<void> = Promise.resolve();

  constructor(opts: JournaldOptions) {
    this.#o = {
      identifiers: ["sshd", "sshd-session"],
      units: ["ssh.service", "sshd.service"],
      startAtEnd: true,
      journalctlPath: "journalctl",
      spawn: defaultSpawn,
      backoffMs: { initial: 1000, max: 60_000 },
      maxMessageBytes: 8192,
      batchSize: 500,
      ...opts,
    };
    for (const n of [...this.#o.identifiers, ...this.#o.units, ...(opts.namespace ? [opts.namespace] : [])]) {
      if (!NAME_RE.test(n)) throw new Error(`invalid journal match value: ${JSON.stringify(n)}`);
    }
    if (this.#o.identifiers.length + this.#o.units.length === 0) throw new Error("journald source needs identifiers or units");
    this.#delay = this.#o.backoffMs.initial;
  }

  /** journalctl runs and can read a journal (it exits 0 but says "No journal files" on stderr when it cannot). */
  static available(opts: { journalctlPath?: string; namespace?: string } = {}): Promise<boolean> {
    const args = ["--no-pager", "--lines=0", ...(opts.namespace ? [`--namespace=${opts.namespace}`] : [])];
    return new Promise((resolve) => {
      execFile(opts.journalctlPath ?? "journalctl", args, { timeout: 10_000 }, (err, _out, stderr) => {
        resolve(!err && !/no journal files|not seeing messages|permission denied/i.test(String(stderr)));
      });
    });
  }

  /**
   * Positional FIELD=value matches rather than -t/-u: in journalctl 252 each of -t and -u adds
   * a conjunction, so `-t sshd -u ssh.service` would mean "identifier AND unit". Same-field
   * matches are OR-ed and "+" OR-s the two groups.
   */
  args(cursor: string | null): string[] {
    const a = ["--follow", "--quiet", "--no-pager", "--all", "--output=json", "--output-fields=MESSAGE,_HOSTNAME,SYSLOG_IDENTIFIER,_PID"];
    if (this.#o.namespace) a.push(`--namespace=${this.#o.namespace}`);
    // With a cursor, --lines=all matters: the -f default of 10 would hold back a backlog until the next new entry.
    if (cursor) a.push(`--after-cursor=${cursor}`, "--lines=all");
    else a.push(this.#o.startAtEnd ? "--lines=0" : "--lines=all");
    const ids = this.#o.identifiers.map((i) => `SYSLOG_IDENTIFIER=${i}`);
    const units = this.#o.units.map((u) => `_SYSTEMD_UNIT=${u}`);
    a.push(...ids, ...(ids.length && units.length ? ["+"] : []), ...units);
    return a;
  }

  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#cursor = (await this.#o.cursor?.load()) ?? null;
    this.#stopped = false;
    this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#child?.kill("SIGTERM");
    await this.#childDone;
    await this.#pump;
  }

  #status(msg: string): void {
    this.#o.onStatus?.(msg);
  }

  #run(): void {
    if (this.#stopped) return;
    const cursor = this.#cursor;
    const child = this.#o.spawn(this.#o.journalctlPath, this.args(cursor));
    this.#child = child;
    const startedAt = Date.now();
    let delivered = false;
    let failed = false;
    let stderr = "";
    let partial = "";
    const dec = new StringDecoder("utf8");
    let resolveDone!: () => void;
    this.#childDone = new Promise((r) => (resolveDone = r));

    const deliver = async (entries: JournalEntry[]) => {
      if (failed || this.#child !== child) return; // this journalctl is being replaced: its lines are re-read
      child.stdout.pause(); // backpressure: journalctl blocks on the pipe while we work
      try {
        for (let i = 0; i < entries.length; i += this.#o.batchSize) {
          const batch = entries.slice(i, i + this.#o.batchSize);
          await this.#o.onEntries(batch);
          const last = batch[batch.length - 1]!.cursor;
          this.#cursor = last;
          delivered = true;
          await this.#o.cursor?.save(last).catch((e: Error) => this.#status(`cannot save journal cursor: ${e.message}`));
        }
      } catch (e) {
        // Not delivered: restart journalctl from the last cursor that was, so nothing is lost.
        failed = true;
        this.#status(`journal entries not delivered (${(e as Error).message}); re-reading after backoff`);
        child.kill("SIGTERM");
      } finally {
        if (!failed) child.stdout.resume();
      }
    };

    child.stdout.on("data", (chunk: Buffer) => {
      partial += dec.write(chunk);
      const lines = partial.split("\n");
      partial = lines.pop()!;
      if (partial.length > MAX_PENDING_LINE) {
        this.#status("journal line over 1 MiB ignored");
        partial = "";
      }
      const entries: JournalEntry[] = [];
      for (const l of lines) {
        const e = l.trim() ? parseJournalLine(l, this.#o.maxMessageBytes) : null;
        if (e) entries.push(e);
      }
      if (entries.length) this.#pump = this.#pump.then(() => deliver(entries));
    });
    child.stderr.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2048)));

    let ended = false;
    const onEnd = (why: string) => {
      if (ended) return;
      ended = true;
      void this.#pump.then(() => {
        if (this.#child === child) this.#child = null;
        resolveDone();
        if (this.#stopped) return;
        if (/cursor/i.test(stderr) && !delivered && cursor !== null) {
          this.#status(`journalctl rejected the saved cursor; starting without it`);
          this.#cursor = null;
        }
        // Back off exponentially, but start over once a run was healthy (long-lived or productive).
        if (delivered || Date.now() - startedAt > 30_000) this.#delay = this.#o.backoffMs.initial;
        this.#status(`journalctl ${why}${stderr.trim() ? `: ${stderr.trim().split("\n").pop()}` : ""}; restarting in ${this.#delay} ms`);
        this.#timer = setTimeout(() => this.#run(), this.#delay);
        this.#delay = Math.min(this.#delay * 2, this.#o.backoffMs.max);
      });
    };
    child.once("error", (e) => onEnd(`failed to start (${e.message})`));
    child.once("close", (code, sig) => onEnd(sig ? `killed by ${sig}` : `exited with code ${code}`));
  }
}

/** Persists the journal cursor in a small JSON file, replaced atomically. */
export class JsonFileCursorStore implements JournalCursorStore {
  #file: string;
  constructor(file: string) {
    this.#file = file;
  }
  async load(): Promise<string | null> {
    try {
      const v = JSON.parse(await readFile(this.#file, "utf8")) as { cursor?: unknown };
      return typeof v.cursor === "string" && v.cursor.length > 0 ? v.cursor : null;
    } catch {
      return null; // missing or corrupt: start per startAtEnd
    }
  }
  save(cursor: string): Promise<void> {
    return writeFileAtomic(this.#file, JSON.stringify({ cursor }));
  }
}
