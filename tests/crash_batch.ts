/**
 * The deterministic batches of the crash test: batch `id` writes CRASH_SERIES series with
 * CRASH_SAMPLES samples each at `T0 + id*ID_SPACING_MS + k` (value `id*1000 + s*10 + k`), plus
 * one new series `crash_new{id="<id>"}`, so every stored sample names the batch it came from.
 * Batches with `id % BIG_EVERY === BIG_AT` are big: BIG_SERIES new `crash_big` series ×
 * BIG_SAMPLES samples, whose WAL record spans several KV commits (more than 12 segments of
 * 64 000 bytes). The writer starts every run at a multiple of BIG_EVERY, so each run sends a big
 * batch early.
 */
import { labelsFromRecord } from "../engine/model/labels.ts";
import type { WriteRequest, WriteSeries } from "../engine/model/write.ts";

/** Base timestamp, ms. */
export const CRASH_T0 = 1_700_000_000_000;
/** Series per batch (besides the new one). */
export const CRASH_SERIES = 20;
/** Samples per series per batch. */
export const CRASH_SAMPLES = 5;
/** Milliseconds between the first samples of consecutive batches. */
export const ID_SPACING_MS = 1000;
/** Every this many batches one is big... */
export const BIG_EVERY = 100;
/** ...the one at this offset. */
export const BIG_AT = 5;
/** Series of a big batch. */
export const BIG_SERIES = 1000;
/** Samples per series of a big batch (about 950 KB of WAL in all). */
export const BIG_SAMPLES = 100;

/** True when batch `id` is a big one. */
export function isBig(id: number): boolean {
  return id % BIG_EVERY === BIG_AT;
}

/** The batch a sample timestamp belongs to, and the sample's index in its series. */
export function batchOf(t: number): { id: number; k: number } {
  const d = t - CRASH_T0;
  return { id: Math.floor(d / ID_SPACING_MS), k: d % ID_SPACING_MS };
}

/** Samples batch `id` stores. */
export function batchSamples(id: number): number {
  return isBig(id) ? BIG_SERIES * BIG_SAMPLES : CRASH_SERIES * CRASH_SAMPLES + 1;
}

/** The value batch `id` writes for sample `k` of series index `s` of metric `name`. */
export function crashValue(name: string, id: number, s: number, k: number): number {
  if (name === "crash_new") return id;
  if (name === "crash_big") return id * 1_000_000 + s * 1000 + k;
  return id * 1000 + s * 10 + k;
}

function one(labels: Record<string, string>, t: Float64Array, v: Float64Array): WriteSeries {
  return { labels: labelsFromRecord(labels), t, v, histograms: [], exemplars: [], createdT: 0 };
}

/** The request of batch `id`. */
export function crashBatch(id: number): WriteRequest {
  const series: WriteSeries[] = [];
  if (isBig(id)) {
    for (let s = 0; s < BIG_SERIES; s++) {
      const t = new Float64Array(BIG_SAMPLES), v = new Float64Array(BIG_SAMPLES);
      for (let k = 0; k < BIG_SAMPLES; k++) {
        t[k] = CRASH_T0 + id * ID_SPACING_MS + k;
        v[k] = crashValue("crash_big", id, s, k);
      }
      series.push(one({ __name__: "crash_big", s: String(s), id: String(id) }, t, v));
    }
    return { series, metadata: [] };
  }
  for (let s = 0; s < CRASH_SERIES; s++) {
    const t = new Float64Array(CRASH_SAMPLES), v = new Float64Array(CRASH_SAMPLES);
    for (let k = 0; k < CRASH_SAMPLES; k++) {
      t[k] = CRASH_T0 + id * ID_SPACING_MS + k;
      v[k] = crashValue("crash", id, s, k);
    }
    series.push(one({ __name__: "crash", s: String(s) }, t, v));
  }
  series.push(
    one(
      { __name__: "crash_new", id: String(id) },
      Float64Array.of(CRASH_T0 + id * ID_SPACING_MS),
      Float64Array.of(id),
    ),
  );
  return { series, metadata: [] };
}
