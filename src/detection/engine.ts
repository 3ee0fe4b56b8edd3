import type { Severity } from "../core/index.ts";
import type { Rule } from "./rule.schema.ts";
import { validateRuleSet } from "./rule.schema.ts";

/** What the engine reads: one record of an asset. Records are plain objects (protocol schemas). */
export interface EngineInput {
  assetId: string;
  record: { kind: string; ts: number; [k: string]: unknown };
}

/**
 * One detection. `opened` is true when the rule fired for this group now (a new or
 * recurring alert); false when an already-firing group saw one more matching record,
 * which the alerting layer folds into the same alert (count and last occurrence).
 */
export interface Detection {
  ruleId: string;
  type: string;
  name: string;
  severity: Severity;
  assetId: string;
  dedupKey: string;
  opened: boolean;
  firstSeen: number;
  lastSeen: number;
  count: number;
  sourceIp: string | null;
  userName: string | null;
  attack: string[];
  triage: string;
  response: "none" | "block_source";
  /** ALR-4: the fields whitelisting this alert stores. */
  whitelistFields: readonly string[];
  notify: "every" | "first" | "never";
  evidence: Record<string, unknown>;
}

type Getter = (r: Record<string, unknown>) => unknown;

function getter(path: string): Getter {
  const parts = path.split(".");
  if (parts.length === 1) return (r) => r[parts[0]!];
  if (parts.length === 2) {
    const [a, b] = parts as [string, string];
    return (r) => (r[a] as Record<string, unknown> | undefined)?.[b];
  }
  return (r) => {
    let v: unknown = r;
    for (const p of parts) {
      if (v === null || typeof v !== "object") return undefined;
      v = (v as Record<string, unknown>)[p];
    }
    return v;
  };
}

function keyOf(getters: Getter[], r: Record<string, unknown>): string | null {
  let k = "";
  for (let i = 0; i < getters.length; i++) {
    const v = getters[i]!(r);
    if (v === undefined || v === null) return null;
    k += (i ? "\u0000" : "") + String(v);
  }
  return k;
}

interface ThresholdGroup {
  /** Timestamps of the last `count` matching records, oldest first (a ring). */
  times: number[];
  firing: boolean;
  firstSeen: number;
  lastSeen: number;
  /**
   * Samples, copy-on-write: replaced, never changed in place, so detections can carry them
   * without a copy each (a firing group emits one detection per record).
   */
  users: readonly string[];
  lines: readonly string[];
}

const NONE: readonly string[] = [];

/** Per-asset maps: no key string is built (and hashed) per record. */
type ByAsset<T> = Map<string, Map<string, T>>;

function getIn<T>(m: ByAsset<T>, asset: string, key: string): T | undefined {
  return m.get(asset)?.get(key);
}

function setIn<T>(m: ByAsset<T>, asset: string, key: string, v: T): void {
  let inner = m.get(asset);
  if (inner === undefined) {
    inner = new Map();
    m.set(asset, inner);
  }
  inner.set(key, v);
}

interface CompiledRule {
  rule: Rule;
  match: (r: Record<string, unknown>) => boolean;
  group: Getter[];
  dedup: Getter[];
  join: Getter[];
  window: number;
  /** threshold state per asset, then group */
  groups: ByAsset<ThresholdGroup>;
  /** when this rule last fired, per asset, then join key, for rules that follow it */
  fired: ByAsset<number>;
  followers: CompiledRule[];
  /** evidence text of the threshold, e.g. "5 in 600s" */
  thresholdText: string | undefined;
}

const SAMPLE_LINES = 5;
const SAMPLE_USERS = 10;

function compileWhere(where: Rule["where"]): (r: Record<string, unknown>) => boolean {
  const checks = Object.entries(where).map(([path, want]) => {
    const get = getter(path);
    if (Array.isArray(want)) {
      const set = new Set(want);
      return (r: Record<string, unknown>) => set.has(get(r) as never);
    }
    return (r: Record<string, unknown>) => get(r) === want;
  });
  return (r) => {
    for (const c of checks) if (!c(r)) return false;
    return true;
  };
}

/**
 * The rules-as-data engine. Pure: no I/O, time comes from the records themselves, so
 * replaying stored records rebuilds the same state (used after a restart).
 */
export class DetectionEngine {
  readonly rules: readonly Rule[];
  #byKind = new Map<string, CompiledRule[]>();
  #all: CompiledRule[] = [];
  #maxWindow = 0;
  #sinceSweep = 0;

  constructor(rules: Rule[]) {
    const enabled = rules.filter((r) => r.enabled);
    validateRuleSet(enabled);
    this.rules = enabled;
    const byId = new Map<string, CompiledRule>();
    for (const rule of enabled) {
      const c: CompiledRule = {
        rule,
        match: compileWhere(rule.where),
        group: (rule.threshold?.groupBy ?? rule.dedupKey).map(getter),
        dedup: rule.dedupKey.map(getter),
        join: (rule.after?.join ?? []).map(getter),
        window: rule.threshold?.window ?? rule.after?.within ?? 0,
        groups: new Map(),
        fired: new Map(),
        followers: [],
        thresholdText: rule.threshold ? `${rule.threshold.count} in ${rule.threshold.window / 1000}s` : undefined,
      };
      this.#maxWindow = Math.max(this.#maxWindow, c.window);
      byId.set(rule.id, c);
      this.#all.push(c);
      const list = this.#byKind.get(rule.record) ?? [];
      list.push(c);
      this.#byKind.set(rule.record, list);
    }
    for (const c of this.#all) if (c.rule.after) byId.get(c.rule.after.rule)!.followers.push(c);
  }

  /** The longest window any rule looks back over: how much history rebuilds the state. */
  get lookback(): number {
    return this.#maxWindow;
  }

  process(input: EngineInput): Detection[] {
    const rules = this.#byKind.get(input.record.kind);
    if (!rules) return [];
    const out: Detection[] = [];
    const r = input.record as Record<string, unknown>;
    for (const c of rules) {
      if (!c.match(r)) continue;
      if (c.rule.threshold) this.#threshold(c, input, out);
      else if (c.rule.after) this.#after(c, input, out);
      else this.#single(c, input, out);
    }
    if (++this.#sinceSweep >= 50_000) {
      this.#sinceSweep = 0;
      this.sweep(input.record.ts);
    }
    return out;
  }

  /** Forgets groups idle for longer than their window (bounded memory). */
  sweep(now: number): void {
    for (const c of this.#all) {
      for (const [asset, inner] of c.groups) {
        for (const [k, g] of inner) if (now - g.lastSeen > c.window) inner.delete(k);
        if (inner.size === 0) c.groups.delete(asset);
      }
      const keep = Math.max(0, ...c.followers.map((f) => f.window));
      for (const [asset, inner] of c.fired) {
        for (const [k, t] of inner) if (now - t > keep) inner.delete(k);
        if (inner.size === 0) c.fired.delete(asset);
      }
    }
  }

  #threshold(c: CompiledRule, input: EngineInput, out: Detection[]): void {
    const r = input.record as Record<string, unknown>;
    const gk = keyOf(c.group, r);
    if (gk === null) return;
    const ts = input.record.ts;
    const { count, window } = c.rule.threshold!;
    let g = getIn(c.groups, input.assetId, gk);
    if (!g) {
      g = { times: [], firing: false, firstSeen: ts, lastSeen: ts, users: NONE, lines: NONE };
      setIn(c.groups, input.assetId, gk, g);
    } else if (ts - g.lastSeen > window) {
      // the attack went quiet for a whole window: a later burst must cross the threshold again
      g.times.length = 0;
      g.firing = false;
      g.users = NONE;
      g.lines = NONE;
    }
    if (ts > g.lastSeen) g.lastSeen = ts;
    const user = (r.user as { name?: string } | undefined)?.name;
    if (user !== undefined && g.users.length < SAMPLE_USERS && !g.users.includes(user)) g.users = [...g.users, user];
    const line = (r.log as { line?: string } | undefined)?.line;
    if (line !== undefined && g.lines.length < SAMPLE_LINES) g.lines = [...g.lines, line];

    if (g.firing) {
      for (const f of c.followers) setIn(f.fired, input.assetId, keyOf(f.join, r) ?? "", ts);
      out.push(this.#detection(c, input, g.lastSeen, g.lastSeen, 1, false, g));
      return;
    }
    g.times.push(ts);
    if (g.times.length > count) g.times.shift();
    if (g.times.length === count && ts - g.times[0]! <= window) {
      g.firing = true;
      g.firstSeen = g.times[0]!;
      for (const f of c.followers) setIn(f.fired, input.assetId, keyOf(f.join, r) ?? "", ts);
      out.push(this.#detection(c, input, g.firstSeen, g.lastSeen, count, true, g));
    }
  }

  #after(c: CompiledRule, input: EngineInput, out: Detection[]): void {
    const r = input.record as Record<string, unknown>;
    const jk = keyOf(c.join, r);
    if (jk === null) return;
    const t = getIn(c.fired, input.assetId, jk);
    if (t === undefined || input.record.ts - t > c.window || input.record.ts < t - c.window) return;
    out.push(this.#detection(c, input, input.record.ts, input.record.ts, 1, true));
  }

  #single(c: CompiledRule, input: EngineInput, out: Detection[]): void {
    out.push(this.#detection(c, input, input.record.ts, input.record.ts, 1, true));
  }

  #detection(c: CompiledRule, input: EngineInput, firstSeen: number, lastSeen: number, count: number, opened: boolean, g?: ThresholdGroup): Detection {
    const r = input.record as Record<string, unknown>;
    const sourceIp = ((r.source as { ip?: string } | undefined)?.ip) ?? null;
    const userName = ((r.user as { name?: string } | undefined)?.name) ?? null;
    const evidence: Record<string, unknown> = { service: r.service, "source.ip": sourceIp };
    if (g) {
      // shared snapshots (copy-on-write in the group): do not mutate
      evidence["user.names"] = g.users;
      evidence["log.lines"] = g.lines;
    } else {
      if (userName !== null) evidence["user.name"] = userName;
      const line = (r.log as { line?: string } | undefined)?.line;
      if (line !== undefined) evidence["log.lines"] = [line];
    }
    if (c.thresholdText !== undefined) evidence.threshold = c.thresholdText;
    return {
      ruleId: c.rule.id,
      type: c.rule.type,
      name: c.rule.name,
      severity: c.rule.severity,
      assetId: input.assetId,
      dedupKey: c.rule.type + ":" + (keyOf(c.dedup, r) ?? ""),
      opened,
      firstSeen,
      lastSeen,
      count,
      sourceIp,
      userName: g ? (g.users.length === 1 ? g.users[0]! : null) : userName,
      attack: c.rule.attack,
      triage: c.rule.triage,
      response: c.rule.response,
      whitelistFields: c.rule.whitelist?.fields ?? c.rule.dedupKey,
      notify: c.rule.notify,
      evidence,
    };
  }
}
