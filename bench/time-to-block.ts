/**
 * Time-to-block: from the failing sshd line being written to the nftables element being
 * present. Real server (in-process), real agent over the TLS channel, real nft in a
 * throw-away network namespace. Needs root. Writes bench/work/time-to-block.json.
 *
 *   node bench/time-to-block.ts [ROUNDS]
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { HostwardAgent, type Firewall } from "../src/agent/index.ts";
import { NftFirewall } from "../src/agent/actions/nftables.ts";
import { tempDir, startServer, enrolToken, quietLog, sshdLine } from "../test/helpers.ts";

const rounds = Number(process.argv[2] ?? 200);
if (process.getuid?.() !== 0) {
  console.error("time-to-block needs root (nftables in a network namespace)");
  process.exit(2);
}
const ns = `hw-ttb-${process.pid}`;
execFileSync("ip", ["netns", "add", ns]);
const tmp = tempDir("hw-ttb-");
const { server, agentUrl } = await startServer({ dataDir: join(tmp.dir, "server") });
const log = join(tmp.dir, "auth.log");
writeFileSync(log, "");

const nft = new NftFirewall({ netns: ns });
const waiting = new Map<string, (t: number) => void>();
/** The real firewall; notes the moment nft has applied each block. */
const fw: Firewall = {
  ensure: () => nft.ensure(),
  unblock: (ip) => nft.unblock(ip),
  async block(ip, timeout) {
    const r = await nft.block(ip, timeout);
    const t = performance.now();
    if (r.ok) waiting.get(ip)?.(t);
    return r;
  },
};
const agent = new HostwardAgent({ server: agentUrl, token: await enrolToken(server), stateDir: join(tmp.dir, "agent"), authLogs: [log], firewall: fw, log: quietLog });
await agent.start();

const samples: number[] = [];
try {
  for (let i = 0; i < rounds; i++) {
    const ip = `10.77.${100 + Math.floor(i / 250)}.${(i % 250) + 1}`;
    for (let k = 0; k < 4; k++) appendFileSync(log, sshdLine("fail", ip) + "\n");
    await new Promise((r) => setTimeout(r, 5));
    const done = new Promise<number>((resolve) => waiting.set(ip, resolve));
    const t0 = performance.now();
    appendFileSync(log, sshdLine("fail", ip) + "\n"); // the 5th failure: the threshold
    const t1 = await Promise.race([done, new Promise<number>((_, rej) => setTimeout(() => rej(new Error(`no block for ${ip} within 10 s`)), 10_000))]);
    samples.push(t1 - t0);
  }
  const present = (await nft.list()).length;
  if (present < rounds) throw new Error(`only ${present} of ${rounds} elements present in nftables`);
} finally {
  await agent.stop();
  await server.close();
  execFileSync("ip", ["netns", "del", ns]);
  tmp.cleanup();
}
samples.sort((a, b) => a - b);
const q = (p: number) => samples[Math.min(samples.length - 1, Math.ceil(p * samples.length) - 1)]!;
const result = { rounds, medianMs: +q(0.5).toFixed(1), p99Ms: +q(0.99).toFixed(1), maxMs: +samples[samples.length - 1]!.toFixed(1), minMs: +samples[0]!.toFixed(1) };
mkdirSync(join(import.meta.dirname, "work"), { recursive: true });
writeFileSync(join(import.meta.dirname, "work", "time-to-block.json"), JSON.stringify(result, null, 2));
console.log(JSON.stringify(result));
