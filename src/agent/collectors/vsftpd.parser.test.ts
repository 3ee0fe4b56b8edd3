import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type { ParsedLogon } from "./sshd.parser.ts";
import { parseVsftpdLine, parseVsftpdMessage, type LineSkip, type VsftpdLineContext } from "./vsftpd.parser.ts";
import { expectLogon as expectRecord, expectSkip, fuzzParser, type WantLogon } from "./parser-testkit.ts";

const ctx: VsftpdLineContext = { year: 2026 };
const parse = (line: string, c: VsftpdLineContext = ctx) => parseVsftpdLine(line, c);

type Want = Omit<WantLogon, "service" | "port">;

/** An ftp record (vsftpd logs no client port) that is a valid logon record once given an id. */
const expectLogon = (p: ParsedLogon | LineSkip, want: Want) => expectRecord(p, { service: "ftp", port: undefined, ...want });

describe("vsftpd parser", () => {
  test("AGT-2 vsftpd FAIL LOGIN is a failed ftp logon", () => {
    expectLogon(parse('Sat Nov 21 22:50:53 2026 [pid 1234] [admin] FAIL LOGIN: Client "203.0.113.9"'), {
      ts: "2026-11-21T22:50:53.000Z", outcome: "failure", reason: "password", ip: "203.0.113.9", user: "admin",
    });
    // vsftpd's own stamp is local time; the day is space-padded
    expectLogon(parse('Mon Mar  2 09:05:07 2026 [pid 7] [root] FAIL LOGIN: Client "192.0.2.66"', { year: 2026, utcOffsetMinutes: 60 }), {
      ts: "2026-03-02T08:05:07.000Z", outcome: "failure", reason: "password", ip: "192.0.2.66", user: "root",
    });
  });

  test("AGT-2 vsftpd OK LOGIN is a success; anonymous logons carry the anon password, which is not kept", () => {
    const p = parse('Sat Nov 21 22:51:00 2026 [pid 1240] [ftp] OK LOGIN: Client "::ffff:198.51.100.2", anon password "x"');
    expectLogon(p, { outcome: "success", reason: "password", ip: "198.51.100.2", user: "ftp" });
    assert.ok(!JSON.stringify(p).includes("anon password"));
    expectLogon(parse('Sat Nov 21 22:51:00 2026 [pid 1241] [alice] OK LOGIN: Client "198.51.100.3"'), { outcome: "success", reason: "password", ip: "198.51.100.3", user: "alice" });
  });

  test("AGT-2 vsftpd IPv4-mapped and IPv6 clients are normalised", () => {
    expectLogon(parse('Sat Nov 21 22:50:53 2026 [pid 2] [bob] FAIL LOGIN: Client "::ffff:203.0.113.9"'), { outcome: "failure", reason: "password", ip: "203.0.113.9" });
    expectLogon(parse('Sat Nov 21 22:50:53 2026 [pid 2] [bob] FAIL LOGIN: Client "2001:DB8::0:1"'), { outcome: "failure", reason: "password", ip: "2001:db8::1" });
  });

  test("AGT-2 vsftpd with syslog_enable=YES: its own lines through syslog name the host", () => {
    expectLogon(parse('Nov 21 22:50:53 ftp1 vsftpd[1234]: [admin] FAIL LOGIN: Client "203.0.113.9"'), {
      ts: "2026-11-21T22:50:53.000Z", outcome: "failure", reason: "password", ip: "203.0.113.9", user: "admin", host: "ftp1",
    });
    expectLogon(parse('2026-11-21T22:50:53.123456+01:00 ftp1 vsftpd[1234]: [admin] FAIL LOGIN: Client "::ffff:203.0.113.9"'), {
      ts: "2026-11-21T21:50:53.123Z", outcome: "failure", reason: "password", ip: "203.0.113.9", host: "ftp1",
    });
  });

  test("AGT-2 vsftpd PAM authentication failure is the record of the attempt by default", () => {
    // RHEL's default vsftpd.conf (xferlog_std_format=YES) writes no FAIL LOGIN: PAM's line is all there is
    expectLogon(parse("Nov 21 22:50:53 rhel9 vsftpd[123]: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=bob rhost=203.0.113.9  user=bob"), {
      ts: "2026-11-21T22:50:53.000Z", outcome: "failure", reason: "password", ip: "203.0.113.9", user: "bob", host: "rhel9",
    });
    // without user= PAM says the account does not exist: the name typed is in ruser=
    expectLogon(parse("Nov 21 22:50:54 rhel9 vsftpd[124]: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=oracle rhost=::ffff:203.0.113.9"), {
      outcome: "failure", reason: "invalid_user", ip: "203.0.113.9", user: "oracle", host: "rhel9",
    });
    // sssd's PAM module writes the same shape; old PAM wrote `(pam_unix)`
    expectLogon(parse("Nov 21 22:50:55 rhel9 vsftpd[125]: pam_sss(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=carol rhost=203.0.113.10 user=carol".replace(" user=", "  user=")), {
      outcome: "failure", reason: "password", ip: "203.0.113.10", user: "carol",
    });
    expectLogon(parse("Nov 21 22:50:56 old vsftpd: (pam_unix) authentication failure; logname= uid=0 euid=0 tty= ruser= rhost=198.51.100.77"), { outcome: "failure", reason: "invalid_user", ip: "198.51.100.77", host: "old" });
  });

  test("AGT-2 vsftpd PAM line is a helper when vsftpd's own log is read too (one count per attempt)", () => {
    const line = "Nov 21 22:50:53 deb12 vsftpd[123]: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=bob rhost=203.0.113.9  user=bob";
    expectSkip(parse(line, { year: 2026, pam: "helper" }), "ignored");
    expectLogon(parse(line, { year: 2026, pam: "record" }), { outcome: "failure", reason: "password", ip: "203.0.113.9", host: "deb12" });
  });

  test("AGT-2 vsftpd journald messages carry their own time and host", () => {
    expectLogon(parseVsftpdMessage("pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=bob rhost=203.0.113.9  user=bob", Date.parse("2026-11-21T08:00:00Z"), "ftp2"), {
      ts: "2026-11-21T08:00:00.000Z", outcome: "failure", reason: "password", ip: "203.0.113.9", user: "bob", host: "ftp2",
    });
    expectLogon(parseVsftpdMessage('[admin] FAIL LOGIN: Client "203.0.113.9"', 1_700_000_000_000), { outcome: "failure", reason: "password", ip: "203.0.113.9", user: "admin" });
    expectSkip(parseVsftpdMessage("pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=bob rhost=203.0.113.9  user=bob", 1, "h", { pam: "helper" }), "ignored");
  });

  test("AGT-2 vsftpd attacker-chosen user names: spaces, quotes, brackets, unicode, very long", () => {
    expectLogon(parse('Sat Nov 21 22:50:53 2026 [pid 2] [a b "c" ] d] FAIL LOGIN: Client "203.0.113.9"'), { outcome: "failure", reason: "password", ip: "203.0.113.9", user: 'a b "c" ] d' });
    expectLogon(parse(`Sat Nov 21 22:50:53 2026 [pid 2] [' OR 1=1; --\`$(reboot)\`] FAIL LOGIN: Client "203.0.113.9"`), { outcome: "failure", reason: "password", ip: "203.0.113.9", user: "' OR 1=1; --`$(reboot)`" });
    expectLogon(parse('Nov 21 22:50:53 h vsftpd[9]: [пользователь😀] FAIL LOGIN: Client "203.0.113.9"'), { outcome: "failure", reason: "password", ip: "203.0.113.9", user: "пользователь😀" });
    expectLogon(parse('Sat Nov 21 22:50:53 2026 [pid 2] [x] OK LOGIN: y] FAIL LOGIN: Client "203.0.113.9"'), { outcome: "failure", reason: "password", ip: "203.0.113.9", user: "x] OK LOGIN: y" });
    const long = "A".repeat(255) + "😀" + "B".repeat(1000);
    const p = parse(`Sat Nov 21 22:50:53 2026 [pid 2] [${long}] FAIL LOGIN: Client "203.0.113.9"`);
    expectLogon(p, { outcome: "failure", reason: "password", ip: "203.0.113.9" });
    assert.equal((p as ParsedLogon).user?.name, "A".repeat(255));
    // a PAM ruser that imitates PAM's own fields cannot move the address
    expectLogon(parse("Nov 21 22:50:53 h vsftpd[1]: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=x rhost=6.6.6.6  user=root rhost=203.0.113.9"), {
      outcome: "failure", reason: "invalid_user", ip: "203.0.113.9", user: "x rhost=6.6.6.6  user=root",
    });
  });

  test("AGT-2 vsftpd text that imitates the address field is ambiguous and never frames an address", () => {
    const forged = [
      // a user name carrying a second LOGIN field
      'Sat Nov 21 22:50:53 2026 [pid 2] [x] FAIL LOGIN: Client "6.6.6.6"] FAIL LOGIN: Client "203.0.113.9"',
      // a logged-on user's file name carrying one (vsftpd logs the path of a failed download)
      'Sat Nov 21 22:50:53 2026 [pid 2] [ftp] FAIL DOWNLOAD: Client "203.0.113.9", "/x] FAIL LOGIN: Client "6.6.6.6"',
      // an anonymous password carrying one
      'Sat Nov 21 22:50:53 2026 [pid 2] [ftp] OK LOGIN: Client "203.0.113.9", anon password "x] FAIL LOGIN: Client "6.6.6.6"',
    ];
    for (const l of forged) {
      const p = parse(l);
      expectSkip(p, "unknown", l);
      assert.ok(!JSON.stringify(p).includes("6.6.6.6"));
    }
  });

  test("AGT-2 vsftpd lines that are no logon are ignored; garbage is unknown; nothing throws", () => {
    const ignored = [
      'Sat Nov 21 22:50:50 2026 [pid 1233] CONNECT: Client "203.0.113.9"',
      'Sat Nov 21 22:52:00 2026 [pid 1240] [ftp] OK DOWNLOAD: Client "198.51.100.2", "/pub/file.iso", 1048576 bytes, 2048.00Kbyte/sec',
      'Sat Nov 21 22:52:01 2026 [pid 1240] [ftp] FAIL DOWNLOAD: Client "198.51.100.2", "/pub/nope", 0.00Kbyte/sec',
      'Sat Nov 21 22:52:02 2026 [pid 1240] [ftp] FTP command: Client "198.51.100.2", "USER ftp"',
      'Sat Nov 21 22:52:02 2026 [pid 1240] [ftp] FTP response: Client "198.51.100.2", "331 Please specify the password."',
      "Nov 21 22:50:53 rhel9 vsftpd[123]: pam_unix(vsftpd:auth): check pass; user unknown",
      "Nov 21 22:50:53 rhel9 vsftpd[123]: pam_listfile(vsftpd:auth): Refused user root for service vsftpd",
      "Nov 21 22:50:53 rhel9 vsftpd[123]: pam_unix(vsftpd:session): session opened for user bob(uid=1000) by (uid=0)",
      // a PAM failure without a remote address is a local logon
      "Nov 21 22:50:53 rhel9 vsftpd[123]: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=bob rhost=  user=bob",
    ];
    for (const l of ignored) expectSkip(parse(l), "ignored", l);
    const unknown = [
      "",
      "garbage",
      "Nov 21 22:50:53 h sshd[1]: Failed password for root from 1.2.3.4 port 5 ssh2",
      "Nov 21 22:50:53 h vsftpd-x[1]: [a] FAIL LOGIN: Client \"1.2.3.4\"",
      'Sat Nov 32 22:50:53 2026 [pid 2] [admin] FAIL LOGIN: Client "203.0.113.9"',
      'Sat Foo 21 22:50:53 2026 [pid 2] [admin] FAIL LOGIN: Client "203.0.113.9"',
      'Sat Nov 21 22:50:53 2026 [pid 2] [admin] FAIL LOGIN: Client "attacker.example"',
      'Sat Nov 21 22:50:53 2026 [pid 2] [admin] FAIL LOGIN: Client "203.0.113.9',
      'Sat Nov 21 22:50:53 2026 [pid 2] [admin] FAIL LOGIN: Client "203.0.113.9" trailing',
      "Nov 21 22:50:53 h vsftpd[1]: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=bob rhost=ftp.attacker.example  user=bob",
      "Nov 21 22:50:53 h vsftpd[1]: something new",
    ];
    for (const l of unknown) expectSkip(parse(l), "unknown", l);
    const parts = ["Sat Nov 21 22:50:53 2026", " [pid 1]", " ", "[", "]", "admin", " FAIL", " OK", " LOGIN: Client \"", "203.0.113.9", "::ffff:1.2.3.4", "\"", ", anon password \"", "Nov 21 22:50:53 h vsftpd[1]: ", "pam_unix(vsftpd:auth): authentication failure; ", "ruser=", " rhost=", "  user=", "\u00e9", "😀"];
    fuzzParser(parts, (l) => parse(l), 11);
  });
});
