/**
 * Generates a realistic Debian 12 auth.log (RFC 3339 stamps as rsyslog writes them,
 * OpenSSH 9.2 `sshd[pid]` lines) with a seeded PRNG, plus its ground truth.
 *
 * Actors:
 * - legitimate users: publickey logons, some password logons after 1–2 typos;
 * - fast brute forcers: hundreds of guesses, 1–6 per connection, valid and unknown users;
 * - slow brute forcers: exactly 5 guesses spread over 3–9 min, or over 9–9m55s;
 * - a few brute forcers that then log on (a guessed password);
 * - distributed low-rate sources: 1–4 guesses per visit, visits ≥ 11 min apart;
 * - near misses: 5 guesses spread over 10m30s–15 min (not a brute force by BF-1);
 * - noise: CRON, systemd, sudo, kernel firewall lines, sshd scanner chatter.
 * Ground truth counts guesses (one per `Failed …` line), not lines: an IP must be caught
 * when ≥ 5 guesses fall within some 10-minute window.
 *
 * Usage: node bench/gen-authlog.ts [--lines 1000000] [--seed 42] [--out bench/work]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { prng } from "../test/prng.ts";

export interface GroundTruth {
  file: string;
  lines: number;
  seed: number;
  start: string;
  end: string;
  /** IPs with ≥ 5 failed guesses within some 10-minute window: must be caught. */
  mustCatch: string[];
  /** IPs that logged on after brute forcing (BF-2 expected). */
  compromised: { ip: string; user: string }[];
  /** Legitimate users and the addresses they use: must never be flagged. */
  legit: { user: string; ips: string[] }[];
  /** Low-rate and near-miss sources: failures, but never 5 within 10 minutes. */
  mustNotCatch: string[];
  /** The sources of each kind of actor, for a breakdown of recall and false positives. */
  groups: Record<string, string[]>;
  counts: Record<string, number>;
}


const HOST = "bastion-01";
const WINDOW = 10 * 60_000;
const START = Date.parse("2026-11-10T00:00:00Z");
const SPAN = 3 * 86_400_000;

const INVALID_USERS = ["admin", "test", "user", "oracle", "ubuntu", "guest", "postgres", "ftpuser", "git", "deploy1", "support", "pi", "hadoop", "nagios", "teamspeak", "minecraft", "test1", "administrator", "dev", "jenkins", "es", "steam", "odoo", "a b", "' OR 1=1 --", "пользователь", ""];
const VALID_TARGETS = ["root", "root", "root", "www-data", "mysql"];
const LEGIT_NAMES = [...Array.from({ length: 90 }, (_, i) => `dev${String(i + 1).padStart(2, "0")}`), "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "xavier", "yolanda", "zoe", "deploy", "backup", "ci-runner"];
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export function generateAuthLog(opts: { lines?: number; seed?: number; out?: string } = {}): GroundTruth {
  const target = opts.lines ?? 1_000_000;
  const seed = opts.seed ?? 42;
  const out = resolve(opts.out ?? join(import.meta.dirname, "work"));
  const rnd = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;

  const times: number[] = [];
  const texts: string[] = [];
  const emit = (t: number, prog: string, msg: string) => {
    times.push(t);
    texts.push(`${HOST} ${prog}: ${msg}`);
  };
  let pid = 1000;
  const nextPid = () => (pid = pid >= 4_000_000 ? 1000 : pid + int(1, 40));
  const port = () => int(1025, 65535);
  const used = new Set<string>();
  const ip4 = (): string => {
    for (;;) {
      const a = pick([5, 14, 23, 27, 31, 36, 37, 41, 45, 46, 59, 61, 62, 77, 78, 80, 81, 85, 87, 89, 91, 92, 93, 94, 95, 101, 103, 106, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 128, 134, 138, 139, 141, 142, 143, 144, 146, 147, 150, 151, 152, 154, 157, 159, 161, 164, 165, 167, 170, 171, 175, 176, 178, 180, 181, 182, 183, 185, 186, 187, 188, 190, 191, 193, 194, 195, 196, 197, 200, 201, 202, 206, 209, 210, 211, 212, 213, 217, 218, 219, 220, 221, 222]);
      const s = `${a}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;
      if (!used.has(s)) {
        used.add(s);
        return s;
      }
    }
  };
  const ip6 = (): string => {
    for (;;) {
      const s = `2a0${int(1, 9)}:${int(0x100, 0xffff).toString(16)}:${int(0, 0xffff).toString(16)}::${int(1, 0xffff).toString(16)}`;
      if (!used.has(s)) {
        used.add(s);
        return s;
      }
    }
  };
  const anyIp = () => (rnd() < 0.06 ? ip6() : ip4());
  const fingerprint = () => {
    let s = "";
    for (let i = 0; i < 43; i++) s += B64[int(0, 63)];
    return s;
  };

  /** Guess times per IP, to compute the ground truth from what was generated. */
  const guesses = new Map<string, number[]>();
  const guess = (ip: string, t: number) => {
    const g = guesses.get(ip);
    if (g) g.push(t);
    else guesses.set(ip, [t]);
  };
  const counts: Record<string, number> = {};
  const groups: Record<string, string[]> = {};
  const member = (g: string, ip: string) => (groups[g] ??= []).push(ip);
  const bump = (k: string, n = 1) => (counts[k] = (counts[k] ?? 0) + n);

  /** One attacker connection: k password guesses for `user` starting at t; returns its end. */
  const attackConnection = (ip: string, t: number, user: string, k: number, gap: () => number): number => {
    const p = nextPid();
    const sp = port();
    const valid = VALID_TARGETS.includes(user);
    const prog = `sshd[${p}]`;
    if (!valid) emit(t, prog, `Invalid user ${user} from ${ip} port ${sp}`);
    for (let i = 0; i < k; i++) {
      t += i === 0 ? int(200, 1500) : gap();
      if (!valid) emit(t, prog, "pam_unix(sshd:auth): check pass; user unknown");
      emit(t, prog, `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}${valid ? `  user=${user}` : ""}`);
      t += int(1500, 2600);
      emit(t, prog, `Failed password for ${valid ? "" : "invalid user "}${user} from ${ip} port ${sp} ssh2`);
      guess(ip, t);
    }
    t += int(50, 400);
    if (k >= 6) {
      emit(t, prog, `error: maximum authentication attempts exceeded for ${valid ? "" : "invalid user "}${user} from ${ip} port ${sp} ssh2 [preauth]`);
      emit(t, prog, `Disconnecting ${valid ? "authenticating" : "invalid"} user ${user} ${ip} port ${sp}: Too many authentication failures [preauth]`);
    } else {
      emit(t, prog, `Received disconnect from ${ip} port ${sp}:11: Bye Bye [preauth]`);
      emit(t, prog, `Disconnected from ${valid ? "authenticating" : "invalid"} user ${user} ${ip} port ${sp} [preauth]`);
    }
    if (k >= 2) emit(t, prog, `PAM ${k - 1} more authentication failure${k > 2 ? "s" : ""}; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}${valid ? `  user=${user}` : ""}`);
    return t;
  };
  const target4 = () => (rnd() < 0.45 ? pick(VALID_TARGETS) : pick(INVALID_USERS));

  // --- legitimate users -------------------------------------------------------------------
  let session = 1;
  const legit: GroundTruth["legit"] = [];
  for (let u = 0; u < LEGIT_NAMES.length; u++) {
    const user = LEGIT_NAMES[u]!;
    const uid = 1001 + u;
    const ips = [ip4(), ...(rnd() < 0.4 ? [ip4()] : []), ...(rnd() < 0.2 ? [ip6()] : [])];
    legit.push({ user, ips });
    const passwordUser = u % 3 === 1;
    const automation = user === "deploy" || user === "backup" || user === "ci-runner";
    const fp = fingerprint();
    // Sessions at least 35 minutes apart, so that even typos never reach 5 failures in 10 min.
    for (let t = START + int(0, 3_600_000); t < START + SPAN; t += automation ? int(35 * 60_000, 70 * 60_000) : int(35 * 60_000, 9 * 3_600_000)) {
      const ip = pick(ips);
      const p = nextPid();
      const sp = port();
      const prog = `sshd[${p}]`;
      let s = t;
      if (passwordUser) {
        const typos = rnd() < 0.35 ? int(1, 2) : 0;
        for (let i = 0; i < typos; i++) {
          s += int(2000, 9000);
          emit(s, prog, `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}  user=${user}`);
          s += int(1800, 2500);
          emit(s, prog, `Failed password for ${user} from ${ip} port ${sp} ssh2`);
          bump("legit typos");
        }
        s += int(2000, 8000);
        emit(s, prog, `Accepted password for ${user} from ${ip} port ${sp} ssh2`);
      } else {
        s += int(100, 900);
        emit(s, prog, `Accepted publickey for ${user} from ${ip} port ${sp} ssh2: ED25519 SHA256:${fp}`);
      }
      bump("legit logons");
      emit(s, prog, `pam_unix(sshd:session): session opened for user ${user}(uid=${uid}) by (uid=0)`);
      const sid = session++;
      emit(s + 15, "systemd-logind[612]", `New session ${sid} of user ${user}.`);
      emit(s + 20, "systemd[1]", `Started session-${sid}.scope - Session ${sid} of User ${user}.`);
      if (!automation && rnd() < 0.5) {
        const cmd = pick(["/usr/bin/apt update", "/usr/bin/systemctl restart nginx", "/usr/bin/journalctl -u app", "/usr/bin/tail -f /var/log/syslog", "/usr/sbin/nft list ruleset"]);
        const st = s + int(10_000, 600_000);
        emit(st, "sudo", `   ${user} : TTY=pts/${int(0, 5)} ; PWD=/home/${user} ; USER=root ; COMMAND=${cmd}`);
        emit(st, "sudo", `pam_unix(sudo:session): session opened for user root(uid=0) by ${user}(uid=${uid})`);
        emit(st + int(200, 30_000), "sudo", "pam_unix(sudo:session): session closed for user root");
      }
      const e = s + (automation ? int(2_000, 60_000) : int(60_000, 3 * 3_600_000));
      emit(e, prog, `Received disconnect from ${ip} port ${sp}:11: disconnected by user`);
      emit(e, prog, `Disconnected from user ${user} ${ip} port ${sp}`);
      emit(e, prog, `pam_unix(sshd:session): session closed for user ${user}`);
      emit(e + 5, "systemd-logind[612]", `Session ${sid} logged out. Waiting for processes to exit.`);
      emit(e + 10, "systemd-logind[612]", `Removed session ${sid}.`);
    }
  }

  // --- fast brute forcers -----------------------------------------------------------------
  const fastIps: string[] = [];
  for (let i = 0; i < 500; i++) {
    const ip = anyIp();
    fastIps.push(ip);
    member("fast", ip);
    let t = START + int(0, SPAN - 3_600_000);
    const total = int(20, 350);
    for (let done = 0; done < total; ) {
      const k = Math.min(total - done, pick([1, 1, 2, 3, 6, 6]));
      t = attackConnection(ip, t, target4(), k, () => int(1800, 3500)) + int(300, 4000);
      done += k;
    }
    bump("fast brute forcers");
  }

  // --- brute force then a successful logon (BF-2) -------------------------------------------
  const compromised: GroundTruth["compromised"] = [];
  for (let i = 0; i < 4; i++) {
    const ip = ip4();
    let t = START + int(0, SPAN - 3_600_000);
    for (let done = 0; done < 30; done += 3) t = attackConnection(ip, t, pick(["oracle", "admin", "root"]), 3, () => int(1800, 3000)) + int(500, 3000);
    const user = pick(["backup", "deploy"]);
    const p = nextPid();
    const sp = port();
    t += int(1000, 5000);
    emit(t, `sshd[${p}]`, `Accepted password for ${user} from ${ip} port ${sp} ssh2`);
    emit(t, `sshd[${p}]`, `pam_unix(sshd:session): session opened for user ${user}(uid=${1001 + LEGIT_NAMES.indexOf(user)}) by (uid=0)`);
    emit(t + int(5000, 60_000), `sshd[${p}]`, `Disconnected from user ${user} ${ip} port ${sp}`);
    compromised.push({ ip, user });
    member("brute force then logon", ip);
  }

  // --- slow brute forcers: exactly 5 guesses within 10 minutes -----------------------------
  for (let i = 0; i < 400; i++) {
    const ip = anyIp();
    const t0 = START + int(0, SPAN - 3_600_000);
    // half within 3–9 min, half within 9:00–9:55 (near the edge, still inside)
    const span = i % 2 === 0 ? int(3 * 60_000, 9 * 60_000) : int(9 * 60_000, 9 * 60_000 + 55_000);
    const offs = [0, int(1, span - 1), int(1, span - 1), int(1, span - 1), span].sort((a, b) => a - b);
    const user = target4();
    for (const o of offs) {
      // one guess per connection; attackConnection adds ~2–4 s before the Failed line
      attackConnection(ip, t0 + o, user, 1, () => 0);
    }
    bump(i % 2 === 0 ? "slow 5 in 3-9 min" : "slow 5 in 9-10 min");
    member(i % 2 === 0 ? "slow: 5 in 3–9 min" : "slow: 5 in 9–9m55s", ip);
  }

  // --- distributed low-rate sources and near misses ----------------------------------------
  for (let i = 0; i < 20_000; i++) {
    const ip = anyIp();
    let t = START + int(0, SPAN - 6 * 3_600_000);
    const visits = rnd() < 0.3 ? int(2, 4) : 1;
    for (let v = 0; v < visits; v++) {
      const k = int(1, 4);
      const user = target4();
      // 1–4 guesses within a couple of minutes, then silence for ≥ 11 minutes
      t = attackConnection(ip, t, user, k, () => int(2000, 20_000));
      t += int(11 * 60_000, 5 * 3_600_000);
    }
    bump("low-rate sources");
    member("low-rate", ip);
  }
  for (let i = 0; i < 200; i++) {
    const ip = anyIp();
    const t0 = START + int(0, SPAN - 3_600_000);
    const span = int(10 * 60_000 + 30_000, 15 * 60_000);
    const user = target4();
    // evenly spread: any 10-minute window holds at most 4
    for (let j = 0; j < 5; j++) attackConnection(ip, t0 + Math.round((span * j) / 4), user, 1, () => 0);
    bump("near misses (5 over 10.5-15 min)");
    member("near miss: 5 over 10.5–15 min", ip);
  }

  // --- noise up to the target line count ---------------------------------------------------
  const remaining = target - times.length;
  if (remaining < 0) throw new Error(`actors produced ${times.length} lines, more than the ${target} asked for`);
  const scanners = Array.from({ length: 3000 }, () => ip4());
  for (let n = 0; n < remaining; ) {
    const t = START + Math.floor(rnd() * SPAN);
    const r = rnd();
    if (r < 0.3 && remaining - n >= 2) {
      const p = nextPid();
      emit(t, `CRON[${p}]`, "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)");
      emit(t + int(50, 2000), `CRON[${p}]`, "pam_unix(cron:session): session closed for user root");
      n += 2;
    } else if (r < 0.55) {
      emit(t, "kernel", `[${int(10000, 999999)}.${int(100000, 999999)}] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=${pick(scanners)} DST=203.0.113.10 LEN=44 TOS=0x00 PREC=0x00 TTL=${int(40, 250)} ID=${int(1, 65535)} PROTO=TCP SPT=${port()} DPT=${pick([23, 445, 3389, 8080, 5900, 1433])} WINDOW=1024 RES=0x00 SYN URGP=0`);
      n++;
    } else if (r < 0.7) {
      emit(t, "systemd[1]", pick(["Starting sysstat-collect.service - system activity accounting tool...", "sysstat-collect.service: Deactivated successfully.", "Finished sysstat-collect.service - system activity accounting tool.", "Starting apt-daily.service - Daily apt download activities...", "logrotate.service: Deactivated successfully.", "Started phpsessionclean.service - Clean php session files."]));
      n++;
    } else if (r < 0.8) {
      emit(t, `systemd-logind[612]`, pick(["Watching system buttons on /dev/input/event0 (Power Button)", "Power key pressed short.", "New seat seat0."]));
      n++;
    } else {
      // sshd chatter that is not a logon attempt: scanners and banner grabbers
      const ip = pick(scanners);
      const sp = port();
      const prog = `sshd[${nextPid()}]`;
      emit(t, prog, pick([
        `Connection closed by ${ip} port ${sp} [preauth]`,
        `Received disconnect from ${ip} port ${sp}:11: Bye Bye [preauth]`,
        `error: kex_exchange_identification: Connection closed by remote host`,
        `error: kex_exchange_identification: read: Connection reset by peer`,
        `Unable to negotiate with ${ip} port ${sp}: no matching key exchange method found. Their offer: diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1,diffie-hellman-group1-sha1 [preauth]`,
        `Connection reset by ${ip} port ${sp} [preauth]`,
        `Timeout before authentication for ${ip} port ${sp}`,
        `Did not receive identification string from ${ip} port ${sp}`,
      ]));
      n++;
    }
  }

  // --- sort by time and write --------------------------------------------------------------
  const order = new Uint32Array(times.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => times[a]! - times[b]! || a - b);
  mkdirSync(out, { recursive: true });
  const file = join(out, "auth.log");
  const chunks: string[] = [];
  let buf = "";
  let lastT = -1;
  let micro = 0;
  for (let i = 0; i < order.length; i++) {
    const j = order[i]!;
    const t = times[j]!;
    micro = t === lastT ? micro + 1 : (j * 7) % 500;
    lastT = t;
    // rsyslog's RFC 3339 high-precision stamp: microseconds and a numeric zone
    buf += `${new Date(t).toISOString().slice(0, 23)}${String(micro % 1000).padStart(3, "0")}+00:00 ${texts[j]}\n`;
    if (buf.length > 1 << 20) {
      chunks.push(buf);
      buf = "";
    }
  }
  chunks.push(buf);
  writeFileSync(file, chunks.join(""));

  // --- ground truth ----------------------------------------------------------------------------
  const mustCatch: string[] = [];
  const mustNotCatch: string[] = [];
  const legitIps = new Set(legit.flatMap((l) => l.ips));
  for (const [ip, ts] of guesses) {
    ts.sort((a, b) => a - b);
    let caught = false;
    for (let i = 4; i < ts.length && !caught; i++) if (ts[i]! - ts[i - 4]! <= WINDOW) caught = true;
    if (caught) mustCatch.push(ip);
    else if (!legitIps.has(ip)) mustNotCatch.push(ip);
  }
  const truth: GroundTruth = {
    file,
    lines: times.length,
    seed,
    start: new Date(START).toISOString(),
    end: new Date(START + SPAN).toISOString(),
    mustCatch: mustCatch.sort(),
    compromised,
    legit,
    mustNotCatch: mustNotCatch.sort(),
    groups,
    counts: { ...counts, "must catch": mustCatch.length, "must not catch": mustNotCatch.length, "fast+compromised": fastIps.length + compromised.length },
  };
  writeFileSync(join(out, "truth.json"), JSON.stringify(truth, null, 1));
  return truth;
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  const truth = generateAuthLog({ lines: Number(arg("--lines", "1000000")), seed: Number(arg("--seed", "42")), out: arg("--out", join(import.meta.dirname, "work")) });
  process.stderr.write(`wrote ${truth.lines} lines to ${truth.file} in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${truth.mustCatch.length} IPs must be caught, ${truth.mustNotCatch.length} must not\n`);
}
