export const DAY_CHOICES = [7, 30, 90] as const;
export type Days = (typeof DAY_CHOICES)[number];

/** The window of a stats view: the last 7, 30 or 90 UTC days. */
export function DaysSelect({ value, onChange }: { value: Days; onChange: (d: Days) => void }) {
  return (
    <div className="seg" role="group" aria-label="Time range">
      {DAY_CHOICES.map((d) => (
        <button key={d} type="button" className={d === value ? "on" : ""} aria-pressed={d === value} onClick={() => onChange(d)}>
          {d} days
        </button>
      ))}
    </div>
  );
}

/** Keeps the chosen window in the URL (?days=30) so a reload or a shared link keeps it. */
export function daysFrom(q: URLSearchParams): Days {
  const d = Number(q.get("days"));
  return (DAY_CHOICES as readonly number[]).includes(d) ? (d as Days) : 7;
}
