import { parseArgs, type ParseArgsConfig } from "node:util";
import { join, resolve } from "node:path";
import { existsSync } from "node:fs";
import type pino from "pino";
import { makeLogger } from "./log.ts";
import { HostwardError, parseDuration, newId, DEFAULT_ACCOUNT } from "../core/index.ts";

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };
const io: Io = { stdout: process.stdout, stderr: process.stderr };
const out = (s: string) => io.stdout.write(s + "\n");
const err = (s: string) => io.stderr.write(s + "\n");

const HELP = `hostward — detect intrusions on your Linux servers, see each attack whole, stop it.

Usage: hostward <command> [options]

Commands:
  start           Server, console and a local agent in one process, data in ./data.
                  The quickest way to try Hostward: npm start runs this.
  server          The server alone (console, REST API, agent channel).
  agent           An agent on this host, reporting to a server.
  token create    Make a one-time agent enrolment token (or an API token with --api).
  user add        Add a console/API user with a one-time password.
  replay          Run the detection rules over logon logs offline and print the alerts.
  baseline run    Check for weak passwords and inventory accounts on the assets now.
  intel           Look values up in the intel lists (pools, miners, feeds) offline;
                  check feeds.
  scan            Scan files and directories for web shells (PHP, ASP, ASPX, JSP) and
                  print a verdict per file, with reasons and line numbers.
  demo            Play a realistic attack into a running server through a simulated
                  agent, so the console has something to show.

Run 'hostward <command> --help' for a command's options.
`;

const HELPS: Record<string, string> = {
  user: `Usage: hostward user add NAME [options]

Adds a user and prints a one-time password (shown once; it must be changed at the
first sign-in). Roles: viewer (read only), analyst (triage and respond), admin
(everything in the account, users and settings too).

Options:
  --role ROLE        viewer, analyst or admin (default analyst)
  --account ID       Account of the user (default: the default account)
  --data DIR         The server's data directory (default ./data)
  -h, --help         This help
`,
  start: `Usage: hostward start [options]

Starts the server, the console and a local agent on this host, storing everything
under the data directory (SQLite). On first start it prints the admin's one-time
password. The local agent tails /var/log/auth.log (or /var/log/secure) and, when run
as root with nftables installed, blocks brute-force sources on this host.

Options:
  --data DIR         Data directory (default ./data, or HOSTWARD_DATA_DIR)
  --api-host HOST    Console/API address (default 127.0.0.1)
  --api-port N       Console/API port (default 8080)
  --agent-port N     Agent channel port, TLS (default 8443)
  --auth-log PATH    sshd log for the local agent (repeatable; default: auto)
  --log [FMT:]PATH   Any logon log for the local agent (see hostward agent --help)
  --no-firewall      The local agent reports but never blocks
  --no-baseline      The local agent does not check for weak passwords
  -h, --help         This help
`,
  server: `Usage: hostward server [options]

Starts the server: console and REST API over HTTP (keep it on loopback or put a TLS
proxy in front), and the agent channel over TLS with a CA made on first start.

Options:
  --data DIR         Data directory (default ./data)
  --api-host HOST    Console/API address (default 127.0.0.1)
  --api-port N       Console/API port (default 8080)
  --agent-host HOST  Agent channel address (default 0.0.0.0)
  --agent-port N     Agent channel port (default 8443)
  --alt-name NAME    Extra DNS name or IP for the server certificate (repeatable)
  --profile P        standalone (default): one process, SQLite in the data directory.
                     cluster: a stateless worker — state in PostgreSQL (--db-url), telemetry
                     on NATS JetStream (--nats-url); run as many as the load needs behind a
                     TCP or HTTP load balancer (docs/cluster.md)
  --db-url URL       PostgreSQL for the cluster profile, e.g. postgres://hostward@db:5432/hostward
  --nats-url URL     NATS JetStream for the cluster profile, e.g. nats://nats:4222
  --worker-id NAME   This worker's name in the cluster (default host:pid)
  -h, --help         This help

Health: GET /healthz (the process answers) and /readyz (store reachable; in a cluster also
the bus, and this worker's partitions assigned) on the API port; Prometheus metrics on /metrics.

Environment: HOSTWARD_DATA_DIR, HOSTWARD_API_HOST, HOSTWARD_API_PORT, HOSTWARD_AGENT_HOST,
HOSTWARD_AGENT_PORT, HOSTWARD_LOG_LEVEL, HOSTWARD_PROFILE, HOSTWARD_DB_URL, HOSTWARD_DB_SCHEMA,
HOSTWARD_NATS_URL, HOSTWARD_WORKER_ID; a config file <data>/hostward.json (or HOSTWARD_CONFIG).

Examples:
  hostward server --data /var/lib/hostward
  hostward server --profile cluster --db-url postgres://hostward@db:5432/hostward \
      --nats-url nats://nats:4222 --agent-port 8443
`,
  agent: `Usage: hostward agent --server URL [--token TOKEN] [options]

Runs the agent: tails logon logs (OpenSSH, vsftpd, MySQL/MariaDB, SQL Server, Windows
4624/4625 JSON lines from a forwarder), inventories local accounts, checks for weak passwords
once a day, spools to disk while the server is away, and carries out the server's
typed response actions (nftables blocks). The first run needs a one-time token from
'hostward token create'; it pins the server's CA by the fingerprint inside the token
and refuses any other server.

Options:
  --server URL       The server's agent channel, e.g. https://hostward.example:8443
  --token TOKEN      One-time enrolment token (first run only)
  --state DIR        Credential, spool and read positions (default /var/lib/hostward-agent
                     as root, ./data/agent otherwise)
  --auth-log PATH    sshd log file (repeatable)
  --log [FMT:]PATH   A logon log, FMT one of sshd, vsftpd, mysql, mssql, windows-json (guessed
                     from the name and first lines when left out); repeatable.
                     Default: those of /var/log/auth.log, /var/log/secure,
                     /var/log/vsftpd.log and the MySQL/MariaDB error logs that exist
  --journald MODE    Read logons from journald: auto (when no log file exists), on, off
  --no-baseline      Do not check local password hashes for weak passwords (BF-5)
  --baseline-every D How often the weak-password check runs (default 24h; on demand too:
                     hostward baseline run)
  --password-list F  Common-password dictionary to check against, one per line (default:
                     the shipped list of a few hundred)
  --no-inventory     Do not send the account inventory (AGT-7)
  --no-processes     Do not report processes and connections (AGT-3, AGT-4)
  --audit-log PATH   auditd's log, read for execs too short for the /proc scan (default:
                     /var/log/audit/audit.log when auditd runs and the log is readable)
  --no-audit         Do not read auditd's log
  --audit-rules      Add an execve audit rule (key hostward_exec) at start and remove it at
                     stop. Off by default: the host's audit rules are its operator's to set
  --web-dir PATH     A web root to watch for web shells (repeatable; default: none). Every
                     PHP/ASP/ASPX/JSP file created or modified there is scanned at once, and
                     all are scanned at start and on --web-scan-cron (AGT-5, WS-2 … WS-6);
                     shells are reported, never quarantined automatically (WS-7)
  --web-scan-cron E  When the full web scan runs, a 5-field cron expression in local time
                     (default "17 3 * * *", daily at 03:17; on demand too)
  --web-deny-file F  The nginx include file of denied addresses the server may add to
                     (default /etc/nginx/hostward-deny.conf; nginx must include it)
  --nginx-conf F     nginx's main configuration, when not the default (for nginx -T / -s reload)
  --from-start       Read a log not seen before from its start, not its end
  --no-firewall      Report only; never block or isolate
  -h, --help         This help

Example:
  hostward agent --server https://10.0.0.5:8443 --token hw1.XXXX.YYYY
`,
  token: `Usage: hostward token create [options]

Makes a one-time agent enrolment token and prints the command to run on the new
host. With --api, makes an API token for a user instead (shown once).

Options:
  --data DIR         The server's data directory (default ./data)
  --ttl DURATION     Enrolment token lifetime (default 24h)
  --note TEXT        Note stored with the token
  --server-url URL   Agent channel URL to print in the command (default https://<this host>:8443)
  --account ID       Account the new agent enrols into (default: the default account)
  --api              Make an API token instead
  --user NAME        API token owner (default admin)
  -h, --help         This help
`,
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Values = Record<string, any>;
function parse(args: string[], options: ParseArgsConfig["options"]): { values: Values; positionals: string[] } {
  return parseArgs({ args, options: { help: { type: "boolean", short: "h" }, ...options }, allowPositionals: true, strict: true });
}

async function serverFromArgs(v: Record<string, unknown>) {
  const { loadServerConfig } = await import("../server/index.ts");
  const overrides: Record<string, unknown> = {};
  if (v.data) overrides.dataDir = v.data;
  const api: Record<string, unknown> = {}, agent: Record<string, unknown> = {};
  if (v["api-host"]) api.host = v["api-host"];
  if (v["api-port"]) api.port = Number(v["api-port"]);
  if (v["agent-host"]) agent.host = v["agent-host"];
  if (v["agent-port"]) agent.port = Number(v["agent-port"]);
  if (v["alt-name"]) agent.altNames = v["alt-name"];
  if (v.profile) overrides.profile = v.profile;
  if (v["db-url"]) overrides.db = { url: v["db-url"] };
  if (v["nats-url"]) overrides.nats = { url: v["nats-url"] };
  if (v["worker-id"]) overrides.workerId = v["worker-id"];
  if (Object.keys(api).length) overrides.api = api;
  if (Object.keys(agent).length) overrides.agentChannel = agent;
  return loadServerConfig(overrides);
}

async function makeFirewall(disabled: boolean, log: pino.Logger, server?: string) {
  if (disabled) return null;
  if (process.getuid?.() !== 0) {
    log.warn("not running as root: the agent will report attacks but cannot block them (run as root, or pass --no-firewall to silence this)");
    return null;
  }
  const { NftFirewall } = await import("../agent/actions/nftables.ts");
  // never let a block cut the agent off from its own server
  const host = server ? new URL(server).hostname.replace(/^\[|\]$/g, "") : "";
  return new NftFirewall({ protect: (await import("node:net")).isIP(host) ? [host] : [] });
}

async function cmdServer(args: string[], withAgent: boolean): Promise<number> {
  const { values: v } = parse(args, {
    data: { type: "string" }, "api-host": { type: "string" }, "api-port": { type: "string" }, "agent-host": { type: "string" }, "agent-port": { type: "string" },
    "alt-name": { type: "string", multiple: true }, "auth-log": { type: "string", multiple: true }, log: { type: "string", multiple: true }, "no-firewall": { type: "boolean" }, "no-baseline": { type: "boolean" },
    ...(withAgent ? {} : { profile: { type: "string" }, "db-url": { type: "string" }, "nats-url": { type: "string" }, "worker-id": { type: "string" } }),
  });
  if (v.help) return out(HELPS[withAgent ? "start" : "server"]!), 0;
  const cfg = await serverFromArgs(v);
  const { createServer, createEnrolToken } = await import("../server/index.ts");
  const log = makeLogger(cfg.logLevel);
  const server = await createServer(cfg, { logger: log });
  const { apiUrl, agentUrl } = await server.listen();
  const lines = [``, `  Hostward is running.`, `  Console:        ${apiUrl}/`, `  REST API:       ${apiUrl}/api/v1  (OpenAPI: ${apiUrl}/api/v1/openapi.json)`, `  Agent channel:  ${agentUrl}  (CA fingerprint ${server.pki.caFingerprint.slice(0, 16)}…)`];
  if (server.firstAdminPassword) lines.push(``, `  First start: sign in as admin with the one-time password`, `      ${server.firstAdminPassword}`, `  (shown only now; you will be asked to change it).`);
  let agent: import("../agent/index.ts").HostwardAgent | null = null;
  if (withAgent) {
    const { HostwardAgent } = await import("../agent/index.ts");
    const stateDir = join(cfg.dataDir, "agent");
    let token: string | undefined;
    if (!existsSync(join(stateDir, "agent.json"))) token = (await createEnrolToken(server.store, server.pki, Date.now(), 600_000, "local agent", DEFAULT_ACCOUNT)).token;
    agent = new HostwardAgent({ server: `https://127.0.0.1:${new URL(agentUrl).port}`, token, stateDir, authLogs: v["auth-log"] as string[] | undefined, logs: logArgs(v.log), firewall: await makeFirewall(Boolean(v["no-firewall"]), log), log: log.child({ part: "agent" }), ...(await hostChecks(v, log)) });
    await agent.start();
    lines.push(``, agent.sources.length ? `  Local agent ${agent.agentId} enrolled, reading ${agent.sources.join(", ")}.` : `  Local agent ${agent.agentId} enrolled. No logon log on this host (looked for /var/log/auth.log, /var/log/secure, vsftpd and MySQL logs): it keeps running and reports no logons until one is given (--log).`);
  }
  lines.push(``, `  Add a server: hostward token create --data ${cfg.dataDir}   (prints the agent command)`, `  Stop with Ctrl-C.`, ``);
  out(lines.join("\n"));
  return runUntilSignal(async () => {
    await agent?.stop();
    await server.close();
  });
}

/** Keeps a long-running command alive until SIGINT/SIGTERM, then stops it cleanly. */
function runUntilSignal(stop: () => Promise<void>): Promise<number> {
  const onSignal = () => void stop().finally(() => process.exit(0));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return new Promise<number>(() => {});
}

/** Opens the server's store for an offline admin command, or says why it cannot. */
async function openDataStore(cmd: string, data: string | undefined) {
  const { loadServerConfig } = await import("../server/index.ts");
  const { SqliteStore } = await import("../store/index.ts");
  const cfg = loadServerConfig(data ? { dataDir: data } : {});
  const dbPath = join(cfg.dataDir, "hostward.db");
  if (!existsSync(dbPath)) {
    err(`hostward ${cmd}: no Hostward data in ${cfg.dataDir} (start the server once with 'hostward server --data ${cfg.dataDir}')`);
    return null;
  }
  return { cfg, store: new SqliteStore({ path: dbPath }) };
}

/** `--log [FMT:]PATH` values. */
function logArgs(values: string[] | undefined): { path: string; format?: "sshd" | "vsftpd" | "mysql" | "mssql" | "windows-json" }[] | undefined {
  if (!values) return undefined;
  return values.map((x) => {
    const m = /^(sshd|vsftpd|mysql|mssql|windows-json):(.+)$/.exec(x);
    return m ? { path: m[2]!, format: m[1] as "sshd" } : { path: x };
  });
}

/** AGT-8 resolver logs that exist here (syslog only where a resolver is installed). */
async function dnsSources() {
  const { DEFAULT_DNS_SOURCES } = await import("../agent/collectors/dns.parser.ts");
  return DEFAULT_DNS_SOURCES.filter((s) => existsSync(s.path) && (!s.onlyIf || s.onlyIf.some((b) => existsSync(b)))).map((s) => ({ path: s.path, format: s.format }));
}

/** AGT-7 inventory, AGT-6 sensitive files, AGT-8 DNS and the BF-5 weak-password check, as the CLI runs them. */
async function hostChecks(v: Values, log: pino.Logger) {
  const inventory = v["no-inventory"] ? (false as const) : {};
  const host = { dnsLogs: await dnsSources(), sensitiveFiles: {}, ...(v["no-processes"] ? {} : { hostProcesses: {} }) };
  if (v["no-baseline"]) return { inventory, ...host, baseline: false as const };
  if (process.getuid?.() !== 0) {
    log.warn("not running as root: the weak-password check cannot read /etc/shadow and is off (run as root, or pass --no-baseline to silence this)");
    return { inventory, ...host, baseline: false as const };
  }
  const { checkWeakPasswords, loadDictionary } = await import("../agent/baseline/weak-passwords.ts");
  const dictionary = v["password-list"] ? await loadDictionary(String(v["password-list"])) : undefined;
  // AGT-11: one worker thread (one core at most), and a run never goes on for more than 2 h
  return { inventory, ...host, baseline: { every: v["baseline-every"] ? parseDuration(String(v["baseline-every"])) : undefined, check: () => checkWeakPasswords({ dictionary, workers: 1, budgetMs: 2 * 3_600_000 }) } };
}

/** RSP-3 isolation and the EVT-10 nginx deny list, with the firewall (root). Not for the server's own local agent: isolating it would cut the console off. */
async function responseControls(v: Values, stateDir: string, log: pino.Logger) {
  const { NftIsolation } = await import("../agent/actions/isolation.ts");
  const { NginxDenyList } = await import("../agent/actions/web-deny.ts");
  return {
    isolation: new NftIsolation({ stateFile: join(stateDir, "isolation.json"), onReleased: (m) => log.info(m) }),
    webDeny: new NginxDenyList({ file: v["web-deny-file"] ? resolve(String(v["web-deny-file"])) : undefined, nginx: v["nginx-conf"] ? ["nginx", "-c", resolve(String(v["nginx-conf"]))] : undefined, onExpired: (m) => log.info(m) }),
  };
}

async function cmdAgent(args: string[]): Promise<number> {
  const { values: v } = parse(args, { server: { type: "string" }, token: { type: "string" }, state: { type: "string" }, "auth-log": { type: "string", multiple: true }, log: { type: "string", multiple: true }, "from-start": { type: "boolean" }, "no-firewall": { type: "boolean" }, journald: { type: "string" }, "no-baseline": { type: "boolean" }, "no-inventory": { type: "boolean" }, "baseline-every": { type: "string" }, "password-list": { type: "string" }, "no-processes": { type: "boolean" }, "audit-log": { type: "string" }, "no-audit": { type: "boolean" }, "audit-rules": { type: "boolean" }, "web-dir": { type: "string", multiple: true }, "web-scan-cron": { type: "string" }, "web-deny-file": { type: "string" }, "nginx-conf": { type: "string" } });
  if (v.help) return out(HELPS.agent!), 0;
  const webDirs = ((v["web-dir"] ?? []) as string[]).map((d) => resolve(d));
  if (v["web-scan-cron"] !== undefined) {
    const { parseCron } = await import("../agent/collectors/cron.ts");
    try {
      parseCron(String(v["web-scan-cron"]));
    } catch (e) {
      return err(`hostward agent: --web-scan-cron: ${(e as Error).message}`), 2;
    }
  }
  if (v.journald !== undefined && !["auto", "on", "off"].includes(v.journald)) return err("hostward agent: --journald must be auto, on or off"), 2;
  if (!v.server) return err("hostward agent: --server URL is required (the server's agent channel, e.g. https://10.0.0.5:8443)\n\n" + HELPS.agent), 2;
  const { HostwardAgent } = await import("../agent/index.ts");
  const log = makeLogger(process.env.HOSTWARD_LOG_LEVEL ?? "info");
  const stateDir = resolve(v.state ?? (process.getuid?.() === 0 ? "/var/lib/hostward-agent" : "./data/agent"));
  const firewall = await makeFirewall(Boolean(v["no-firewall"]), log, v.server);
  const host = await hostChecks(v, log);
  if (host.hostProcesses) {
    // issue 7: auditd's execve records catch the processes too short for the /proc scan
    const { chooseAuditLog } = await import("../agent/collectors/audit-exec.ts");
    const audit = chooseAuditLog({ path: v["audit-log"] === undefined ? undefined : resolve(String(v["audit-log"])), off: Boolean(v["no-audit"]), rules: Boolean(v["audit-rules"]) });
    if ("off" in audit) log[v["audit-rules"] || v["audit-log"] ? "warn" : "info"](`audit exec source off: ${audit.off}; short-lived processes are seen only by the /proc scan`);
    else host.hostProcesses = { ...host.hostProcesses, audit: { logPath: audit.path, rules: audit.rules } };
  }
  const agent = new HostwardAgent({ server: v.server, token: v.token, stateDir, authLogs: v["auth-log"] as string[] | undefined, logs: logArgs(v.log), fromStart: Boolean(v["from-start"]), journald: v.journald, firewall, ...(firewall ? await responseControls(v, stateDir, log) : {}), log, ...host, ...(webDirs.length ? { webFiles: { dirs: webDirs, cron: v["web-scan-cron"] as string | undefined } } : {}) });
  await agent.start();
  log.info({ agent: agent.agentId, sources: agent.sources }, "agent running");
  // write the compiled-code cache now (NODE_COMPILE_CACHE), not only at a clean exit: the next
  // start then skips type stripping even after a kill (bench/agent-process.ts: ~20 MB less RSS)
  (await import("node:module")).flushCompileCache?.();
  return runUntilSignal(() => agent.stop());
}

async function cmdToken(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "create" || rest.includes("--help") || rest.includes("-h")) {
    out(HELPS.token!);
    return sub === "create" || sub === "--help" || sub === "-h" || sub === undefined ? 0 : 2;
  }
  const { values: v } = parse(rest, { data: { type: "string" }, ttl: { type: "string" }, note: { type: "string" }, "server-url": { type: "string" }, api: { type: "boolean" }, user: { type: "string" }, account: { type: "string" } });
  const { ensurePki, createEnrolToken, newApiTokenSecret, sha256hex } = await import("../server/index.ts");
  const opened = await openDataStore("token create", v.data);
  if (!opened) return 2;
  const { cfg, store } = opened;
  try {
    const now = Date.now();
    if (v.api) {
      const user = await store.users.findByName(v.user ?? "admin");
      if (!user) return err(`hostward token create: no user ${v.user ?? "admin"}`), 2;
      const secret = newApiTokenSecret();
      await store.apiTokens.insert({ id: newId("tok", now), userId: user.id, name: v.note ?? "cli", role: user.role, tokenHash: sha256hex(secret), createdAt: now, expiresAt: null, revokedAt: null, lastUsedAt: null });
      out(secret);
      err(`API token for ${user.username} (${user.role}); shown once. Use it as: Authorization: Bearer <token>`);
      return 0;
    }
    const pki = ensurePki(cfg.dataDir, cfg.agentChannel.altNames);
    const accountId = v.account ?? DEFAULT_ACCOUNT;
    if (!(await store.accounts.get(accountId))) return err(`hostward token create: no account ${accountId}`), 2;
    const { token, expiresAt } = await createEnrolToken(store, pki, now, parseDuration(v.ttl ?? "24h"), v.note ?? "", accountId);
    const url = v["server-url"] ?? `https://${(await import("node:os")).hostname()}:${cfg.agentChannel.port}`;
    out(token);
    err(`One-time enrolment token, valid until ${new Date(expiresAt).toISOString()}. On the new host run:\n  hostward agent --server ${url} --token ${token}`);
    return 0;
  } finally {
    await store.close();
  }
}

async function cmdUser(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "add" || rest.includes("--help") || rest.includes("-h")) {
    out(HELPS.user!);
    return sub === "add" || sub === "--help" || sub === "-h" || sub === undefined ? 0 : 2;
  }
  const { values: v, positionals } = parse(rest, { data: { type: "string" }, role: { type: "string" }, account: { type: "string" } });
  const username = positionals[0];
  if (!username) return err("hostward user add: give the user name (hostward user add NAME --role analyst)"), 2;
  const role = v.role ?? "analyst";
  if (!["viewer", "analyst", "admin"].includes(role)) return err(`hostward user add: --role must be viewer, analyst or admin`), 2;
  const { hashPassword, newPassword } = await import("../server/index.ts");
  if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(username)) return err("hostward user add: a user name has letters, digits and . _ @ - only (at most 64)"), 2;
  const opened = await openDataStore("user add", v.data);
  if (!opened) return 2;
  const { store } = opened;
  try {
    const accountId = v.account ?? DEFAULT_ACCOUNT;
    if (!(await store.accounts.get(accountId))) return err(`hostward user add: no account ${accountId}`), 2;
    if (await store.users.findByName(username)) return err(`hostward user add: user ${username} exists`), 2;
    const password = newPassword();
    const now = Date.now();
    await store.users.insert({ id: newId("usr", now), accountId, username, passwordHash: await hashPassword(password), role: role as "viewer", createdAt: now, mustChangePassword: true, disabledAt: null });
    await store.audit.insert({ id: newId("aud", now), accountId, at: now, actor: "cli", ip: null, action: "user.add", target: username, outcome: "success", details: { role } });
    out(password);
    err(`User ${username} (${role}) added to account ${accountId}. The line above is a one-time password, shown once; it must be changed at first sign-in.`);
    return 0;
  } finally {
    await store.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "start":
      return cmdServer(rest, true);
    case "server":
      return cmdServer(rest, false);
    case "agent":
      return cmdAgent(rest);
    case "token":
      return cmdToken(rest);
    case "user":
      return cmdUser(rest);
    case "intel": {
      const { intelCommand } = await import("./intel.ts");
      const { loadServerConfig } = await import("../server/index.ts");
      // the server's own feeds when a data directory with a config is at hand
      let paths: string[] = [];
      try {
        paths = loadServerConfig({}).intelPaths;
      } catch {
        paths = [];
      }
      return intelCommand(rest, io, { paths });
    }
    case "baseline": {
      const { baselineCommand } = await import("./baseline.ts");
      return baselineCommand(rest, io);
    }
    case "replay": {
      const { replayCommand } = await import("./replay.ts");
      return replayCommand(rest, io);
    }
    case "scan": {
      const { scanCommand } = await import("./scan.ts");
      return scanCommand(rest, io);
    }
    case "demo": {
      const { demoCommand, DEMO_HELP } = await import("./demo.ts");
      const { values: v } = parse(rest, { server: { type: "string" }, "agent-url": { type: "string" }, data: { type: "string" }, "api-token": { type: "string" }, hostname: { type: "string" } });
      if (v.help) return out(DEMO_HELP), 0;
      return demoCommand(v, out, err);
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      out(HELP);
      return 0;
    default:
      err(`hostward: unknown command '${cmd}'\n`);
      err(HELP);
      return 2;
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      const ne = e as NodeJS.ErrnoException & { port?: number; address?: string };
      if (e instanceof HostwardError) err(`hostward: ${e.message} [${e.code}]`);
      else if (ne.code === "EADDRINUSE") err(`hostward: ${ne.address}:${ne.port} is already in use (another Hostward?). Choose other ports with --api-port/--agent-port or HOSTWARD_API_PORT/HOSTWARD_AGENT_PORT.`);
      else if (ne.code === "EACCES" && ne.syscall === "listen") err(`hostward: not allowed to listen on ${ne.address}:${ne.port} (ports below 1024 need root).`);
      else if (e instanceof TypeError && (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) err(`hostward: ${e.message} (see --help)`);
      else err(`hostward: ${(e as Error).stack ?? e}`);
      process.exit((e as { code?: string }).code?.startsWith?.("ERR_PARSE_ARGS") ? 2 : 1);
    },
  );
}
export { DEFAULT_ACCOUNT };
