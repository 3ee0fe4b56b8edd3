import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parsePlaybook, type Playbook } from "../src/response/index.ts";

export const PLAYBOOKS_DIR = join(import.meta.dirname, "playbooks");
/** The playbooks Hostward ships (EVT-10); any other file in a playbook directory is a custom one. */
export const BUILT_IN_PLAYBOOKS = new Set(["isolate-host", "release-host", "deep-virus-scan", "block-ip-firewall", "block-ip-web", "allow-ip-web", "contain-brute-force", "kill-and-quarantine-process"]);

const MAX_FILE_BYTES = 256 * 1024;
const MAX_FILES = 500;

export interface LoadedPlaybook extends Playbook {
  /** The file it came from (its name only). */
  source: string;
  builtIn: boolean;
}

/**
 * Loads every playbook file (*.yml, *.yaml) of the directories. A file that fails validation
 * does not stop the others: it is listed with its error, so an operator sees why a custom
 * playbook is missing. Ids are unique: a later file reusing one is an error.
 */
export function loadPlaybooks(dirs: string[] = [PLAYBOOKS_DIR]): { playbooks: LoadedPlaybook[]; errors: { source: string; message: string }[] } {
  const playbooks: LoadedPlaybook[] = [];
  const errors: { source: string; message: string }[] = [];
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
    for (const f of files.slice(0, MAX_FILES)) {
      const path = join(dir, f);
      try {
        if (statSync(path).size > MAX_FILE_BYTES) throw new Error(`${f}: larger than ${MAX_FILE_BYTES / 1024} KiB`);
        const pb = parsePlaybook(readFileSync(path, "utf8"), f);
        const other = seen.get(pb.id);
        if (other) throw new Error(`${f}: playbook id ${pb.id} is already used by ${other}`);
        seen.set(pb.id, f);
        playbooks.push({ ...pb, source: f, builtIn: dir === PLAYBOOKS_DIR && BUILT_IN_PLAYBOOKS.has(pb.id) });
      } catch (e) {
        errors.push({ source: f, message: (e as Error).message });
      }
    }
    if (files.length > MAX_FILES) errors.push({ source: dir, message: `more than ${MAX_FILES} playbook files: the rest were not read` });
  }
  return { playbooks, errors };
}
