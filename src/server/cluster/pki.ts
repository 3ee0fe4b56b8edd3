import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OperationalError, ErrorCodes, type Store } from "../../core/index.ts";
import { ensurePki, type Pki } from "../pki.ts";

const KEY = "cluster.pki.ca";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue 10: every worker of a cluster serves the agent channel with a certificate of the same CA
 * (agents pin that CA by the fingerprint in their token). The first worker makes the CA and keeps
 * it in the store; the others copy it into their data directory and sign their own server
 * certificate with it (their own host names).
 */
export async function ensureClusterPki(store: Store, dataDir: string, altNames: string[], workerId: string): Promise<Pki> {
  const dir = join(dataDir, "pki");
  for (let attempt = 0; attempt < 60; attempt++) {
    const ca = await store.settings.get<{ crt: string; key: string }>(KEY);
    if (ca) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const caCrt = join(dir, "ca.crt");
      if (!existsSync(caCrt) || readFileSync(caCrt, "utf8") !== ca.crt) {
        writeFileSync(join(dir, "ca.key"), ca.key, { mode: 0o600 });
        writeFileSync(caCrt, ca.crt);
        // a server certificate of another CA is made again
        rmSync(join(dir, "server.crt"), { force: true });
      }
      return ensurePki(dataDir, altNames);
    }
    // one worker makes it (a short lease), the others wait for it
    if (await store.coordination.acquireLease("pki.init", workerId, Date.now(), 30_000)) {
      const pki = ensurePki(dataDir, altNames);
      await store.settings.set(KEY, { crt: pki.caCertPem, key: readFileSync(join(dir, "ca.key"), "utf8") });
      await store.coordination.releaseLease("pki.init", workerId);
      return pki;
    }
    await sleep(500);
  }
  throw new OperationalError(ErrorCodes.INTERNAL, "the cluster's CA did not appear in the store within 30 s (is another worker stuck making it?)");
}
