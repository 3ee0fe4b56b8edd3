import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { IntelService, DEFAULT_INTEL_DIR, type IndicatorKind } from "../../src/intel/index.ts";

/** The shipped lists are data with their own positive and negative cases. */
const intel = new IntelService({ shippedDir: DEFAULT_INTEL_DIR, paths: [] });
const cats = (kind: IndicatorKind, v: string) => intel.lookupIndicator(kind, v).map((m) => m.category);

describe("PRC-1 shipped intel lists (content/intel)", () => {
  test("PRC-1 every list says its name, kind, category and provenance, and every line reads", () => {
    const files = readdirSync(DEFAULT_INTEL_DIR).filter((f) => f.endsWith(".txt"));
    assert.ok(files.length >= 6);
    for (const f of files) {
      const head = readFileSync(join(DEFAULT_INTEL_DIR, f), "utf8");
      for (const h of ["name", "category", "provenance"]) assert.match(head, new RegExp(`^# ${h}: \\S`, "m"), `${f} has # ${h}:`);
    }
    const sources = intel.status().sources;
    assert.equal(sources.length, files.length);
    for (const s of sources) {
      assert.equal(s.error, null, s.path);
      assert.equal(s.rejected, 0, `${s.path}: ${s.problems.join("; ")}`);
      assert.ok(s.shipped);
      assert.ok(s.kinds.length === 1, `${s.path} holds one kind`);
    }
  });

  test("PRC-1 no made-up malicious entries: the default malicious-IP list is empty until an operator adds feeds", () => {
    const mal = intel.status().sources.find((s) => s.path.endsWith("malicious.ips.txt"))!;
    assert.equal(mal.entries, 0);
    assert.equal(intel.lookup("198.51.100.1"), null);
  });

  test("MIN-2 pool domains and their subdomains match as mining_pool; ordinary domains do not", () => {
    for (const d of ["pool.supportxmr.com", "gulf.moneroocean.stream", "xmr-eu1.nanopool.org", "auto.c3pool.org", "pool.hashvault.pro", "rx.unmineable.com", "randomxmonero.auto.nicehash.com", "xmr.2miners.com"]) {
      assert.deepEqual(cats("domain", d), ["mining_pool"], d);
    }
    for (const d of ["github.com", "deb.debian.org", "registry.npmjs.org", "archive.ubuntu.com", "example.com", "supportxmr.com.example.net", "pool.ntp.org"]) {
      assert.deepEqual(cats("domain", d), [], d);
    }
    assert.deepEqual(intel.lookupAny("stratum+tcp://pool.supportxmr.com:3333").matches.map((m) => [m.category, m.via]), [["mining_pool", "host"]]);
  });

  test("MIN-2 stratum ports are typical ports, flagged as such; common service ports are not", () => {
    for (const p of ["3333", "4444", "14444", "45700"]) assert.deepEqual(cats("port", p), ["mining_pool"], p);
    for (const p of ["22", "25", "53", "80", "443", "3306", "5432", "6379", "8080"]) assert.deepEqual(cats("port", p), [], p);
    assert.match(intel.lookupIndicator("port", "8888")[0]!.note!, /Jupyter/);
  });

  test("MIN-3 miner process names match (paths, case); system processes do not", () => {
    for (const p of ["xmrig", "/tmp/.X11-unix/xmrig", "XMRig", "kdevtmpfsi", "/tmp/kinsing", "cpuminer", "t-rex", "lolMiner", "PhoenixMiner"]) assert.deepEqual(cats("process", p), ["miner"], p);
    for (const p of ["sshd", "nginx", "/usr/sbin/cron", "systemd", "kworker/0:1", "node", "python3", "minecraft-server", "miner"]) assert.deepEqual(cats("process", p), [], p);
  });

  test("MIN-2 MIN-3 miner command lines match their flags; ordinary command lines do not", () => {
    const xmrig = "./xmrig -o pool.supportxmr.com:443 -u 4ExampleWalletAddress --tls --donate-level=1 --coin monero";
    const tokens = intel.lookupIndicator("cmdline", xmrig).map((m) => m.indicator).sort();
    assert.deepEqual(tokens, ["--coin", "--donate-level", "-o pool"]);
    assert.deepEqual(intel.lookupIndicator("cmdline", "minerd -a cryptonight -o stratum+tcp://xmr.example.net:3333 -u x -p x").map((m) => m.indicator).sort(), ["cryptonight", "stratum+tcp://"]);
    for (const c of [
      "/usr/sbin/sshd -D", "nginx: worker process", "mount -o remount,rw /", "ssh -o ProxyCommand=none host", "ps aux --sort=-%cpu",
      "docker run -p 3333:3333 node:22", "git log --oneline", "python3 -m http.server 8888", "tar -xzf coinbase-export.tar.gz", "rsync -o -g src dst",
    ]) assert.deepEqual(intel.lookupIndicator("cmdline", c), [], c);
  });

  test("PRC-2 MIN-3 miner download sources match by URL prefix", () => {
    assert.deepEqual(cats("url", "https://github.com/xmrig/xmrig/releases/download/v6.22.2/xmrig-6.22.2-linux-static-x64.tar.gz"), ["download_source"]);
    assert.deepEqual(cats("url", "https://raw.githubusercontent.com/MoneroOcean/xmrig_setup/master/setup_moneroocean_miner.sh"), ["download_source"]);
    assert.deepEqual(cats("url", "https://github.com/nodejs/node/releases/download/v24.0.0/node.tar.gz"), []);
  });
});
