import { test } from "node:test";
import assert from "node:assert/strict";
import { shaCrypt, shaCryptVerify } from "./sha-crypt.ts";

// Generated with libxcrypt's crypt_gensalt() + crypt() (Debian).
const SHA512: [password: string, hash: string][] = [
  ["password", "$6$olz4nsrKybPOjlBh$KwQkcbexsWcC5Y8EMLZ4vxiTOx7IW/8nizGTw92xcTY.ii97pghTj8dflsGq4xhDY7mfh0YTK49mIVnA1Al7B/"],
  ["P@ssw0rd", "$6$u61UvrURX6gNYXrU$.mPxZ9rWYpMaYsdPVxqOnEgRnA2DJFXL1/87bOITt3IQsC3xI3v92.FjYfCA22KXACEeMWukJaLjTie34jyXA."],
  ["correct horse battery staple ünï", "$6$v4hbFjIT3.DAHRUT$NJr18aJmKr6mITxRE7pm6zBC2C/eI5HACBr.VThMdo4SEMh3OO/LFdGG1OFKMWuh6RxlnUyIVTOxbVwMPlmy9."],
  ["", "$6$vNaeYbIf3TfcxYh/$nK5plg/YhU4P8JxKQtPT8rAxpKutR4lipIapV29wzGpsESoFdVoM7aq/R/T./XSMUO.CIlqX8OwdHprolt8Cg0"],
  ["toor", "$6$rounds=1000$5CXL61NlrIV9s1WP$7U7ivoGZXKJVYMu5wbumJtG2Neu0iDQlL1cpjtsKv8POwgrvizAsQCwvvltZPhFoGgGH1ECEz/1T7eyVX8n4H/"],
  ["x".repeat(200), "$6$R1y2QTAanQWmOqNI$WjX8y0rCPPKJId25/qdOnV9QKxfA8E/UQatign72.gDPC.ymevzwWmfltRVwOTRotcPjxdH3Apx2oUzvG85Yv0"],
];
const SHA256: [password: string, hash: string][] = [
  ["password", "$5$Zo2Lz7mmCWwcv1Yb$6vGDEeU4wZijueATtl5ll6ZmuLsNauxjpOpr/dg/nU6"],
  ["changeme", "$5$EMx4v0S8iLmFUykO$cGacPz0KTw.SKuLCpjSo1at3RYkwQlanxQc9TUEojy4"],
  ["Ünïcode pässword", "$5$cqiAZkuIFrrWX4ML$buFogJRGG1EJ6Yrpxk9/ABhpizexVhPoz2Oqa/9vRNB"],
  ["", "$5$LwpF4.0hPRlp495m$L0KjTTk/7IqkQiO3LG6xDVIkfwet2E0NIoAUyDS.l55"],
  ["raspberry", "$5$rounds=12345$LZ1XrkcU3EK8aFQZ$txWC8TWwe4MuAydJgWGH.pSOEinaxx/bKoQQaRtJy10"],
];

test("BF-5 sha512crypt: verifies libxcrypt hashes (default and explicit rounds, UTF-8, long and empty passwords)", () => {
  for (const [pw, hash] of SHA512) assert.equal(shaCrypt(pw, hash), hash);
});

test("BF-5 sha256crypt: verifies libxcrypt hashes (default and explicit rounds, UTF-8, empty password)", () => {
  for (const [pw, hash] of SHA256) assert.equal(shaCrypt(pw, hash), hash);
});

test("BF-5 sha-crypt: a wrong password is false", () => {
  assert.equal(shaCryptVerify("password1", SHA512[0]![1]), false);
  assert.equal(shaCryptVerify("Toor", SHA512[4]![1]), false);
  assert.equal(shaCryptVerify("Password", SHA256[0]![1]), false);
  assert.equal(shaCryptVerify("x", SHA256[3]![1]), false);
});

test("BF-5 sha-crypt: rounds outside 1000..999999999, leading zeros and other schemes are null", () => {
  assert.equal(shaCryptVerify("x", "$6$rounds=999$abc$def"), null);
  assert.equal(shaCryptVerify("x", "$6$rounds=01000$abc$def"), null);
  assert.equal(shaCryptVerify("x", "$5$rounds=abc$abc$def"), null);
  assert.equal(shaCryptVerify("x", "$1$abc$def"), null);
});
