import type { GeoIpReader, IpReputationReader } from "../core/index.ts";
import { enrichLogon, judgeLogon, unusualFields, type LogonEnrichment } from "../detection/index.ts";

interface AssetMemory { start: number | null; approved: Set<string>; ip: Map<string, number>; user: Map<string, number> }

type Logon = { ts: number; event: { outcome: string }; source: { ip: string }; user?: { name: string } };

/**
 * The server's logon judgement (LOG-1 … LOG-5, LOG-8 malicious IPs) for `hostward replay`:
 * the same pure judge, with what each asset learned kept in memory and synchronous, so
 * the replay's line loop stays fast. Weak-password and backdoor verdicts need the
 * agent's baseline and inventory, which no log file holds.
 */
export class ReplayLogonIntel {
  readonly #geo: () => GeoIpReader;
  readonly #rep: IpReputationReader;
  #assets = new Map<string, AssetMemory>();
  constructor(geo: () => GeoIpReader, reputation: IpReputationReader) {
    this.#geo = geo;
    this.#rep = reputation;
  }

  apply<R extends Logon>(assetId: string, r: R): R {
    if (r.event.outcome !== "success") return r;
    let m = this.#assets.get(assetId);
    if (!m) this.#assets.set(assetId, (m = { start: null, approved: new Set(), ip: new Map(), user: new Map() }));
    const ip = r.source.ip;
    const user = r.user?.name ?? null;
    const ipN = (m.ip.get(ip) ?? 0) + 1;
    m.ip.set(ip, ipN);
    let userN = 0;
    if (user !== null) m.user.set(user, (userN = (m.user.get(user) ?? 0) + 1));
    const geo = this.#geo().locate(ip);
    const rep = this.#rep.lookup(ip);
    const j = judgeLogon({ ts: r.ts, ip, geo, user }, { learningStartedAt: m.start, approvedLocations: m.approved, ipSuccesses: ipN, userSuccesses: userN }, [], { location: false, ip: false, account: false });
    if (j.startLearning !== null) m.start = j.startLearning;
    if (j.approve) m.approved.add(j.approve.key);
    const e: LogonEnrichment = { unusual: unusualFields(j) };
    if (geo || rep) e.source = { ...(geo ? { geo } : {}), ...(rep ? { reputation: "malicious" as const, intel: rep } : {}) };
    return enrichLogon(r, e);
  }
}
