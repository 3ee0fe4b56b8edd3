/**
 * yescrypt ($y$), the default password hash of Debian 11+, Ubuntu 22.04+ and Fedora 35+.
 *
 * Written from the algorithm description in yescrypt-ref.c / yescrypt-common.c
 * (openwall/yescrypt, as shipped in libxcrypt). Only what verifying a shadow
 * entry needs: no ROM (NROM), no hash upgrades (g), no hash encryption key.
 * The pwxform settings are the only ones libxcrypt accepts (YESCRYPT_DEFAULTS:
 * 6 rounds, 4-way gather, 2-way simple, 12 KiB S-box).
 *
 * 32-bit words are kept in the reference's "SIMD-shuffled" order inside smix,
 * because the S-boxes and Integerify() are defined on that layout.
 */
import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from "node:crypto";

export const ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

const YESCRYPT_WORM = 1;
const YESCRYPT_RW = 2;
const YESCRYPT_MODE_MASK = 3;
const YESCRYPT_RW_FLAVOR_MASK = 0x3fc;
const YESCRYPT_PREHASH = 0x10000000;
/** RW | ROUNDS_6 | GATHER_4 | SIMPLE_2 | SBOX_12K */
export const YESCRYPT_DEFAULTS = 0x002 | 0x004 | 0x010 | 0x020 | 0x080;

/* pwxform: PWXsimple 2, PWXgather 4, PWXrounds 6, Swidth 8 (fixed, as in the reference). */
const PWX_WORDS = 16; // PWXbytes / 4 = 64 / 4
const S_WORDS = 3072; // Sbytes / 4 = 3 * 256 * 2 * 8 / 4
const S_PART_WORDS = 1024; // one of S0/S1/S2: 256 * 2 pairs of 32-bit words
const S_MASK = 0xff0; // ((1 << Swidth) - 1) * PWXsimple * 8
const W_MASK = 511; // (1 << Swidth) * PWXsimple - 1

/** Refuse parameters that would need more than this much memory (V). */
const MAX_V_BYTES = 1 << 30;

export interface YescryptParams {
  flags: number;
  N: number;
  r: number;
  p: number;
  t: number;
  g: number;
  NROM: number;
}

export interface YescryptSetting {
  params: YescryptParams;
  salt: Uint8Array;
  /** "$y$<params>$<salt>" exactly as written in the hash. */
  prefix: string;
  /** The encoded 32-byte hash after the last '$', or "" for a bare setting. */
  hash: string;
}

function atoi64(c: number): number {
  if (c >= 0x2e && c <= 0x39) return c - 0x2e; // . / 0-9
  if (c >= 0x41 && c <= 0x5a) return c - 0x41 + 12; // A-Z
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 38; // a-z
  return 64;
}

/** yescrypt's variable-length little-endian integer encoding of the parameters. */
function decode64Uint32(s: string, pos: number, min: number): { value: number; pos: number } | null {
  let start = 0;
  let end = 47;
  let chars = 1;
  let bits = 0;
  let c = atoi64(s.charCodeAt(pos++));
  if (c > 63) return null;
  let dst = min;
  while (c > end) {
    dst += (end + 1 - start) * 2 ** bits;
    start = end + 1;
    end = start + Math.floor((62 - end) / 2);
    chars++;
    bits += 6;
  }
  dst += (c - start) * 2 ** bits;
  while (--chars) {
    c = atoi64(s.charCodeAt(pos++));
    if (c > 63) return null;
    bits -= 6;
    dst += c * 2 ** bits;
  }
  if (dst > 0xffffffff) return null;
  return { value: dst, pos };
}

/** yescrypt's base-64: 3 bytes little-endian per 4 characters, least significant 6 bits first. */
export function decode64(s: string, maxLen: number): Uint8Array | null {
  const out: number[] = [];
  let i = 0;
  while (i < s.length) {
    let value = 0;
    let bits = 0;
    while (i < s.length && bits < 24) {
      const c = atoi64(s.charCodeAt(i));
      if (c > 63) return null;
      value |= c << bits;
      bits += 6;
      i++;
    }
    if (bits < 12) return null; // must have at least one full byte
    while (bits >= 8) {
      out.push(value & 0xff);
      value >>>= 8;
      bits -= 8;
    }
    if (value !== 0) return null; // leftover 2 or 4 bits must be zero
    if (out.length > maxLen) return null;
  }
  return Uint8Array.from(out);
}

export function encode64(src: Uint8Array): string {
  let out = "";
  for (let i = 0; i < src.length; ) {
    let value = 0;
    let bits = 0;
    do {
      value |= src[i++]! << bits;
      bits += 8;
    } while (bits < 24 && i < src.length);
    for (let b = 0; b < bits; b += 6) {
      out += ITOA64[value & 0x3f];
      value >>>= 6;
    }
  }
  return out;
}

/** Parses "$y$..." (a setting or a full hash). Null if it is not a yescrypt string this module can compute. */
export function parseYescrypt(hash: string): YescryptSetting | null {
  if (!hash.startsWith("$y$")) return null;
  let pos = 3;
  const fl = decode64Uint32(hash, pos, 0);
  if (!fl) return null;
  pos = fl.pos;
  let flags: number;
  if (fl.value < YESCRYPT_RW) flags = fl.value;
  else if (fl.value <= YESCRYPT_RW + (YESCRYPT_RW_FLAVOR_MASK >> 2)) flags = YESCRYPT_RW + ((fl.value - YESCRYPT_RW) << 2);
  else return null;
  const nl = decode64Uint32(hash, pos, 1);
  if (!nl || nl.value > 63) return null;
  pos = nl.pos;
  const rr = decode64Uint32(hash, pos, 1);
  if (!rr) return null;
  pos = rr.pos;
  const params: YescryptParams = { flags, N: 2 ** nl.value, r: rr.value, p: 1, t: 0, g: 0, NROM: 0 };
  if (hash[pos] !== "$") {
    const have = decode64Uint32(hash, pos, 1);
    if (!have) return null;
    pos = have.pos;
    const opt = (bit: number, key: "p" | "t" | "g" | "NROM", min: number): boolean => {
      if (!(have.value & bit)) return true;
      const v = decode64Uint32(hash, pos, min);
      if (!v) return false;
      pos = v.pos;
      params[key] = key === "NROM" ? 2 ** v.value : v.value;
      return true;
    };
    if (!opt(1, "p", 2) || !opt(2, "t", 1) || !opt(4, "g", 1) || !opt(8, "NROM", 1)) return null;
  }
  if (hash[pos++] !== "$") return null;
  const last = hash.lastIndexOf("$");
  const saltEnd = last >= pos ? last : hash.length;
  const salt = decode64(hash.slice(pos, saltEnd), 64);
  if (!salt) return null;
  return { params, salt, prefix: hash.slice(0, saltEnd), hash: last >= pos ? hash.slice(last + 1) : "" };
}

/* ---------------------------------------------------------------- core */

/** Salsa20 core on 16 shuffled words at B[o]; x[i * 5 % 16] = B[i] undoes the shuffle. */
function salsa20(B: Uint32Array, o: number, rounds: number): void {
  let x0 = B[o]!, x1 = B[o + 13]!, x2 = B[o + 10]!, x3 = B[o + 7]!;
  let x4 = B[o + 4]!, x5 = B[o + 1]!, x6 = B[o + 14]!, x7 = B[o + 11]!;
  let x8 = B[o + 8]!, x9 = B[o + 5]!, x10 = B[o + 2]!, x11 = B[o + 15]!;
  let x12 = B[o + 12]!, x13 = B[o + 9]!, x14 = B[o + 6]!, x15 = B[o + 3]!;
  let u: number;
  for (let i = 0; i < rounds; i += 2) {
    u = (x0 + x12) | 0; x4 ^= (u << 7) | (u >>> 25);
    u = (x4 + x0) | 0; x8 ^= (u << 9) | (u >>> 23);
    u = (x8 + x4) | 0; x12 ^= (u << 13) | (u >>> 19);
    u = (x12 + x8) | 0; x0 ^= (u << 18) | (u >>> 14);
    u = (x5 + x1) | 0; x9 ^= (u << 7) | (u >>> 25);
    u = (x9 + x5) | 0; x13 ^= (u << 9) | (u >>> 23);
    u = (x13 + x9) | 0; x1 ^= (u << 13) | (u >>> 19);
    u = (x1 + x13) | 0; x5 ^= (u << 18) | (u >>> 14);
    u = (x10 + x6) | 0; x14 ^= (u << 7) | (u >>> 25);
    u = (x14 + x10) | 0; x2 ^= (u << 9) | (u >>> 23);
    u = (x2 + x14) | 0; x6 ^= (u << 13) | (u >>> 19);
    u = (x6 + x2) | 0; x10 ^= (u << 18) | (u >>> 14);
    u = (x15 + x11) | 0; x3 ^= (u << 7) | (u >>> 25);
    u = (x3 + x15) | 0; x7 ^= (u << 9) | (u >>> 23);
    u = (x7 + x3) | 0; x11 ^= (u << 13) | (u >>> 19);
    u = (x11 + x7) | 0; x15 ^= (u << 18) | (u >>> 14);

    u = (x0 + x3) | 0; x1 ^= (u << 7) | (u >>> 25);
    u = (x1 + x0) | 0; x2 ^= (u << 9) | (u >>> 23);
    u = (x2 + x1) | 0; x3 ^= (u << 13) | (u >>> 19);
    u = (x3 + x2) | 0; x0 ^= (u << 18) | (u >>> 14);
    u = (x5 + x4) | 0; x6 ^= (u << 7) | (u >>> 25);
    u = (x6 + x5) | 0; x7 ^= (u << 9) | (u >>> 23);
    u = (x7 + x6) | 0; x4 ^= (u << 13) | (u >>> 19);
    u = (x4 + x7) | 0; x5 ^= (u << 18) | (u >>> 14);
    u = (x10 + x9) | 0; x11 ^= (u << 7) | (u >>> 25);
    u = (x11 + x10) | 0; x8 ^= (u << 9) | (u >>> 23);
    u = (x8 + x11) | 0; x9 ^= (u << 13) | (u >>> 19);
    u = (x9 + x8) | 0; x10 ^= (u << 18) | (u >>> 14);
    u = (x15 + x14) | 0; x12 ^= (u << 7) | (u >>> 25);
    u = (x12 + x15) | 0; x13 ^= (u << 9) | (u >>> 23);
    u = (x13 + x12) | 0; x14 ^= (u << 13) | (u >>> 19);
    u = (x14 + x13) | 0; x15 ^= (u << 18) | (u >>> 14);
  }
  B[o] = (B[o]! + x0) | 0; B[o + 13] = (B[o + 13]! + x1) | 0; B[o + 10] = (B[o + 10]! + x2) | 0; B[o + 7] = (B[o + 7]! + x3) | 0;
  B[o + 4] = (B[o + 4]! + x4) | 0; B[o + 1] = (B[o + 1]! + x5) | 0; B[o + 14] = (B[o + 14]! + x6) | 0; B[o + 11] = (B[o + 11]! + x7) | 0;
  B[o + 8] = (B[o + 8]! + x8) | 0; B[o + 5] = (B[o + 5]! + x9) | 0; B[o + 2] = (B[o + 2]! + x10) | 0; B[o + 15] = (B[o + 15]! + x11) | 0;
  B[o + 12] = (B[o + 12]! + x12) | 0; B[o + 9] = (B[o + 9]! + x13) | 0; B[o + 6] = (B[o + 6]! + x14) | 0; B[o + 3] = (B[o + 3]! + x15) | 0;
}

/** BlockMix_salsa20/8 on B[bo .. bo + 32r); Y is scratch of the same size at Y[yo]. */
function blockmixSalsa8(B: Uint32Array, bo: number, Y: Uint32Array, yo: number, r: number): void {
  const X = Y; // the reference's X: 16 scratch words just past Y
  const xo = yo + 32 * r;
  for (let k = 0; k < 16; k++) X[xo + k] = B[bo + (2 * r - 1) * 16 + k]!;
  for (let i = 0; i < 2 * r; i++) {
    const bi = bo + i * 16;
    for (let k = 0; k < 16; k++) X[xo + k] = X[xo + k]! ^ B[bi + k]!;
    salsa20(X, xo, 8);
    const yi = yo + i * 16;
    for (let k = 0; k < 16; k++) Y[yi + k] = X[xo + k]!;
  }
  for (let i = 0; i < r; i++) {
    const yi = yo + i * 32;
    const bi = bo + i * 16;
    const bj = bo + (i + r) * 16;
    for (let k = 0; k < 16; k++) {
      B[bi + k] = Y[yi + k]!;
      B[bj + k] = Y[yi + 16 + k]!;
    }
  }
}

/** pwxform state: word offsets of S0, S1, S2 inside S, and the S2 write position w (in pairs). */
interface PwxCtx {
  S: Uint32Array;
  so: number;
  s0: number;
  s1: number;
  s2: number;
  w: number;
}

/**
 * pwxform on the 16 words at X[xo]. The four gather lanes never read what this
 * call writes (S2 is distinct from S0/S1), so each lane runs its six rounds in
 * locals; lane j's S2 writes land where the reference's running w would put them.
 */
function pwxform(X: Uint32Array, xo: number, ctx: PwxCtx): void {
  const S = ctx.S;
  const s0 = ctx.s0, s1 = ctx.s1, s2 = ctx.s2;
  const w0 = s2 + 2 * ctx.w;
  for (let j = 0; j < 4; j++) pwxLane(X, xo + j * 4, S, s0, s1, w0 + j * 4);
  ctx.s0 = s2;
  ctx.s1 = s0;
  ctx.s2 = s1;
  ctx.w = (ctx.w + 32) & W_MASK;
}

const TWO_M16 = 2 ** -16;
const TWO_M32 = 2 ** -32;

/**
 * One lane (two 64-bit words) through PWXrounds: x = (hi(x) * lo(x) + S0[p0]) ^ S1[p1].
 * The 64-bit arithmetic is done in doubles, exactly: hi(x) times each 16-bit half of
 * lo(x) is below 2^48, and so is every partial sum, so nothing is ever rounded.
 */
function pwxLane(X: Uint32Array, b: number, S: Uint32Array, s0: number, s1: number, out: number): void {
  let l0 = X[b]!, h0 = X[b + 1]!, l1 = X[b + 2]!, h1 = X[b + 3]!;
  let t0: number, t1: number, lo: number, hi: number;
  for (let i = 0; i < 6; i++) {
    const p0 = s0 + ((l0 & S_MASK) >>> 2);
    const p1 = s1 + ((h0 & S_MASK) >>> 2);
    t0 = h0 * (l0 & 0xffff);
    t1 = h0 * (l0 >>> 16);
    lo = t0 + (t1 & 0xffff) * 65536 + S[p0]!;
    hi = Math.floor(t1 * TWO_M16) + S[p0 + 1]! + Math.floor(lo * TWO_M32);
    l0 = ((lo | 0) ^ S[p1]!) >>> 0;
    h0 = ((hi | 0) ^ S[p1 + 1]!) >>> 0;
    t0 = h1 * (l1 & 0xffff);
    t1 = h1 * (l1 >>> 16);
    lo = t0 + (t1 & 0xffff) * 65536 + S[p0 + 2]!;
    hi = Math.floor(t1 * TWO_M16) + S[p0 + 3]! + Math.floor(lo * TWO_M32);
    l1 = ((lo | 0) ^ S[p1 + 2]!) >>> 0;
    h1 = ((hi | 0) ^ S[p1 + 3]!) >>> 0;
    if (i !== 0 && i !== 5) {
      const o = out + (i - 1) * 16;
      S[o] = l0;
      S[o + 1] = h0;
      S[o + 2] = l1;
      S[o + 3] = h1;
    }
  }
  X[b] = l0;
  X[b + 1] = h0;
  X[b + 2] = l1;
  X[b + 3] = h1;
}

/** BlockMix_pwxform on B[bo .. bo + 32r), in place (X of the reference is the previous sub-block). */
function blockmixPwxform(B: Uint32Array, bo: number, ctx: PwxCtx, r: number): void {
  const r1 = (128 * r) / 64;
  for (let i = 0; i < r1; i++) {
    const bi = bo + i * PWX_WORDS;
    if (r1 > 1) {
      const prev = i === 0 ? bo + (r1 - 1) * PWX_WORDS : bi - PWX_WORDS;
      for (let k = 0; k < PWX_WORDS; k++) B[bi + k] = B[bi + k]! ^ B[prev + k]!;
    }
    pwxform(B, bi, ctx);
  }
  let i = r1 - 1;
  salsa20(B, bo + i * 16, 2);
  for (i++; i < 2 * r; i++) {
    const bi = bo + i * 16;
    for (let k = 0; k < 16; k++) B[bi + k] = B[bi + k]! ^ B[bi - 16 + k]!;
    salsa20(B, bi, 2);
  }
}

/** Largest power of two not above x (x < 2^32). */
function p2floor(x: number): number {
  return 2 ** (31 - Math.clz32(x));
}

/**
 * All working memory of one computation lives in one array, so that saving X into V
 * is a native copyWithin(): [X (32r) | Y (32r) | 16 scratch | S (3072p) | V (32rN)].
 * It is kept between calls: a baseline run hashes many candidates in a row.
 */
interface Arena {
  M: Uint32Array;
  /** Offsets of X, S and V in M. */
  x: number;
  s: number;
  v: number;
}

let cachedArena: Uint32Array | null = null;

function arena(r: number, p: number, N: number): Arena {
  const s = 2 * 32 * r + 16;
  const v = s + S_WORDS * p;
  const total = v + 32 * r * N;
  if (!cachedArena || cachedArena.length < total) cachedArena = new Uint32Array(total);
  return { M: cachedArena, x: 0, s, v };
}

/** Drops the reusable working memory (16 MiB at Debian's default cost). */
export function releaseYescryptMemory(): void {
  cachedArena = null;
}

function shuffleIn(B: Uint32Array, bo: number, X: Uint32Array, xo: number, r: number): void {
  for (let k = 0; k < 2 * r; k++) {
    const o = k * 16;
    for (let i = 0; i < 16; i++) X[xo + o + i] = B[bo + o + ((i * 5) & 15)]!;
  }
}

function shuffleOut(X: Uint32Array, xo: number, B: Uint32Array, bo: number, r: number): void {
  for (let k = 0; k < 2 * r; k++) {
    const o = k * 16;
    for (let i = 0; i < 16; i++) B[bo + o + ((i * 5) & 15)] = X[xo + o + i]!;
  }
}

/** SMix1: fills V[vo ..] with N successive states of X (X at M[xo ..]). */
function smix1(M: Uint32Array, xo: number, B: Uint32Array, bo: number, r: number, N: number, rw: boolean, vo: number, ctx: PwxCtx | null): void {
  const s = 32 * r;
  shuffleIn(B, bo, M, xo, r);
  const last = xo + (2 * r - 1) * 16;
  for (let i = 0; i < N; i++) {
    M.copyWithin(vo + i * s, xo, xo + s);
    if (rw && i > 1) {
      const n = p2floor(i);
      const vj = vo + ((M[last]! & (n - 1)) + (i - n)) * s;
      for (let k = 0; k < s; k++) M[xo + k] = M[xo + k]! ^ M[vj + k]!;
    }
    if (ctx) blockmixPwxform(M, xo, ctx, r);
    else blockmixSalsa8(M, xo, M, xo + s, r);
  }
  shuffleOut(M, xo, B, bo, r);
}

/** SMix2: Nloop data-dependent reads (and, with YESCRYPT_RW, writes) of V. */
function smix2(M: Uint32Array, xo: number, B: Uint32Array, bo: number, r: number, N: number, Nloop: number, rw: boolean, vo: number, ctx: PwxCtx | null): void {
  const s = 32 * r;
  shuffleIn(B, bo, M, xo, r);
  const last = xo + (2 * r - 1) * 16;
  for (let i = 0; i < Nloop; i++) {
    const vj = vo + (M[last]! & (N - 1)) * s;
    if (rw) {
      for (let k = 0; k < s; k++) {
        const v = M[xo + k]! ^ M[vj + k]!;
        M[xo + k] = v;
        M[vj + k] = v;
      }
    } else {
      for (let k = 0; k < s; k++) M[xo + k] = M[xo + k]! ^ M[vj + k]!;
    }
    if (ctx) blockmixPwxform(M, xo, ctx, r);
    else blockmixSalsa8(M, xo, M, xo + s, r);
  }
  shuffleOut(M, xo, B, bo, r);
}

function wordsToBytes(w: Uint32Array, from: number, to: number): Buffer {
  const out = Buffer.allocUnsafe((to - from) * 4);
  for (let i = from; i < to; i++) out.writeUInt32LE(w[i]!, (i - from) * 4);
  return out;
}

function smix(A: Arena, B: Uint32Array, r: number, N: number, p: number, t: number, flags: number, ctxs: PwxCtx[], passwd: { key: Buffer }): void {
  const M = A.M;
  const s = 32 * r;
  const rw = (flags & YESCRYPT_RW) !== 0;
  let Nchunk = Math.floor(N / p);
  let NloopAll = Nchunk;
  if (rw) {
    if (t <= 1) {
      if (t) NloopAll *= 2;
      NloopAll = Math.floor((NloopAll + 2) / 3);
    } else {
      NloopAll *= t - 1;
    }
  } else if (t) {
    if (t === 1) NloopAll += Math.floor((NloopAll + 1) / 2);
    NloopAll *= t;
  }
  let NloopRw = rw ? Math.floor(NloopAll / p) : 0;
  Nchunk -= Nchunk % 2;
  NloopAll += NloopAll % 2;
  NloopRw += NloopRw % 2;

  for (let i = 0, Vchunk = 0; i < p; i++, Vchunk += Nchunk) {
    const Np = i < p - 1 ? Nchunk : N - Vchunk;
    const bo = i * s;
    const vo = A.v + Vchunk * s;
    let ctx: PwxCtx | null = null;
    if (rw) {
      ctx = ctxs[i]!;
      // S-boxes come from SMix1_1 (salsa20/8) over the first 128 bytes of B_i.
      smix1(M, A.x, B, bo, 1, S_WORDS / 32, false, ctx.so, null);
      ctx.s2 = ctx.so;
      ctx.s1 = ctx.so + S_PART_WORDS;
      ctx.s0 = ctx.so + 2 * S_PART_WORDS;
      ctx.w = 0;
      if (i === 0) {
        passwd.key = createHmac("sha256", wordsToBytes(B, bo + s - 16, bo + s)).update(passwd.key).digest();
      }
    }
    smix1(M, A.x, B, bo, r, Np, rw, vo, ctx);
    smix2(M, A.x, B, bo, r, p2floor(Np), NloopRw, rw, vo, ctx);
  }
  for (let i = 0; i < p; i++) {
    smix2(M, A.x, B, i * s, r, N, NloopAll - NloopRw, false, A.v, rw ? ctxs[i]! : null);
  }
}

function validParams(flags: number, N: number, r: number, p: number, t: number, NROM: number): boolean {
  switch (flags & YESCRYPT_MODE_MASK) {
    case 0:
      if (flags || t || NROM) return false;
      break;
    case YESCRYPT_WORM:
      if (flags !== YESCRYPT_WORM || NROM) return false;
      break;
    case YESCRYPT_RW:
      if ((flags & YESCRYPT_RW_FLAVOR_MASK) !== (YESCRYPT_DEFAULTS & YESCRYPT_RW_FLAVOR_MASK)) return false;
      break;
    default:
      return false;
  }
  if (NROM) return false; // ROM-on-disk hashes are not used for local accounts
  if (!Number.isInteger(N) || N <= 1 || N & (N - 1) || N > 2 ** 30) return false;
  if (r < 1 || p < 1 || r * p >= 2 ** 30) return false;
  if (128 * r * N > MAX_V_BYTES || 128 * r * p > MAX_V_BYTES) return false;
  if (flags & YESCRYPT_RW && (Math.floor(N / p) <= 1 || r < 1)) return false;
  return true;
}

function kdfBody(passwd: Buffer, salt: Uint8Array, flags: number, N: number, r: number, p: number, t: number, dkLen: number): Buffer {
  const s = 32 * r;
  const rw = (flags & YESCRYPT_RW) !== 0;
  const A = arena(r, rw ? p : 1, N);
  let key = passwd;
  if (flags) key = createHmac("sha256", flags & YESCRYPT_PREHASH ? "yescrypt-prehash" : "yescrypt").update(passwd).digest();

  const Bbytes = pbkdf2Sync(key, salt, 1, 128 * r * p, "sha256");
  const B = new Uint32Array(s * p);
  for (let i = 0; i < B.length; i++) B[i] = Bbytes.readUInt32LE(i * 4);

  const pw = { key };
  if (flags) pw.key = Bbytes.subarray(0, 32);
  if (rw) {
    const ctxs: PwxCtx[] = [];
    for (let i = 0; i < p; i++) ctxs.push({ S: A.M, so: A.s + i * S_WORDS, s0: 0, s1: 0, s2: 0, w: 0 });
    smix(A, B, r, N, p, t, flags, ctxs, pw);
  } else {
    for (let i = 0; i < p; i++) {
      const one = B.subarray(i * s, (i + 1) * s);
      smix(A, one, r, N, 1, t, flags, [], pw);
    }
  }
  const Bout = wordsToBytes(B, 0, B.length);
  let dk = pbkdf2Sync(pw.key, Bout, 1, Math.max(dkLen, flags ? 32 : 0), "sha256");
  if (flags && !(flags & YESCRYPT_PREHASH)) {
    // SCRAM-like finish: StoredKey = H(HMAC(dk, "Client Key"))
    const clientKey = createHmac("sha256", dk.subarray(0, 32)).update("Client Key").digest();
    const stored = createHash("sha256").update(clientKey).digest();
    dk = Buffer.from(dk.subarray(0, dkLen));
    stored.copy(dk, 0, 0, Math.min(dkLen, 32));
    return dk;
  }
  return Buffer.from(dk.subarray(0, dkLen));
}

/** yescrypt_kdf(): raw key derivation. Throws on parameters it cannot compute. */
export function yescryptKdf(passwd: Uint8Array, salt: Uint8Array, params: YescryptParams, dkLen = 32): Buffer {
  const { flags, N, r, p, t, g, NROM } = params;
  if (g || !validParams(flags, N, r, p, t, NROM)) throw new RangeError("unsupported yescrypt parameters");
  let pw: Buffer = Buffer.from(passwd);
  if (flags & YESCRYPT_RW && p >= 1 && N / p >= 0x100 && (N / p) * r >= 0x20000) {
    pw = kdfBody(pw, salt, flags | YESCRYPT_PREHASH, N / 64, r, p, 0, 32);
  }
  return kdfBody(pw, salt, flags, N, r, p, t, dkLen);
}

/** Whether yescryptKdf can compute these parameters (no ROM, no upgrades, default pwxform flavour, bounded memory). */
export function yescryptSupported(params: YescryptParams): boolean {
  const { flags, N, r, p, t, g, NROM } = params;
  return g === 0 && validParams(flags, N, r, p, t, NROM);
}

/** crypt(3) for "$y$" settings; null if the setting is malformed or uses unsupported features. */
export function yescryptCrypt(password: string | Uint8Array, setting: string): string | null {
  const st = parseYescrypt(setting);
  if (!st) return null;
  if (!yescryptSupported(st.params)) return null;
  const pw = typeof password === "string" ? Buffer.from(password, "utf8") : password;
  return `${st.prefix}$${encode64(yescryptKdf(pw, st.salt, st.params, 32))}`;
}

/** True/false for a "$y$" hash; null if this hash cannot be computed here (ROM, upgrades, other flavours). */
export function yescryptVerify(password: string, hash: string): boolean | null {
  const st = parseYescrypt(hash);
  if (!st || st.hash.length !== 43) return null;
  const computed = yescryptCrypt(password, hash);
  if (computed === null) return null;
  const a = Buffer.from(computed);
  const b = Buffer.from(hash);
  return a.length === b.length && timingSafeEqual(a, b);
}
