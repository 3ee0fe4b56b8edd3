import { test } from "node:test";
import assert from "node:assert/strict";
import { desCrypt, desEncrypt, desKeySchedule, desVerify } from "./des-crypt.ts";

// Generated with libxcrypt's crypt() and a two-character salt (Debian).
const VECTORS: [password: string, hash: string][] = [
  ["password", "2PGMRrokWDxnc"],
  ["test", "AxXCUkyP5WhCU"],
  ["12345678901", "F0DvWpWG3n1o."],
  ["", "mye0ciurTOsRc"],
  ["ab", "J12ShT4GIq8rk"],
  ["password", "s4zggnOE0.EwM"],
];

test("BF-5 descrypt: the DES core matches the textbook vector", () => {
  // key 133457799BBCDFF1, plaintext 0123456789ABCDEF -> 85E813540F0AB405
  const [hi, lo] = desEncrypt(desKeySchedule(Buffer.from("133457799BBCDFF1", "hex")), 0x01234567, 0x89abcdef, 0, 1);
  assert.equal(hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0"), "85e813540f0ab405");
});

test("BF-5 descrypt: verifies libxcrypt hashes", () => {
  for (const [pw, hash] of VECTORS) assert.equal(desCrypt(pw, hash), hash);
});

test("BF-5 descrypt: only the first 8 characters count, as with crypt(3)", () => {
  assert.equal(desVerify("12345678", VECTORS[2]![1]), true);
  assert.equal(desVerify("12345678-anything", VECTORS[2]![1]), true);
});

test("BF-5 descrypt: a wrong password is false", () => {
  assert.equal(desVerify("passwore", VECTORS[0]![1]), false);
  assert.equal(desVerify("tesT", VECTORS[1]![1]), false);
  assert.equal(desVerify("a", VECTORS[3]![1]), false);
  assert.equal(desVerify("1234567", VECTORS[2]![1]), false);
});

test("BF-5 descrypt: anything but 13 characters of ./0-9A-Za-z is null", () => {
  assert.equal(desVerify("x", "2PGMRrokWDxn"), null);
  assert.equal(desVerify("x", "2PGMRrokWDxnc$"), null);
  assert.equal(desVerify("x", "*PGMRrokWDxnc"), null);
});
