import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const sha256hex = (s: string): string => createHash("sha256").update(s).digest("hex");
export const randomSecret = (bytes = 24): string => randomBytes(bytes).toString("base64url");

export function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex"), y = Buffer.from(b, "hex");
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** Enrolment token: hw1.<secret>.<CA fingerprint>. The fingerprint lets the agent trust only this server. */
export function formatEnrolToken(secret: string, caFingerprint: string): string {
  return `hw1.${secret}.${caFingerprint}`;
}

export function parseEnrolToken(token: string): { secret: string; caFingerprint: string } | null {
  const m = /^hw1\.([A-Za-z0-9_-]{16,128})\.([0-9a-f]{64})$/.exec(token.trim());
  return m ? { secret: m[1]!, caFingerprint: m[2]! } : null;
}

/** API tokens: hwk_<secret>; only their hash is stored. */
export const newApiTokenSecret = (): string => `hwk_${randomSecret(32)}`;

/** A readable one-time password: 4 groups of 5 from an unambiguous alphabet (~100 bits). */
export function newPassword(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const b = randomBytes(20);
  let s = "";
  for (let i = 0; i < 20; i++) {
    s += alphabet[b[i]! % alphabet.length];
    if (i % 5 === 4 && i < 19) s += "-";
  }
  return s;
}
