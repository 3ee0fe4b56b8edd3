/**
 * Traditional DES crypt(3): 2 salt characters + 11 hash characters, passwords
 * truncated to 8 bytes, 25 DES encryptions of a zero block with the E-box
 * perturbed by the 12-bit salt (as in FreeSec / libxcrypt crypt-des.c).
 * Tables are the FIPS 46-3 ones; S-box and P permutation are merged into
 * eight 64-entry lookup tables at load time.
 */
import { timingSafeEqual } from "node:crypto";

const ASCII64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const DES_HASH_RE = /^[./0-9A-Za-z]{13}$/;

const IP = [
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
  57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
];
const FP = [
  40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31, 38, 6, 46, 14, 54, 22, 62, 30, 37, 5, 45, 13, 53, 21, 61, 29,
  36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27, 34, 2, 42, 10, 50, 18, 58, 26, 33, 1, 41, 9, 49, 17, 57, 25,
];
const E = [
  32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, 8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17,
  16, 17, 18, 19, 20, 21, 20, 21, 22, 23, 24, 25, 24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1,
];
const P = [16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25];
const PC1 = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
  63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
  41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
const SBOX = [
  [14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
    4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13],
  [15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
    0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9],
  [10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
    13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12],
  [7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
    10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14],
  [2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
    4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3],
  [12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
    9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13],
  [4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
    1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12],
  [13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
    7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11],
];

/** SP[k][six bits] = P(S_k(six bits) placed at its nibble), bit 1 of a block = most significant. */
const SP: Int32Array[] = SBOX.map((box, k) => {
  const t = new Int32Array(64);
  for (let v = 0; v < 64; v++) {
    // row = outer bits (b1, b6), column = inner four bits
    const row = ((v >> 4) & 2) | (v & 1);
    const col = (v >> 1) & 15;
    const s = box[row * 16 + col]! << (28 - 4 * k); // S output bits 4k+1 .. 4k+4
    let out = 0;
    for (let i = 0; i < 32; i++) if (s & (1 << (31 - (P[i]! - 1)))) out |= 1 << (31 - i);
    t[v] = out;
  }
  return t;
});

/** 64-bit value as [hi, lo] uint32 pair; bit n (1-based, FIPS numbering) is the n-th most significant. */
function bit64(hi: number, lo: number, n: number): number {
  return n <= 32 ? (hi >>> (32 - n)) & 1 : (lo >>> (64 - n)) & 1;
}

function permute64(hi: number, lo: number, table: number[]): [number, number] {
  let oh = 0;
  let ol = 0;
  for (let i = 0; i < 32; i++) oh = (oh << 1) | bit64(hi, lo, table[i]!);
  for (let i = 32; i < 64; i++) ol = (ol << 1) | bit64(hi, lo, table[i]!);
  return [oh >>> 0, ol >>> 0];
}

/** 16 round keys, each as two 24-bit halves (E-output bits 1-24 and 25-48). */
function keySchedule(key: Uint8Array): Int32Array {
  const hi = ((key[0]! << 24) | (key[1]! << 16) | (key[2]! << 8) | key[3]!) >>> 0;
  const lo = ((key[4]! << 24) | (key[5]! << 16) | (key[6]! << 8) | key[7]!) >>> 0;
  let c = 0;
  let d = 0;
  for (let i = 0; i < 28; i++) c = (c << 1) | bit64(hi, lo, PC1[i]!);
  for (let i = 28; i < 56; i++) d = (d << 1) | bit64(hi, lo, PC1[i]!);
  const ks = new Int32Array(32);
  for (let round = 0; round < 16; round++) {
    for (let s = 0; s < SHIFTS[round]!; s++) {
      c = ((c << 1) | (c >>> 27)) & 0xfffffff;
      d = ((d << 1) | (d >>> 27)) & 0xfffffff;
    }
    // CD as 56 bits: bit n (1-based) of C for n <= 28, of D after
    const cdBit = (n: number) => (n <= 28 ? (c >>> (28 - n)) & 1 : (d >>> (56 - n)) & 1);
    let kl = 0;
    let kr = 0;
    for (let i = 0; i < 24; i++) kl = (kl << 1) | cdBit(PC2[i]!);
    for (let i = 24; i < 48; i++) kr = (kr << 1) | cdBit(PC2[i]!);
    ks[2 * round] = kl;
    ks[2 * round + 1] = kr;
  }
  return ks;
}

/** E expansion of R into two 24-bit halves. */
function expand(r: number): [number, number] {
  let l = 0;
  let h = 0;
  for (let i = 0; i < 24; i++) l = (l << 1) | ((r >>> (32 - E[i]!)) & 1);
  for (let i = 24; i < 48; i++) h = (h << 1) | ((r >>> (32 - E[i]!)) & 1);
  return [l, h];
}

/**
 * DES-encrypt the 64-bit block (hi, lo) `count` times with the given key schedule;
 * where bit i of the 24-bit saltbits is set, E-output bits i and i + 24 swap.
 */
export function desEncrypt(ks: Int32Array, hi: number, lo: number, saltbits: number, count: number): [number, number] {
  let [l, r] = permute64(hi, lo, IP);
  for (let n = 0; n < count; n++) {
    for (let round = 0; round < 16; round++) {
      let [el, er] = expand(r);
      const f = (el ^ er) & saltbits;
      el ^= f ^ ks[2 * round]!;
      er ^= f ^ ks[2 * round + 1]!;
      const out =
        SP[0]![(el >>> 18) & 63]! | SP[1]![(el >>> 12) & 63]! | SP[2]![(el >>> 6) & 63]! | SP[3]![el & 63]! |
        SP[4]![(er >>> 18) & 63]! | SP[5]![(er >>> 12) & 63]! | SP[6]![(er >>> 6) & 63]! | SP[7]![er & 63]!;
      const t = (l ^ out) >>> 0;
      l = r;
      r = t;
    }
    // undo the last swap: the output of 16 rounds is R16 L16
    const t = l;
    l = r;
    r = t;
  }
  return permute64(l, r, FP);
}

export function desKeySchedule(key: Uint8Array): Int32Array {
  return keySchedule(key);
}

function ascii64Value(c: string): number {
  return ASCII64.indexOf(c);
}

/** crypt(3) with a 2-character DES salt; null if the salt characters are invalid. */
export function desCrypt(password: string | Uint8Array, setting: string): string | null {
  if (setting.length < 2) return null;
  const s0 = ascii64Value(setting[0]!);
  const s1 = ascii64Value(setting[1]!);
  if (s0 < 0 || s1 < 0) return null;
  const salt = s0 | (s1 << 6);
  // salt bit i (from the least significant) swaps E bits i+1 and i+25: saltbits bit (23 - i)
  let saltbits = 0;
  for (let i = 0; i < 12; i++) if (salt & (1 << i)) saltbits |= 1 << (23 - i);
  const pw = typeof password === "string" ? Buffer.from(password, "utf8") : password;
  const key = new Uint8Array(8);
  for (let i = 0; i < 8 && i < pw.length && pw[i] !== 0; i++) key[i] = (pw[i]! << 1) & 0xff;
  const [hi, lo] = desEncrypt(keySchedule(key), 0, 0, saltbits, 25);
  // 64 bits, most significant first, 6 at a time; the 11th character carries 4 bits
  let out = ASCII64[salt & 63]! + ASCII64[(salt >> 6) & 63]!;
  for (let i = 0; i < 11; i++) {
    const pos = i * 6; // bit offset from the top
    let v = 0;
    for (let b = 0; b < 6; b++) {
      const n = pos + b + 1;
      v = (v << 1) | (n <= 64 ? bit64(hi, lo, n) : 0);
    }
    out += ASCII64[v]!;
  }
  return out;
}

/** True/false for a 13-character DES hash; null if it is not one. */
export function desVerify(password: string, hash: string): boolean | null {
  if (!DES_HASH_RE.test(hash)) return null;
  const computed = desCrypt(password, hash);
  if (computed === null) return null;
  return timingSafeEqual(Buffer.from(computed), Buffer.from(hash));
}
