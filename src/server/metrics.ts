/** Seconds: from a millisecond up to a minute (detection latency, batch times). */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

interface Histogram {
  buckets: readonly number[];
  counts: number[];
  sum: number;
  count: number;
}

const HELP: Record<string, string> = {
  hostward_records_accepted_total: "Telemetry records accepted from agents (stored, or on the bus in a cluster).",
  hostward_records_duplicate_total: "Telemetry records received again (same agent and record id) and not stored twice.",
  hostward_records_rejected_total: "Malformed telemetry records rejected (the rest of their batch kept).",
  hostward_records_dropped_by_agents_total: "Records agents report they dropped (spool full).",
  hostward_records_processed_total: "Telemetry records through detection, committed (a cluster worker's bus consumers).",
  hostward_detection_latency_seconds: "From a record's receipt by a worker to its detection result committed.",
  hostward_bus_lag_messages: "Messages on the bus not yet processed, for the partitions this worker holds.",
  hostward_bus_partitions_held: "Bus partitions this worker holds.",
  hostward_ingest_queue_depth: "Batches waiting in this worker's ingest queue.",
};

/** Counters, gauges and histograms, exposed in Prometheus text format at /metrics. */
export class Metrics {
  #c = new Map<string, number>();
  #g = new Map<string, () => number>();
  #h = new Map<string, Histogram>();

  inc(name: string, by = 1): void {
    if (by) this.#c.set(name, (this.#c.get(name) ?? 0) + by);
  }

  get(name: string): number {
    return this.#c.get(name) ?? 0;
  }

  /** A gauge read when scraped. */
  gauge(name: string, read: () => number): void {
    this.#g.set(name, read);
  }

  observe(name: string, value: number, buckets: readonly number[] = LATENCY_BUCKETS): void {
    let h = this.#h.get(name);
    if (!h) this.#h.set(name, (h = { buckets, counts: buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < h.buckets.length; i++) if (value <= h.buckets[i]!) h.counts[i]!++;
    h.sum += value;
    h.count++;
  }

  /** A histogram's count and the value under which a share `q` of observations fall (bucket bound). */
  quantile(name: string, q: number): number | null {
    const h = this.#h.get(name);
    if (!h || h.count === 0) return null;
    const want = q * h.count;
    for (let i = 0; i < h.buckets.length; i++) if (h.counts[i]! >= want) return h.buckets[i]!;
    return Infinity;
  }

  text(): string {
    const out: string[] = [];
    const help = (k: string, type: string) => {
      if (HELP[k]) out.push(`# HELP ${k} ${HELP[k]}`);
      out.push(`# TYPE ${k} ${type}`);
    };
    for (const [k, v] of this.#c) {
      help(k, "counter");
      out.push(`${k} ${v}`);
    }
    for (const [k, read] of this.#g) {
      let v: number;
      try {
        v = read();
      } catch {
        continue;
      }
      help(k, "gauge");
      out.push(`${k} ${v}`);
    }
    for (const [k, h] of this.#h) {
      help(k, "histogram");
      h.buckets.forEach((b, i) => out.push(`${k}_bucket{le="${b}"} ${h.counts[i]}`));
      out.push(`${k}_bucket{le="+Inf"} ${h.count}`, `${k}_sum ${h.sum}`, `${k}_count ${h.count}`);
    }
    return out.join("\n") + "\n";
  }
}
