/**
 * md5crypt ($1$), Poul-Henning Kamp's FreeBSD scheme as implemented by glibc /
 * libxcrypt crypt-md5.c: 1000 fixed rounds, salt cut at 8 characters.
 */
import { createHash, timingSafeEqual } from "node:crypto";

const B64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const PREFIX = "$1$";
const SALT_LEN_MAX = 8;

function b64From24(out: string[], b2: number, b1: number, b0: number, n: number): void {
  let w = (b2 << 16) | (b1 << 8) | b0;
  while (n-- > 0) {
    out.push(B64[w & 0x3f]!);
    w >>>= 6;
  }
}

/** crypt(3) for "$1$" settings; null if malformed. */
export function md5Crypt(password: string | Uint8Array, setting: string): string | null {
  if (!setting.startsWith(PREFIX)) return null;
  const rest = setting.slice(PREFIX.length);
  let saltLen = rest.search(/[$:\n]/);
  if (saltLen < 0) saltLen = rest.length;
  else if (rest[saltLen] !== "$") return null;
  if (!/^[\x20-\x7e]*$/.test(rest.slice(0, saltLen))) return null;
  const saltStr = rest.slice(0, Math.min(saltLen, SALT_LEN_MAX));
  const salt = Buffer.from(saltStr, "latin1");
  const pw = typeof password === "string" ? Buffer.from(password, "utf8") : Buffer.from(password);
  const H = () => createHash("md5");

  const alt = H().update(pw).update(salt).update(pw).digest();
  const a = H().update(pw).update(PREFIX).update(salt);
  let cnt = pw.length;
  for (; cnt > 16; cnt -= 16) a.update(alt);
  a.update(alt.subarray(0, cnt));
  // The original quirk: for each bit of the length, a NUL byte (bit set) or the password's first byte.
  const nul = Buffer.alloc(1);
  const first = pw.subarray(0, 1);
  for (cnt = pw.length; cnt > 0; cnt >>= 1) a.update(cnt & 1 ? nul : first.length ? first : nul);
  let result = a.digest();

  for (let i = 0; i < 1000; i++) {
    const c = H();
    c.update(i & 1 ? pw : result);
    if (i % 3 !== 0) c.update(salt);
    if (i % 7 !== 0) c.update(pw);
    c.update(i & 1 ? result : pw);
    result = c.digest();
  }

  const out: string[] = [];
  b64From24(out, result[0]!, result[6]!, result[12]!, 4);
  b64From24(out, result[1]!, result[7]!, result[13]!, 4);
  b64From24(out, result[2]!, result[8]!, result[14]!, 4);
  b64From24(out, result[3]!, result[9]!, result[15]!, 4);
  b64From24(out, result[4]!, result[10]!, result[5]!, 4);
  b64From24(out, 0, 0, result[11]!, 2);
  return `${PREFIX}${saltStr}$${out.join("")}`;
}

/** True/false for a md5crypt hash; null if it is not a well-formed one. */
export function md5CryptVerify(password: string, hash: string): boolean | null {
  const computed = md5Crypt(password, hash);
  if (computed === null) return null;
  const a = Buffer.from(computed);
  const b = Buffer.from(hash);
  return a.length === b.length && timingSafeEqual(a, b);
}
