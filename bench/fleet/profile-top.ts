/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by file, and
 * inclusive time of chosen functions. For reading where the server spends its time under the
 * fleet; not part of the report.
 *
 *   node bench/fleet/profile-top.ts FILE.cpuprofile [--top 30] [--incl name1,name2]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

export interface ProfileTop {
  sampledS: number;
  /** [label, share of samples] */
  byFunction: [string, number][];
  byFile: [string, number][];
}

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const short = (url: string) => url.replace(/^file:\/\/\/.*?\/(src|bench|content)\//, "$1/").replace(/^.*node_modules\//, "nm/");
const label = (n: Node) => `${n.callFrame.functionName || "(anon)"} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

function selfTimes(p: Profile): Map<number, number> {
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  return self;
}

/** Self time by function and by file, largest first (shares of all samples). */
export function summarize(file: string, top = 20): ProfileTop {
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = selfTimes(p);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>(), files = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    fn.set(label(n), (fn.get(label(n)) ?? 0) + t);
    const f = short(n.callFrame.url) || `(${n.callFrame.functionName})`;
    files.set(f, (files.get(f) ?? 0) + t);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, t]) => [k, Math.round((t / total) * 1000) / 1000] as [string, number]);
  return { sampledS: Math.round(total / 1e5) / 10, byFunction: sorted(fn), byFile: sorted(files) };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: "string", default: "30" }, incl: { type: "string", default: "" } } });
  const p = JSON.parse(readFileSync(positionals[0]!, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = selfTimes(p);
  const total = [...self.values()].reduce((a, b) => a + b, 0);

  const fn = new Map<string, number>(), file = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    fn.set(label(n), (fn.get(label(n)) ?? 0) + t);
    const f = short(n.callFrame.url) || `(${n.callFrame.functionName})`;
    file.set(f, (file.get(f) ?? 0) + t);
  }
  const pct = (t: number) => `${((t / total) * 100).toFixed(1).padStart(5)} %`;
  const top = Number(values.top);
  console.log(`total sampled ${(total / 1e6).toFixed(1)} s`);
  console.log("\n-- self time by function");
  for (const [k, t] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
  console.log("\n-- self time by file");
  for (const [k, t] of [...file].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);

  // inclusive: a sample counts once for a name if the name is anywhere on its stack
  if (values.incl) {
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const names = values.incl.split(",");
    const incl = new Map<string, number>(names.map((x) => [x, 0]));
    for (const [id, t] of self) {
      const seen = new Set<string>();
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const n = byId.get(cur)!;
        for (const x of names) if (!seen.has(x) && label(n).includes(x)) seen.add(x);
      }
      for (const x of seen) incl.set(x, incl.get(x)! + t);
    }
    console.log("\n-- inclusive");
    for (const [k, t] of incl) console.log(`${pct(t)}  ${k}`);
  }
}
