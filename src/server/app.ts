import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import fastifySwagger from "@fastify/swagger";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import pino, { type Logger } from "pino";
import { join } from "node:path";
import { systemClock, newId, isPublicIp, normalizeIp, type Clock, type Store, DEFAULT_ACCOUNT, type GeoIpReader, type IpReputationReader, type IndicatorReader } from "../core/index.ts";
import { SqliteStore, PgStore } from "../store/index.ts";
import { IpPolicyService } from "../response/index.ts";
import { expireStaleAlerts, purgeOldEvents, LogonIntel, HostIntel, indicatorReader } from "../alerting/index.ts";
import { DbIpGeo, IntelService } from "../intel/index.ts";
import { NotificationDispatcher, enqueueForAlert } from "../notify/index.ts";
import type { Rule } from "../detection/index.ts";
import { loadRules } from "../../content/rules.ts";
import type { ServerConfig } from "./config.ts";
import { ensurePki, type Pki } from "./pki.ts";
import { installErrorHandler } from "./errors.ts";
import { IngestService } from "./ingest.ts";
import { ActionHub } from "./action-hub.ts";
import { agentChannelRoutes } from "./agent-channel.routes.ts";
import { apiRoutes } from "./routes/index.ts";
import { installAuth } from "./auth.ts";
import { LoginService, auditWriter, hashPassword, type LockoutPolicy, DEFAULT_LOCKOUT } from "./login-service.ts";
import { consoleRoutes } from "./console.routes.ts";
import { Metrics } from "./metrics.ts";
import { newPassword } from "./secrets.ts";
import { openCluster, ensureClusterPki, defaultWorkerId, type Cluster } from "./cluster/index.ts";

export interface ServerDeps {
  clock?: Clock;
  logger?: Logger;
  store?: Store;
  rules?: Rule[];
  lockout?: LockoutPolicy;
  /** LOG-1: replaces the GeoIP database (tests place namespace addresses on the map). */
  geo?: GeoIpReader;
  reputation?: IpReputationReader;
  /** PRC-1: replaces the intel lists for host telemetry. */
  indicators?: IndicatorReader;
}

export interface HostwardServer {
  config: ServerConfig;
  store: Store;
  pki: Pki;
  api: FastifyInstance;
  agentChannel: FastifyInstance<import("node:https").Server>;
  ingest: IngestService;
  /** ALR-9: delivers the notification outbox (runJobs calls it). */
  notifier: NotificationDispatcher;
  metrics: Metrics;
  log: Logger;
  /** Every console/API route with the access it declares (the authorization matrix test reads it). */
  routes: { method: string; url: string; access: string | undefined }[];
  /** Set on first start only: the admin's one-time password. */
  firstAdminPassword: string | null;
  /** Issue 10: this worker's part in the cluster profile (null standalone). */
  cluster: Cluster | null;
  /** Runs the scheduled jobs once (tests call it with a fake clock). */
  runJobs(): Promise<void>;
  listen(): Promise<{ apiUrl: string; agentUrl: string }>;
  close(): Promise<void>;
}

/** The composition root: builds every part from the config and wires them together. */
export async function createServer(config: ServerConfig, deps: ServerDeps = {}): Promise<HostwardServer> {
  const clock = deps.clock ?? systemClock;
  const log = deps.logger ?? pino({ level: config.logLevel });
  // the profile picks the store: standalone keeps one SQLite file, cluster shares PostgreSQL (loadServerConfig requires db.url)
  const store = deps.store ?? (config.profile === "cluster" && config.db.url
    ? await PgStore.open({ url: config.db.url, schema: config.db.schema, poolSize: config.db.poolSize })
    : new SqliteStore({ path: join(config.dataDir, "hostward.db") }));
  const clustered = config.profile === "cluster" && config.nats.url !== undefined;
  const workerId = config.workerId ?? defaultWorkerId();
  const pki = clustered ? await ensureClusterPki(store, config.dataDir, config.agentChannel.altNames, workerId) : ensurePki(config.dataDir, config.agentChannel.altNames);
  const metrics = new Metrics();
  const hub = new ActionHub();
  let cluster: Cluster | null = null;
  // an agent's long poll may be held by another worker: the wake-up goes over the bus too
  const notify = (agentId: string) => {
    hub.notify(agentId);
    cluster?.bus.broadcast("wake", agentId);
  };

  // BF-4: addresses console/API users came from are never auto-blocked
  const operatorIps = new Map<string, number>((await store.settings.get<[string, number][]>("operator.ips")) ?? []);
  const OPERATOR_IP_TTL = 30 * 86_400_000;
  const rememberOperatorIp = (raw: string) => {
    const ip = normalizeIp(raw);
    if (!ip) return;
    const now = clock.now();
    const prev = operatorIps.get(ip);
    operatorIps.set(ip, now);
    if (prev === undefined || now - prev > 3_600_000) void store.settings.set("operator.ips", [...operatorIps].filter(([, t]) => now - t < OPERATOR_IP_TTL)).catch(() => {});
  };
  const isOperatorIp = (ip: string) => {
    const t = operatorIps.get(ip);
    return t !== undefined && clock.now() - t < OPERATOR_IP_TTL;
  };

  const rules = deps.rules ?? loadRules();
  const policies = new IpPolicyService(config.allowlist, isOperatorIp);
  // PRC-1: the shipped lists and the operators' feeds, reloaded when a file changes
  const intelService = new IntelService({ paths: config.intelPaths, clock });
  for (const src of intelService.status().sources) if (src.error) log.warn({ source: src.path, error: src.error }, "intel feed not loaded");
  const indicators = deps.indicators ?? indicatorReader((kind, value) => intelService.lookupIndicator(kind, value));
  const intel = new LogonIntel({
    geo: deps.geo ?? new DbIpGeo(config.geoipDir),
    reputation: deps.reputation ?? intelService,
  });
  const ingest = new IngestService({
    store, rules, policies, clock, log, metrics, notify, intel, hostIntel: new HostIntel(() => indicators, config.externalNets), externalNets: config.externalNets, blockFor: () => config.defence.blockFor,
    enqueueNotifications: (tx, alert, reason, now) => enqueueForAlert(tx, alert, reason, now),
  });
  // a cluster worker rebuilds the state of each bus partition as it takes it over
  const warmed = clustered ? 0 : await ingest.warm();
  if (warmed) log.info({ records: warmed }, "detection state rebuilt from stored telemetry");
  metrics.gauge("hostward_ingest_queue_depth", () => ingest.pending);
  let agentUrl = `https://127.0.0.1:${config.agentChannel.port}`;
  let apiUrlNow = `http://127.0.0.1:${config.api.port}`;
  if (clustered) {
    cluster = await openCluster(config, {
      store, ingest, rules, clock, log, metrics, workerId, wakeLocal: (agentId) => hub.notify(agentId),
      info: () => ({ api: apiUrlNow, agentChannel: agentUrl, pid: process.pid }),
    });
  }
  // routes see one ingest: in a cluster a rules change reaches every worker's engines
  const ingestApi = {
    rulesFor: (accountId: string) => ingest.rulesFor(accountId),
    get events() {
      return ingest.events;
    },
    async reloadAccount(accountId: string) {
      cluster?.bus.broadcast("reload", `${workerId}\n${accountId}`);
      return ingest.reloadAccount(accountId);
    },
  };

  let firstAdminPassword: string | null = null;
  if ((await store.users.count()) === 0) {
    firstAdminPassword = newPassword();
    const now = clock.now();
    await store.users.insert({ id: newId("usr", now), accountId: DEFAULT_ACCOUNT, username: "admin", passwordHash: await hashPassword(firstAdminPassword), role: "admin", createdAt: now, mustChangePassword: true, disabledAt: null });
  }
  if ((await store.accountSettings.get(DEFAULT_ACCOUNT, "defence.enabled")) === undefined) await store.accountSettings.set(DEFAULT_ACCOUNT, "defence.enabled", config.defence.enabled);
  const audit = auditWriter(store, clock);
  const notifier = new NotificationDispatcher({ store, clock, log: log.child({ part: "notify" }) });
  const login = new LoginService(store, clock, audit, deps.lockout ?? DEFAULT_LOCKOUT);


  // --- console + REST API (HTTP; put it behind TLS or keep it on loopback) ---
  // maxParamLength: an entity key in a path (EVT-5) holds a file path (up to 1 KiB, URL-encoded)
  const api = Fastify({ loggerInstance: log.child({ part: "api" }) as FastifyBaseLogger, bodyLimit: config.api.bodyLimit, trustProxy: false, routerOptions: { maxParamLength: 4096 }, logController: new LogController({ disableRequestLogging: true }) });
  api.setValidatorCompiler(validatorCompiler);
  api.setSerializerCompiler(serializerCompiler);
  installErrorHandler(api);
  await api.register(fastifySwagger, {
    openapi: {
      info: { title: "Hostward API", version: "1", description: "Hostward REST API. Authenticate with `Authorization: Bearer hwk_…` (POST /api/v1/auth/login, or `hostward token create --api`)." },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  const routes: HostwardServer["routes"] = [];
  api.addHook("onRoute", (r) => {
    for (const m of [r.method].flat()) if (m !== "HEAD") routes.push({ method: m, url: r.url, access: r.config?.access });
  });
  installAuth(api, { store, clock, audit, rememberOperatorIp });
  api.get("/metrics", { config: { access: "public" }, schema: { hide: true } }, async (_req, reply) => reply.type("text/plain; version=0.0.4").send(metrics.text()));
  // issue 10: liveness (the process answers) and readiness (store reachable; in a cluster the bus too, and this worker's partitions being consumed)
  api.get("/healthz", { config: { access: "public" }, schema: { hide: true } }, async () => ({ status: "ok", worker: workerId }));
  api.get("/readyz", { config: { access: "public" }, schema: { hide: true } }, async (_req, reply) => {
    const checks: Record<string, string> = {};
    try {
      await store.settings.get("operator.ips");
      checks.store = "ok";
    } catch (e) {
      checks.store = (e as Error).message;
    }
    if (cluster) {
      checks.bus = cluster.bus.connected ? "ok" : "disconnected";
      checks.partitions = cluster.worker.ready ? `ok (${cluster.worker.held().length} held)` : "not assigned yet";
    }
    const ok = Object.values(checks).every((v) => v.startsWith("ok"));
    reply.code(ok ? 200 : 503);
    return { status: ok ? "ready" : "not ready", worker: workerId, profile: config.profile, checks };
  });
  await apiRoutes(api, { store, clock, policies, pki, login, audit, notify, agentUrl: () => agentUrl, defenceDefault: config.defence.enabled, rememberOperatorIp, rules, notifier, ingest: ingestApi, intel: intelService });
  await consoleRoutes(api);

  // --- agent channel (TLS with the server's own CA) ---
  const agentChannel = Fastify({
    loggerInstance: log.child({ part: "agent-channel" }) as FastifyBaseLogger,
    bodyLimit: config.agentChannel.bodyLimit,
    logController: new LogController({ disableRequestLogging: true }),
    https: { key: pki.keyPem, cert: pki.certPem + pki.caCertPem },
    // long polls must not be cut by the default timeouts
    requestTimeout: 0,
    keepAliveTimeout: 75_000,
  });
  installErrorHandler(agentChannel as unknown as FastifyInstance);
  agentChannel.get("/healthz", async () => ({ status: "ok", worker: workerId }));
  const accept = cluster ? cluster.accept : (agent: Parameters<typeof ingest.ingest>[0], records: unknown[], dropped: number) => ingest.ingest(agent, records, dropped);
  await agentChannelRoutes(agentChannel as unknown as FastifyInstance, { store, clock, accept, hub, policies, pki, pollWait: config.agentChannel.pollWait });

  async function runJobs(): Promise<void> {
    const now = clock.now();
    // this worker's own state: its intel lists
    if (config.intelReloadEvery > 0 && now - intelCheckedAt >= config.intelReloadEvery) {
      intelCheckedAt = now;
      if (intelService.reloadIfChanged()) {
        for (const src of intelService.status().sources) if (src.error) log.warn({ source: src.path, error: src.error }, "intel feed not (re)loaded");
        log.info({ entries: intelService.status().entries }, "intel lists reloaded");
      }
    }
    // the cluster's jobs run on the one worker holding their lease
    if (cluster && !cluster.worker.holdsJobs()) return;
    const expired = await store.transaction((tx) => policies.expireDue(tx, now));
    for (const p of expired) notify(p.assetId);
    await store.actions.requeueStale(now - 60_000);
    await expireStaleAlerts(store, now);
    // EVT-3: events (and their alerts) last seen over 180 days ago are gone; hourly is enough
    if (now - eventsPurgedAt >= 3_600_000) {
      eventsPurgedAt = now;
      await purgeOldEvents(store, now);
      // the bus's duplicate horizon is minutes: a day of processed-message marks is plenty
      if (cluster) await store.coordination.purgeProcessed(now - 86_400_000);
    }
    await notifier.runOnce();
  }
  let intelCheckedAt = 0;
  let eventsPurgedAt = 0;

  const timers: NodeJS.Timeout[] = [];
  return {
    config, store, pki, api, agentChannel, ingest, notifier, metrics, log, firstAdminPassword, runJobs, routes, cluster,
    async listen() {
      await api.listen({ host: config.api.host, port: config.api.port });
      await agentChannel.listen({ host: config.agentChannel.host, port: config.agentChannel.port });
      const a = api.server.address(), b = agentChannel.server.address();
      const apiPort = typeof a === "object" && a ? a.port : config.api.port;
      const agentPort = typeof b === "object" && b ? b.port : config.agentChannel.port;
      const host = (h: string) => (h === "0.0.0.0" || h === "::" ? "127.0.0.1" : h.includes(":") ? `[${h}]` : h);
      agentUrl = `https://${host(config.agentChannel.host)}:${agentPort}`;
      apiUrlNow = `http://${host(config.api.host)}:${apiPort}`;
      // a worker takes its share of the partitions once it can be reached
      if (cluster) await cluster.worker.start();
      const tick = setInterval(() => void runJobs().catch((err) => log.error({ err }, "scheduled jobs failed")), 1000);
      tick.unref();
      timers.push(tick);
      return { apiUrl: `http://${host(config.api.host)}:${apiPort}`, agentUrl };
    },
    async close() {
      for (const t of timers) clearInterval(t);
      // partitions handed over first (their batches finished), then the doors closed
      await cluster?.close();
      await Promise.allSettled([api.close(), agentChannel.close()]);
      await notifier.close();
      await store.close();
    },
  };
}

export { isPublicIp };
