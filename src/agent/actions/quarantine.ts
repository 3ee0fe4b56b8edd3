import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** What the vault keeps about a quarantined file (RSP-2, WS-7): enough to restore it exactly. */
export interface QuarantineEntry {
  id: string;
  originalPath: string;
  sha256: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  quarantinedAt: number;
  /** AES-256-GCM nonce and tag, hex. */
  iv: string;
  tag: string;
}

const MAX_BYTES = 256 * 1024 * 1024;

/**
 * MIN-5 / RSP-2: the agent's quarantine vault. A file is verified against the hash the
 * server named (never a different file at the same path), encrypted with AES-256-GCM under
 * a key that never leaves the host (so it can no longer run or be read by accident),
 * renamed to an opaque id, and only then removed from its place. Its original path, owner,
 * mode and hash are kept for a restore (issue #8 adds restore and the 30-day purge).
 */
export class QuarantineVault {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  #key(): Buffer {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const f = join(this.dir, "vault.key");
    if (!existsSync(f)) writeFileSync(f, randomBytes(32), { mode: 0o600, flag: "wx" });
    return readFileSync(f);
  }

  quarantine(path: string, sha256: string, now: number): { ok: boolean; message: string; entry?: QuarantineEntry } {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return { ok: false, message: `${path}: no such file (already removed?)` };
    }
    if (!st.isFile()) return { ok: false, message: `${path}: not a regular file; refused` };
    if (st.size > MAX_BYTES) return { ok: false, message: `${path}: larger than ${MAX_BYTES} bytes; refused` };
    const data = readFileSync(path);
    const have = createHash("sha256").update(data).digest("hex");
    if (have !== sha256) return { ok: false, message: `${path}: its SHA-256 is ${have}, not the ${sha256} asked for; refused (the file changed)` };
    const key = this.#key();
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", key, iv);
    const enc = Buffer.concat([c.update(data), c.final()]);
    const id = `q-${now}-${have.slice(0, 12)}`;
    const entry: QuarantineEntry = { id, originalPath: path, sha256: have, size: st.size, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, quarantinedAt: now, iv: iv.toString("hex"), tag: c.getAuthTag().toString("hex") };
    writeFileSync(join(this.dir, `${id}.bin`), enc, { mode: 0o600 });
    writeFileSync(join(this.dir, `${id}.json`), JSON.stringify(entry, null, 2), { mode: 0o600 });
    try {
      unlinkSync(path);
    } catch (e) {
      unlinkSync(join(this.dir, `${id}.bin`));
      unlinkSync(join(this.dir, `${id}.json`));
      return { ok: false, message: `${path}: could not be removed (${(e as Error).message}); nothing quarantined` };
    }
    chmodSync(join(this.dir, `${id}.bin`), 0o600);
    return { ok: true, message: `${path} quarantined as ${id} (sha256 ${have}, ${st.size} bytes)`, entry };
  }

  list(): QuarantineEntry[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir).filter((f) => f.endsWith(".json")).map((f) => JSON.parse(readFileSync(join(this.dir, f), "utf8")) as QuarantineEntry);
  }
}
