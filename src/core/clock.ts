/** Time is injected everywhere: windows, validity periods and expiry are tested with FakeClock. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export class FakeClock implements Clock {
  #t: number;
  constructor(start: number | string = "2026-01-01T00:00:00Z") {
    this.#t = typeof start === "number" ? start : Date.parse(start);
  }
  now(): number {
    return this.#t;
  }
  advance(ms: number): void {
    this.#t += ms;
  }
  set(t: number | string): void {
    this.#t = typeof t === "number" ? t : Date.parse(t);
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses "10m", "12h", "1d", "500ms" or a bare number of milliseconds. */
export function parseDuration(v: string | number): number {
  if (typeof v === "number") return v;
  const t = v.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(t)) throw new Error(`not a duration: ${JSON.stringify(v)} (use e.g. 30s, 10m, 1h30m, 7d)`);
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) total += Number(m[1]) * UNITS[m[2]!]!;
  return Math.round(total);
}

export function formatDuration(ms: number): string {
  for (const [u, n] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const) {
    if (ms >= n && ms % n === 0) return `${ms / n}${u}`;
  }
  return `${ms}ms`;
}
