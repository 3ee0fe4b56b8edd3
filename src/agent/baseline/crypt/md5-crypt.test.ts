import { test } from "node:test";
import assert from "node:assert/strict";
import { md5Crypt, md5CryptVerify } from "./md5-crypt.ts";

// Generated with libxcrypt's crypt_gensalt("$1$") + crypt() (Debian).
const VECTORS: [password: string, hash: string][] = [
  ["password", "$1$Gjw3pUqg$/POENmElJY57vikQt5K4b/"],
  ["abc123", "$1$UcImzy6X$Srox4E6C1qXBPihX/UpdB/"],
  ["a much longer password than sixteen bytes", "$1$lf/sfWVQ$aL4qIxffeRUf1WEVR1zoc/"],
  ["", "$1$YfaS7sqM$xxx.cs08HXnF1MpObZ3Xu0"],
  ["ü", "$1$E79GoYvU$6eMAoWvPu13w/qyU1OtZi0"],
];

test("BF-5 md5crypt: verifies libxcrypt hashes (long, empty and UTF-8 passwords)", () => {
  for (const [pw, hash] of VECTORS) assert.equal(md5Crypt(pw, hash), hash);
});

test("BF-5 md5crypt: a wrong password is false", () => {
  assert.equal(md5CryptVerify("Password", VECTORS[0]![1]), false);
  assert.equal(md5CryptVerify("abc1234", VECTORS[1]![1]), false);
  assert.equal(md5CryptVerify(" ", VECTORS[3]![1]), false);
});

test("BF-5 md5crypt: other schemes and a ':' in the salt are null", () => {
  assert.equal(md5CryptVerify("x", "$5$abc$def"), null);
  assert.equal(md5CryptVerify("x", "$1$ab:c$def"), null);
});
