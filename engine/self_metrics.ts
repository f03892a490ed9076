/**
 * The service's own metrics (counters, gauges, histograms) and their Prometheus text exposition
 * (format 0.0.4), served at `GET /metrics`.
 */

type LabelValues = readonly string[];

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge" | "histogram";
  readonly labelNames: readonly string[];
  render(out: string[]): void;
}

/** A counter family with fixed label names. */
export class Counter implements Family {
  readonly type = "counter";
  readonly #values = new Map<string, { labels: LabelValues; v: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {}

  /** Adds `n` (default 1) to the series with these label values. */
  inc(labelValues: LabelValues = [], n = 1): void {
    const key = labelValues.join("\xff");
    const cur = this.#values.get(key);
    if (cur) cur.v += n;
    else this.#values.set(key, { labels: [...labelValues], v: n });
  }

  /** Current value for these label values (0 when never incremented). */
  get(labelValues: LabelValues = []): number {
    return this.#values.get(labelValues.join("\xff"))?.v ?? 0;
  }

  render(out: string[]): void {
    for (const { labels, v } of this.#values.values()) {
      out.push(`${this.name}${fmtLabels(this.labelNames, labels)} ${fmtValue(v)}`);
    }
  }
}

/** A gauge whose value is read by a callback at scrape time. */
export class GaugeFunc implements Family {
  readonly type = "gauge";
  readonly labelNames: readonly string[] = [];

  constructor(readonly name: string, readonly help: string, readonly fn: () => number) {}

  render(out: string[]): void {
    out.push(`${this.name} ${fmtValue(this.fn())}`);
  }
}

/** A histogram family with fixed buckets (upper bounds, ascending) and label names. */
export class Histogram implements Family {
  readonly type = "histogram";
  readonly #series = new Map<
    string,
    { labels: LabelValues; counts: number[]; sum: number; count: number }
  >();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
    readonly labelNames: readonly string[] = [],
  ) {
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i] > buckets[i - 1])) throw new Error(`BUG: buckets of ${name} not ascending`);
    }
  }

  /** Records one observation. */
  observe(v: number, labelValues: LabelValues = []): void {
    const key = labelValues.join("\xff");
    let s = this.#series.get(key);
    if (!s) {
      s = {
        labels: [...labelValues],
        counts: new Array(this.buckets.length).fill(0),
        sum: 0,
        count: 0,
      };
      this.#series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]) s.counts[i]++;
    s.sum += v;
    s.count++;
  }

  render(out: string[]): void {
    for (const s of this.#series.values()) {
      for (let i = 0; i < this.buckets.length; i++) {
        const ls = fmtLabels([...this.labelNames, "le"], [...s.labels, fmtValue(this.buckets[i])]);
        out.push(`${this.name}_bucket${ls} ${s.counts[i]}`);
      }
      out.push(
        `${this.name}_bucket${
          fmtLabels([...this.labelNames, "le"], [...s.labels, "+Inf"])
        } ${s.count}`,
      );
      out.push(`${this.name}_sum${fmtLabels(this.labelNames, s.labels)} ${fmtValue(s.sum)}`);
      out.push(`${this.name}_count${fmtLabels(this.labelNames, s.labels)} ${s.count}`);
    }
  }
}

/** A set of metric families rendered together. */
export class Registry {
  readonly #families: Family[] = [];

  /** Registers a family; names must be unique. */
  register<F extends Family>(f: F): F {
    if (this.#families.some((x) => x.name === f.name)) {
      throw new Error(`BUG: metric ${f.name} registered twice`);
    }
    this.#families.push(f);
    return f;
  }

  /** The text exposition of every family. */
  render(): string {
    const out: string[] = [];
    for (const f of this.#families) {
      out.push(`# HELP ${f.name} ${f.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
      out.push(`# TYPE ${f.name} ${f.type}`);
      f.render(out);
    }
    return out.join("\n") + "\n";
  }
}

/** The metrics every part of the service records. */
export class SelfMetrics {
  readonly registry = new Registry();
  /** HTTP requests by route pattern, method and status code. */
  readonly httpRequests = this.registry.register(
    new Counter(
      "promenade_http_requests_total",
      "HTTP requests by route, method and status code.",
      [
        "route",
        "method",
        "code",
      ],
    ),
  );
  /** HTTP request latency by route. */
  readonly httpDuration = this.registry.register(
    new Histogram(
      "promenade_http_request_duration_seconds",
      "HTTP request latency in seconds by route.",
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      ["route"],
    ),
  );
  /** Deno KV operations by kind (get, getMany, list, set, delete, commit, ...). */
  readonly kvOps = this.registry.register(
    new Counter("promenade_kv_operations_total", "Deno KV operations by kind.", ["op"]),
  );
  /** Samples and histogram samples committed by remote write. */
  readonly ingestedSamples = this.registry.register(
    new Counter(
      "promenade_ingested_samples_total",
      "Samples (float and histogram) committed by remote write.",
    ),
  );
  /** Samples from non-elected HA replicas, acknowledged and dropped. */
  readonly dedupedSamples = this.registry.register(
    new Counter(
      "promenade_ha_deduped_samples_total",
      "Samples from non-elected HA replicas, dropped.",
    ),
  );
  /** Remote-write requests rejected, by AMP discard reason (or HTTP status). */
  readonly rejectedWrites = this.registry.register(
    new Counter(
      "promenade_rejected_write_requests_total",
      "Remote-write requests rejected, by reason.",
      ["reason"],
    ),
  );
  /** Deno KV atomic commits that failed their checks. */
  readonly kvCommitConflicts = this.registry.register(
    new Counter(
      "promenade_kv_commit_conflicts_total",
      "Deno KV atomic commits whose checks failed.",
    ),
  );
}

function fmtLabels(names: readonly string[], values: LabelValues): string {
  if (names.length === 0) return "";
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? "")}"`);
  return `{${parts.join(",")}}`;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function fmtValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}
