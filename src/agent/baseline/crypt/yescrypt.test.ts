import { test } from "node:test";
import assert from "node:assert/strict";
import { decode64, encode64, parseYescrypt, YESCRYPT_DEFAULTS, yescryptCrypt, yescryptVerify } from "./yescrypt.ts";

// Generated on Debian 12 (libxcrypt 4.4.33, the library behind crypt(3) and /etc/shadow) with
// crypt_gensalt("$y$", cost) + crypt(); the last three use hand-written settings for
// r = 16 ("D"), p = 2 ("..") and t = 1 ("/.").
const VECTORS: [password: string, hash: string][] = [
  ["password", "$y$j9T$bY2AeEWZX5wJFUGqHpnun0$A7M2Bxem2dWxwANGpNq3Cm.5bqdCUSMZbfvOEqImha."],
  ["123456", "$y$j9T$uZwvzN/0zc61VBSeav47n/$jL2WGcCGYklj2rnk.7Se1ktrs.LVi661xl6kEyp4MT0"],
  ["Tr0ub4dor&3 ünïcödé", "$y$j9T$Dd3VkyOtXzbsdejTQKHvw.$8kYKSRFtU2eLK.kOeJ8U5LsnaqnpOuSJxwPUAtt04t9"],
  ["admin", "$y$jAT$fXVYKsNvbvamrEV4gDjh21$QwjyKD6HszKTNfsbzHZIvvJ9n5m1AZ15vrCk8g.S0TD"],
  ["qwerty", "$y$j8T$df2y47ERJCnydZRvlnhPk/$4vZ1Zw5MJqrAnGuSLL58cboai7dlj2CwjqzGGF2oJE5"],
  ["root", "$y$j8T$SPZf3fv4ziDyVVWlp17E9/$Oa6iJKVThVrtUsQY1jc4Rv8OlPzuSYt4eTv3S8qqbiD"],
  ["", "$y$j7T$jNpjprW0JdjLTYU5MKgM6.$6BrW7yFI0WFkSiiUo3E6egzorkZXo/7aAdHdaBpzQF8"],
  ["x".repeat(100), "$y$j7T$N1PdA1q3IBRSMV3nPruy./$pn3wcFbdpbznSx95.H1r/vDvvWYILO/x.syNu5RRen0"],
  ["letmein", "$y$j7D$3.C/LJ6PThyGGkEjnX2YL.$.2ZSxV5kPpG7zwixFUjlBfpfYAgdA491ZvzKc1UbH0A"],
  ["dragon", "$y$j8T..$3.C/LJ6PThyGGkEjnX2YL.$ERHNRQS/qsd/0ttY6OO7ef55IDCxfyH1qKIzXnNbNz."],
  ["monkey", "$y$j7T/.$3.C/LJ6PThyGGkEjnX2YL.$yBBvAWPf6vjsSx4c.IhQrks41vtvbM1WBRBYTMhc1A4"],
];
// From Perl's crypt() (libxcrypt) with an empty salt.
const SALT = "3.C/LJ6PThyGGkEjnX2YL.";
const EMPTY_SALT: [string, string] = ["password", "$y$j9T$$8GphBPUYahATxqgj0nfonf6iSyOHvCy5v.9VnYW6c15"];

test("BF-5 yescrypt: $y$ parameters decode as libxcrypt writes them (j9T = Debian default)", () => {
  const st = parseYescrypt(VECTORS[0]![1])!;
  assert.deepEqual(st.params, { flags: YESCRYPT_DEFAULTS, N: 4096, r: 32, p: 1, t: 0, g: 0, NROM: 0 });
  assert.equal(st.salt.length, 16);
  assert.equal(st.prefix, "$y$j9T$bY2AeEWZX5wJFUGqHpnun0");
  assert.equal(parseYescrypt(`$y$jAT$${SALT}$`)!.params.N, 8192);
  assert.equal(parseYescrypt(`$y$j8T$${SALT}$`)!.params.N, 2048);
  assert.equal(parseYescrypt(`$y$j7D$${SALT}$`)!.params.r, 16);
  assert.equal(parseYescrypt(`$y$j8T..$${SALT}$`)!.params.p, 2);
  assert.equal(parseYescrypt(`$y$j7T/.$${SALT}$`)!.params.t, 1);
  assert.equal(YESCRYPT_DEFAULTS, 0xb6);
});

test("BF-5 yescrypt: base-64 round-trips and rejects non-canonical trailing bits", () => {
  const bytes = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
  const enc = encode64(bytes);
  assert.equal(enc.length, 43);
  assert.deepEqual(decode64(enc, 64), bytes);
  assert.equal(decode64("abcdefghijklmnopqrstuv", 64), null); // last char carries bits past the 16th byte
  assert.equal(decode64("a", 64), null); // a lone character is less than a byte
  assert.equal(decode64("ab!d", 64), null);
});

test("BF-5 yescrypt: verifies real libxcrypt hashes at several costs, r, p and t", () => {
  for (const [pw, hash] of [...VECTORS, EMPTY_SALT]) {
    assert.equal(yescryptCrypt(pw, hash), hash, `crypt of ${JSON.stringify(pw.slice(0, 12))}`);
  }
});

test("BF-5 yescrypt: a wrong password is false", () => {
  assert.equal(yescryptVerify("Password", VECTORS[0]![1]), false);
  assert.equal(yescryptVerify("root ", VECTORS[5]![1]), false);
  assert.equal(yescryptVerify("x", VECTORS[6]![1]), false);
  assert.equal(yescryptVerify("dragon", VECTORS[10]![1]), false);
});

test("BF-5 yescrypt: unsupported or malformed settings are null, never a guess", () => {
  const salt = SALT;
  const h = "ERHNRQS/qsd/0ttY6OO7ef55IDCxfyH1qKIzXnNbNz.";
  assert.equal(yescryptVerify("x", `$y$j8T5.$${salt}$${h}`), null); // NROM: needs a ROM file
  assert.equal(yescryptVerify("x", `$y$j8T1.$${salt}$${h}`), null); // g: hash upgrades
  assert.equal(yescryptVerify("x", `$y$i8T$${salt}$${h}`), null); // another pwxform flavour
  assert.equal(yescryptVerify("x", `$y$jzT$${salt}$${h}`), null); // malformed N
  assert.equal(yescryptVerify("x", `$y$jRT$${salt}$${h}`), null); // N = 2^30: terabytes of memory
  assert.equal(yescryptVerify("x", `$y$j8T$${salt}$short`), null);
  assert.equal(yescryptVerify("x", `$y$j8T$${salt}!$${h}`), null);
  assert.equal(yescryptVerify("x", "$6$abc$def"), null);
});
