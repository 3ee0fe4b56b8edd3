/** IP helpers without node:*: parsing, CIDR matching, private/public classification. */

export function parseIPv4(s: string): number | null {
  const p = s.split(".");
  if (p.length !== 4) return null;
  let n = 0;
  for (const o of p) {
    if (!/^\d{1,3}$/.test(o)) return null;
    const v = Number(o);
    if (v > 255 || (o.length > 1 && o[0] === "0")) return null;
    n = n * 256 + v;
  }
  return n;
}

/** Expands an IPv6 address to 8 16-bit groups, or null. Accepts an embedded IPv4 tail. */
export function parseIPv6(s: string): number[] | null {
  if (!s.includes(":") || s.length > 45) return null;
  let tail: number[] = [];
  let head = s;
  const lastColon = s.lastIndexOf(":");
  const maybeV4 = s.slice(lastColon + 1);
  if (maybeV4.includes(".")) {
    const v4 = parseIPv4(maybeV4);
    if (v4 === null) return null;
    tail = [Math.floor(v4 / 65536), v4 % 65536];
    head = s.slice(0, lastColon + 1) + "0";
  }
  const parts = head.split("::");
  if (parts.length > 2) return null;
  const parseGroups = (x: string): number[] | null => {
    if (x === "") return [];
    const out: number[] = [];
    for (const g of x.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const a = parseGroups(parts[0]!);
  const b = parts.length === 2 ? parseGroups(parts[1]!) : [];
  if (!a || !b) return null;
  if (tail.length) b.pop();
  const want = 8 - tail.length;
  let groups: number[];
  if (parts.length === 2) {
    const fill = want - a.length - b.length;
    if (fill < 1) return null;
    groups = [...a, ...new Array<number>(fill).fill(0), ...b];
  } else {
    if (a.length !== want) return null;
    groups = a;
  }
  return [...groups, ...tail];
}

export function ipVersion(s: string): 4 | 6 | 0 {
  if (parseIPv4(s) !== null) return 4;
  if (parseIPv6(s) !== null) return 6;
  return 0;
}

/** Canonical text form (lower-case, compressed IPv6; IPv4-mapped IPv6 becomes IPv4). */
export function normalizeIp(s: string): string | null {
  const t = s.trim();
  if (parseIPv4(t) !== null) return t;
  const g = parseIPv6(t);
  if (!g) return null;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  }
  // compress the longest run of zeros
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

export interface Cidr { version: 4 | 6; bits: number[]; prefix: number }

function toBits(ip: string): { version: 4 | 6; bits: number[] } | null {
  const v4 = parseIPv4(ip);
  if (v4 !== null) {
    const bits: number[] = [];
    for (let i = 31; i >= 0; i--) bits.push(Math.floor(v4 / 2 ** i) % 2);
    return { version: 4, bits };
  }
  const g = parseIPv6(ip);
  if (!g) return null;
  const bits: number[] = [];
  for (const x of g) for (let i = 15; i >= 0; i--) bits.push((x >> i) & 1);
  return { version: 6, bits };
}

export function parseCidr(s: string): Cidr | null {
  const [addr, pfx] = s.trim().split("/");
  const b = toBits(addr ?? "");
  if (!b) return null;
  const max = b.version === 4 ? 32 : 128;
  const prefix = pfx === undefined ? max : Number(pfx);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (pfx !== undefined && !/^\d+$/.test(pfx))) return null;
  return { version: b.version, bits: b.bits.slice(0, prefix), prefix };
}

export function cidrContains(c: Cidr, ip: string): boolean {
  const n = normalizeIp(ip);
  if (!n) return false;
  const b = toBits(n);
  if (!b || b.version !== c.version) return false;
  for (let i = 0; i < c.prefix; i++) if (b.bits[i] !== c.bits[i]) return false;
  return true;
}

const NON_PUBLIC = [
  "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
  "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
  "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128", "fc00::/7", "fe80::/10",
  "2001:db8::/32", "ff00::/8",
].map((c) => parseCidr(c)!);

/** The IPv4 ones as [network >>> shift, shift]: one shift and compare each, no bit arrays. */
const NON_PUBLIC_V4 = NON_PUBLIC.filter((c) => c.version === 4).map((c) => {
  const shift = 32 - c.prefix;
  const net = c.bits.reduce((n, b) => n * 2 + b, 0) * 2 ** shift;
  return [shift === 32 ? 0 : net >>> shift, shift] as const;
});
const NON_PUBLIC_V6 = NON_PUBLIC.filter((c) => c.version === 6);

/** Private, loopback, link-local, documentation, multicast and reserved ranges are not public. */
export function isPublicIp(ip: string): boolean {
  const n = normalizeIp(ip);
  if (!n) return false;
  const v4 = parseIPv4(n);
  if (v4 !== null) {
    for (const [net, shift] of NON_PUBLIC_V4) if ((shift === 32 ? 0 : v4 >>> shift) === net) return false;
    return true;
  }
  return !NON_PUBLIC_V6.some((c) => cidrContains(c, n));
}
