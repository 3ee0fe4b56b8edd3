import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { logonRecord } from "../../protocol/index.ts";
import {
  DEFAULT_LOGON_SOURCES,
  JOURNAL_LOGON_IDENTIFIERS,
  LOGON_FORMATS,
  LogonLineParser,
  classifyLogonLine,
  detectFormat,
  isLineSkip,
  parseJournalLogon,
  parseLogonLine,
  type LogonFormat,
} from "./logon-sources.ts";

const ctx = { year: 2026 };

/** One real-looking line per format that each gives a record. */
const SAMPLES: Record<LogonFormat, string> = {
  sshd: "Nov 21 22:50:53 web-01 sshd[4123]: Failed password for root from 203.0.113.9 port 52144 ssh2",
  vsftpd: 'Sat Nov 21 22:50:53 2026 [pid 1234] [admin] FAIL LOGIN: Client "203.0.113.9"',
  mysql: "2026-11-21T22:50:53.123456Z 12 [Note] [MY-010926] [Server] Access denied for user 'root'@'203.0.113.9' (using password: YES)",
  mssql: "2026-11-21 22:50:53.12 Logon       Login failed for user 'sa'. Reason: Password did not match that for the login provided. [CLIENT: 203.0.113.9]",
  "windows-json": JSON.stringify({ "@timestamp": "2026-11-21T22:50:53.000Z", winlog: { event_id: 4625, channel: "Security", computer_name: "WIN-1", event_data: { TargetUserName: "Administrator", IpAddress: "203.0.113.9", IpPort: "51234", LogonType: "10", SubStatus: "0xc000006a" } } }),
};
const SERVICE: Record<LogonFormat, string> = { sshd: "ssh", vsftpd: "ftp", mysql: "mysql", mssql: "mssql", "windows-json": "rdp" };

describe("logon sources", () => {
  test("AGT-2 parseLogonLine dispatches each format to its parser", () => {
    for (const f of LOGON_FORMATS) {
      const r = parseLogonLine(f, SAMPLES[f], ctx);
      assert.ok(r.record, f);
      assert.equal(r.record.service, SERVICE[f]);
      assert.equal(r.record.source.ip, "203.0.113.9");
      assert.equal(r.ignored, undefined);
      assert.equal(r.unknown, undefined);
      logonRecord.parse({ id: "test-record-1", ...r.record });
    }
    assert.deepEqual(parseLogonLine("sshd", "Nov 21 22:50:53 web-01 CRON[9]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)", ctx), { record: null, ignored: "another program's line" });
    assert.deepEqual(parseLogonLine("mysql", "garbage", ctx).record, null);
    assert.ok(parseLogonLine("mysql", "garbage", ctx).unknown);
  });

  test("AGT-2 contract: every format's parser never throws on any line and its records are valid logon records", () => {
    const garbage = ["", " ", "\u0000", "{", "}", "[", "null", "4625", "{\"EventID\":4625}", "😀".repeat(1000), "x".repeat(300_000), "a\nb", "\r\n", ...Object.values(SAMPLES)];
    for (const f of LOGON_FORMATS) {
      for (const g of garbage) {
        for (const l of [g, g + SAMPLES[f], SAMPLES[f] + g, SAMPLES[f].slice(0, g.length % SAMPLES[f].length)]) {
          const r = classifyLogonLine(f, l, ctx);
          if (isLineSkip(r)) {
            assert.ok(r.skip === "ignored" || r.skip === "unknown");
            assert.ok(r.why.length > 0 && r.why.length < 100);
          } else logonRecord.parse({ id: "test-record-1", ...r });
        }
      }
    }
  });

  test("AGT-2 auth.log/secure: sshd and vsftpd lines, other programs ignored, unreadable sshd attempts unknown", () => {
    const p = new LogonLineParser("sshd", { year: 2026 });
    const lines = [
      "Nov 21 22:50:50 h sshd[1]: Invalid user admin from 203.0.113.9 port 5",
      "Nov 21 22:50:51 h sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9",
      "Nov 21 22:50:52 h sshd[1]: Failed password for invalid user admin from 203.0.113.9 port 5 ssh2",
      "Nov 21 22:50:53 h sshd[2]: Failed none for invalid user admin from 203.0.113.9 port 6 ssh2",
      // UseDNS yes: a host name where the parser needs an address
      "Nov 21 22:50:54 h sshd[3]: Failed password for root from scanner.example.net port 6 ssh2",
      "Nov 21 22:50:55 h CRON[9]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
      "Nov 21 22:50:56 h vsftpd[7]: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=bob rhost=198.51.100.2  user=bob",
      "Nov 21 22:50:57 h vsftpd[7]: pam_unix(vsftpd:auth): check pass; user unknown",
      "not a syslog line at all",
    ];
    const recs = lines.map((l) => p.parse(l)).filter((r) => r !== null);
    assert.deepEqual(recs.map((r) => `${r.service} ${r.event.reason} ${r.source.ip}`), ["ssh invalid_user 203.0.113.9", "ftp password 198.51.100.2"]);
    assert.deepEqual(p.counts, { parsed: 2, ignored: 5, unknown: 2 });
    assert.deepEqual([...p.unknownReasons.keys()].sort(), ["not a syslog line", "sshd attempt line not understood"]);
    assert.equal(p.ignoredReasons.get("another program's line"), 1);
    // with vsftpd's own log read as well, its PAM line is only a helper
    p.ctx = { year: 2026, vsftpdPam: "helper" };
    assert.equal(p.parse(lines[6]!), null);
    assert.equal(p.ignoredReasons.get("PAM line, counted by vsftpd's own FAIL LOGIN"), 1);
  });

  test("AGT-2 journald entries are dispatched by SYSLOG_IDENTIFIER", () => {
    const ts = Date.parse("2026-11-21T08:00:00Z");
    const ssh = parseJournalLogon("sshd-session", "Failed password for root from 203.0.113.9 port 5 ssh2", ts, "h");
    assert.ok(!isLineSkip(ssh) && ssh.service === "ssh" && ssh.ts === ts);
    const ftp = parseJournalLogon("vsftpd", "pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=bob rhost=203.0.113.9  user=bob", ts, "h");
    assert.ok(!isLineSkip(ftp) && ftp.service === "ftp");
    const db = parseJournalLogon("mariadbd", "2026-11-21  7:59:59 31 [Warning] Access denied for user 'root'@'203.0.113.9' (using password: YES)", ts, "h");
    assert.ok(!isLineSkip(db) && db.service === "mysql" && db.ts === ts);
    assert.ok(isLineSkip(parseJournalLogon("sshd", "Invalid user x from 1.2.3.4 port 5", ts)));
    assert.equal((parseJournalLogon("sshd", "Accepted password for x from host.example port 5 ssh2", ts) as { skip: string }).skip, "unknown");
    assert.equal((parseJournalLogon("cron", "x", ts) as { skip: string }).skip, "ignored");
    for (const id of JOURNAL_LOGON_IDENTIFIERS) assert.doesNotThrow(() => parseJournalLogon(id, "", ts));
  });

  test("AGT-2 detectFormat by name, rotated and compressed names included", () => {
    const byName: [string, LogonFormat | null][] = [
      ["/var/log/auth.log", "sshd"],
      ["/var/log/auth.log.1", "sshd"],
      ["/var/log/auth.log.2.gz", "sshd"],
      ["/var/log/secure", "sshd"],
      ["/var/log/secure-20261122", "sshd"],
      ["/var/log/vsftpd.log", "vsftpd"],
      ["/var/log/vsftpd.log.1", "vsftpd"],
      ["/var/log/xferlog", null],
      ["/var/log/mysql/error.log", "mysql"],
      ["/var/log/mariadb/mariadb.log", "mysql"],
      ["/var/log/mysqld.log", "mysql"],
      ["/var/lib/mysql/db1.err", "mysql"],
      ["/var/log/nginx/error.log", null],
      ["/var/log/forwarded/security.jsonl", null],
      ["/var/opt/mssql/log/errorlog", "mssql"],
      ["/var/opt/mssql/log/errorlog.1", "mssql"],
      ["/var/opt/mssql/log/ERRORLOG", "mssql"],
      ["/var/opt/mssql/log/sqlagent.out", null],
      ["/srv/other/errorlog", null],
    ];
    for (const [path, want] of byName) assert.equal(detectFormat(path, []), want, path);
    // the defaults are all recognised by name
    for (const s of DEFAULT_LOGON_SOURCES) assert.equal(detectFormat(s.path, []), s.format, s.path);
    assert.ok(!DEFAULT_LOGON_SOURCES.some((s) => s.path.includes("xferlog")));
    for (const f of ["sshd", "vsftpd", "mysql", "mssql"] as const) assert.ok(DEFAULT_LOGON_SOURCES.some((s) => s.format === f), f);
    assert.ok(DEFAULT_LOGON_SOURCES.some((s) => s.format === "sshd" && s.distros.includes("debian")) && DEFAULT_LOGON_SOURCES.some((s) => s.format === "sshd" && s.distros.includes("rhel")));
  });

  test("AGT-2 detectFormat by content when the name does not tell", () => {
    assert.equal(detectFormat("/var/log/forwarded/security.jsonl", ["", SAMPLES["windows-json"]]), "windows-json");
    assert.equal(detectFormat("/srv/win/events.json", ['{"EventTime":"2026-11-21 22:50:53","EventID":4624}']), "windows-json");
    assert.equal(detectFormat("/srv/win/events.ndjson", ['{"Event":{"System":{"EventID":4625}}}']), "windows-json");
    assert.equal(detectFormat("/srv/app/events.json", ['{"level":"info","msg":"hello"}']), null);
    assert.equal(detectFormat("/var/log/ftp/server.log", ['Sat Nov 21 22:50:50 2026 [pid 1233] CONNECT: Client "203.0.113.9"']), "vsftpd");
    assert.equal(detectFormat("/var/log/db/server.log", ["2026-11-21 22:50:52 0 [Note] InnoDB: Buffer pool(s) load completed at 261121 22:50:52"]), "mysql");
    assert.equal(detectFormat("/var/log/remote/host1.log", ["Nov 21 22:50:55 h CRON[9]: x", "Nov 21 22:50:50 h sshd[1]: Server listening on 0.0.0.0 port 22."]), "sshd");
    assert.equal(detectFormat("/var/log/remote/ftp.log", [SAMPLES.sshd.replace("web-01 sshd[4123]: Failed password for root from 203.0.113.9 port 52144 ssh2", 'ftp vsftpd[2]: [a] FAIL LOGIN: Client "203.0.113.9"')]), "vsftpd");
    assert.equal(detectFormat("/var/log/unknown.log", ["hello", "world"]), null);
    // SQL Server's errorlog elsewhere (a copy, a container volume): any stamped line tells, the banner's continuation lines do not
    const banner = ["2026-11-21 22:40:01.31 Server      Microsoft SQL Server 2022 (RTM-CU16) (KB5048033) - 16.0.4165.4 (X64) ", "\tNov  6 2024 19:24:49 ", "2026-11-21 22:40:01.31 Server      UTC adjustment: 0:00"];
    assert.equal(detectFormat("/srv/mssql-data/log/errorlog", banner), "mssql");
    assert.equal(detectFormat("/tmp/copy.txt", ["", "\tCopyright (C) 2022 Microsoft Corporation", SAMPLES.mssql]), "mssql");
    // the same lines of a UTF-16LE file read as UTF-8 (a NUL after each character, the BOM as two U+FFFD)
    const wrong = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(banner.join("\r\n") + "\r\n", "utf16le")]).toString("utf8").split("\n");
    assert.equal(detectFormat("/srv/mssql-data/log/errorlog", wrong), "mssql");
    // MariaDB's stamp has no fraction: still mysql
    assert.equal(detectFormat("/var/log/db/server.log", ["2026-11-21 22:50:52 0 [Note] InnoDB: Buffer pool(s) load completed at 261121 22:50:52"]), "mysql");
  });

  // speed is measured in bench/ (the replay benchmark), never asserted here
  test("AGT-2 every parser keeps recognising its format over a long mixed stream (no state leaks between lines)", () => {
    const mixes: Record<LogonFormat, string[]> = {
      sshd: [SAMPLES.sshd, "Nov 21 22:50:55 h CRON[9]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)", "Nov 21 22:50:56 h vsftpd[7]: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=bob rhost=198.51.100.2  user=bob"],
      vsftpd: [SAMPLES.vsftpd, 'Sat Nov 21 22:50:50 2026 [pid 1233] CONNECT: Client "203.0.113.9"', 'Sat Nov 21 22:52:00 2026 [pid 1240] [ftp] OK DOWNLOAD: Client "198.51.100.2", "/pub/file.iso", 1048576 bytes, 2048.00Kbyte/sec'],
      mysql: [SAMPLES.mysql, "2026-11-21 22:50:53 12 [Warning] Access denied for user 'root'@'203.0.113.9' (using password: YES)", "2026-11-21 22:50:52 0 [Note] InnoDB: Buffer pool(s) load completed at 261121 22:50:52"],
      mssql: [SAMPLES.mssql, "2026-11-21 22:50:53.12 Logon       Error: 18456, Severity: 14, State: 8.", "2026-11-21 22:40:05.90 spid29s     SQL Server is now ready for client connections. This is an informational message; no user action is required."],
      "windows-json": [SAMPLES["windows-json"], '{"EventTime":"2026-11-21 22:50:53","EventID":4634,"Hostname":"WIN-1"}'],
    };
    for (const f of LOGON_FORMATS) {
      const p = new LogonLineParser(f, { year: 2026 });
      const n = 6_000;
      for (let i = 0; i < n; i++) p.parse(mixes[f][i % mixes[f].length]!);
      assert.equal(p.counts.unknown, 0, f);
    }
  });
});
