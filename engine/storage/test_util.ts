/** Helpers for storage tests: building requests and dumping a workspace's full content. */
import { type Labels, labelsFromRecord, labelsString } from "../model/labels.ts";
import { Matcher } from "../model/matcher.ts";
import type { FloatHistogram, HPoint } from "../model/histogram.ts";
import type { WriteRequest, WriteSeries } from "../model/write.ts";
import type { Querier } from "./querier.ts";

/** One series of a request from a label record and [t, v] pairs. */
export function series(
  labels: Record<string, string>,
  samples: [number, number][],
  histograms: HPoint[] = [],
): WriteSeries {
  return {
    labels: labelsFromRecord(labels),
    t: Float64Array.from(samples, (s) => s[0]),
    v: Float64Array.from(samples, (s) => s[1]),
    histograms,
    exemplars: [],
    createdT: 0,
  };
}

/** A request of the given series and no metadata. */
export function request(...s: WriteSeries[]): WriteRequest {
  return { series: s, metadata: [] };
}

/** Every series and sample as text lines, for equality checks across restarts. */
export async function dump(q: Querier, minT = -1e15, maxT = 1e15): Promise<string[]> {
  const out: string[] = [];
  const all = await q.select([new Matcher("=~", "__name__", ".+")], { minT, maxT });
  for (const s of all) {
    const pts: string[] = [];
    for (let i = 0; i < s.t.length; i++) pts.push(`${s.t[i]}=${s.v[i]}`);
    for (let i = 0; i < (s.ht?.length ?? 0); i++) pts.push(`${s.ht![i]}=h${s.h![i].count}`);
    out.push(`${labelsString(s.labels)} ${pts.join(" ")}`);
  }
  return out;
}

/** A fresh temporary KV file path (the caller removes its directory). */
export async function tempKvPath(): Promise<{ path: string; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "promenade_kv_" });
  return { path: `${dir}/kv.sqlite`, dir };
}

/**
 * A node_exporter-like workload for storage benchmarks: `seriesCount` series with 8 labels, and
 * a generator of requests of `perRequest` series × 1 sample that cycles through them, advancing
 * the timestamp by 15 s per full cycle.
 */
export function appendWorkload(seriesCount: number, perRequest: number): () => WriteRequest {
  const pool: Labels[] = [];
  for (let i = 0; i < seriesCount; i++) {
    pool.push(labelsFromRecord({
      __name__: `node_metric_${i % 50}`,
      instance: `host-${Math.floor(i / 200)}.example.com:9100`,
      job: "node",
      env: i % 3 === 0 ? "prod" : "staging",
      region: `region-${i % 4}`,
      cpu: String(i % 16),
      mode: ["user", "system", "idle", "iowait"][i % 4],
      team: `team-${i % 7}`,
    }));
  }
  let cursor = 0, t = 1_700_000_000_000;
  return () => {
    const out: WriteSeries[] = [];
    for (let i = 0; i < perRequest; i++) {
      // The same Labels object per series on every request, as ingest's label cache hands out.
      out.push({
        labels: pool[cursor],
        t: Float64Array.of(t),
        v: Float64Array.of(Math.random() * 100),
        histograms: [],
        exemplars: [],
        createdT: 0,
      });
      if (++cursor === seriesCount) {
        cursor = 0;
        t += 15_000;
      }
    }
    return { series: out, metadata: [] };
  };
}

/** A float histogram with `count` observations of 1 in one positive bucket. */
export function oneBucketHistogram(count: number): FloatHistogram {
  return {
    schema: 0,
    zeroThreshold: 0.001,
    zeroCount: 0,
    count,
    sum: count,
    positiveSpans: [{ offset: 0, length: 1 }],
    positiveBuckets: [count],
    negativeSpans: [],
    negativeBuckets: [],
    counterResetHint: "unknown",
  };
}
