/**
 * The deterministic batches of the crash test: batch `id` writes CRASH_SERIES series with
 * CRASH_SAMPLES samples each at `T0 + id*10 + k` (value `id*1000 + s*10 + k`), plus one new
 * series `crash_new{id="<id>"}`, so every stored sample names the batch it came from.
 */
import { labelsFromRecord } from "../engine/model/labels.ts";
import type { WriteRequest, WriteSeries } from "../engine/model/write.ts";

/** Base timestamp, ms. */
export const CRASH_T0 = 1_700_000_000_000;
/** Series per batch (besides the new one). */
export const CRASH_SERIES = 20;
/** Samples per series per batch. */
export const CRASH_SAMPLES = 5;

/** The request of batch `id`. */
export function crashBatch(id: number): WriteRequest {
  const series: WriteSeries[] = [];
  for (let s = 0; s < CRASH_SERIES; s++) {
    const t = new Float64Array(CRASH_SAMPLES), v = new Float64Array(CRASH_SAMPLES);
    for (let k = 0; k < CRASH_SAMPLES; k++) {
      t[k] = CRASH_T0 + id * 10 + k;
      v[k] = id * 1000 + s * 10 + k;
    }
    series.push({
      labels: labelsFromRecord({ __name__: "crash", s: String(s) }),
      t,
      v,
      histograms: [],
      exemplars: [],
      createdT: 0,
    });
  }
  series.push({
    labels: labelsFromRecord({ __name__: "crash_new", id: String(id) }),
    t: Float64Array.of(CRASH_T0 + id * 10),
    v: Float64Array.of(id),
    histograms: [],
    exemplars: [],
    createdT: 0,
  });
  return { series, metadata: [] };
}
