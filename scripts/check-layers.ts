/**
 * The layer table of STYLE.md, checked: each src/ folder may import only the folders
 * listed for it, and core/protocol/detection import no node:* module. Exits 1 on a
 * violation (run by the test suite as a warning-level check: see layers.test.ts).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, dirname, resolve } from "node:path";

const SRC = join(import.meta.dirname, "..", "src");
export const ALLOWED: Record<string, string[]> = {
  core: [],
  protocol: ["core"],
  detection: ["core", "protocol"],
  alerting: ["core", "protocol", "detection"],
  response: ["core", "protocol", "detection", "alerting"],
  store: ["core"],
  bus: ["core", "protocol"],
  agent: ["core", "protocol", "webshell"],
  notify: ["core", "protocol"],
  intel: ["core"],
  webshell: ["core"],
  server: ["core", "protocol", "detection", "alerting", "response", "store", "bus", "notify", "intel", "webshell"],
  cli: ["core", "protocol", "detection", "alerting", "response", "store", "bus", "server", "agent", "notify", "intel", "webshell"],
};
const PURE = new Set(["core", "protocol", "detection"]);

function* files(dir: string): Generator<string> {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith(".contract.ts")) yield p;
  }
}

export function violations(): string[] {
  const out: string[] = [];
  for (const file of files(SRC)) {
    const layer = relative(SRC, file).split("/")[0]!;
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/^\s*(?:import|export)[^"']*?from\s+["']([^"']+)["']/gm)) {
      const spec = m[1]!;
      if (spec.startsWith("node:") && PURE.has(layer)) out.push(`${relative(SRC, file)}: ${layer} must not import ${spec}`);
      if (!spec.startsWith(".")) continue;
      const target = resolve(dirname(file), spec);
      const rel = relative(SRC, target);
      if (rel.startsWith("..")) continue; // content/ loaders
      const tl = rel.split("/")[0]!;
      if (tl !== layer && !(ALLOWED[layer] ?? []).includes(tl)) out.push(`${relative(SRC, file)}: ${layer} may not import ${tl} (${spec})`);
    }
  }
  return out;
}

if (import.meta.main) {
  const v = violations();
  for (const x of v) console.error(x);
  console.log(v.length ? `${v.length} layer violation(s)` : "layers ok");
  process.exit(v.length ? 1 : 0);
}
