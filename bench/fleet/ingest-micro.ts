/**
 * The standalone ingest path in one process, without HTTP and TLS: the real server
 * (createServer, SQLite in a temp dir) and its IngestService fed the fleet's records in
 * batches. For comparing changes to the store, schemas and engine side by side; the fleet
 * benchmark (bench/fleet.ts) is the end-to-end figure.
 *
 *   node bench/fleet/ingest-micro.ts [--records 200000] [--batch 1000] [--agents 50] [--phase all|parse|engine]
 * Prints records/s over the whole run and over its second half (warm).
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { tempDir, startServer } from "../../test/helpers.ts";
import { telemetryRecord } from "../../src/protocol/index.ts";
import { RecordSource } from "./records.ts";
import type { Agent } from "../../src/core/index.ts";

const { values } = parseArgs({ options: { records: { type: "string", default: "200000" }, batch: { type: "string", default: "1000" }, agents: { type: "string", default: "50" }, phase: { type: "string", default: "all" } } });
const total = Number(values.records), batch = Number(values.batch), nAgents = Number(values.agents);

const srcs = Array.from({ length: nAgents }, (_, i) => new RecordSource(`m${Date.now().toString(36)}`, i));
// records made up front (JSON round trip, as they arrive over HTTP) so only the server's work is timed
const batches: { agent: number; records: unknown[] }[] = [];
for (let made = 0, k = 0; made < total; k++) {
  const n = Math.min(batch, total - made);
  batches.push({ agent: k % nAgents, records: JSON.parse(JSON.stringify(srcs[k % nAgents]!.make(n, Date.now()))) });
  made += n;
}

if (values.phase === "parse") {
  const t0 = performance.now();
  let ok = 0;
  for (const b of batches) for (const r of b.records) if (telemetryRecord.safeParse(r).success) ok++;
  const s = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ phase: "parse", records: total, ok, perS: Math.round(total / s), usPerRecord: Math.round((s / total) * 1e7) / 10 }));
  process.exit(0);
}

const tmp = tempDir("hw-micro-");
const { server } = await startServer({ dataDir: join(tmp.dir, "data"), listen: false });
const agents: Agent[] = [];
for (let i = 0; i < nAgents; i++) {
  const a: Agent = { id: `ag_micro_${String(i).padStart(4, "0")}`, accountId: "default", hostname: `m${i}`, version: "x", os: "linux", enrolledAt: Date.now(), lastSeenAt: null, revokedAt: null, credentialHash: "0".repeat(64), rejectedRecords: 0, droppedRecords: 0 };
  await server.store.agents.insert(a);
  agents.push(a);
}
const t0 = performance.now();
const c0 = process.cpuUsage();
let tHalf = 0, done = 0, accepted = 0;
for (const b of batches) {
  const r = await server.ingest.ingest(agents[b.agent]!, b.records);
  accepted += r.accepted;
  if (r.rejected.length) throw new Error(`rejected: ${JSON.stringify(r.rejected[0])}`);
  done += b.records.length;
  if (!tHalf && done >= total / 2) tHalf = performance.now();
}
const t1 = performance.now();
const cpu = process.cpuUsage(c0);
console.log(JSON.stringify({ records: total, batch, accepted, cpuUsPerRecord: Math.round(((cpu.user + cpu.system) / total) * 10) / 10, perS: Math.round(total / ((t1 - t0) / 1000)), warmPerS: Math.round((total - total / 2) / ((t1 - tHalf) / 1000)), alertsOpened: server.metrics.get("hostward_alerts_opened_total") }));
await server.close();
tmp.cleanup();
