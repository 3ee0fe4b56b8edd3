/**
 * For the cluster tests (issue 10): the machine's NATS JetStream and PostgreSQL, a throw-away
 * schema, stream and subject prefix per test, and server workers as real processes.
 */
import { test } from "node:test";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer as netServer, connect as netConnect } from "node:net";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { TEST_PG_URL, probePostgres, dropTestSchema } from "../src/store/postgres/test-db.ts";

export const TEST_NATS_URL = process.env.HOSTWARD_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const ROOT = join(import.meta.dirname, "..");

/** null when NATS answers with JetStream on; else why not. */
export async function probeNats(url = TEST_NATS_URL): Promise<string | null> {
  try {
    const nc = await connect({ servers: url, timeout: 3000, maxReconnectAttempts: 0 });
    try {
      await (await jetstreamManager(nc)).getAccountInfo();
    } finally {
      await nc.close();
    }
    return null;
  } catch (e) {
    return `NATS JetStream is not reachable at ${url}: ${(e as Error).message}`;
  }
}

/**
 * Both servers of the cluster profile. When one cannot be reached: in CI (CI=true) a failing
 * test, loudly (.ci/run starts them); elsewhere a skipped test that says why.
 */
export async function requireClusterServices(what: string): Promise<boolean> {
  const reason = (await probePostgres()) ?? (await probeNats());
  if (reason === null) return true;
  if (process.env.CI === "true" || process.env.CI === "1") {
    test(`${what}: PostgreSQL and NATS must be reachable in CI`, () => {
      throw new Error(`${reason} (.ci/run starts them)`);
    });
  } else {
    test(what, { skip: reason }, () => {});
  }
  return false;
}

export interface ClusterEnv {
  schema: string;
  stream: string;
  prefix: string;
  /** Config overrides for an in-process worker. */
  config(workerId: string, dataDir: string, extra?: Record<string, unknown>): Record<string, unknown>;
  /** Environment for a worker process. */
  env(workerId: string): NodeJS.ProcessEnv;
  /** Drops the schema and the stream. */
  cleanup(): Promise<void>;
}

/** A fresh schema, stream and subject prefix: tests run in parallel on the machine's servers. */
export function clusterEnv(partitions = 4): ClusterEnv {
  const tag = `${process.pid}_${randomBytes(4).toString("hex")}`;
  const schema = `hw_test_${tag}`;
  const stream = `HW_TEST_${tag}`;
  const prefix = `hwt${randomBytes(4).toString("hex")}`;
  return {
    schema, stream, prefix,
    config: (workerId, dataDir, extra = {}) => ({
      profile: "cluster", dataDir, workerId, db: { url: TEST_PG_URL, schema, poolSize: 6 },
      nats: { url: TEST_NATS_URL, stream, prefix, partitions, ackWait: 3000 },
      api: { port: 0 }, agentChannel: { port: 0, host: "127.0.0.1" }, logLevel: "silent", ...extra,
    }),
    env: (workerId) => ({
      ...process.env, HOSTWARD_PROFILE: "cluster", HOSTWARD_DB_URL: TEST_PG_URL, HOSTWARD_DB_SCHEMA: schema, HOSTWARD_NATS_URL: TEST_NATS_URL,
      HOSTWARD_NATS_STREAM: stream, HOSTWARD_NATS_PREFIX: prefix, HOSTWARD_WORKER_ID: workerId, HOSTWARD_LOG_LEVEL: "warn",
    }),
    async cleanup() {
      const nc = await connect({ servers: TEST_NATS_URL }).catch(() => null);
      if (nc) {
        await (await jetstreamManager(nc)).streams.delete(stream).catch(() => {});
        await nc.close();
      }
      await dropTestSchema(schema);
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = netServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

export interface WorkerProcess {
  id: string;
  child: ChildProcess;
  apiUrl: string;
  agentUrl: string;
  dataDir: string;
  output: () => string;
}

/** A worker as operators run it: `hostward server --profile cluster`, its own data directory and ports. */
export async function startWorkerProcess(env: ClusterEnv, id: string, dataDir: string, configFile?: string): Promise<WorkerProcess> {
  const apiPort = await freePort(), agentPort = await freePort();
  const child = spawn(process.execPath, [join(ROOT, "src/cli/main.ts"), "server", "--profile", "cluster", "--data", dataDir, "--api-port", String(apiPort), "--agent-host", "127.0.0.1", "--agent-port", String(agentPort)], {
    cwd: ROOT, env: { ...env.env(id), ...(configFile ? { HOSTWARD_CONFIG: configFile } : {}) }, stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (b) => (out = (out + b).slice(-20_000)));
  child.stderr!.on("data", (b) => (out = (out + b).slice(-20_000)));
  return { id, child, apiUrl: `http://127.0.0.1:${apiPort}`, agentUrl: `https://127.0.0.1:${agentPort}`, dataDir, output: () => out };
}

/** Resolves when the worker answers /readyz with 200 (its partitions assigned). */
export async function waitReady(w: WorkerProcess, timeoutMs = 30_000): Promise<{ checks: Record<string, string> }> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (w.child.exitCode !== null) throw new Error(`worker ${w.id} exited with ${w.child.exitCode}:\n${w.output()}`);
    try {
      const r = await fetch(`${w.apiUrl}/readyz`);
      if (r.status === 200) return (await r.json()) as { checks: Record<string, string> };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`worker ${w.id} not ready within ${timeoutMs} ms:\n${w.output()}`);
}

/** Whether something accepts connections on a URL's port. */
export function listening(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = netConnect(Number(u.port), u.hostname, () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}
