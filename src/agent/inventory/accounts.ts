/**
 * AGT-7: local account inventory — users, uid-0 accounts, shells, password state and
 * authorized keys — for the server's backdoor-account judgement (see detection/backdoor.ts).
 *
 * Everything is read under `root` (default "/"), so tests and container scans can point at
 * a fake tree; paths reported in the output are the host's view (without `root`).
 *
 * Never a password hash: /etc/shadow is reduced to set | empty | locked | none on the spot.
 * A passwd password field other than "x" is judged itself ("" = empty, as pam_unix does).
 * When shadow is unreadable every "x" account reports "none" (the agent normally runs as root).
 *
 * `packaged` heuristic (is the account from the OS or a package?):
 *  - Debian: names listed in usr/share/base-passwd/passwd.master; RHEL: names in
 *    usr/share/doc/setup*\/uidgid. With neither list present `packaged` is left undefined.
 *  - With a list, other system accounts (0 < uid < UID_MIN) count as packaged too (package
 *    scripts create them with adduser --system) — EXCEPT one with an interactive shell AND
 *    (authorized keys or a usable password): that is exactly what a backdoor looks like, so
 *    it is packaged only when the list names it.
 *  - Everything else (uid 0 other than root, uid >= UID_MIN) is packaged: false.
 *
 * sudo: member (listed or primary group) of sudo/wheel/admin, or granted ALL in sudoers,
 * sudoers.d/* (sudo's naming rule: no "." and no trailing "~") and their @include(dir)s.
 * The sudoers parsing is simple: User_Alias/Runas_Alias/netgroups are ignored, a user spec
 * counts when any command in it is the bare word ALL. sudo is undefined when the main
 * sudoers file exists but cannot be read and no group membership proves it.
 *
 * Keys: ~/.ssh/authorized_keys, ~/.ssh/authorized_keys2 and every AuthorizedKeysFile of
 * sshd_config (global section, Include followed, first value wins as in sshd; %h %u %U %%).
 * AuthorizedKeysCommand is not run. Reads are bounded: 1 MiB per file (the rest ignored),
 * lines over 16 KiB skipped, 200 keys per account; symlinks are followed by open(2), so a
 * loop fails with ELOOP and is skipped; FIFOs and devices are not read; unreadable = no keys.
 */
import { open, readdir } from "node:fs/promises";
import { constants } from "node:fs";
import { createHash } from "node:crypto";
import { join, posix } from "node:path";
import type { InventoryAccount } from "../../protocol/index.ts";

export const DEFAULT_UID_MIN = 1000;
export const MAX_KEYS_PER_ACCOUNT = 200;
export const MAX_KEY_FILE_BYTES = 1024 * 1024;
export const MAX_KEY_LINE_CHARS = 16 * 1024;
const MAX_SYSTEM_FILE_BYTES = 16 * 1024 * 1024;
const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
const MAX_ACCOUNTS = 20_000;
const MAX_INCLUDE_DEPTH = 8;
const MAX_INCLUDED_FILES = 128;
const SUDO_GROUPS = new Set(["sudo", "wheel", "admin"]);
const NON_LOGIN_SHELLS = new Set(["nologin", "false", "true", "sync", "halt", "shutdown"]);
const DEFAULT_KEY_FILES = [".ssh/authorized_keys", ".ssh/authorized_keys2"];

export interface AccountInventory {
  uidMin: number;
  accounts: InventoryAccount[];
}

export interface CollectAccountsOptions {
  /** Directory treated as "/"; default "/". */
  root?: string;
}

type InventoryKey = InventoryAccount["keys"][number];
type PasswordState = InventoryAccount["password"];

const clip = (s: string, n: number): string => (s.length > n ? s.slice(0, n) : s);

/** A host path re-rooted under `root`; ".." cannot climb out of it. */
function under(root: string, hostPath: string): string {
  return join(root, posix.normalize("/" + hostPath));
}

type ReadResult = { text: string; truncated: boolean } | { error: string };

/**
 * Reads at most `max` bytes of a regular file. O_NONBLOCK keeps a FIFO planted as
 * authorized_keys from hanging the agent; non-regular files are refused.
 */
async function readBounded(path: string, max: number): Promise<ReadResult> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    return { error: (e as NodeJS.ErrnoException).code ?? "EIO" };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { error: "ENOTFILE" };
    const buf = Buffer.alloc(Math.min(max, st.size));
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    let text = buf.subarray(0, got).toString("utf8");
    const truncated = st.size > max;
    // A cut-off last line is not a line.
    if (truncated) text = text.slice(0, text.lastIndexOf("\n") + 1);
    return { text, truncated };
  } catch (e) {
    return { error: (e as NodeJS.ErrnoException).code ?? "EIO" };
  } finally {
    await fh.close().catch(() => {});
  }
}

async function readText(path: string, max: number): Promise<string | null> {
  const r = await readBounded(path, max);
  return "text" in r ? r.text : null;
}

function parseId(s: string | undefined): number | null {
  if (s === undefined || !/^\d{1,10}$/.test(s)) return null;
  const n = Number(s);
  return n <= 2 ** 32 ? n : null;
}

// ---------------------------------------------------------------- authorized_keys

/** sha256 of the key blob, unpadded base64: what `ssh-keygen -lf` prints after "SHA256:". */
export function keyFingerprint(blob: Uint8Array): string {
  return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

const KEY_TYPE = /^(?:ssh-|ecdsa-|sk-)[A-Za-z0-9@._+-]{1,60}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** `type base64 [comment]` with a blob that really starts with that type, or null. */
function parseKey(s: string): { type: string; fingerprint: string; comment?: string } | null {
  const m = /^(\S+)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(s);
  if (!m) return null;
  const type = m[1]!;
  const b64 = m[2]!;
  if (!KEY_TYPE.test(type) || !BASE64.test(b64)) return null;
  const blob = Buffer.from(b64, "base64");
  // SSH wire format: uint32 length + key type name, which must match the text type.
  if (blob.length < 4 + type.length) return null;
  const len = blob.readUInt32BE(0);
  if (len !== type.length || blob.toString("latin1", 4, 4 + len) !== type) return null;
  const comment = m[3]?.trim();
  return { type, fingerprint: keyFingerprint(blob), ...(comment ? { comment: clip(comment, 256) } : {}) };
}

/**
 * End of the options field of an authorized_keys line: the first space or tab outside double
 * quotes (a quote may be escaped with a backslash inside them), as sshd reads it; -1 if a quote
 * is left open.
 */
function optionsEnd(line: string): number {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === "\\" && line[i + 1] === '"') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === " " || c === "\t") return i;
  }
  return -1;
}

/** One authorized_keys line → key, or null for blanks, comments and malformed lines. */
export function parseAuthorizedKeysLine(raw: string): { type: string; fingerprint: string; comment?: string } | null {
  const line = raw.trim();
  if (!line || line.startsWith("#") || line.length > MAX_KEY_LINE_CHARS) return null;
  // As sshd: try the line as a bare key first, otherwise skip the options field and retry.
  const bare = parseKey(line);
  if (bare) return bare;
  const end = optionsEnd(line);
  if (end <= 0) return null;
  return parseKey(line.slice(end).trimStart());
}

async function readKeyFile(root: string, hostFile: string, limit: number): Promise<InventoryKey[]> {
  const r = await readBounded(under(root, hostFile), MAX_KEY_FILE_BYTES);
  if (!("text" in r)) return [];
  const out: InventoryKey[] = [];
  const file = clip(hostFile, 1024);
  for (const line of r.text.split("\n")) {
    if (out.length >= limit) break;
    const k = parseAuthorizedKeysLine(line);
    if (k) out.push({ file, ...k });
  }
  return out;
}

/** Expands sshd's %-tokens (%h %u %U %%), a relative path under the home; null for an unknown token (sshd would refuse the file). */
export function expandKeysPath(tpl: string, home: string, user: string, uid: number): string | null {
  let out = "";
  for (let i = 0; i < tpl.length; i++) {
    const c = tpl[i]!;
    if (c !== "%") {
      out += c;
      continue;
    }
    const t = tpl[++i];
    if (t === "%") out += "%";
    else if (t === "h") out += home;
    else if (t === "u") out += user;
    else if (t === "U") out += String(uid);
    else return null;
  }
  return posix.normalize(out.startsWith("/") ? out : posix.join(home || "/", out));
}

// ---------------------------------------------------------------- sshd_config

/** Splits a config line into words, honouring double quotes. */
function configWords(s: string): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(/"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2]!);
  return out;
}

function globToRegExp(g: string): RegExp {
  return new RegExp("^" + g.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$");
}

/** Host paths an sshd Include names; a glob is allowed in the last component only. */
async function expandInclude(root: string, pattern: string): Promise<string[]> {
  const p = pattern.startsWith("/") ? pattern : posix.join("/etc/ssh", pattern);
  const dir = posix.dirname(p);
  const base = posix.basename(p);
  if (!/[*?]/.test(base)) return [p];
  try {
    const re = globToRegExp(base);
    return (await readdir(under(root, dir))).filter((n) => re.test(n)).sort().map((n) => posix.join(dir, n));
  } catch {
    return [];
  }
}

/** AuthorizedKeysFile of the global section of sshd_config (first one wins, as in sshd), or null. */
export async function sshdAuthorizedKeysFiles(root: string): Promise<string[] | null> {
  let budget = MAX_INCLUDED_FILES;
  const walk = async (hostFile: string, depth: number): Promise<string[] | null | "stop"> => {
    if (depth > MAX_INCLUDE_DEPTH || budget-- <= 0) return null;
    const text = await readText(under(root, hostFile), MAX_CONFIG_FILE_BYTES);
    if (text === null) return null;
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (!line || line.startsWith("#")) continue;
      const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
      if (!m) continue;
      const kw = m[1]!.toLowerCase();
      const words = configWords(m[2]!);
      // Everything after a Match line is conditional; the global value is what we report.
      if (kw === "match") return "stop";
      if (kw === "authorizedkeysfile") return words.length === 1 && words[0] === "none" ? [] : words;
      if (kw === "include") {
        for (const w of words) {
          for (const f of await expandInclude(root, w)) {
            const r = await walk(f, depth + 1);
            if (r !== null) return r;
          }
        }
      }
    }
    return null;
  };
  const r = await walk("/etc/ssh/sshd_config", 0);
  return r === "stop" ? null : r;
}

// ---------------------------------------------------------------- sudoers

interface SudoGrants {
  users: Set<string>;
  groups: Set<string>;
  uids: Set<number>;
  gids: Set<number>;
}

function parseSudoers(text: string, grants: SudoGrants): { includes: string[]; includeDirs: string[] } {
  const includes: string[] = [];
  const includeDirs: string[] = [];
  for (const raw of text.replace(/\\\r?\n/g, " ").split("\n")) {
    const line = raw.trim();
    const inc = /^[@#](include|includedir)\s+(.+)$/.exec(line);
    if (inc) {
      (inc[1] === "include" ? includes : includeDirs).push(inc[2]!.trim().replace(/^"(.*)"$/, "$1"));
      continue;
    }
    // "#" starts a comment, except "#123" which is a uid.
    const body = line.replace(/(^|\s)#(?!\d).*$/, "").trim();
    if (!body || /^(Defaults|User_Alias|Runas_Alias|Host_Alias|Cmnd_Alias|Cmd_Alias)\b/.test(body)) continue;
    const eq = body.indexOf("=");
    if (eq < 0) continue;
    const left = body.slice(0, eq).replace(/\s*,\s*/g, ",").trim().split(/\s+/);
    if (left.length < 2) continue;
    const cmnds = body.slice(eq + 1).replace(/\([^)]*\)/g, " ").replace(/\b[A-Z_]+\s*:/g, " ");
    if (!cmnds.split(/[,:]/).some((c) => c.trim() === "ALL")) continue;
    for (const u of left[0]!.split(",")) {
      if (!u || u.startsWith("!") || u.startsWith("+") || u.startsWith("%:")) continue;
      if (u.startsWith("%#")) {
        const g = parseId(u.slice(2));
        if (g !== null) grants.gids.add(g);
      } else if (u.startsWith("%")) grants.groups.add(u.slice(1));
      else if (u.startsWith("#")) {
        const id = parseId(u.slice(1));
        if (id !== null) grants.uids.add(id);
      } else grants.users.add(u);
    }
  }
  return { includes, includeDirs };
}

/** Grants of sudoers, sudoers.d and their includes; `known` is false when sudoers exists but is unreadable. */
async function collectSudo(root: string): Promise<{ grants: SudoGrants; known: boolean }> {
  const grants: SudoGrants = { users: new Set(), groups: new Set(), uids: new Set(), gids: new Set() };
  const seen = new Set<string>();
  let known = true;
  const readDir = async (hostDir: string, depth: number): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(under(root, hostDir));
    } catch {
      return;
    }
    // sudo skips names containing "." or ending in "~" (editor backups, package leftovers).
    for (const n of names.filter((x) => !x.includes(".") && !x.endsWith("~")).sort()) await readSudoersFile(posix.join(hostDir, n), depth + 1);
  };
  const readSudoersFile = async (hostFile: string, depth: number): Promise<void> => {
    if (depth > MAX_INCLUDE_DEPTH || seen.has(hostFile) || seen.size >= MAX_INCLUDED_FILES) return;
    seen.add(hostFile);
    const r = await readBounded(under(root, hostFile), MAX_CONFIG_FILE_BYTES);
    if (!("text" in r)) {
      if (hostFile === "/etc/sudoers" && r.error !== "ENOENT") known = false;
      return;
    }
    const { includes, includeDirs } = parseSudoers(r.text, grants);
    const rel = (p: string) => (p.startsWith("/") ? p : posix.join(posix.dirname(hostFile), p));
    for (const p of includes) await readSudoersFile(rel(p), depth + 1);
    for (const d of includeDirs) await readDir(rel(d), depth);
  };
  await readSudoersFile("/etc/sudoers", 0);
  await readDir("/etc/sudoers.d", 0);
  return { grants, known };
}

// ---------------------------------------------------------------- passwd, shadow, group, login.defs

interface PasswdEntry {
  name: string;
  pw: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split("\n")) {
    if (out.length >= MAX_ACCOUNTS) break;
    // "+"/"-" lines are NIS compat entries, not local accounts.
    if (!line || line.startsWith("#") || line.startsWith("+") || line.startsWith("-")) continue;
    const f = line.split(":");
    if (f.length !== 7) continue;
    const uid = parseId(f[2]);
    const gid = parseId(f[3]);
    if (!f[0] || uid === null || gid === null) continue;
    out.push({ name: f[0], pw: f[1]!, uid, gid, home: f[5]!, shell: f[6]!.trim() });
  }
  return out;
}

function passwordState(field: string): PasswordState {
  if (field === "") return "empty";
  if (field.startsWith("!") || field.startsWith("*")) return "locked";
  return "set";
}

/** name → state and last change; the hash itself is dropped right here. */
function parseShadow(text: string): Map<string, { state: PasswordState; changed?: number }> {
  const out = new Map<string, { state: PasswordState; changed?: number }>();
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length < 3 || !f[0] || out.has(f[0])) continue;
    const days = parseId(f[2]);
    // 0 means "must change at next logon", not a date.
    out.set(f[0], { state: passwordState(f[1]!), ...(days ? { changed: days * 86_400_000 } : {}) });
  }
  return out;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(":");
    const gid = parseId(f[2]);
    if (f.length < 4 || !f[0] || gid === null) continue;
    out.push({ name: f[0], gid, members: f[3]!.split(",").map((m) => m.trim()).filter(Boolean) });
  }
  return out;
}

function parseUidMin(text: string | null): number {
  const v = text && /^[ \t]*UID_MIN[ \t]+(\d{1,10})[ \t]*$/m.exec(text);
  const n = v ? parseId(v[1]) : null;
  return n ?? DEFAULT_UID_MIN;
}

/** Names the OS itself ships (Debian base-passwd, RHEL setup), or null when the host has no such list. */
async function packagedNames(root: string): Promise<Set<string> | null> {
  const master = await readText(under(root, "/usr/share/base-passwd/passwd.master"), MAX_CONFIG_FILE_BYTES);
  if (master !== null) return new Set(parsePasswdNames(master));
  let docs: string[] = [];
  try {
    docs = (await readdir(under(root, "/usr/share/doc"))).filter((d) => d.startsWith("setup")).sort();
  } catch {
    return null;
  }
  for (const d of docs) {
    const t = await readText(under(root, `/usr/share/doc/${d}/uidgid`), MAX_CONFIG_FILE_BYTES);
    if (t === null) continue;
    // Columns: NAME UID GID HOME SHELL PACKAGES, header first.
    const names = t.split("\n").map((l) => l.trim().split(/\s+/)[0] ?? "").filter((n) => n && n !== "NAME" && !n.startsWith("#"));
    return new Set(names);
  }
  return null;
}

function parsePasswdNames(text: string): string[] {
  return text.split("\n").map((l) => l.split(":")[0] ?? "").filter((n) => n && !n.startsWith("#"));
}

/** nologin, false, true, sync, halt, shutdown cannot hold a logon; an empty shell means /bin/sh. */
export function isInteractiveShell(shell: string): boolean {
  const s = shell.trim();
  if (!s) return true;
  return !NON_LOGIN_SHELLS.has(posix.basename(s));
}

// ---------------------------------------------------------------- collect

export async function collectAccounts(o: CollectAccountsOptions = {}): Promise<AccountInventory> {
  const root = o.root ?? "/";
  const [passwdText, shadowText, groupText, loginDefs, packaged, sudo, configured] = await Promise.all([
    readText(under(root, "/etc/passwd"), MAX_SYSTEM_FILE_BYTES),
    readText(under(root, "/etc/shadow"), MAX_SYSTEM_FILE_BYTES),
    readText(under(root, "/etc/group"), MAX_SYSTEM_FILE_BYTES),
    readText(under(root, "/etc/login.defs"), MAX_CONFIG_FILE_BYTES),
    packagedNames(root),
    collectSudo(root),
    sshdAuthorizedKeysFiles(root),
  ]);
  const uidMin = parseUidMin(loginDefs);
  const shadow = parseShadow(shadowText ?? "");
  const groups = parseGroup(groupText ?? "");

  const sudoMembers = new Set<string>();
  const sudoGids = new Set<number>(sudo.grants.gids);
  for (const g of groups) {
    if (SUDO_GROUPS.has(g.name) || sudo.grants.groups.has(g.name)) {
      sudoGids.add(g.gid);
      for (const m of g.members) sudoMembers.add(m);
    }
  }

  const templates = [...DEFAULT_KEY_FILES, ...(configured ?? [])];
  // Accounts often share a home (/nonexistent, /var/www): read each file once.
  const keyCache = new Map<string, Promise<InventoryKey[]>>();

  const accounts: InventoryAccount[] = [];
  for (const p of parsePasswd(passwdText ?? "")) {
    const password = p.pw === "x" ? (shadow.get(p.name)?.state ?? "none") : passwordState(p.pw);
    const changed = p.pw === "x" ? shadow.get(p.name)?.changed : undefined;

    const keys: InventoryKey[] = [];
    const files = new Set<string>();
    for (const t of templates) {
      const f = expandKeysPath(t, p.home, p.name, p.uid);
      if (f !== null) files.add(f);
    }
    for (const f of files) {
      if (keys.length >= MAX_KEYS_PER_ACCOUNT) break;
      let cached = keyCache.get(f);
      if (!cached) keyCache.set(f, (cached = readKeyFile(root, f, MAX_KEYS_PER_ACCOUNT)));
      keys.push(...(await cached).slice(0, MAX_KEYS_PER_ACCOUNT - keys.length));
    }

    const interactiveShell = isInteractiveShell(p.shell);
    const systemAccount = p.uid !== 0 && p.uid < uidMin;
    let pkg: boolean | undefined;
    if (packaged) {
      const looksLikeBackdoor = interactiveShell && (keys.length > 0 || password === "set" || password === "empty");
      pkg = packaged.has(p.name) || (systemAccount && !looksLikeBackdoor);
    }
    const isSudo =
      sudoMembers.has(p.name) || sudoGids.has(p.gid) || sudo.grants.users.has(p.name) || sudo.grants.uids.has(p.uid);

    accounts.push({
      name: clip(p.name, 256),
      uid: p.uid,
      gid: p.gid,
      home: clip(p.home, 1024),
      shell: clip(p.shell, 1024),
      interactiveShell,
      password,
      ...(changed !== undefined ? { passwordChanged: changed } : {}),
      systemAccount,
      ...(pkg !== undefined ? { packaged: pkg } : {}),
      keys,
      ...(isSudo || sudo.known ? { sudo: isSudo } : {}),
    });
  }
  return { uidMin, accounts };
}
