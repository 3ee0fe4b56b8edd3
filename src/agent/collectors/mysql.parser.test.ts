import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type { ParsedLogon } from "./sshd.parser.ts";
import { parseMysqlLine, parseMysqlMessage, type LineSkip } from "./mysql.parser.ts";
import { expectLogon as expectRecord, expectSkip, fuzzParser, type WantLogon } from "./parser-testkit.ts";

const parse = (line: string, utcOffsetMinutes?: number) => parseMysqlLine(line, { utcOffsetMinutes });

type Want = Omit<WantLogon, "service" | "outcome" | "reason"> & { reason: "password" | "other" };

/** A failed mysql record (these logs hold failures only) that is a valid logon record once given an id. */
const expectLogon = (p: ParsedLogon | LineSkip, want: Want) => expectRecord(p, { service: "mysql", outcome: "failure", ...want });

describe("mysql parser", () => {
  test("AGT-2 MySQL 8 Access denied (log_error_verbosity=3) is a failed mysql logon", () => {
    expectLogon(parse("2026-11-21T22:50:53.123456Z 12 [Note] [MY-010926] [Server] Access denied for user 'root'@'203.0.113.9' (using password: YES)"), {
      ts: "2026-11-21T22:50:53.123Z", reason: "password", ip: "203.0.113.9", user: "root",
    });
    expectLogon(parse("2019-01-03T08:50:04.634875Z 113 [Note] [MY-010926] [Server] Access denied for user 'root'@'192.0.2.1' (using password: NO)"), {
      ts: "2019-01-03T08:50:04.634Z", reason: "other", ip: "192.0.2.1", user: "root",
    });
  });

  test("AGT-2 MySQL 5.7 Access denied; 'localhost' is 127.0.0.1; log_timestamps=SYSTEM zones", () => {
    expectLogon(parse("2026-11-21T22:50:53.123456Z 8 [Note] Access denied for user 'root'@'localhost' (using password: YES)"), { ts: "2026-11-21T22:50:53.123Z", reason: "password", ip: "127.0.0.1", user: "root" });
    expectLogon(parse("2026-11-21T23:50:53.000001+01:00 8 [Note] Access denied for user 'app'@'198.51.100.4' (using password: YES)"), { ts: "2026-11-21T22:50:53.000Z", reason: "password", ip: "198.51.100.4" });
    // a stamp without a zone is local time
    expectLogon(parse("2016-02-24T15:26:18.237955 6 [Note] Access denied for user 'root'@'192.0.2.7' (using password: YES)", 60), { ts: "2016-02-24T14:26:18.237Z", reason: "password", ip: "192.0.2.7" });
  });

  test("AGT-2 MariaDB (log_warnings >= 2) and MySQL 5.6 formats, local time", () => {
    expectLogon(parse("2026-11-21 22:50:53 12 [Warning] Access denied for user 'root'@'203.0.113.9' (using password: YES)"), { ts: "2026-11-21T22:50:53.000Z", reason: "password", ip: "203.0.113.9", user: "root" });
    expectLogon(parse("2026-11-21 22:50:53 12 [Warning] Access denied for user 'root'@'203.0.113.9' (using password: YES)", -300), { ts: "2026-11-22T03:50:53.000Z", reason: "password", ip: "203.0.113.9" });
    expectLogon(parse("2015-10-07  8:25:38 139845235329792 [Warning] Access denied for user 'user'@'192.0.2.1' (using password: YES)"), { ts: "2015-10-07T08:25:38.000Z", reason: "password", ip: "192.0.2.1", user: "user" });
    expectLogon(parse("201121 22:50:53 [Warning] Access denied for user 'root'@'203.0.113.9' (using password: YES)"), { ts: "2020-11-21T22:50:53.000Z", reason: "password", ip: "203.0.113.9" });
    expectLogon(parse("130324  0:04:00 [Warning] Access denied for user 'root'@'192.168.1.35' (using password: NO)"), { ts: "2013-03-24T00:04:00.000Z", reason: "other", ip: "192.168.1.35" });
  });

  test("AGT-2 mysqld and mariadbd through syslog and journald", () => {
    expectLogon(parse("Sep 16 21:30:26 catinthehat mysqld: 130916 21:30:26 [Warning] Access denied for user 'hacker'@'74.207.241.159' (using password: YES)"), {
      ts: "2013-09-16T21:30:26.000Z", reason: "password", ip: "74.207.241.159", user: "hacker", host: "catinthehat",
    });
    expectLogon(parse("2026-11-21T22:50:53.5+00:00 db1 mariadbd[812]: 2026-11-21 22:50:53 31 [Warning] Access denied for user 'root'@'203.0.113.9' (using password: YES)"), {
      ts: "2026-11-21T22:50:53.000Z", reason: "password", ip: "203.0.113.9", host: "db1",
    });
    // Debian's MariaDB logs to journald by default; the entry's time counts
    expectLogon(parseMysqlMessage("2026-11-21 22:50:53 31 [Warning] Access denied for user 'root'@'203.0.113.9' (using password: YES)", Date.parse("2026-11-21T21:50:53Z"), "db2"), {
      ts: "2026-11-21T21:50:53.000Z", reason: "password", ip: "203.0.113.9", host: "db2",
    });
    expectLogon(parseMysqlMessage("[Warning] Access denied for user 'root'@'::1' (using password: NO)", 1_700_000_000_000), { reason: "other", ip: "::1" });
  });

  test("AGT-2 mysql IPv6 and IPv4-mapped client addresses are normalised", () => {
    expectLogon(parse("2026-11-21 22:50:53 12 [Warning] Access denied for user 'root'@'::ffff:203.0.113.9' (using password: YES)"), { reason: "password", ip: "203.0.113.9" });
    expectLogon(parse("2026-11-21 22:50:53 12 [Warning] Access denied for user 'root'@'2001:DB8::5' (using password: YES)"), { reason: "password", ip: "2001:db8::5" });
  });

  test("AGT-2 mysql attacker-chosen user names: quotes, '@', a fake tail, unicode, spaces, empty", () => {
    const at = (u: string, host = "203.0.113.9") => `2026-11-21T22:50:53.1Z 9 [Note] Access denied for user '${u}'@'${host}' (using password: YES)`;
    expectLogon(parse(at("a'@'6.6.6.6")), { reason: "password", ip: "203.0.113.9", user: "a'@'6.6.6.6" });
    expectLogon(parse(at("x' (using password: YES)")), { reason: "password", ip: "203.0.113.9", user: "x' (using password: YES)" });
    expectLogon(parse(at("' OR 1=1; -- \"")), { reason: "password", ip: "203.0.113.9", user: "' OR 1=1; -- \"" });
    expectLogon(parse(at("пользователь😀 a b")), { reason: "password", ip: "203.0.113.9", user: "пользователь😀 a b" });
    expectLogon(parse(at("")), { reason: "password", ip: "203.0.113.9", user: "" });
    const long = "A".repeat(255) + "😀" + "B".repeat(400);
    const p = parse(at(long));
    expectLogon(p, { reason: "password", ip: "203.0.113.9" });
    assert.equal((p as ParsedLogon).user?.name, "A".repeat(255));
    // something after the server's tail: not a line mysqld writes (fail2ban's "paranoid" case)
    expectSkip(parse("2016-02-24T15:26:18.237955 6 [Note] Access denied for user 'root'@'localhost' (using password: YES) condition lead to a hypothetical failure"), "unknown");
  });

  test("AGT-2 mysql host names give no record: counted as unresolved host", () => {
    const p = expectSkip(parse("2026-11-21 22:50:53 12 [Warning] Access denied for user 'root'@'scanner.example.net' (using password: YES)"), "unknown");
    assert.match(p.why, /unresolved host/);
  });

  test("AGT-2 mysql lines that are no logon failure are ignored; garbage is unknown; nothing throws", () => {
    const ignored = [
      "2026-11-21T22:50:50.000000Z 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '8.0.40'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL.",
      "2026-11-21T22:50:51.000000Z 14 [Warning] [MY-013360] [Server] Plugin mysql_native_password reported: ''mysql_native_password' is deprecated and will be removed in a future release. Please use caching_sha2_password instead'",
      "2026-11-21 22:50:52 0 [Note] InnoDB: Buffer pool(s) load completed at 261121 22:50:52",
      "2026-11-21 22:50:53 40 [Warning] Aborted connection 40 to db: 'unconnected' user: 'unauthenticated' host: '203.0.113.9' (This connection closed normally without authentication)",
      "2026-11-21 22:50:54 41 [Warning] Access denied for user 'app'@'198.51.100.4' to database 'secret'",
      "201121 22:50:53 [Note] /usr/sbin/mysqld: Normal shutdown",
    ];
    for (const l of ignored) expectSkip(parse(l), "ignored", l);
    const unknown = [
      "",
      "garbage",
      "201121 22:50:53 mysqld_safe Starting mysqld daemon with databases from /var/lib/mysql",
      "Version: '10.11.6-MariaDB-0+deb12u1'  socket: '/run/mysqld/mysqld.sock'  port: 3306  Debian 12",
      "2026-13-21 22:50:53 12 [Warning] Access denied for user 'root'@'203.0.113.9' (using password: YES)",
      "2026-11-21 22:50:53 12 [Warning] Access denied for user 'root'@'203.0.113.9' (using password: MAYBE)",
      "2026-11-21 22:50:53 12 [Warning] Access denied for user root@203.0.113.9 (using password: YES)",
      "2026-11-21 22:50:53 12 [Warning] Access denied for user 'root'@'1.2.3.256' (using password: YES)",
      "Nov 21 22:50:53 db1 sshd[1]: Failed password for root from 1.2.3.4 port 5 ssh2",
      "Nov 21 22:50:53 db1 mysqld[1]: Access denied for user 'root'@'203.0.113.9' (using password: YES)",
    ];
    for (const l of unknown) expectSkip(parse(l), "unknown", l);
    const parts = ["2026-11-21T22:50:53.1Z ", "2026-11-21 22:50:53 ", "201121 ", " 0:04:00 ", "12 ", "[Note] ", "[Warning] ", "[MY-010926] ", "[Server] ", "Access denied for user '", "root", "'@'", "203.0.113.9", "localhost", "' (using password: YES)", "' (using password: NO)", "'", " ", "Sep 16 21:30:26 h mysqld: ", "😀"];
    fuzzParser(parts, (l) => parse(l), 5);
  });
});
