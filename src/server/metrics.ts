/** Counters exposed in Prometheus text format at /metrics. */
export class Metrics {
  #c = new Map<string, number>();
  inc(name: string, by = 1): void {
    if (by) this.#c.set(name, (this.#c.get(name) ?? 0) + by);
  }
  get(name: string): number {
    return this.#c.get(name) ?? 0;
  }
  text(): string {
    return [...this.#c].map(([k, v]) => `# TYPE ${k} counter\n${k} ${v}`).join("\n") + "\n";
  }
}
