import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { parseAuthLine, parseJournalMessage, type ParsedLogon } from "./sshd.parser.ts";
import { expectLogon as expectRecord, fuzzParser, type WantLogon } from "./parser-testkit.ts";

const ctx = { year: 2026 };
const parse = (line: string) => parseAuthLine(line, ctx);

/** An ssh record (repeat only when given) that is a valid logon record once given an id. */
const expectLogon = (p: ParsedLogon | null, want: Omit<WantLogon, "service">) => expectRecord(p, { service: "ssh", repeat: undefined, ...want });

describe("sshd parser", () => {
  test("AGT-2 Debian 12 rsyslog RFC 3339 lines: failed password, accepted publickey", () => {
    expectLogon(parse("2026-11-21T22:50:53.123456+00:00 web-01 sshd[4123]: Failed password for root from 203.0.113.9 port 52144 ssh2"), {
      ts: "2026-11-21T22:50:53.123Z", outcome: "failure", reason: "password", ip: "203.0.113.9", port: 52144, user: "root", host: "web-01",
    });
    expectLogon(parse("2026-11-21T22:51:02.000981+01:00 web-01 sshd[4130]: Accepted publickey for alice from 198.51.100.20 port 40122 ssh2: ED25519 SHA256:Vt1Q3kFhGz8c2H0bO2m0Jq6f3i5fY0mZ6cZk1b8Z3xQ"), {
      ts: "2026-11-21T21:51:02.000Z", outcome: "success", reason: "publickey", ip: "198.51.100.20", port: 40122, user: "alice",
    });
    expectLogon(parse("2026-11-21T22:51:02Z web-01 sshd[1]: Accepted password for bob from 198.51.100.21 port 1 ssh2"), { ts: "2026-11-21T22:51:02.000Z", outcome: "success", reason: "password", ip: "198.51.100.21", user: "bob" });
    expectLogon(parse("2026-11-21T22:51:02-0500 web-01 sshd[1]: Failed password for bob from 198.51.100.21 port 1 ssh2"), { ts: "2026-11-22T03:51:02.000Z", outcome: "failure", reason: "password", ip: "198.51.100.21" });
  });

  test("AGT-2 classic syslog stamps use the context year and zone", () => {
    expectLogon(parse("Nov 21 22:50:53 db-01 sshd[123]: Failed password for invalid user admin from 192.0.2.66 port 40000 ssh2"), {
      ts: "2026-11-21T22:50:53.000Z", outcome: "failure", reason: "invalid_user", ip: "192.0.2.66", port: 40000, user: "admin", host: "db-01",
    });
    const p = parseAuthLine("Mar  1 09:05:07 db-01 sshd[9]: Failed password for root from 192.0.2.66 port 1 ssh2", { year: 2025, utcOffsetMinutes: 60 });
    assert.equal(new Date(p!.ts).toISOString(), "2025-03-01T08:05:07.000Z");
  });

  test("AGT-2 OpenSSH ≥ 9.8 sshd-session and ≥ 10 sshd-auth process names", () => {
    expectLogon(parse("2026-11-21T10:00:00.000000+00:00 h sshd-session[2201]: Failed password for root from 203.0.113.5 port 22 ssh2"), { outcome: "failure", reason: "password", ip: "203.0.113.5" });
    expectLogon(parse("Nov 21 10:00:00 h sshd-session[2201]: Accepted keyboard-interactive/pam for carol from 203.0.113.6 port 22 ssh2"), { outcome: "success", reason: "keyboard-interactive", ip: "203.0.113.6", user: "carol" });
    expectLogon(parse("Nov 21 10:00:00 h sshd-auth[2202]: Failed keyboard-interactive/pam for invalid user x from 203.0.113.7 port 22 ssh2"), { outcome: "failure", reason: "invalid_user", ip: "203.0.113.7", user: "x" });
    expectLogon(parse("Nov 21 10:00:00 h sshd: Failed password for root from 203.0.113.8 port 22 ssh2"), { outcome: "failure", reason: "password", ip: "203.0.113.8" });
    assert.equal(parse("Nov 21 10:00:00 h sshd-keygen[1]: Failed password for root from 203.0.113.8 port 22 ssh2"), null);
  });

  test("AGT-2 failed publickey and other methods", () => {
    expectLogon(parse("Nov 21 10:00:00 h sshd[1]: Failed publickey for invalid user git from 203.0.113.10 port 5000 ssh2: RSA SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"), { outcome: "failure", reason: "invalid_user", ip: "203.0.113.10", user: "git" });
    expectLogon(parse("Nov 21 10:00:00 h sshd[1]: Failed publickey for deploy from 203.0.113.10 port 5000 ssh2: ECDSA SHA256:abc"), { outcome: "failure", reason: "publickey", ip: "203.0.113.10", user: "deploy" });
    expectLogon(parse("Nov 21 10:00:00 h sshd[1]: Accepted hostbased for svc from 203.0.113.10 port 5000 ssh2: ED25519 SHA256:abc"), { outcome: "success", reason: "other", ip: "203.0.113.10" });
    // the protocol's method probe is no attempt
    assert.equal(parse("Nov 21 10:00:00 h sshd[1]: Failed none for invalid user x from 203.0.113.10 port 5000 ssh2"), null);
  });

  test("AGT-2 IPv6 sources are canonical; IPv4-mapped addresses become IPv4", () => {
    expectLogon(parse("Nov 21 10:00:00 h sshd[1]: Failed password for root from 2001:DB8:0:0::1 port 61000 ssh2"), { outcome: "failure", reason: "password", ip: "2001:db8::1", port: 61000 });
    expectLogon(parse("Nov 21 10:00:00 h sshd[1]: Failed password for root from ::ffff:198.51.100.9 port 61000 ssh2"), { outcome: "failure", reason: "password", ip: "198.51.100.9" });
    expectLogon(parse("Nov 21 10:00:00 h sshd[1]: Accepted publickey for a from ::1 port 2 ssh2: ED25519 SHA256:x"), { outcome: "success", reason: "publickey", ip: "::1" });
  });

  test("AGT-2 attacker-chosen user names: spaces, quotes, unicode, empty, a fake address", () => {
    expectLogon(parse("Nov 21 10:00:00 h sshd[1]: Failed password for invalid user a b c from 1.2.3.4 port 5 ssh2"), { outcome: "failure", reason: "invalid_user", ip: "1.2.3.4", port: 5, user: "a b c" });
    expectLogon(parse(`Nov 21 10:00:00 h sshd[1]: Failed password for invalid user ' OR 1=1; --"\`$(reboot)\` from 1.2.3.4 port 5 ssh2`), { outcome: "failure", reason: "invalid_user", ip: "1.2.3.4", user: `' OR 1=1; --"\`$(reboot)\`` });
    expectLogon(parse("Nov 21 10:00:00 h sshd[1]: Failed password for invalid user пользователь😀 from 1.2.3.4 port 5 ssh2"), { outcome: "failure", reason: "invalid_user", ip: "1.2.3.4", user: "пользователь😀" });
    expectLogon(parse("Nov 21 10:00:00 h sshd[1]: Failed password for invalid user  from 1.2.3.4 port 5 ssh2"), { outcome: "failure", reason: "invalid_user", ip: "1.2.3.4", user: "" });
    // the real address is the right-most one followed by sshd's own tail
    expectLogon(parse("Nov 21 10:00:00 h sshd[1]: Failed password for invalid user x from 6.6.6.6 port 1 ssh2 from 1.2.3.4 port 5 ssh2"), { outcome: "failure", reason: "invalid_user", ip: "1.2.3.4", port: 5, user: "x from 6.6.6.6 port 1 ssh2" });
    expectLogon(parse("Nov 21 10:00:00 h sshd[1]: Failed password for invalid user from  from 1.2.3.4 port 5 ssh2"), { outcome: "failure", reason: "invalid_user", ip: "1.2.3.4", user: "from " });
  });

  test("AGT-2 message repeated N times counts N attempts", () => {
    expectLogon(parse("Nov 21 10:00:00 h sshd[77]: message repeated 3 times: [ Failed password for root from 198.51.100.7 port 4000 ssh2]"), { outcome: "failure", reason: "password", ip: "198.51.100.7", port: 4000, user: "root", repeat: 3 });
    assert.equal(parse("Nov 21 10:00:00 h sshd[77]: message repeated 3 times: [ Received disconnect from 1.2.3.4 port 1:11: Bye Bye [preauth]]"), null);
  });

  test("AGT-2 one failure per attempt: lines that repeat or frame an attempt return null", () => {
    const framing = [
      // PAM's line for the attempt sshd logs as "Failed password" right after
      "Nov 21 10:00:00 h sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root",
      "Nov 21 10:00:00 h sshd[1]: pam_unix(sshd:auth): check pass; user unknown",
      "Nov 21 10:00:00 h sshd[1]: PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root",
      // once per connection, before its "Failed … for invalid user" attempts
      "Nov 21 10:00:00 h sshd[1]: Invalid user admin from 1.2.3.4 port 5",
      "Nov 21 10:00:00 h sshd[1]: Invalid user  from 1.2.3.4 port 5",
      // the end of a connection whose attempts were already logged
      "Nov 21 10:00:00 h sshd[1]: Disconnected from authenticating user root 1.2.3.4 port 5 [preauth]",
      "Nov 21 10:00:00 h sshd[1]: Connection closed by authenticating user root 1.2.3.4 port 5 [preauth]",
      "Nov 21 10:00:00 h sshd[1]: Disconnected from invalid user admin 1.2.3.4 port 5 [preauth]",
      "Nov 21 10:00:00 h sshd[1]: error: maximum authentication attempts exceeded for root from 1.2.3.4 port 5 ssh2 [preauth]",
      "Nov 21 10:00:00 h sshd[1]: Disconnecting authenticating user root 1.2.3.4 port 5: Too many authentication failures [preauth]",
    ];
    for (const l of framing) assert.equal(parse(l), null, l);
  });

  test("AGT-2 lines that are not sshd logon attempts, and garbage, return null without throwing", () => {
    const lines = [
      "",
      " ",
      "garbage",
      "sshd",
      " sshd[",
      "Nov 21 10:00:00 h CRON[5]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
      "Nov 21 10:00:00 h sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id",
      "Nov 21 10:00:00 h kernel: [123.456] [UFW BLOCK] IN=eth0 SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP DPT=22",
      "Nov 21 10:00:00 h sshd[1]: Received disconnect from 1.2.3.4 port 5:11: Bye Bye [preauth]",
      "Nov 21 10:00:00 h sshd[1]: Connection closed by 1.2.3.4 port 5 [preauth]",
      "Nov 21 10:00:00 h sshd[1]: Server listening on 0.0.0.0 port 22.",
      "Nov 21 10:00:00 h sshd[1]: pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)",
      // another program mentioning sshd, even with a forged sshd message inside
      "Nov 21 10:00:00 h logger[1]: x sshd[1]: Failed password for root from 1.2.3.4 port 5 ssh2",
      "2026-11-21T10:00:00+00:00 h app[1]: sshd[2]: Accepted password for root from 1.2.3.4 port 5 ssh2",
      // broken stamps, addresses, ports
      "Foo 21 10:00:00 h sshd[1]: Failed password for root from 1.2.3.4 port 5 ssh2",
      "Nov 32 10:00:00 h sshd[1]: Failed password for root from 1.2.3.4 port 5 ssh2",
      "2026-13-21T10:00:00+00:00 h sshd[1]: Failed password for root from 1.2.3.4 port 5 ssh2",
      "2026-11-21T10:00:00 h sshd[1]: Failed password for root from 1.2.3.4 port 5 ssh2",
      "Nov 21 10:00:00 h sshd[1]: Failed password for root from attacker.example port 5 ssh2",
      "Nov 21 10:00:00 h sshd[1]: Failed password for root from 1.2.3.256 port 5 ssh2",
      "Nov 21 10:00:00 h sshd[1]: Failed password for root from 1.2.3.4 port 99999 ssh2",
      "Nov 21 10:00:00 h sshd[1]: Failed password for root from 1.2.3.4 port ssh2",
      "Nov 21 10:00:00 h sshd[1]: Failed password",
      "Nov 21 10:00:00 h sshd[1]: Failed password for root",
      "Nov 21 10:00:00 h sshd[1]: Accepted",
      "Nov 21 10:00:00 h sshd[1]: message repeated x times: [ Failed password for root from 1.2.3.4 port 5 ssh2]",
      "Nov 21 10:00:00 h sshd[1",
      "\u0000\u0001\u0002 sshd \uFFFD",
    ];
    for (const l of lines) assert.equal(parse(l), null, JSON.stringify(l));
    // random bytes around real fragments never throw
    const parts = ["Nov 21 10:00:00 ", "2026-11-21T10:00:00.1+00:00 ", "h ", "sshd[1]: ", "sshd-session: ", "Failed password for ", "invalid user ", "Accepted publickey for ", " from ", "1.2.3.4", "::1", " port ", "22", " ssh2", ": RSA", "message repeated 2 times: [ ", "]", " ", "\u00e9"];
    fuzzParser(parts, parse, 7);
  });

  test("AGT-2 journald messages carry their own time and host", () => {
    expectLogon(parseJournalMessage("Failed password for invalid user oracle from 203.0.113.40 port 33000 ssh2", Date.parse("2026-11-21T08:00:00Z"), "web-02"), {
      ts: "2026-11-21T08:00:00.000Z", outcome: "failure", reason: "invalid_user", ip: "203.0.113.40", user: "oracle", host: "web-02",
    });
    const p = parseJournalMessage("Accepted publickey for alice from 198.51.100.20 port 40122 ssh2: ED25519 SHA256:x", 1_700_000_000_000);
    assert.equal(p?.host, undefined);
    assert.equal(parseJournalMessage("Invalid user admin from 1.2.3.4 port 5", 1), null);
    assert.equal(parseJournalMessage("Server listening on :: port 22.", 1), null);
  });

  test("AGT-2 parsing is fast: well over a million lines per second on a typical mix", () => {
    const mix = [
      "2026-11-21T22:50:53.123456+00:00 web-01 sshd[4123]: Failed password for root from 203.0.113.9 port 52144 ssh2",
      "2026-11-21T22:50:53.223456+00:00 web-01 sshd[4123]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9  user=root",
      "2026-11-21T22:50:54.000001+00:00 web-01 CRON[9]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
      "2026-11-21T22:50:55.000001+00:00 web-01 sshd[4200]: Invalid user admin from 198.51.100.3 port 40000",
      "2026-11-21T22:50:57.000001+00:00 web-01 sshd[4200]: Failed password for invalid user admin from 198.51.100.3 port 40000 ssh2",
      "2026-11-21T22:50:58.000001+00:00 web-01 kernel: [1.2] [UFW BLOCK] IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8 LEN=44 PROTO=TCP SPT=1 DPT=23",
      "2026-11-21T22:51:00.000001+00:00 web-01 sshd[4300]: Accepted publickey for alice from 198.51.100.20 port 40122 ssh2: ED25519 SHA256:abc",
      "2026-11-21T22:51:01.000001+00:00 web-01 systemd[1]: Started session-5.scope - Session 5 of User alice.",
    ];
    const lines: string[] = [];
    for (let i = 0; i < 200_000; i++) lines.push(mix[i % mix.length]!);
    let best = Infinity;
    for (let round = 0; round < 3; round++) {
      const t0 = performance.now();
      let n = 0;
      for (const l of lines) if (parse(l) !== null) n++;
      best = Math.min(best, performance.now() - t0);
      assert.equal(n, 75_000);
    }
    const rate = lines.length / (best / 1000);
    // the target is ≥ 1.5 M/s; the test allows for a loaded CI machine
    assert.ok(rate > 500_000, `${Math.round(rate)} lines/s`);
  });
});
