/**
 * SHA-crypt ($5$ sha256crypt, $6$ sha512crypt) as specified by Ulrich Drepper
 * (akkadia.org/drepper/SHA-crypt.txt) and implemented by glibc / libxcrypt:
 * default 5000 rounds, "rounds=N$" accepted for 1000 <= N <= 999999999, salt cut
 * at 16 characters.
 */
import { createHash, timingSafeEqual } from "node:crypto";

const B64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ROUNDS_DEFAULT = 5000;
const ROUNDS_MIN = 1000;
const ROUNDS_MAX = 999_999_999;
const SALT_LEN_MAX = 16;

type Variant = { prefix: "$5$" | "$6$"; algo: "sha256" | "sha512"; len: number; order: number[] };

/** Byte triples in output order (b2, b1, b0), then the trailing partial group. */
const SHA256_ORDER = [0, 10, 20, 21, 1, 11, 12, 22, 2, 3, 13, 23, 24, 4, 14, 15, 25, 5, 6, 16, 26, 27, 7, 17, 18, 28, 8, 9, 19, 29];
const SHA512_ORDER = [
  0, 21, 42, 22, 43, 1, 44, 2, 23, 3, 24, 45, 25, 46, 4, 47, 5, 26, 6, 27, 48, 28, 49, 7, 50, 8, 29, 9, 30, 51, 31, 52, 10,
  53, 11, 32, 12, 33, 54, 34, 55, 13, 56, 14, 35, 15, 36, 57, 37, 58, 16, 59, 17, 38, 18, 39, 60, 40, 61, 19, 62, 20, 41,
];

const SHA256: Variant = { prefix: "$5$", algo: "sha256", len: 32, order: SHA256_ORDER };
const SHA512: Variant = { prefix: "$6$", algo: "sha512", len: 64, order: SHA512_ORDER };

function b64From24(out: string[], b2: number, b1: number, b0: number, n: number): void {
  let w = (b2 << 16) | (b1 << 8) | b0;
  while (n-- > 0) {
    out.push(B64[w & 0x3f]!);
    w >>>= 6;
  }
}

function encode(v: Variant, r: Buffer): string {
  const out: string[] = [];
  const o = v.order;
  for (let i = 0; i < o.length; i += 3) b64From24(out, r[o[i]!]!, r[o[i + 1]!]!, r[o[i + 2]!]!, 4);
  if (v.len === 32) b64From24(out, 0, r[31]!, r[30]!, 3);
  else b64From24(out, 0, 0, r[63]!, 2);
  return out.join("");
}

/** The byte sequence `block` repeated to `len` bytes. */
function recycled(block: Buffer, len: number): Buffer {
  const out = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i += block.length) block.copy(out, i, 0, Math.min(block.length, len - i));
  return out;
}

function shaCryptWith(v: Variant, pw: Buffer, setting: string): string | null {
  if (!setting.startsWith(v.prefix)) return null;
  let rest = setting.slice(3);
  let rounds = ROUNDS_DEFAULT;
  let custom = false;
  if (rest.startsWith("rounds=")) {
    const m = /^rounds=([1-9][0-9]{0,9})\$/.exec(rest);
    if (!m) return null;
    rounds = Number(m[1]);
    if (rounds < ROUNDS_MIN || rounds > ROUNDS_MAX) return null;
    custom = true;
    rest = rest.slice(m[0].length);
  }
  let saltLen = rest.search(/[$:\n]/);
  if (saltLen < 0) saltLen = rest.length;
  else if (rest[saltLen] !== "$") return null;
  // hashes are ASCII; anything else is not something crypt(3) wrote
  if (!/^[\x20-\x7e]*$/.test(rest.slice(0, saltLen))) return null;
  const saltStr = rest.slice(0, Math.min(saltLen, SALT_LEN_MAX));
  const salt = Buffer.from(saltStr, "latin1");
  const H = () => createHash(v.algo);

  const alt = H().update(pw).update(salt).update(pw).digest();
  const a = H().update(pw).update(salt);
  let cnt = pw.length;
  for (; cnt > v.len; cnt -= v.len) a.update(alt);
  a.update(alt.subarray(0, cnt));
  for (cnt = pw.length; cnt > 0; cnt >>= 1) a.update(cnt & 1 ? alt : pw);
  let result = a.digest();

  const dp = H();
  for (let i = 0; i < pw.length; i++) dp.update(pw);
  const p = recycled(dp.digest(), pw.length);
  const ds = H();
  for (let i = 0; i < 16 + result[0]!; i++) ds.update(salt);
  const s = recycled(ds.digest(), salt.length);

  for (let i = 0; i < rounds; i++) {
    const c = H();
    c.update(i & 1 ? p : result);
    if (i % 3 !== 0) c.update(s);
    if (i % 7 !== 0) c.update(p);
    c.update(i & 1 ? result : p);
    result = c.digest();
  }
  return `${v.prefix}${custom ? `rounds=${rounds}$` : ""}${saltStr}$${encode(v, result)}`;
}

/** crypt(3) for "$5$" / "$6$" settings; null if malformed. */
export function shaCrypt(password: string | Uint8Array, setting: string): string | null {
  const pw = Buffer.from(typeof password === "string" ? Buffer.from(password, "utf8") : password);
  if (setting.startsWith("$5$")) return shaCryptWith(SHA256, pw, setting);
  if (setting.startsWith("$6$")) return shaCryptWith(SHA512, pw, setting);
  return null;
}

/** True/false for a sha256crypt / sha512crypt hash; null if it is not a well-formed one. */
export function shaCryptVerify(password: string, hash: string): boolean | null {
  const computed = shaCrypt(password, hash);
  if (computed === null) return null;
  const a = Buffer.from(computed);
  const b = Buffer.from(hash);
  return a.length === b.length && timingSafeEqual(a, b);
}
