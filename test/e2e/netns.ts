import { execFileSync, spawnSync, type ChildProcess } from "node:child_process";

/** Test hosts made of network namespaces and veth pairs, on 10.77.0.0/16 only. */
export function canRunNetns(): string | null {
  if (process.getuid?.() !== 0) return "needs root (network namespaces, nftables)";
  for (const bin of ["ip", "nft", "sshd", "sshpass"]) {
    if (spawnSync("sh", ["-c", `command -v ${bin} || test -x /usr/sbin/${bin}`]).status !== 0) return `${bin} is not installed (.ci/run installs it)`;
  }
  return null;
}

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

export function ip(...args: string[]): void {
  sh("ip", args);
}

export function inNs(ns: string, cmd: string, args: string[], timeoutMs = 10_000) {
  return spawnSync("ip", ["netns", "exec", ns, cmd, ...args], { encoding: "utf8", timeout: timeoutMs });
}

/** True if a TCP connection from `ns` (optionally from a given local address) to host:port opens within 2 s. */
export function tcpConnects(ns: string, host: string, port: number, localAddress?: string): boolean {
  const code = `const s=require("net").connect({host:${JSON.stringify(host)},port:${port}${localAddress ? `,localAddress:${JSON.stringify(localAddress)}` : ""}});s.setTimeout(2000,()=>process.exit(1));s.on("connect",()=>process.exit(0));s.on("error",()=>process.exit(1));`;
  return inNs(ns, process.execPath, ["-e", code], 5000).status === 0;
}

/**
 * A veth pair between two ends, each the root namespace (null) or a named one, with the
 * given addresses (CIDR) brought up; loopback of each namespace comes up too.
 */
export function wire(a: { ns: string | null; ifname: string; addrs: string[] }, b: { ns: string | null; ifname: string; addrs: string[] }): void {
  ip("link", "add", a.ifname, "type", "veth", "peer", "name", b.ifname);
  for (const end of [a, b]) {
    const n = end.ns === null ? [] : ["-n", end.ns];
    if (end.ns !== null) {
      // the pair is made in the root namespace; move this end where it belongs
      ip("link", "set", end.ifname, "netns", end.ns);
      ip(...n, "link", "set", "lo", "up");
    }
    for (const addr of end.addrs) ip(...n, "addr", "add", addr, "dev", end.ifname);
    ip(...n, "link", "set", end.ifname, "up");
  }
}

/**
 * One namespace host wired to the root namespace (`/24`s of 10.77.N.0: root .1, host .2),
 * with the processes a test starts in it: `teardown` kills them (their process groups),
 * deletes the namespace and the root end of the pair.
 */
export function namespaceHost(name: string, net: number): { ns: string; rootIp: string; hostIp: string; procs: ChildProcess[]; setup(): void; teardown(): void } {
  const id = process.pid % 100000;
  const ns = `hw-${name}-${id}`, rootIf = `hw${name.slice(0, 2)}r${id}`, hostIf = `hw${name.slice(0, 2)}h${id}`;
  const procs: ChildProcess[] = [];
  return {
    ns, rootIp: `10.77.${net}.1`, hostIp: `10.77.${net}.2`, procs,
    setup() {
      ip("netns", "add", ns);
      wire({ ns: null, ifname: rootIf, addrs: [`10.77.${net}.1/24`] }, { ns, ifname: hostIf, addrs: [`10.77.${net}.2/24`] });
    },
    teardown() {
      for (const p of procs) {
        try {
          if (p.pid) process.kill(-p.pid, "SIGKILL");
        } catch { /* gone */ }
      }
      try { ip("netns", "del", ns); } catch { /* gone */ }
      try { ip("link", "del", rootIf); } catch { /* gone with the namespace */ }
    },
  };
}
