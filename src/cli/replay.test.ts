import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { gzipSync } from "node:zlib";
import { replayCommand } from "./replay.ts";

const FIXTURES = join(import.meta.dirname, "..", "..", "test", "fixtures", "auth");
const DEBIAN = join(FIXTURES, "debian12-rfc3339.log");
const CLASSIC = join(FIXTURES, "classic-syslog.log");

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

async function replay(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await replayCommand(argv, { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

interface JsonAlert {
  type: string;
  severity: string;
  source: { ip: string };
  user?: { name: string };
  firstSeen: string;
  lastSeen: string;
  count: number;
  asset: string;
  rule: string;
  name: string;
  attack: string[];
}

async function alertsOf(argv: string[]): Promise<JsonAlert[]> {
  const r = await replay(["--json", ...argv]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as JsonAlert);
}

let tmp = "";
before(() => {
  tmp = mkdtempSync(join(tmpdir(), "hw-replay-"));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("hostward replay", () => {
  test("BF-1 replay --json of a Debian 12 auth.log prints the alert with the JSON contract", async () => {
    const alerts = await alertsOf([DEBIAN]);
    assert.equal(alerts.length, 1, JSON.stringify(alerts));
    const a = alerts[0]!;
    assert.equal(a.type, "ssh_brute_force");
    assert.equal(a.severity, "high");
    assert.deepEqual(a.source, { ip: "203.0.113.77" });
    assert.deepEqual(a.user, { name: "root" });
    assert.equal(a.asset, "web-01");
    assert.equal(a.rule, "hw-ssh-brute-force");
    assert.equal(a.name, "SSH brute force");
    assert.deepEqual(a.attack, ["T1110.001"]);
    // six failures: the alert opens on the fifth, the sixth adds one
    assert.equal(a.count, 6);
    assert.equal(a.firstSeen, "2026-03-01T10:03:02.200Z");
    assert.equal(a.lastSeen, "2026-03-01T10:04:14.000Z");
  });

  test("BF-1 a legitimate user with two typos then a success is not flagged", async () => {
    const alerts = await alertsOf([DEBIAN]);
    assert.ok(!alerts.some((a) => a.source.ip === "198.51.100.21" || a.user?.name === "bob"), JSON.stringify(alerts));
  });

  test("BF-1 three guesses at unknown users are three failures, not six (Invalid user lines are not counted)", async () => {
    const alerts = await alertsOf([DEBIAN]);
    assert.ok(!alerts.some((a) => a.source.ip === "203.0.113.78"), JSON.stringify(alerts));
  });

  test("BF-2 classic syslog across new year: brute force then logon, with message repeated and sshd-session", async () => {
    const alerts = await alertsOf(["--year", "2025", CLASSIC]);
    const bf = alerts.find((a) => a.type === "ssh_brute_force");
    const bf2 = alerts.find((a) => a.type === "logon_after_brute_force");
    assert.ok(bf && bf2, JSON.stringify(alerts));
    assert.equal(alerts.length, 2, "the IPv6 source with two failures is not flagged");
    assert.deepEqual(bf.source, { ip: "192.0.2.66" });
    assert.equal(bf.asset, "db-01");
    assert.equal(bf.count, 5);
    assert.equal(bf.firstSeen, "2025-12-31T23:57:12.000Z");
    assert.equal(bf.lastSeen, "2026-01-01T00:01:30.000Z");
    assert.equal(bf.user, undefined, "three user names were tried");
    assert.equal(bf2.severity, "critical");
    assert.deepEqual(bf2.user, { name: "deploy" });
    assert.equal(bf2.firstSeen, "2026-01-01T00:02:00.000Z");
    assert.equal(bf2.count, 1);
  });

  test("the year of classic stamps defaults to the file's mtime, a stamp after it being from the year before", async () => {
    const f = join(tmp, "auth.log");
    copyFileSync(CLASSIC, f);
    utimesSync(f, new Date("2026-01-01T00:05:00Z"), new Date("2026-01-01T00:05:00Z"));
    const alerts = await alertsOf([f]);
    assert.equal(alerts.find((a) => a.type === "ssh_brute_force")?.firstSeen, "2025-12-31T23:57:12.000Z");
  });

  test("gzip files are read on the fly and give the same alerts", async () => {
    const gz = join(tmp, "auth.log.2.gz");
    writeFileSync(gz, gzipSync(readFileSync(DEBIAN)));
    assert.deepEqual(await alertsOf([gz]), await alertsOf([DEBIAN]));
  });

  test("several files, a line without a final newline, CRLF endings", async () => {
    const f = join(tmp, "crlf.log");
    writeFileSync(f, readFileSync(DEBIAN, "utf8").trimEnd().replaceAll("\n", "\r\n"));
    const r = await replay(["--json", "--year", "2025", f, CLASSIC]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split("\n").length, 3);
    const lines = readFileSync(DEBIAN, "utf8").trimEnd().split("\n").length + readFileSync(CLASSIC, "utf8").trimEnd().split("\n").length;
    assert.match(r.stderr, new RegExp(`^${lines} lines read`));
  });

  test("without --json: an aligned table on stdout and a summary on stderr", async () => {
    const r = await replay([DEBIAN]);
    assert.equal(r.code, 0);
    const [head, row] = r.stdout.split("\n");
    assert.match(head!, /^FIRST SEEN\s+LAST SEEN\s+SEVERITY\s+TYPE\s+ASSET\s+SOURCE\s+USER\s+COUNT$/);
    assert.match(row!, /2026-03-01 10:03:02Z\s+2026-03-01 10:04:14Z\s+high\s+ssh_brute_force\s+web-01\s+203\.0\.113\.77\s+root\s+6$/);
    assert.equal(head!.indexOf("SEVERITY"), row!.indexOf("high"));
    assert.match(r.stderr, /^\d+ lines read, \d+ logon lines parsed, 1 alert, [\d.]+ s, \d+ lines\/s\n$/);
  });

  test("unreadable input exits 2 naming the file: missing file, directory", async () => {
    const missing = join(tmp, "no-such-auth.log");
    let r = await replay(["--json", DEBIAN, missing]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "", "nothing is printed before all inputs are checked");
    assert.match(r.stderr, /cannot read ".*no-such-auth\.log": no such file/);
    r = await replay([tmp]);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(tmp) && r.stderr.includes("is a directory"), r.stderr);
  });

  test("--help explains usage with examples; bad options exit 2", async () => {
    const r = await replay(["--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: hostward replay/);
    assert.match(r.stdout, /Examples:/);
    assert.match(r.stdout, /--json/);
    for (const bad of [[], ["--bogus", DEBIAN], ["--year", "26", DEBIAN], ["--json"], ["--utc-offset", "1h", DEBIAN]]) {
      const b = await replay(bad);
      assert.equal(b.code, 2, bad.join(" "));
      assert.match(b.stderr, /hostward replay: /);
    }
  });
});

describe("hostward replay: every logon alert type from log files", () => {
  const dir = mkdtempSync(join(tmpdir(), "hw-replay-types-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("LOG-1 LOG-2 LOG-8 BF-1 BF-2 AGT-2 sshd, vsftpd, MySQL and Windows logs give every log-derived alert type", async () => {
    const t0 = Date.parse("2026-11-21T00:00:00Z");
    const at = (ms: number) => new Date(t0 + ms).toISOString().replace("Z", "+00:00");
    const M = 60_000, H = 60 * M;
    const lines: [number, string][] = [];
    const ssh = (ms: number, host: string, what: string) => lines.push([ms, `${at(ms)} ${host} sshd[${1000 + lines.length}]: ${what}`]);
    // fast brute force, then a success from the same source (BF-1, BF-2)
    for (let i = 0; i < 6; i++) ssh(i * 1000, "web-1", `Failed password for root from 203.0.113.9 port ${40000 + i} ssh2`);
    ssh(10_000, "web-1", "Accepted password for root from 203.0.113.9 port 41000 ssh2");
    // slow: 16 failures 12 minutes apart
    for (let i = 0; i < 16; i++) ssh(H + i * 12 * M, "web-1", `Failed password for admin from 198.51.100.20 port ${42000 + i} ssh2`);
    // account enumeration: 8 unknown users 8 minutes apart
    for (let i = 0; i < 8; i++) ssh(H + i * 8 * M, "web-1", `Failed password for invalid user u${i} from 198.51.100.21 port ${43000 + i} ssh2`);
    // distributed: 20 sources, one failure each, within an hour, against db-1
    for (let i = 0; i < 20; i++) ssh(2 * H + i * M, "db-1", `Failed password for root from 192.0.2.${100 + i} port ${44000 + i} ssh2`);
    // one source probing three hosts
    for (const [i, h] of ["web-1", "db-1", "mail-1"].entries()) ssh(3 * H + i * M, h, `Failed password for root from 198.51.100.30 port ${45000 + i} ssh2`);
    // unusual logon: mail-1 learns London in its first day, then a logon from the US (the shipped GeoIP database)
    ssh(4 * H, "mail-1", "Accepted publickey for alice from 81.2.69.142 port 46000 ssh2: ED25519 SHA256:x");
    ssh(4 * H + 3 * 24 * H, "mail-1", "Accepted publickey for alice from 8.8.8.8 port 46001 ssh2: ED25519 SHA256:x");
    // a logon from an address on an intel list
    ssh(5 * H, "web-1", "Accepted password for deploy from 1.1.1.1 port 47000 ssh2");
    lines.sort((a, b) => a[0] - b[0]);
    writeFileSync(join(dir, "auth.log"), lines.map((l) => l[1]).join("\n") + "\n");
    writeFileSync(join(dir, "intel.txt"), "# name: test-list\n1.1.1.1\n");
    const vs = (ms: number, what: string) => `${new Date(t0 + ms).toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/, (_m, d, dd, mo, y, hms) => `${d} ${mo} ${dd} ${hms} ${y}`)} [pid 7] ${what}`;
    writeFileSync(join(dir, "vsftpd.log"), Array.from({ length: 5 }, (_, i) => vs(i * 1000, `[bob] FAIL LOGIN: Client "203.0.113.40"`)).join("\n") + "\n");
    writeFileSync(join(dir, "error.log"), Array.from({ length: 5 }, (_, i) => `2026-11-21T00:0${i}:00.000000Z ${i + 8} [Note] [MY-010926] [Server] Access denied for user 'root'@'203.0.113.41' (using password: YES)`).join("\n") + "\n");
    writeFileSync(join(dir, "security.jsonl"), Array.from({ length: 5 }, (_, i) => JSON.stringify({ "@timestamp": `2026-11-21T00:0${i}:00.000Z`, winlog: { event_id: 4625, computer_name: "WIN-1", event_data: { TargetUserName: "Administrator", IpAddress: "203.0.113.42", LogonType: "10", Status: "0xc000006d", SubStatus: "0xc000006a" } } })).join("\n") + "\n");

    const r = await replay(["--json", "--intel", join(dir, "intel.txt"), join(dir, "auth.log"), join(dir, "vsftpd.log"), join(dir, "error.log"), join(dir, "security.jsonl")]);
    assert.equal(r.code, 0, r.stderr);
    const got = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as JsonAlert);
    const types = new Set(got.map((a) => a.type));
    assert.deepEqual([...types].sort(), [
      "distributed_brute_force", "ftp_brute_force", "logon_after_brute_force", "logon_scan_accounts", "logon_scan_hosts", "malicious_ip_logon",
      "mysql_brute_force", "rdp_brute_force", "slow_brute_force", "ssh_brute_force", "unusual_logon",
    ]);
    const unusual = got.find((a) => a.type === "unusual_logon")!;
    assert.deepEqual([unusual.asset, unusual.source.ip], ["mail-1", "8.8.8.8"]);
    assert.equal(got.find((a) => a.type === "distributed_brute_force")!.asset, "db-1");
    assert.equal(got.find((a) => a.type === "malicious_ip_logon")!.source.ip, "1.1.1.1");
    assert.equal(got.filter((a) => a.type === "ssh_brute_force").length, 1, "slow and enumerating sources are not also fast brute force");
  });
});
