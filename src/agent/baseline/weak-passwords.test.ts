import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { baselineRecord } from "../../protocol/telemetry.schema.ts";
import {
  checkWeakPasswords,
  DEFAULT_DICTIONARY_PATH,
  loadDictionary,
  parseDictionary,
  shellAllowsLogon,
  usernameCandidates,
  type WeakPasswordResult,
} from "./weak-passwords.ts";

// Hashes made by libxcrypt on Debian (crypt_gensalt() + crypt()); the same vectors
// are checked scheme by scheme in crypt/*.test.ts.
const H = {
  yescryptPassword: "$y$j9T$bY2AeEWZX5wJFUGqHpnun0$A7M2Bxem2dWxwANGpNq3Cm.5bqdCUSMZbfvOEqImha.", // "password"
  yescryptRoot: "$y$j8T$SPZf3fv4ziDyVVWlp17E9/$Oa6iJKVThVrtUsQY1jc4Rv8OlPzuSYt4eTv3S8qqbiD", // "root"
  yescryptStrong: "$y$j9T$Dd3VkyOtXzbsdejTQKHvw.$8kYKSRFtU2eLK.kOeJ8U5LsnaqnpOuSJxwPUAtt04t9", // not in any list
  sha512: "$6$u61UvrURX6gNYXrU$.mPxZ9rWYpMaYsdPVxqOnEgRnA2DJFXL1/87bOITt3IQsC3xI3v92.FjYfCA22KXACEeMWukJaLjTie34jyXA.", // "P@ssw0rd"
  sha256Strong: "$5$cqiAZkuIFrrWX4ML$buFogJRGG1EJ6Yrpxk9/ABhpizexVhPoz2Oqa/9vRNB", // not in any list
  md5: "$1$UcImzy6X$Srox4E6C1qXBPihX/UpdB/", // "abc123"
  bcrypt: "$2b$04$YOJPjBBsEpAYCJ0xPczG6uyruQo5JB4XK5c/nCB2oLXK1yEPvR4jK", // "ubuntu"
  des: "AxXCUkyP5WhCU", // "test"
  unsupported: "$gy$j9T$3.C/LJ6PThyGGkEjnX2YL.$ERHNRQS/qsd/0ttY6OO7ef55IDCxfyH1qKIzXnNbNz.",
  yescryptRom: "$y$j8T5.$3.C/LJ6PThyGGkEjnX2YL.$ERHNRQS/qsd/0ttY6OO7ef55IDCxfyH1qKIzXnNbNz.", // needs a ROM file
};
const DICTIONARY = ["123456", "password", "P@ssw0rd", "abc123", "ubuntu", "test"];

const shadowLines = [
  `alice:${H.yescryptPassword}:19700:0:99999:7:::`,
  `root:${H.yescryptRoot}:19700:0:99999:7:::`,
  `carol:${H.sha512}:19700:0:99999:7:::`,
  `dave:${H.md5}:19700:0:99999:7:::`,
  `erin:${H.bcrypt}:19700:0:99999:7:::`,
  `grace:${H.sha256Strong}:19700:0:99999:7:::`,
  `locked1:!${H.sha512}:19700:0:99999:7:::`,
  `locked2:!!:19700:0:99999:7:::`,
  `daemon:*:19700:0:99999:7:::`,
  `nopass_svc::19700:0:99999:7:::`,
  `nopass_user::19700:0:99999:7:::`,
  `odd:${H.unsupported}:19700:0:99999:7:::`,
  `romuser:${H.yescryptRom}:19700:0:99999:7:::`,
  `weird:NP:19700:0:99999:7:::`,
  `orphan:${H.md5}:19700:0:99999:7:::`, // no passwd entry: not an account
];
const passwdLines = [
  "root:x:0:0:root:/root:/bin/bash",
  "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
  "alice:x:1000:1000:Alice:/home/alice:/bin/bash",
  "carol:x:1001:1001::/home/carol:/bin/bash",
  "dave:x:1002:1002::/home/dave:/bin/zsh",
  "erin:x:1003:1003::/home/erin:/bin/bash",
  `frank:${H.des}:1004:1004:legacy, hash in passwd:/home/frank:/bin/sh`,
  "grace:x:1005:1005::/home/grace:/bin/bash",
  "locked1:x:1006:1006::/home/locked1:/bin/bash",
  "locked2:x:1007:1007::/home/locked2:/bin/bash",
  "nopass_svc:x:998:998::/var/lib/svc:/usr/sbin/nologin",
  "nopass_user:x:1008:1008::/home/nopass_user:/bin/bash",
  "odd:x:1009:1009::/home/odd:/bin/bash",
  "romuser:x:1010:1010::/home/romuser:/bin/bash",
  "weird:x:1011:1011::/home/weird:/bin/bash",
];

let dir = "";
let result: WeakPasswordResult;
let maxLoopGapMs = 0;

async function writeFixture(name: string, lines: string[]): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, lines.join("\n") + "\n");
  return p;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "hw-weakpw-"));
  const shadowPath = await writeFixture("shadow", shadowLines);
  const passwdPath = await writeFixture("passwd", passwdLines);
  let last = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    maxLoopGapMs = Math.max(maxLoopGapMs, now - last);
    last = now;
  }, 10);
  try {
    result = await checkWeakPasswords({ shadowPath, passwdPath, dictionary: DICTIONARY, workers: 2 });
  } finally {
    clearInterval(tick);
  }
});
after(() => rm(dir, { recursive: true, force: true }));

const finding = (subject: string) => result.findings.find((f) => f.subject === subject);

test("BF-5 a yescrypt hash of a dictionary password is found", () => {
  assert.deepEqual(finding("alice"), { subject: "alice", reason: "dictionary", scheme: "yescrypt" });
});

test("BF-5 a password equal to the user name is found with reason username", () => {
  assert.deepEqual(finding("root"), { subject: "root", reason: "username", scheme: "yescrypt" });
});

test("BF-5 dictionary passwords are found in sha512crypt, md5crypt, bcrypt and DES hashes (also a hash kept in /etc/passwd)", () => {
  assert.deepEqual(finding("carol"), { subject: "carol", reason: "dictionary", scheme: "sha512crypt" });
  assert.deepEqual(finding("dave"), { subject: "dave", reason: "dictionary", scheme: "md5crypt" });
  assert.deepEqual(finding("erin"), { subject: "erin", reason: "dictionary", scheme: "bcrypt" });
  assert.deepEqual(finding("frank"), { subject: "frank", reason: "dictionary", scheme: "descrypt" });
});

test("BF-5 a password in no list is not a finding", () => {
  assert.equal(finding("grace"), undefined);
});

test("BF-5 locked accounts and accounts without a passwd entry are neither tested nor findings", () => {
  for (const s of ["locked1", "locked2", "daemon", "orphan"]) {
    assert.equal(finding(s), undefined, s);
    assert.equal(result.skipped.find((x) => x.subject === s), undefined, s);
  }
});

test("BF-5 an empty password is a finding only where the shell allows logon", () => {
  assert.deepEqual(finding("nopass_user"), { subject: "nopass_user", reason: "empty", scheme: "none" });
  assert.equal(finding("nopass_svc"), undefined);
});

test("BF-5 an unsupported hash scheme (or parameters) is skipped, not guessed", () => {
  assert.deepEqual(result.skipped, [
    { subject: "odd", reason: "unsupported hash scheme $gy$" },
    { subject: "romuser", reason: "unsupported yescrypt parameters" },
    { subject: "weird", reason: "unrecognised hash format" },
  ]);
});

test("BF-5 checked counts the accounts whose password was judged", () => {
  // alice root carol dave erin frank grace (hashes) + nopass_user (empty)
  assert.equal(result.checked, 8);
  assert.equal(result.findings.length, 7);
  assert.ok(Number.isInteger(result.durationMs) && result.durationMs >= 0);
});

test("BF-5 the result never contains a hash or a password", () => {
  const json = JSON.stringify(result);
  for (const h of Object.values(H)) {
    assert.ok(!json.includes(h), "hash leaked");
    assert.ok(!json.includes(h.slice(h.lastIndexOf("$") + 1)), "hash digest leaked");
  }
  for (const pw of DICTIONARY) assert.ok(!json.includes(pw), `password ${pw} leaked`);
});

test("BF-5 the result validates as a baseline telemetry record", () => {
  const rec = baselineRecord.parse({ id: "bl:weak_password:0001", kind: "baseline", ts: Date.now(), check: "weak_password", trigger: "on_demand", ...result });
  assert.equal(rec.findings.length, result.findings.length);
  assert.deepEqual(rec.skipped, result.skipped);
});

test("BF-5 hashing runs in worker threads: the event loop keeps ticking", () => {
  // A single $y$j9T$ hash takes ~200 ms of CPU; run on the event loop, the 10 ms timer would stall for longer.
  assert.ok(maxLoopGapMs < 400, `event loop stalled for ${maxLoopGapMs.toFixed(0)} ms`);
});

test("BF-5 the time budget stops early and reports the accounts left as skipped", async () => {
  const shadowPath = await writeFixture("shadow-budget", [`grace:${H.yescryptStrong}:19700::::::`, `carol:${H.sha512}:19700::::::`]);
  const passwdPath = await writeFixture("passwd-budget", ["grace:x:1005:1005::/home/grace:/bin/bash", "carol:x:1001:1001::/home/carol:/bin/bash"]);
  const many = Array.from({ length: 200 }, (_, i) => `not-it-${i}`);
  const t0 = performance.now();
  const r = await checkWeakPasswords({ shadowPath, passwdPath, dictionary: [...many, "P@ssw0rd"], budgetMs: 300, workers: 1 });
  assert.ok(performance.now() - t0 < 3000, "did not stop at the budget");
  assert.deepEqual(r.skipped.find((s) => s.subject === "grace"), { subject: "grace", reason: "time budget exhausted" });
  assert.equal(r.checked + r.skipped.length, 2, "each account is either judged or skipped");
});

test("BF-5 candidates: the user name and its simple variants", () => {
  assert.deepEqual(usernameCandidates("admin"), ["admin", "admin123", "admin1", "admin@123", "nimda"]);
  assert.deepEqual(usernameCandidates("bob"), ["bob", "bob123", "bob1", "bob@123"]); // a palindrome is tried once
});

test("BF-5 shells: nologin, false and friends do not allow logon; an empty shell is /bin/sh", () => {
  for (const s of ["/usr/sbin/nologin", "/sbin/nologin", "/bin/false", "/usr/bin/false", "/bin/sync"]) assert.equal(shellAllowsLogon(s), false, s);
  for (const s of ["/bin/bash", "/bin/sh", "/usr/bin/zsh", "", "/usr/bin/fish"]) assert.equal(shellAllowsLogon(s), true, s);
});

test("BF-5 dictionary files: comments and blank lines ignored, duplicates dropped", () => {
  assert.deepEqual(parseDictionary("# top\n\n123456\r\npassword\n123456\n #not a comment\n"), ["123456", "password", " #not a comment"]);
});

test("BF-5 the shipped dictionary loads, has no duplicates and starts with the most common passwords", async () => {
  const raw = (await readFile(DEFAULT_DICTIONARY_PATH, "utf8")).split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  assert.equal(new Set(raw).size, raw.length, "duplicate entries");
  const dict = await loadDictionary();
  assert.deepEqual(dict, raw);
  assert.ok(dict.length >= 200 && dict.length <= 1000, `${dict.length} entries`);
  assert.deepEqual(dict.slice(0, 2), ["123456", "password"]);
  for (const pw of ["admin", "root", "qwerty", "12345678", "111111", "abc123", "P@ssw0rd", "changeme", "toor", "raspberry", "ubuntu", "test"]) {
    assert.ok(dict.includes(pw), pw);
  }
  for (const pw of dict) assert.equal(pw, pw.trim(), `stray whitespace in ${JSON.stringify(pw)}`);
});
