/**
 * WS-4: a small 5-field cron expression (minute hour day-of-month month day-of-week), written
 * here rather than pulled in as a dependency: lists (`1,15`), ranges (`1-5`), steps (`*\/10`,
 * `0-30/5`, `5/15`), month and weekday names (`jan`, `mon-fri`), weekday 7 = Sunday, and the
 * usual macros (@hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually).
 *
 * As in Vixie cron, when both day-of-month and day-of-week are restricted (neither starts
 * with `*`) a day matches if either does; otherwise it must match both. Times are the host's local time (what an operator means by "3:17"), or UTC.
 * Next-fire times are computed from a given instant, so tests drive them with a fake clock.
 */

export class CronError extends Error {}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const MACROS: Record<string, string> = {
  "@hourly": "0 * * * *",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@weekly": "0 0 * * 0",
  "@monthly": "0 0 1 * *",
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
};

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Value of the first name (months count from 1). */
  nameBase?: number;
}

const FIELDS: FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS, nameBase: 1 },
  // 7 is accepted for Sunday and folded onto 0 below
  { name: "day of week", min: 0, max: 7, names: DAYS, nameBase: 0 },
];

/** Searching further than this means the expression (e.g. `0 0 30 2 *`) never fires. */
const HORIZON_MS = 9 * 366 * 86_400_000;

export class CronSchedule {
  readonly expression: string;
  readonly #minutes: boolean[];
  readonly #hours: boolean[];
  readonly #dom: boolean[];
  readonly #months: boolean[];
  readonly #dow: boolean[];
  readonly #domAny: boolean;
  readonly #dowAny: boolean;
  readonly #utc: boolean;

  constructor(expression: string, o: { utc?: boolean } = {}) {
    this.expression = expression;
    this.#utc = o.utc ?? false;
    const src = expression.trim().toLowerCase();
    const expanded = src.startsWith("@") ? MACROS[src] : src;
    if (!expanded) throw new CronError(`unknown cron macro "${expression.trim().slice(0, 32)}"`);
    const parts = expanded.split(/\s+/);
    if (parts.length !== 5) throw new CronError(`a cron expression has 5 fields (minute hour day-of-month month day-of-week); got ${parts.length}`);
    const sets = parts.map((p, i) => parseField(p, FIELDS[i]!));
    [this.#minutes, this.#hours, this.#dom, this.#months, this.#dow] = sets as [boolean[], boolean[], boolean[], boolean[], boolean[]];
    if (this.#dow[7]) this.#dow[0] = true;
    // Vixie cron: a field starting with "*" (also "*/2") leaves the day to the other field
    this.#domAny = parts[2]!.startsWith("*");
    this.#dowAny = parts[4]!.startsWith("*");
    // refuse at parse time what would never fire (Feb 30), rather than sleeping forever
    if (this.next(Date.UTC(2000, 0, 1)) === null) throw new CronError(`cron expression "${expression.trim().slice(0, 64)}" never fires`);
  }

  /**
   * The first firing strictly after `after` (ms since the epoch), or null when none comes
   * within 9 years. Minutes and hours advance by arithmetic, not local setters, which would
   * re-resolve an ambiguous local time (the repeated hour of autumn) and could go backwards;
   * so a time in the repeated hour fires twice, and one in the skipped spring hour not at all.
   */
  next(after: number): number | null {
    // the next whole minute (every time zone offset in use is a whole number of minutes)
    let t = after - (((after % 60_000) + 60_000) % 60_000) + 60_000;
    const end = after + HORIZON_MS;
    const d = new Date(t);
    while (t <= end) {
      d.setTime(t);
      const prev = t;
      if (!this.#months[this.#get(d, "month") + 1]) {
        // midnight starting the next month
        this.#set(d, { D: 1, h: 0 });
        this.#set(d, { M: this.#get(d, "month") + 1 });
        t = d.getTime() - this.#get(d, "minutes") * 60_000;
      } else if (!this.#dayMatches(d)) {
        this.#set(d, { h: 0 });
        this.#set(d, { D: this.#get(d, "date") + 1 });
        t = d.getTime() - this.#get(d, "minutes") * 60_000;
      } else if (!this.#hours[this.#get(d, "hours")]) {
        t = t - this.#get(d, "minutes") * 60_000 + 3_600_000;
      } else if (!this.#minutes[this.#get(d, "minutes")]) {
        t += 60_000;
      } else {
        return t;
      }
      // never go backwards, whatever a daylight-saving change does to local setters
      if (t <= prev) t = prev + 60_000;
    }
    return null;
  }

  #dayMatches(d: Date): boolean {
    const dom = this.#dom[this.#get(d, "date")]!;
    const dow = this.#dow[this.#get(d, "day")]!;
    return this.#domAny || this.#dowAny ? dom && dow : dom || dow;
  }

  #get(d: Date, f: "month" | "date" | "day" | "hours" | "minutes"): number {
    const u = this.#utc;
    switch (f) {
      case "month": return u ? d.getUTCMonth() : d.getMonth();
      case "date": return u ? d.getUTCDate() : d.getDate();
      case "day": return u ? d.getUTCDay() : d.getDay();
      case "hours": return u ? d.getUTCHours() : d.getHours();
      case "minutes": return u ? d.getUTCMinutes() : d.getMinutes();
    }
  }

  #set(d: Date, v: { M?: number; D?: number; h?: number }): void {
    const u = this.#utc;
    if (v.M !== undefined) {
      if (u) d.setUTCMonth(v.M);
      else d.setMonth(v.M);
    }
    if (v.D !== undefined) {
      if (u) d.setUTCDate(v.D);
      else d.setDate(v.D);
    }
    if (v.h !== undefined) {
      if (u) d.setUTCHours(v.h);
      else d.setHours(v.h);
    }
  }
}

/** Parses a cron expression; throws CronError with a message fit for the operator. */
export function parseCron(expression: string, o: { utc?: boolean } = {}): CronSchedule {
  return new CronSchedule(expression, o);
}

function parseField(src: string, f: FieldSpec): boolean[] {
  const set = new Array<boolean>(f.max + 1).fill(false);
  if (src === "") throw new CronError(`empty ${f.name} field`);
  for (const item of src.split(",")) {
    const slash = item.split("/");
    if (slash.length > 2) throw new CronError(`bad ${f.name} "${item.slice(0, 32)}"`);
    const [range, stepText] = slash as [string, string | undefined];
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d{1,2}$/.test(stepText) || Number(stepText) === 0) throw new CronError(`bad step "${stepText.slice(0, 16)}" in the ${f.name} field`);
      step = Number(stepText);
    }
    let lo: number, hi: number;
    if (range === "*") {
      lo = f.min;
      hi = f.name === "day of week" ? 6 : f.max;
    } else {
      const dash = range.split("-");
      if (dash.length > 2) throw new CronError(`bad ${f.name} range "${range.slice(0, 32)}"`);
      lo = value(dash[0]!, f);
      // `5/15` means from 5 to the end, every 15
      hi = dash.length === 2 ? value(dash[1]!, f) : stepText !== undefined ? (f.name === "day of week" ? 6 : f.max) : lo;
      if (hi < lo) throw new CronError(`${f.name} range "${range.slice(0, 32)}" runs backwards`);
    }
    for (let v = lo; v <= hi; v += step) set[v] = true;
  }
  return set;
}

function value(tok: string, f: FieldSpec): number {
  let n: number;
  if (/^\d{1,2}$/.test(tok)) n = Number(tok);
  else {
    const i = f.names?.indexOf(tok) ?? -1;
    if (i < 0) throw new CronError(`bad ${f.name} "${tok.slice(0, 16)}"${f.names ? ` (a number or ${f.names.slice(0, 3).join(", ")}…)` : ""}`);
    n = i + (f.nameBase ?? 0);
  }
  if (n < f.min || n > f.max) throw new CronError(`${f.name} ${n} is out of range ${f.min}-${f.max}`);
  return n;
}
