import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { systemClock, type Clock } from "../../core/index.ts";
import { writeFileAtomic } from "../atomic-file.ts";

/**
 * EVT-7 account → lock: a compromised local account is locked with `usermod -L` (the password
 * hash gets a "!") and expired (`-e 1970-01-02`, so key and PAM logons stop too). root and
 * every uid-0 account are refused: locking them locks the operators out. The former expiry
 * is kept in a small state file so unlocking (by the server, or by the agent itself when a
 * validity period ends, even after a restart) puts it back. usermod runs with an argument
 * array, never a shell; the name was validated by the action schema and is looked up in
 * /etc/passwd before anything runs. Existing sessions are not ended.
 */
export interface AccountControl {
  lock(user: string, timeoutSeconds?: number): Promise<{ ok: boolean; message: string }>;
  unlock(user: string): Promise<{ ok: boolean; message: string }>;
  /** Unlocks the accounts whose period ended while the agent was down, then checks every 30 s. */
  start(): Promise<void>;
  stop(): void;
}

export interface LocalAccountsOptions {
  stateFile: string;
  /** Where etc/passwd and etc/shadow are read (default "/"; tests use a copy). */
  root?: string;
  clock?: Clock;
  /** Runs usermod (tests inject a fake); default: execFile with a 15 s timeout. */
  run?: (cmd: string, args: string[]) => Promise<{ code: number; output: string }>;
  onExpired?: (message: string) => void;
}

interface LockState {
  /** The shadow expiry field before the lock ("" = never), in days since 1970. */
  formerExpire: string;
  lockedAt: number;
  /** ms; null = until unlocked. */
  until: number | null;
}

const LOCKED_EXPIRE = "1970-01-02";
const CHECK_MS = 30_000;
const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\$?$/;

function defaultRun(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 15_000, encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 127) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim().slice(0, 500) || (err ? err.message.slice(0, 500) : "") });
    });
  });
}

/** A days-since-1970 expiry field as usermod takes it (YYYY-MM-DD), or "" for none. */
function expireArg(days: string): string {
  if (!/^\d{1,6}$/.test(days)) return "";
  return new Date(Number(days) * 86_400_000).toISOString().slice(0, 10);
}

export class LocalAccounts implements AccountControl {
  readonly #o: LocalAccountsOptions;
  readonly #clock: Clock;
  readonly #run: NonNullable<LocalAccountsOptions["run"]>;
  #timer: NodeJS.Timeout | null = null;
  /** Locks and unlocks one at a time: the state file is read, changed and written whole. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(o: LocalAccountsOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#run = o.run ?? defaultRun;
  }

  #file(name: string): string {
    return join(this.#o.root ?? "/", "etc", name);
  }

  /** The account's passwd entry (local accounts only: NSS accounts are not usermod's). */
  async #passwd(user: string): Promise<{ uid: number } | null> {
    const text = await readFile(this.#file("passwd"), "utf8");
    for (const line of text.split("\n", 200_000)) {
      const f = line.split(":");
      if (f[0] === user && f.length >= 7) return { uid: Number(f[2]) };
    }
    return null;
  }

  /** The shadow fields we read: the password (locked when it starts with "!") and the expiry. */
  async #shadow(user: string): Promise<{ password: string; expire: string } | null> {
    const text = await readFile(this.#file("shadow"), "utf8");
    for (const line of text.split("\n", 200_000)) {
      const f = line.split(":");
      if (f[0] === user && f.length >= 8) return { password: f[1]!, expire: f[7]! };
    }
    return null;
  }

  async #state(): Promise<Record<string, LockState>> {
    if (!existsSync(this.#o.stateFile)) return {};
    try {
      const v = JSON.parse(await readFile(this.#o.stateFile, "utf8")) as unknown;
      return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, LockState>) : {};
    } catch {
      return {};
    }
  }

  async #save(s: Record<string, LockState>): Promise<void> {
    mkdirSync(dirname(this.#o.stateFile), { recursive: true });
    await writeFileAtomic(this.#o.stateFile, JSON.stringify(s, null, 1));
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#queue.then(fn, fn);
    this.#queue = p.catch(() => {});
    return p;
  }

  /** Refuses what must never be locked; null when the account may be. */
  async #refusal(user: string): Promise<string | null> {
    if (!NAME_RE.test(user)) return `refused: ${JSON.stringify(user.slice(0, 40))} is not a local account name`;
    if (user === "root") return "refused: root is never locked (it would lock the operators out); change its password and forbid its remote logon instead";
    const pw = await this.#passwd(user);
    if (!pw) return `refused: ${user} is not a local account of this host (/etc/passwd)`;
    if (pw.uid === 0) return `refused: ${user} has uid 0 (root's powers); it is never locked — remove the account instead`;
    return null;
  }

  lock(user: string, timeoutSeconds?: number): Promise<{ ok: boolean; message: string }> {
    return this.#serial(async () => {
      const refused = await this.#refusal(user);
      if (refused) return { ok: false, message: refused };
      const before = await this.#shadow(user);
      if (!before) return { ok: false, message: `${user} has no /etc/shadow entry: its password cannot be locked here` };
      const state = await this.#state();
      const now = this.#clock.now();
      // a lock of a locked account keeps the first lock's former expiry
      const formerExpire = state[user]?.formerExpire ?? before.expire;
      const r = await this.#run("usermod", ["-L", "-e", LOCKED_EXPIRE, "--", user]);
      if (r.code !== 0) return { ok: false, message: `usermod -L failed (exit ${r.code}): ${r.output}` };
      const after = await this.#shadow(user);
      if (!after?.password.startsWith("!") || after.expire !== "1") return { ok: false, message: `usermod reported success but ${user} is not locked and expired in /etc/shadow` };
      const until = timeoutSeconds === undefined ? null : now + timeoutSeconds * 1000;
      state[user] = { formerExpire, lockedAt: now, until };
      await this.#save(state);
      return { ok: true, message: `locked ${user}: password locked and account expired${until === null ? " until unlocked" : `; the agent unlocks it at ${new Date(until).toISOString()}`} (running sessions are not ended)` };
    });
  }

  unlock(user: string): Promise<{ ok: boolean; message: string }> {
    return this.#serial(() => this.#unlock(user, "unlocked"));
  }

  async #unlock(user: string, how: string): Promise<{ ok: boolean; message: string }> {
    const state = await this.#state();
    const refused = await this.#refusal(user);
    if (refused) {
      // an account removed meanwhile has nothing left to unlock: forget it
      if (state[user] && NAME_RE.test(user) && !(await this.#passwd(user))) {
        delete state[user];
        await this.#save(state);
      }
      return { ok: false, message: refused };
    }
    const former = state[user]?.formerExpire;
    const now = await this.#shadow(user);
    if (!now) return { ok: false, message: `${user} has no /etc/shadow entry` };
    const args = ["-e", former === undefined ? "" : expireArg(former)];
    // `usermod -U` refuses a password that is only "!" (it would leave no password): the expiry is still restored
    if (now.password.startsWith("!") && now.password.length > 1) args.unshift("-U");
    const r = await this.#run("usermod", [...args, "--", user]);
    if (r.code !== 0) return { ok: false, message: `usermod -U failed (exit ${r.code}): ${r.output}` };
    delete state[user];
    await this.#save(state);
    return { ok: true, message: `${how} ${user}: password unlocked, ${former === undefined ? "expiry cleared (it was not locked by this agent)" : former === "" ? "no expiry (as before the lock)" : `expiry ${expireArg(former)} restored`}` };
  }

  async start(): Promise<void> {
    await this.#expireDue();
    this.#timer = setInterval(() => void this.#expireDue(), CHECK_MS);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** RSP-1: a lock whose validity period ended is undone by the agent itself. */
  #expireDue(): Promise<void> {
    return this.#serial(async () => {
      const now = this.#clock.now();
      for (const [user, s] of Object.entries(await this.#state())) {
        if (s.until === null || s.until > now) continue;
        const r = await this.#unlock(user, "validity period over: unlocked").catch((e: Error) => ({ ok: false, message: e.message }));
        this.#o.onExpired?.(r.message);
      }
    });
  }
}
