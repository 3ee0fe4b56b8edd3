/**
 * Realistic telemetry for the simulated fleet: the shapes the real collectors send
 * (src/agent/collectors), mostly process samples/starts, connections and logons, some DNS,
 * and a small share of SSH failures from a few attacker addresses so that BF-1 fires.
 * Cheap to make (a few object literals per record): the generator shares the machine with the
 * server it measures.
 */

/** Share of each kind, in per mille; the rest of the thousand is ssh failures. */
export interface Mix {
  process: number;
  connection: number;
  logon: number;
  dns: number;
}

/** Per mille. ~1 % of records are SSH failures (attack traffic), so a 10 records/s agent sees a burst every ~10 s. */
export const DEFAULT_MIX: Mix = { process: 420, connection: 350, logon: 120, dns: 100 };

const PROCS = [
  { name: "nginx", executable: "/usr/sbin/nginx", command_line: "nginx: worker process", user: { name: "www-data", id: 33 } },
  { name: "php-fpm8.2", executable: "/usr/sbin/php-fpm8.2", command_line: "php-fpm: pool www", user: { name: "www-data", id: 33 } },
  { name: "postgres", executable: "/usr/lib/postgresql/16/bin/postgres", command_line: "postgres: 16/main: checkpointer", user: { name: "postgres", id: 112 } },
  { name: "node", executable: "/usr/bin/node", command_line: "node /srv/app/server.js", user: { name: "app", id: 1001 } },
  { name: "cron", executable: "/usr/sbin/cron", command_line: "/usr/sbin/cron -f", user: { name: "root", id: 0 } },
  { name: "bash", executable: "/usr/bin/bash", command_line: "bash -c /usr/local/bin/backup.sh", user: { name: "root", id: 0 } },
  { name: "tar", executable: "/usr/bin/tar", command_line: "tar czf /var/backups/www.tgz /var/www", user: { name: "root", id: 0 } },
  { name: "sshd", executable: "/usr/sbin/sshd", command_line: "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups", user: { name: "root", id: 0 } },
];
const USERS = ["deploy", "alice", "bob", "ops", "ci"];
const GUESSES = ["root", "admin", "test", "oracle", "ubuntu", "postgres", "git", "user"];
/** Public addresses hosts talk to (well-known services' ranges); data only, never contacted. */
const PUBLIC_PEERS = ["151.101.1.69", "151.101.65.69", "140.82.121.4", "140.82.112.3", "104.16.132.229", "104.18.32.7", "13.107.42.14", "52.95.110.1", "34.117.59.81", "142.250.185.78", "199.232.46.132", "185.199.108.133"];
const DOMAINS = ["deb.debian.org", "api.github.com", "registry.npmjs.org", "example.com", "ntp.ubuntu.com", "db.internal.lan"];

/** One agent's record source: ids unique per agent and run (`<tag>-<agent>-<seq>`). */
export class RecordSource {
  #seq = 0;
  readonly #prefix: string;
  readonly #host: number;
  readonly #mix: Mix;
  /** The attacker this agent sees, changed every 12 failures (a fresh BF-1 group each time). */
  #attacker = 0;
  #attackerFailures = 0;
  #rand: () => number;

  constructor(tag: string, agentIndex: number, mix: Mix = DEFAULT_MIX) {
    this.#prefix = `${tag}-${agentIndex}-`;
    this.#host = agentIndex;
    this.#mix = mix;
    let s = (agentIndex * 2654435761) >>> 0 || 1;
    // xorshift32: deterministic per agent, no allocation
    this.#rand = () => {
      s ^= s << 13; s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5; s >>>= 0;
      return s / 4294967296;
    };
    this.#attacker = Math.floor(this.#rand() * 60_000);
  }

  /** n records stamped around `now` (ms). */
  make(n: number, now: number): Record<string, unknown>[] {
    const out = new Array<Record<string, unknown>>(n);
    for (let i = 0; i < n; i++) out[i] = this.one(now - Math.floor((n - i) * 3));
    return out;
  }

  one(ts: number): Record<string, unknown> {
    const id = this.#prefix + (this.#seq++).toString(36).padStart(6, "0");
    const x = this.#rand() * 1000;
    const m = this.#mix;
    const pid = 1000 + Math.floor(this.#rand() * 60_000);
    if (x < m.process) {
      const p = PROCS[Math.floor(this.#rand() * PROCS.length)]!;
      const start = this.#rand() < 0.3;
      return {
        id, kind: "process", ts, event: { action: start ? "start" : "sample" },
        process: {
          pid, ppid: 1, name: p.name, executable: p.executable, command_line: p.command_line, start: ts - 60_000,
          user: p.user, cpu: { pct: Math.round(this.#rand() * 400) / 10 }, memory: { rss: 20_000_000 + Math.floor(this.#rand() * 100_000_000) },
          stdio: "null", parent: { pid: 1, name: "systemd", executable: "/usr/lib/systemd/systemd" },
        },
      };
    }
    if (x < m.process + m.connection) {
      const inbound = this.#rand() < 0.5;
      // outbound: a third to public services (package mirrors, APIs, CDNs), the rest inside
      const peer = !inbound && this.#rand() < 0.33
        ? PUBLIC_PEERS[Math.floor(this.#rand() * PUBLIC_PEERS.length)]!
        : `10.${(this.#host >> 8) & 255}.${this.#host & 255}.${1 + Math.floor(this.#rand() * 250)}`;
      const me = `10.200.${(this.#host >> 8) & 255}.${this.#host & 255}`;
      const port = inbound ? 443 : [5432, 6379, 443, 53][Math.floor(this.#rand() * 4)]!;
      const ephemeral = 32768 + Math.floor(this.#rand() * 28_000);
      return {
        id, kind: "connection", ts, event: { action: this.#rand() < 0.7 ? "seen" : "opened" },
        network: { transport: "tcp", type: "ipv4", state: "ESTABLISHED", direction: inbound ? "inbound" : "outbound" },
        source: inbound ? { ip: peer, port: ephemeral } : { ip: me, port: ephemeral },
        destination: inbound ? { ip: me, port } : { ip: peer, port },
        process: { pid, name: inbound ? "nginx" : "node", executable: inbound ? "/usr/sbin/nginx" : "/usr/bin/node" },
        firstSeen: ts - 30_000, lastSeen: ts,
      };
    }
    if (x < m.process + m.connection + m.logon) {
      const user = USERS[Math.floor(this.#rand() * USERS.length)]!;
      const ip = `10.${(this.#host >> 8) & 255}.${this.#host & 255}.${1 + Math.floor(this.#rand() * 20)}`;
      return {
        id, kind: "logon", ts, service: "ssh",
        event: { outcome: "success", reason: "publickey" },
        source: { ip, port: 40_000 + Math.floor(this.#rand() * 20_000) }, user: { name: user },
        log: { file: "/var/log/auth.log", line: `Accepted publickey for ${user} from ${ip} port 51234 ssh2: ED25519 SHA256:abc` },
      };
    }
    if (x < m.process + m.connection + m.logon + m.dns) {
      const name = DOMAINS[Math.floor(this.#rand() * DOMAINS.length)]!;
      return {
        id, kind: "dns", ts, resolver: "dnsmasq", dns: { question: { name, type: "A" }, answers: [{ data: "10.1.2.3", type: "A" }] },
        source: { ip: "127.0.0.1" }, log: { file: "/var/log/dnsmasq.log", line: `query[A] ${name} from 127.0.0.1` },
      };
    }
    // attack: guesses from one documentation-range address (RFC 5737) until it has made 12
    if (++this.#attackerFailures > 12) {
      this.#attackerFailures = 1;
      this.#attacker = Math.floor(this.#rand() * 60_000);
    }
    const a = this.#attacker;
    const ip = `${a & 1 ? "203.0.113" : "198.51.100"}.${1 + (a % 250)}`;
    const user = GUESSES[Math.floor(this.#rand() * GUESSES.length)]!;
    return {
      id, kind: "logon", ts, service: "ssh",
      event: { outcome: "failure", reason: "password" },
      source: { ip, port: 40_000 + Math.floor(this.#rand() * 20_000) }, user: { name: user },
      log: { file: "/var/log/auth.log", line: `Failed password for ${user} from ${ip} port 55012 ssh2` },
    };
  }
}
