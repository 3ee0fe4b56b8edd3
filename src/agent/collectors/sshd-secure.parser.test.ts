import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { parseAuthLine, type ParsedLogon } from "./sshd.parser.ts";
import { expectLogon as expectRecord, type WantLogon } from "./parser-testkit.ts";

// RHEL/Rocky/Alma write sshd's lines to /var/log/secure (rsyslog's authpriv, classic stamps).
const parse = (line: string) => parseAuthLine(line, { year: 2026 });

const expectLogon = (p: ParsedLogon | null, want: Omit<WantLogon, "service">) => expectRecord(p, { service: "ssh", ...want });

describe("sshd parser on RHEL /var/log/secure", () => {
  test("AGT-2 RHEL secure: failed password, invalid user, accepted publickey and password", () => {
    expectLogon(parse("Nov 21 22:50:53 rhel9 sshd[2231]: Failed password for root from 203.0.113.9 port 40022 ssh2"), { outcome: "failure", reason: "password", ip: "203.0.113.9", port: 40022, user: "root", host: "rhel9" });
    expectLogon(parse("Nov 21 22:50:57 rhel9 sshd[2240]: Failed password for invalid user oracle from 203.0.113.9 port 40100 ssh2"), { outcome: "failure", reason: "invalid_user", ip: "203.0.113.9", user: "oracle" });
    expectLogon(parse("Nov 21 22:51:10 rhel9 sshd[2301]: Accepted publickey for ec2-user from 198.51.100.20 port 51544 ssh2: RSA SHA256:3Vd0vBqHdNC0QvQn0d3Wbq0m2x0Qm6x5J8y0n1XyGkE"), { outcome: "success", reason: "publickey", ip: "198.51.100.20", user: "ec2-user" });
    expectLogon(parse("Nov  2 08:01:02 rhel8 sshd[1187]: Accepted password for alice from 198.51.100.21 port 50000 ssh2"), { outcome: "success", reason: "password", ip: "198.51.100.21", user: "alice", host: "rhel8" });
    expectLogon(parse("Nov 21 22:51:11 rhel9 sshd[2302]: Accepted gssapi-with-mic for bob from 198.51.100.22 port 50001 ssh2"), { outcome: "success", reason: "other", ip: "198.51.100.22", user: "bob" });
    expectLogon(parse("Nov 21 22:51:12 rhel7 sshd[902]: Failed keyboard-interactive/pam for invalid user test from 203.0.113.11 port 41000 ssh2"), { outcome: "failure", reason: "invalid_user", ip: "203.0.113.11", user: "test" });
  });

  test("AGT-2 RHEL secure: PAM (pam_unix, pam_sss) and framing lines are helpers, not counted", () => {
    const helpers = [
      "Nov 21 22:50:51 rhel9 sshd[2231]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9  user=root",
      "Nov 21 22:50:51 rhel9 sshd[2231]: pam_sss(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9 user=root",
      "Nov 21 22:50:55 rhel9 sshd[2240]: pam_unix(sshd:auth): check pass; user unknown",
      "Nov 21 22:50:59 rhel9 sshd[2231]: PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9  user=root",
      "Nov 21 22:50:54 rhel9 sshd[2240]: Invalid user oracle from 203.0.113.9 port 40100",
      "Nov 21 22:51:00 rhel9 sshd[2240]: Connection closed by invalid user oracle 203.0.113.9 port 40100 [preauth]",
      "Nov 21 22:51:01 rhel9 sshd[2245]: Connection reset by authenticating user root 203.0.113.9 port 40200 [preauth]",
      "Nov 21 22:51:09 rhel9 sshd[2301]: Postponed publickey for ec2-user from 198.51.100.20 port 51544 ssh2 [preauth]",
      "Nov 21 22:51:10 rhel9 sshd[2301]: pam_unix(sshd:session): session opened for user ec2-user(uid=1000) by ec2-user(uid=0)",
      "Nov 21 22:51:13 rhel9 sshd[2231]: error: maximum authentication attempts exceeded for root from 203.0.113.9 port 40022 ssh2 [preauth]",
      "Nov 21 22:51:14 rhel9 unix_chkpwd[2250]: password check failed for user (root)",
    ];
    for (const l of helpers) assert.equal(parse(l), null, l);
  });
});
