import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import { closeSync, constants, existsSync, fchmodSync, fchownSync, fstatSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, realpathSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, join, posix } from "node:path";

/** What the vault keeps about a quarantined file (RSP-2, WS-7): enough to restore it exactly. */
export interface QuarantineEntry {
  /** 2: metadata bound to the ciphertext (GCM additional data) and MACed; older entries are never restored. */
  v: 2;
  id: string;
  originalPath: string;
  sha256: string;
  md5: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  quarantinedAt: number;
  /** AES-256-GCM nonce and tag, hex. */
  iv: string;
  tag: string;
  /** HMAC-SHA-256 of the metadata above, hex: a list never shows an edited or forged sidecar. */
  mac: string;
}

/** One entry as the agent reports it (telemetry `vault` record). */
export interface VaultListEntry {
  id: string;
  originalPath: string;
  sha256: string;
  md5: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  quarantinedAt: number;
  expiresAt: number;
}

export interface VaultResult {
  ok: boolean;
  message: string;
  entry?: VaultListEntry;
}

const DAY = 86_400_000;
/** WS-7: quarantined files can be restored for 30 days, then are purged. */
export const VAULT_RETENTION_MS = 30 * DAY;
export const VAULT_ENTRY_ID = /^q-[0-9]+-[0-9a-f]{12}$/;
const MAX_BYTES = 256 * 1024 * 1024;
const MAX_SIDECAR = 64 * 1024;
const HEX = (n: number) => new RegExp(`^[0-9a-f]{${n}}$`);
const HEX12 = HEX(24), HEX16 = HEX(32), HEX32 = HEX(32), HEX64 = HEX(64);

/**
 * MIN-5 / RSP-2 / WS-7: the agent's quarantine vault. A file is verified against the hash the
 * server named (never a different file at the same path), encrypted with AES-256-GCM under a
 * key that never leaves the host (so it can no longer run or be read by accident), renamed to
 * an opaque id, and only then removed from its place. Its original path, owner, mode and
 * hashes are kept for a restore.
 *
 * The sidecar `<id>.json` is not trusted on its own: its metadata is the GCM additional data
 * of the ciphertext and is MACed with a key derived from the vault key, so an edited path (or
 * owner, or mode) fails authentication and a restore refuses. A restore goes only to the
 * recorded path — never one from the server — and refuses a path that is not absolute and
 * normal, whose directory resolves through a symbolic link, or where a file already exists.
 */
export class QuarantineVault {
  readonly dir: string;
  readonly retentionMs: number;
  constructor(dir: string, o: { retentionMs?: number } = {}) {
    this.dir = dir;
    this.retentionMs = o.retentionMs ?? VAULT_RETENTION_MS;
  }

  /** The vault key, created on first use; null when none exists and `create` is false. */
  #keys(create: boolean): { enc: Buffer; mac: Buffer } | null {
    const f = join(this.dir, "vault.key");
    if (!existsSync(f)) {
      if (!create) return null;
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      try {
        writeFileSync(f, randomBytes(32), { mode: 0o600, flag: "wx" });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
    }
    const key = readFileSync(f);
    const derive = (info: string) => Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), info, 32));
    return { enc: derive("hostward vault v2 content"), mac: derive("hostward vault v2 metadata") };
  }

  quarantine(path: string, sha256: string, now: number): VaultResult {
    let fd: number;
    try {
      // O_NOFOLLOW: a symbolic link put in the file's place is not followed to another file
      fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return { ok: false, message: code === "ENOENT" ? `${path}: no such file (already removed?)` : code === "ELOOP" ? `${path}: a symbolic link; refused` : `${path}: cannot be read (${code ?? (e as Error).message})` };
    }
    let data: Buffer, st;
    try {
      st = fstatSync(fd);
      if (!st.isFile()) return { ok: false, message: `${path}: not a regular file; refused` };
      if (st.size > MAX_BYTES) return { ok: false, message: `${path}: larger than ${MAX_BYTES} bytes; refused` };
      data = Buffer.alloc(st.size);
      let got = 0;
      while (got < data.length) {
        const n = readSync(fd, data, got, data.length - got, got);
        if (n === 0) break;
        got += n;
      }
      data = data.subarray(0, got);
    } finally {
      closeSync(fd);
    }
    const have = createHash("sha256").update(data).digest("hex");
    if (have !== sha256) return { ok: false, message: `${path}: its SHA-256 is ${have}, not the ${sha256} asked for; refused (the file changed)` };
    let originalPath: string;
    try {
      // the canonical place, so that the restore (which refuses symlinked directories) can go back there
      originalPath = join(realpathSync(dirname(path)), basename(path));
    } catch (e) {
      return { ok: false, message: `${path}: its directory cannot be resolved (${(e as Error).message}); refused` };
    }
    const vaultDir = (() => { try { return realpathSync(this.dir); } catch { return this.dir; } })();
    if (originalPath.startsWith(vaultDir + "/")) return { ok: false, message: `${path}: inside the quarantine vault; refused` };
    const keys = this.#keys(true)!;
    const iv = randomBytes(12);
    const id = `q-${now}-${have.slice(0, 12)}`;
    const meta = { id, originalPath, sha256: have, md5: createHash("md5").update(data).digest("hex"), size: data.length, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, quarantinedAt: now };
    const c = createCipheriv("aes-256-gcm", keys.enc, iv);
    c.setAAD(aad(meta));
    const enc = Buffer.concat([c.update(data), c.final()]);
    const tag = c.getAuthTag().toString("hex");
    const entry: QuarantineEntry = { v: 2, ...meta, iv: iv.toString("hex"), tag, mac: "" };
    entry.mac = mac(keys.mac, entry);
    const bin = join(this.dir, `${id}.bin`), side = join(this.dir, `${id}.json`);
    try {
      writeFileSync(bin, enc, { mode: 0o600, flag: "wx" });
    } catch (e) {
      return { ok: false, message: `${path}: could not be stored in the vault (${(e as Error).message}); nothing quarantined` };
    }
    try {
      writeFileSync(side, JSON.stringify(entry, null, 2), { mode: 0o600, flag: "wx" });
    } catch (e) {
      rmQuiet(bin);
      return { ok: false, message: `${path}: could not be stored in the vault (${(e as Error).message}); nothing quarantined` };
    }
    try {
      // the file we read, not one swapped in meanwhile
      const now2 = lstatSync(path);
      if (now2.ino !== st.ino || now2.dev !== st.dev) throw new Error("the file was replaced while it was read");
      unlinkSync(path);
    } catch (e) {
      rmQuiet(bin);
      rmQuiet(side);
      return { ok: false, message: `${path}: could not be removed (${(e as Error).message}); nothing quarantined` };
    }
    return { ok: true, message: `${path} quarantined as ${id} (sha256 ${have}, ${data.length} bytes)`, entry: listed(entry, this.retentionMs) };
  }

  /** RSP-2: the entries whose metadata authenticates, oldest first (a forged or edited sidecar is left out). */
  list(): VaultListEntry[] {
    return this.#scan().entries.map((e) => listed(e, this.retentionMs));
  }

  #scan(): { entries: QuarantineEntry[]; invalid: string[] } {
    const entries: QuarantineEntry[] = [];
    const invalid: string[] = [];
    if (!existsSync(this.dir)) return { entries, invalid };
    const keys = this.#keys(false);
    for (const f of readdirSync(this.dir).sort()) {
      const m = /^(q-[0-9]+-[0-9a-f]{12})\.json$/.exec(f);
      if (!m) continue;
      const r = this.#load(m[1]!, keys);
      if ("entry" in r) entries.push(r.entry);
      else invalid.push(m[1]!);
    }
    entries.sort((a, b) => a.quarantinedAt - b.quarantinedAt || (a.id < b.id ? -1 : 1));
    return { entries, invalid };
  }

  /** Reads and authenticates one sidecar; the id is validated by the caller. */
  #load(id: string, keys: { enc: Buffer; mac: Buffer } | null): { entry: QuarantineEntry } | { error: string } {
    const side = join(this.dir, `${id}.json`);
    let raw: string;
    try {
      const st = lstatSync(side);
      if (!st.isFile()) return { error: "its metadata is not a regular file" };
      if (st.size > MAX_SIDECAR) return { error: "its metadata is too large" };
      raw = readFileSync(side, "utf8");
    } catch (e) {
      return { error: (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such entry in the vault" : `its metadata cannot be read (${(e as Error).message})` };
    }
    let e: QuarantineEntry;
    try {
      e = JSON.parse(raw) as QuarantineEntry;
    } catch {
      return { error: "its metadata is not valid JSON" };
    }
    if (!isEntry(e) || e.id !== id) return { error: e && typeof e === "object" && (e as { v?: unknown }).v !== 2 ? "it was quarantined by an older agent without authenticated metadata" : "its metadata is malformed" };
    if (!keys) return { error: "the vault key is missing" };
    const want = Buffer.from(mac(keys.mac, e), "hex");
    if (!timingSafeEqual(want, Buffer.from(e.mac, "hex"))) return { error: "its metadata fails authentication (edited or forged)" };
    return { entry: e };
  }

  /**
   * RSP-2: puts a quarantined file back at its recorded path, with its owner and mode, if the
   * vault copy decrypts (GCM tag and metadata verified) to the hash recorded and asked for.
   * Never overwrites; the vault copy is removed only once the file is back.
   */
  restore(entryId: string, sha256: string, _now: number): VaultResult {
    if (!VAULT_ENTRY_ID.test(entryId)) return { ok: false, message: "refused: not a vault entry id" };
    if (!HEX64.test(sha256)) return { ok: false, message: "refused: not a SHA-256" };
    const r = this.#load(entryId, this.#keys(false));
    if ("error" in r) return { ok: false, message: `${entryId}: ${r.error}; refused` };
    const e = r.entry;
    if (e.sha256 !== sha256) return { ok: false, message: `${entryId} holds sha256 ${e.sha256}, not the ${sha256} asked for; refused` };
    const p = e.originalPath;
    const bad = pathProblem(p);
    if (bad) return { ok: false, message: `${entryId}: its recorded path ${JSON.stringify(p.slice(0, 256))} ${bad}; refused` };
    let plain: Buffer;
    try {
      const bin = join(this.dir, `${entryId}.bin`);
      const st = lstatSync(bin);
      if (!st.isFile() || st.size !== e.size) throw new Error("size");
      const d = createDecipheriv("aes-256-gcm", this.#keys(false)!.enc, Buffer.from(e.iv, "hex"));
      d.setAAD(aad(e));
      d.setAuthTag(Buffer.from(e.tag, "hex"));
      plain = Buffer.concat([d.update(readFileSync(bin)), d.final()]);
    } catch {
      return { ok: false, message: `${entryId}: the vault copy fails authentication (tampered, truncated or missing); refused` };
    }
    if (createHash("sha256").update(plain).digest("hex") !== e.sha256) return { ok: false, message: `${entryId}: the vault copy does not have its recorded hash; refused` };
    const parent = dirname(p);
    const where = realParent(parent);
    if (where !== parent) return { ok: false, message: where === null ? `${entryId}: ${parent} no longer exists; refused (recreate the directory first)` : `${entryId}: ${parent} resolves through a symbolic link to ${where}; refused` };
    try {
      lstatSync(p);
      return { ok: false, message: `${entryId}: a file already exists at ${p}; refused (never overwritten)` };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") return { ok: false, message: `${entryId}: ${p} cannot be checked (${(err as Error).message}); refused` };
    }
    // written beside the target under a fresh name, then linked into place: link() never replaces
    const tmp = join(parent, `.hostward-restore-${entryId}-${randomBytes(6).toString("hex")}`);
    let fd: number;
    try {
      fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    } catch (err) {
      return { ok: false, message: `${entryId}: cannot write in ${parent} (${(err as Error).message}); nothing restored` };
    }
    try {
      let off = 0;
      while (off < plain.length) off += writeSync(fd, plain, off, plain.length - off);
      fchownSync(fd, e.uid, e.gid);
      // after chown, which clears set-id bits
      fchmodSync(fd, e.mode);
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      rmQuiet(tmp);
      const code = (err as NodeJS.ErrnoException).code;
      return { ok: false, message: `${entryId}: could not recreate it ${code === "EPERM" ? `owned by ${e.uid}:${e.gid} (the agent is not root)` : `(${(err as Error).message})`}; nothing restored` };
    }
    closeSync(fd);
    try {
      // the directory was checked before writing; check it is still the same place
      if (realParent(parent) !== parent) throw Object.assign(new Error(`${parent} changed while restoring`), { code: "ESYMLINK" });
      linkSync(tmp, p);
    } catch (err) {
      rmQuiet(tmp);
      const code = (err as NodeJS.ErrnoException).code;
      return { ok: false, message: `${entryId}: ${code === "EEXIST" ? `a file appeared at ${p}; refused (never overwritten)` : (err as Error).message}; nothing restored` };
    }
    rmQuiet(tmp);
    rmQuiet(join(this.dir, `${entryId}.bin`));
    rmQuiet(join(this.dir, `${entryId}.json`));
    return { ok: true, message: `${entryId} restored to ${p} (sha256 ${e.sha256}, owner ${e.uid}:${e.gid}, mode ${e.mode.toString(8).padStart(4, "0")})`, entry: listed(e, this.retentionMs) };
  }

  /**
   * WS-7: deletes entries quarantined `retentionMs` (30 days) or more before `now`. Entries whose
   * metadata does not authenticate, and vault copies without metadata, go by their file's age.
   */
  purge(now: number): { purged: string[] } {
    const purged: string[] = [];
    if (!existsSync(this.dir)) return { purged };
    const { entries, invalid } = this.#scan();
    for (const e of entries) {
      if (e.quarantinedAt + this.retentionMs > now) continue;
      rmQuiet(join(this.dir, `${e.id}.bin`));
      rmQuiet(join(this.dir, `${e.id}.json`));
      purged.push(e.id);
    }
    const known = new Set(entries.map((e) => e.id));
    const others = new Set(invalid);
    for (const f of readdirSync(this.dir)) {
      const m = /^(q-[0-9]+-[0-9a-f]{12})\.bin$/.exec(f);
      if (m && !known.has(m[1]!)) others.add(m[1]!);
    }
    for (const id of others) {
      const files = [`${id}.json`, `${id}.bin`].map((f) => join(this.dir, f));
      const mtime = Math.max(...files.map((f) => { try { return lstatSync(f).mtimeMs; } catch { return 0; } }));
      if (mtime + this.retentionMs > now) continue;
      for (const f of files) rmQuiet(f);
      purged.push(id);
    }
    return { purged };
  }
}

type Meta = Pick<QuarantineEntry, "id" | "originalPath" | "sha256" | "md5" | "size" | "mode" | "uid" | "gid" | "quarantinedAt">;

/** The metadata in a fixed order: the GCM additional data and the MAC's input. */
function canonical(m: Meta): string {
  return JSON.stringify(["hostward-vault-v2", m.id, m.originalPath, m.sha256, m.md5, m.size, m.mode, m.uid, m.gid, m.quarantinedAt]);
}

function aad(m: Meta): Buffer {
  return Buffer.from(canonical(m), "utf8");
}

function mac(key: Buffer, e: QuarantineEntry): string {
  return createHmac("sha256", key).update(canonical(e)).update("\0").update(e.iv).update("\0").update(e.tag).digest("hex");
}

function listed(e: QuarantineEntry, retentionMs: number): VaultListEntry {
  return { id: e.id, originalPath: e.originalPath, sha256: e.sha256, md5: e.md5, size: e.size, mode: e.mode, uid: e.uid, gid: e.gid, quarantinedAt: e.quarantinedAt, expiresAt: e.quarantinedAt + retentionMs };
}

const isInt = (n: unknown, max = Number.MAX_SAFE_INTEGER): n is number => typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= max;

function isEntry(x: unknown): x is QuarantineEntry {
  if (!x || typeof x !== "object") return false;
  const e = x as Record<string, unknown>;
  return e.v === 2 && typeof e.id === "string" && VAULT_ENTRY_ID.test(e.id) && typeof e.originalPath === "string" && e.originalPath.length <= 4096
    && typeof e.sha256 === "string" && HEX64.test(e.sha256) && typeof e.md5 === "string" && HEX32.test(e.md5)
    && isInt(e.size, MAX_BYTES) && isInt(e.mode, 0o7777) && isInt(e.uid, 2 ** 32 - 1) && isInt(e.gid, 2 ** 32 - 1) && isInt(e.quarantinedAt) && e.quarantinedAt > 0
    && typeof e.iv === "string" && HEX12.test(e.iv) && typeof e.tag === "string" && HEX16.test(e.tag) && typeof e.mac === "string" && HEX64.test(e.mac);
}

/** Why a recorded path is no place to restore to, or null when it is absolute and normal. */
export function pathProblem(p: string): string | null {
  if (!p.startsWith("/")) return "is not absolute";
  if (p.includes("\0")) return "contains a NUL byte";
  const segs = p.split("/").slice(1);
  if (segs.some((s) => s === "..")) return "contains a `..` segment";
  if (segs.some((s) => s === "." || s === "") || posix.normalize(p) !== p) return "is not a normal path";
  return null;
}

/** The real path of a directory, or null when it does not exist (or is not a directory). */
function realParent(dir: string): string | null {
  try {
    const r = realpathSync(dir);
    return lstatSync(r).isDirectory() ? r : null;
  } catch {
    return null;
  }
}

function rmQuiet(f: string): void {
  try {
    unlinkSync(f);
  } catch {
    // already gone
  }
}
