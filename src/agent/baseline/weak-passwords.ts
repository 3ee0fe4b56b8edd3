/**
 * BF-5 weak-password baseline: tests each local account's password hash against
 * its own user name (and simple variants) and a dictionary of common passwords.
 *
 * Hashing runs in worker threads so the agent's event loop stays responsive; the
 * most common candidates are tried first for every account (round-robin over
 * accounts), so a time budget cuts off the unlikely tail, not whole accounts.
 * The result names accounts and schemes only: never a hash, never a password.
 */
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { isSupportedHash, schemeOf } from "./crypt/index.ts";
import type { VerifyAnswer, VerifyJob } from "./weak-passwords.worker.ts";

export interface WeakPasswordOptions {
  shadowPath?: string; // default /etc/shadow
  passwdPath?: string; // default /etc/passwd
  dictionary?: string[]; // default: content/baseline/common-passwords.txt
  /** stop early (skip remaining candidates) after this long; reported as skipped */
  budgetMs?: number;
  /** worker threads to use; default min(2, os.availableParallelism()) */
  workers?: number;
}

export type WeakPasswordReason = "dictionary" | "username" | "empty";

export interface WeakPasswordResult {
  /** Accounts whose password was judged: fully tested hashes, plus empty password fields. */
  checked: number;
  findings: { subject: string; reason: WeakPasswordReason; scheme: string }[];
  /** Accounts with a hash that could not be judged, e.g. "unsupported hash scheme $gy$", "time budget exhausted". */
  skipped: { subject: string; reason: string }[];
  durationMs: number;
}

export const DEFAULT_DICTIONARY_PATH = join(import.meta.dirname, "../../../content/baseline/common-passwords.txt");
const WORKER_URL = new URL("./weak-passwords.worker.ts", import.meta.url);

/** Shells that never give an interactive session: an empty password there is not a way in. */
const NO_LOGON_SHELLS = new Set(["nologin", "false", "sync", "shutdown", "halt"]);
/** Schema limits of the baseline record (src/protocol/telemetry.schema.ts). */
const MAX_SKIPPED = 1000;
const MAX_TEXT = 256;

/** Candidates per worker message: small for slow schemes so a budget or a match stops work promptly. */
const CHUNK: Record<string, number> = { yescrypt: 2, bcrypt: 2, sha512crypt: 16, sha256crypt: 16, md5crypt: 32, descrypt: 128 };

/** One password per line; '#' comment lines and blank lines ignored; duplicates dropped (first wins). */
export function parseDictionary(text: string): string[] {
  const seen = new Set<string>();
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "" || line.startsWith("#")) continue;
    seen.add(line);
  }
  return [...seen];
}

export async function loadDictionary(path = DEFAULT_DICTIONARY_PATH): Promise<string[]> {
  return parseDictionary(await readFile(path, "utf8"));
}

export interface PasswdEntry {
  name: string;
  /** Field 2 of /etc/passwd: "x" means "see /etc/shadow". */
  password: string;
  shell: string;
}

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const f = line.split(":");
    if (f.length < 7 || !f[0]) continue;
    out.push({ name: f[0], password: f[1]!, shell: f[6]!.trim() });
  }
  return out;
}

/** name -> password field of /etc/shadow. */
export function parseShadow(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const f = line.split(":");
    if (f.length < 2 || !f[0] || out.has(f[0])) continue; // getspnam() returns the first entry
    out.set(f[0], f[1]!.trim());
  }
  return out;
}

/** An empty shell field means /bin/sh. */
export function shellAllowsLogon(shell: string): boolean {
  if (shell === "") return true;
  const base = shell.slice(shell.lastIndexOf("/") + 1);
  return !NO_LOGON_SHELLS.has(base);
}

/** The user name and the variants people derive from it, in the order they are tried. */
export function usernameCandidates(name: string): string[] {
  const reversed = [...name].reverse().join("");
  return [...new Set([name, `${name}123`, `${name}1`, `${name}@123`, reversed])].filter((c) => c !== "");
}

/** Locked ("!", "!!", "!$y$...", "*", "*LK*") or no usable password: not tested, not a finding. */
function isLocked(field: string): boolean {
  return field.startsWith("!") || field.startsWith("*");
}

/** What to say about a hash we cannot judge, without quoting it. */
function unsupportedReason(hash: string): string {
  const scheme = schemeOf(hash);
  if (scheme !== "unknown") return `unsupported ${scheme} parameters`;
  const m = /^\$[A-Za-z0-9]{1,8}\$/.exec(hash);
  if (m) return `unsupported hash scheme ${m[0]}`;
  return "unrecognised hash format";
}

interface Account {
  subject: string;
  hash: string;
  scheme: string;
  candidates: string[];
  /** Reason per candidate index. */
  reasons: WeakPasswordReason[];
  chunk: number;
  next: number;
  inflight: number;
  done: boolean;
  match: WeakPasswordReason | null;
  skipReason: string | null;
}

/** User-name variants first, then the dictionary in its order; each password once, under its first reason. */
function buildCandidates(name: string, dictionary: string[]): { candidates: string[]; reasons: WeakPasswordReason[] } {
  const seen = new Set<string>();
  const candidates: string[] = [];
  const reasons: WeakPasswordReason[] = [];
  const add = (c: string, reason: WeakPasswordReason) => {
    if (seen.has(c)) return;
    seen.add(c);
    candidates.push(c);
    reasons.push(reason);
  };
  for (const c of usernameCandidates(name)) add(c, "username");
  for (const c of dictionary) add(c, "dictionary");
  return { candidates, reasons };
}

/**
 * Runs the check once (the agent calls it daily and on demand). Reads /etc/passwd and
 * /etc/shadow (so it needs root); a read error is thrown as is. Without budgetMs the run
 * ends only when every candidate has been tried: about 40 s per $y$j9T$ account for the
 * shipped dictionary on two workers.
 */
export async function checkWeakPasswords(o: WeakPasswordOptions = {}): Promise<WeakPasswordResult> {
  const started = performance.now();
  const [shadowText, passwdText, dictionary] = await Promise.all([
    readFile(o.shadowPath ?? "/etc/shadow", "utf8"),
    readFile(o.passwdPath ?? "/etc/passwd", "utf8"),
    o.dictionary ? Promise.resolve(o.dictionary) : loadDictionary(),
  ]);
  const shadow = parseShadow(shadowText);
  const findings: WeakPasswordResult["findings"] = [];
  const skipped: WeakPasswordResult["skipped"] = [];
  let checked = 0;
  const accounts: Account[] = [];
  const seenNames = new Set<string>();

  for (const pw of parsePasswd(passwdText)) {
    if (seenNames.has(pw.name)) continue; // the first entry is the one getpwnam() returns
    seenNames.add(pw.name);
    const subject = pw.name.slice(0, MAX_TEXT);
    // pam_unix reads the hash from /etc/shadow when the passwd field is "x"; otherwise the passwd field is the hash
    const field = pw.password === "x" ? shadow.get(pw.name) : pw.password;
    if (field === undefined) continue; // "x" without a shadow entry: no password logon
    if (field === "") {
      if (shellAllowsLogon(pw.shell)) {
        checked++;
        findings.push({ subject, reason: "empty", scheme: "none" });
      }
      continue;
    }
    if (isLocked(field)) continue;
    if (!isSupportedHash(field)) {
      skipped.push({ subject, reason: unsupportedReason(field) });
      continue;
    }
    const scheme = schemeOf(field);
    const { candidates, reasons } = buildCandidates(pw.name, dictionary);
    accounts.push({ subject, hash: field, scheme, candidates, reasons, chunk: CHUNK[scheme] ?? 8, next: 0, inflight: 0, done: candidates.length === 0, match: null, skipReason: null });
  }

  const deadline = o.budgetMs === undefined ? undefined : started + o.budgetMs;
  await runAccounts(accounts, o.workers, deadline);

  for (const a of accounts) {
    if (a.match) {
      checked++;
      findings.push({ subject: a.subject, reason: a.match, scheme: a.scheme });
    } else if (a.skipReason) {
      skipped.push({ subject: a.subject, reason: a.skipReason });
    } else {
      checked++;
    }
  }
  return { checked, findings, skipped: skipped.slice(0, MAX_SKIPPED), durationMs: Math.max(0, Math.round(performance.now() - started)) };
}

interface Slot {
  worker: Worker;
  /** The job this worker is hashing: its account and the index of its first candidate. */
  job: { account: Account; start: number } | null;
}

/** Feeds candidate chunks to the workers until every account is decided or the budget runs out. */
async function runAccounts(accounts: Account[], workers: number | undefined, deadline: number | undefined): Promise<void> {
  const pending = () => accounts.some((a) => !a.done);
  if (!pending()) return;
  const nWorkers = Math.max(1, Math.floor(workers ?? Math.min(2, availableParallelism())));

  await new Promise<void>((resolve) => {
    const slots: Slot[] = [];
    let nextId = 1;
    let cursor = 0; // round-robin position over accounts
    let finished = false;
    let timer: NodeJS.Timeout | undefined;

    const finish = (reason: string) => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      for (const a of accounts) {
        if (!a.done) {
          a.done = true;
          a.skipReason = reason;
        }
      }
      for (const s of slots) void s.worker.terminate();
      resolve();
    };

    /** Next chunk: the account with the fewest candidates sent so far, ties broken round-robin. */
    const feed = (slot: Slot) => {
      slot.job = null;
      if (finished) return;
      let best: Account | null = null;
      let bestIdx = -1;
      for (let k = 0; k < accounts.length; k++) {
        const i = (cursor + k) % accounts.length;
        const a = accounts[i]!;
        if (a.done || a.next >= a.candidates.length) continue;
        if (!best || a.next < best.next) {
          best = a;
          bestIdx = i;
        }
      }
      if (!best) {
        if (!pending()) finish("verification did not complete");
        return;
      }
      cursor = (bestIdx + 1) % accounts.length;
      const start = best.next;
      best.next = Math.min(best.candidates.length, start + best.chunk);
      best.inflight++;
      slot.job = { account: best, start };
      const job: VerifyJob = { id: nextId++, hash: best.hash, candidates: best.candidates.slice(start, best.next) };
      slot.worker.postMessage(job);
    };

    const onAnswer = (slot: Slot, ans: VerifyAnswer) => {
      const held = slot.job;
      if (held) {
        const a = held.account;
        a.inflight--;
        if (!a.done) {
          if (ans.unsupported) {
            a.done = true;
            a.skipReason = unsupportedReason(a.hash);
          } else if (ans.match >= 0) {
            a.done = true;
            a.match = a.reasons[held.start + ans.match]!;
          } else if (a.next >= a.candidates.length && a.inflight === 0) {
            a.done = true;
          }
        }
      }
      feed(slot);
    };

    const onFailure = (slot: Slot) => {
      const i = slots.indexOf(slot);
      if (finished || i < 0) return;
      slots.splice(i, 1);
      // the chunk this worker held is lost, so its account cannot be judged
      if (slot.job && !slot.job.account.done) {
        slot.job.account.done = true;
        slot.job.account.skipReason = "verification worker failed";
      }
      if (slots.length === 0) finish("verification worker failed");
      else if (!pending()) finish("verification did not complete");
    };

    if (deadline !== undefined) timer = setTimeout(() => finish("time budget exhausted"), Math.max(0, deadline - performance.now()));

    for (let i = 0; i < nWorkers; i++) {
      const slot: Slot = { worker: new Worker(WORKER_URL), job: null };
      slot.worker.on("message", (ans: VerifyAnswer) => onAnswer(slot, ans));
      slot.worker.on("error", () => onFailure(slot));
      slot.worker.on("exit", () => onFailure(slot));
      slots.push(slot);
    }
    for (const s of [...slots]) feed(s);
  });
}
