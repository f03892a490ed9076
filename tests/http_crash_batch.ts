/**
 * The deterministic batches of the HTTP crash test: batch `id` writes HTTP_CRASH_SERIES series of
 * `http_crash{s="<s>"}` with HTTP_CRASH_SAMPLES samples each at `T0 + id*HTTP_CRASH_SAMPLES + k`
 * with value `id*10000 + s*100 + k`, plus one new series `http_crash_new{id="<id>"}`, so every
 * stored sample names the batch it came from. Every HTTP_CRASH_BIG_EVERY-th batch also creates
 * HTTP_CRASH_BIG_SERIES series `http_crash_big{id, i, pad}` with long labels, so that its WAL record
 * is larger than one KV atomic commit and is written in several.
 */
import { encodeWrite, type TestSeries } from "./rw_client.ts";

/** Base timestamp, ms. */
export const HTTP_CRASH_T0 = 1_700_000_000_000;
/** Series per batch (besides the new one). */
export const HTTP_CRASH_SERIES = 50;
/** Samples per series per batch. */
export const HTTP_CRASH_SAMPLES = 20;

/** Every this many batches one is big. */
export const HTTP_CRASH_BIG_EVERY = 8;
/** New series in a big batch. */
export const HTTP_CRASH_BIG_SERIES = 1500;
const PAD = "p".repeat(600);

/** True when batch `id` is a big one. */
export function httpCrashIsBig(id: number): boolean {
  return id % HTTP_CRASH_BIG_EVERY === HTTP_CRASH_BIG_EVERY - 1;
}

/** The value of sample `k` of series `s` in batch `id`. */
export function httpCrashValue(id: number, s: number, k: number): number {
  return id * 10000 + s * 100 + k;
}

/** The snappy-compressed remote write 1.0 body of batch `id`. */
export function httpCrashBody(id: number): Uint8Array {
  const series: TestSeries[] = [];
  for (let s = 0; s < HTTP_CRASH_SERIES; s++) {
    const samples: [number, number][] = [];
    for (let k = 0; k < HTTP_CRASH_SAMPLES; k++) {
      samples.push([HTTP_CRASH_T0 + id * HTTP_CRASH_SAMPLES + k, httpCrashValue(id, s, k)]);
    }
    series.push({ labels: { __name__: "http_crash", s: String(s) }, samples });
  }
  series.push({
    labels: { __name__: "http_crash_new", id: String(id) },
    samples: [[HTTP_CRASH_T0 + id * HTTP_CRASH_SAMPLES, id]],
  });
  if (httpCrashIsBig(id)) {
    for (let i = 0; i < HTTP_CRASH_BIG_SERIES; i++) {
      series.push({
        labels: { __name__: "http_crash_big", id: String(id), i: String(i), pad: PAD },
        samples: [[HTTP_CRASH_T0 + id * HTTP_CRASH_SAMPLES, i]],
      });
    }
  }
  return encodeWrite(series);
}
