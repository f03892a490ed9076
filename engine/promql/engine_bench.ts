/**
 * PromQL hot paths through the Engine and MemoryStorage:
 * `./deno bench -A engine/promql/engine_bench.ts`.
 * Data is generated once per group (deterministic, 15s scrape interval).
 */
import { labelsFromRecord } from "../model/labels.ts";
import { MemoryStorage } from "../storage/memory.ts";
import { Engine } from "./mod.ts";

const SCRAPE_MS = 15_000;
const HOUR_MS = 3_600_000;
const START_MS = 1_700_000_000_000;

/** 10k counters with 1h of samples (2.4M samples). */
function counters(series: number): MemoryStorage {
  const s = new MemoryStorage();
  for (let i = 0; i < series; i++) {
    const labels = labelsFromRecord({
      __name__: "bench_requests_total",
      job: `job${i % 10}`,
      instance: `host${i}`,
    });
    let v = 0;
    for (let t = START_MS; t <= START_MS + HOUR_MS; t += SCRAPE_MS) {
      v += (i % 7) + 1;
      s.add(labels, t, v);
    }
  }
  return s;
}

/** 100k gauges with 5 samples each in the last minute. */
function gauges(series: number): MemoryStorage {
  const s = new MemoryStorage();
  for (let i = 0; i < series; i++) {
    const labels = labelsFromRecord({
      __name__: "bench_gauge",
      job: `job${i % 100}`,
      instance: `host${i}`,
    });
    for (let k = 0; k < 5; k++) {
      s.add(labels, START_MS + HOUR_MS - k * SCRAPE_MS, (i * 31 + k) % 1000);
    }
  }
  return s;
}

/** 1k classic-histogram bucket series: 100 histograms x 10 `le` buckets, 1h of samples. */
function buckets(): MemoryStorage {
  const s = new MemoryStorage();
  const les = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"];
  for (let h = 0; h < 100; h++) {
    for (let b = 0; b < les.length; b++) {
      const labels = labelsFromRecord({
        __name__: "bench_latency_seconds_bucket",
        job: `job${h % 10}`,
        instance: `host${h}`,
        le: les[b],
      });
      let v = 0;
      for (let t = START_MS; t <= START_MS + HOUR_MS; t += SCRAPE_MS) {
        v += (b + 1) * ((h % 3) + 1);
        s.add(labels, t, v);
      }
    }
  }
  return s;
}

const engine = new Engine();
let rateData: MemoryStorage | undefined;
let sumData: MemoryStorage | undefined;
let histData: MemoryStorage | undefined;

Deno.bench({
  name: "rate(x[5m]) over 10k series, range query 1h step 1m",
  group: "rate",
  baseline: true,
  async fn(b) {
    rateData ??= counters(10_000);
    b.start();
    await engine.rangeQuery(
      rateData,
      "rate(bench_requests_total[5m])",
      START_MS,
      START_MS + HOUR_MS,
      60_000,
    );
    b.end();
  },
});

Deno.bench({
  name: "sum by (job) (rate(x[5m])) over 10k series, range query 1h step 1m",
  group: "rate",
  async fn(b) {
    rateData ??= counters(10_000);
    b.start();
    await engine.rangeQuery(
      rateData,
      "sum by (job) (rate(bench_requests_total[5m]))",
      START_MS,
      START_MS + HOUR_MS,
      60_000,
    );
    b.end();
  },
});

Deno.bench({
  name: "sum by (job) over 100k series, instant query",
  group: "sum",
  baseline: true,
  async fn(b) {
    sumData ??= gauges(100_000);
    b.start();
    await engine.instantQuery(sumData, "sum by (job) (bench_gauge)", START_MS + HOUR_MS);
    b.end();
  },
});

Deno.bench({
  name: "histogram_quantile over 1k bucket series, range query 1h step 1m",
  group: "histogram_quantile",
  baseline: true,
  async fn(b) {
    histData ??= buckets();
    b.start();
    await engine.rangeQuery(
      histData,
      "histogram_quantile(0.9, sum by (job, le) (rate(bench_latency_seconds_bucket[5m])))",
      START_MS,
      START_MS + HOUR_MS,
      60_000,
    );
    b.end();
  },
});

Deno.bench({
  name: "subquery max_over_time(rate(x[5m])[30m:1m]) over 10k series, instant query",
  group: "subquery",
  baseline: true,
  async fn(b) {
    rateData ??= counters(10_000);
    b.start();
    await engine.instantQuery(
      rateData,
      "max_over_time(rate(bench_requests_total[5m])[30m:1m])",
      START_MS + HOUR_MS,
    );
    b.end();
  },
});
