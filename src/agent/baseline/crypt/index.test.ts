import { test } from "node:test";
import assert from "node:assert/strict";
import { isSupportedHash, schemeOf, verifyPassword } from "./index.ts";

// One libxcrypt-made hash per scheme (Debian crypt_gensalt() + crypt()), with its password.
const ONE_PER_SCHEME: [scheme: string, password: string, hash: string][] = [
  ["yescrypt", "qwerty", "$y$j8T$df2y47ERJCnydZRvlnhPk/$4vZ1Zw5MJqrAnGuSLL58cboai7dlj2CwjqzGGF2oJE5"],
  ["sha512crypt", "password", "$6$olz4nsrKybPOjlBh$KwQkcbexsWcC5Y8EMLZ4vxiTOx7IW/8nizGTw92xcTY.ii97pghTj8dflsGq4xhDY7mfh0YTK49mIVnA1Al7B/"],
  ["sha256crypt", "changeme", "$5$EMx4v0S8iLmFUykO$cGacPz0KTw.SKuLCpjSo1at3RYkwQlanxQc9TUEojy4"],
  ["md5crypt", "abc123", "$1$UcImzy6X$Srox4E6C1qXBPihX/UpdB/"],
  ["bcrypt", "password", "$2b$05$pvOnG9ym3AKlMbcQNyl0l.V7ied0/Azn4gHBL.2jUXqpKs.AfIduy"],
  ["descrypt", "test", "AxXCUkyP5WhCU"],
];
// bcrypt through the installed bcryptjs: $2b$, $2y$ and $2a$ from libxcrypt.
const BCRYPT: [password: string, hash: string][] = [
  ["ubuntu", "$2b$04$YOJPjBBsEpAYCJ0xPczG6uyruQo5JB4XK5c/nCB2oLXK1yEPvR4jK"],
  ["letmein", "$2b$06$qz5PpTLFPNAB28TlBoIYPeXcTL5gVaNj4CT1wzH09qrfVUiBzD2RW"],
  ["qwerty", "$2y$04$WSv2PqTFs3yyp8XZs1m8UuS77IffJT1L.eWvijs5YIHBpqEf4Fr02"],
  ["iloveyou", "$2a$04$mVhySyEre1p1jNVFZPQqI.IrL44foq1MhhVHi4W7s.DWPy0urWCnu"],
];

test("BF-5 schemeOf names each shadow hash format by its prefix", () => {
  for (const [scheme, , hash] of ONE_PER_SCHEME) assert.equal(schemeOf(hash), scheme);
  assert.equal(schemeOf("$2y$10$abc"), "bcrypt");
  assert.equal(schemeOf("$gy$j9T$abc$def"), "unknown");
  assert.equal(schemeOf("$7$CU..../....abc$def"), "unknown");
  assert.equal(schemeOf("!"), "unknown");
  assert.equal(schemeOf(""), "unknown");
});

test("BF-5 verifyPassword accepts the right password and rejects a wrong one for every scheme", () => {
  for (const [scheme, pw, hash] of ONE_PER_SCHEME) {
    assert.equal(verifyPassword(pw, hash), true, scheme);
    assert.equal(verifyPassword(`${pw}!`.slice(-8), hash), false, scheme);
    assert.equal(isSupportedHash(hash), true, scheme);
  }
});

test("BF-5 bcrypt $2a$/$2b$/$2y$ hashes verify through bcryptjs", () => {
  for (const [pw, hash] of BCRYPT) {
    assert.equal(verifyPassword(pw, hash), true, hash.slice(0, 7));
    assert.equal(verifyPassword(pw.toUpperCase(), hash), false, hash.slice(0, 7));
  }
});

test("BF-5 verifyPassword is null for schemes it cannot judge", () => {
  for (const h of ["$gy$j9T$abc$def", "$7$CU..../....abc$def", "$2b$05$short", "$2b$31$" + "a".repeat(53), "!", "*", "", "x"]) {
    assert.equal(verifyPassword("password", h), null, h);
    assert.equal(isSupportedHash(h), false, h);
  }
});
