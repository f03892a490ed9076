// The protobuf walk of a remote write 1.0 `WriteRequest` for the common shape, in one call: series
// whose label fields come first and together, then float samples with a fixed64 value and a varint
// timestamp, in time order. It locates each series' raw label region (the region index looks it
// up; labels are parsed only on a miss) and copies the samples into a timestamp column (f64) and a
// value column (the raw 64 bits, so NaN payloads survive).
//
// Anything else (metadata, histograms, exemplars, unknown or misplaced fields, samples out of time
// order, any malformed or out-of-range input, more series than the host allows) makes the call
// return -1 and the host decodes the request with its general walk, which gives every error its
// text and position. So for the requests it accepts, the result is the one the general walk gives.
//
// Results (valid until the next call), at the pointers in `rw1_out()`'s four u32s: per series five
// i32 {label region start, label region end (-1, -1 when the series has no label field), series
// message start, series message end (offsets from the request's first byte), end of its samples
// in the columns}; then the timestamp column, the value column and the number of samples.

import { alloc, classOf, classSize, free } from "./alloc";

const SERIES_INITIAL: usize = 1024;
const SAMPLES_INITIAL: usize = 4096;
/** Capacity kept between requests; a larger one (an unusually large request) is given back. */
const SAMPLES_KEEP: usize = 65536;
/** Largest magnitude of an exact timestamp (2^53 - 1), as the general walk checks. */
const SAFE_MAX: i64 = 9007199254740991;

const out: usize = memory.data(16, 8);
let regions: usize = 0;
let regionsCap: usize = 0; // series
let colT: usize = 0;
let colV: usize = 0;
let samplesCap: usize = 0;

/** Byte after the last varint read, or 0 when it failed. */
let at: usize = 0;

function capOf(size: usize): usize {
  return classSize(classOf(size));
}

/** Reads a varint of at most 4 bytes (a length below 2^28) at `p`, before `end`; sets `at`. */
// @ts-ignore: decorator
@inline function len28(p: usize, end: usize): u32 {
  if (p < end) {
    const b = load<u8>(p);
    if (b < 0x80) {
      at = p + 1;
      return b;
    }
  }
  let v: u32 = 0;
  for (let i: u32 = 0; i < 4; i++) {
    if (p >= end) break;
    const b = <u32>load<u8>(p++);
    v |= (b & 0x7f) << (7 * i);
    if (b < 0x80) {
      at = p;
      return v;
    }
  }
  at = 0;
  return 0;
}

/** Reads an int64 varint at `p`, before `end`, as an exact f64; sets `at` (0: bad or out of range). */
function int64(p: usize, end: usize): f64 {
  let v: u64 = 0;
  let shift: u64 = 0;
  for (let i = 0; i < 10; i++) {
    if (p >= end) break;
    const b = <u64>load<u8>(p++);
    v |= (b & 0x7f) << shift;
    shift += 7;
    if (b < 0x80) {
      const x = <i64>v;
      if (x > SAFE_MAX || x < -SAFE_MAX) break;
      at = p;
      return <f64>x;
    }
  }
  at = 0;
  return 0;
}

function growRegions(): void {
  const n = regionsCap == 0 ? SERIES_INITIAL : regionsCap * 2;
  const p = alloc(n * 20);
  if (regionsCap != 0) {
    memory.copy(p, regions, regionsCap * 20);
    free(regions, capOf(regionsCap * 20));
  }
  regions = p;
  regionsCap = n;
}

function growSamples(): void {
  const n = samplesCap == 0 ? SAMPLES_INITIAL : samplesCap * 2;
  const t = alloc(n * 8), v = alloc(n * 8);
  if (samplesCap != 0) {
    memory.copy(t, colT, samplesCap * 8);
    memory.copy(v, colV, samplesCap * 8);
    free(colT, capOf(samplesCap * 8));
    free(colV, capOf(samplesCap * 8));
  }
  colT = t;
  colV = v;
  samplesCap = n;
}

/**
 * Walks the `len`-byte request at `p` (see the top of this file). Returns the number of series
 * (series without samples are dropped, as the general walk drops them), or -1 when the request
 * needs the general walk.
 */
export function rw1_walk(p: usize, len: usize, seriesMax: u32): i32 {
  if (samplesCap > SAMPLES_KEEP) {
    free(colT, capOf(samplesCap * 8));
    free(colV, capOf(samplesCap * 8));
    samplesCap = 0;
    free(regions, capOf(regionsCap * 20));
    regionsCap = 0;
  }
  if (samplesCap == 0) growSamples();
  if (regionsCap == 0) growRegions();
  const end = p + len;
  let pos = p;
  let nSeries: u32 = 0;
  let nSamples: usize = 0;
  while (pos < end) {
    if (load<u8>(pos) != 0x0a) return -1; // field 1 (timeseries), length-delimited
    const n = len28(pos + 1, end);
    if (at == 0) return -1;
    const e = at + <usize>n;
    if (e > end) return -1;
    const seriesStart = at;
    pos = at;
    let rs: isize = -1;
    let re: isize = -1;
    const first = nSamples;
    let lastT: f64 = -Infinity;
    while (pos < e) {
      const tag = load<u8>(pos);
      const n2 = len28(pos + 1, e);
      if (at == 0) return -1;
      const fe = at + <usize>n2;
      if (fe > e) return -1;
      if (tag == 0x0a) {
        // A Label: the label fields must be one contiguous region.
        if (rs < 0) rs = <isize>pos;
        else if (<isize>pos != re) return -1;
        re = <isize>fe;
        pos = fe;
      } else if (tag == 0x12) {
        // A Sample: value (field 1, fixed64) and timestamp (field 2, varint), each optional.
        let q = at;
        let t: f64 = 0;
        let bits: u64 = 0;
        while (q < fe) {
          const st = load<u8>(q);
          if (st == 0x09) {
            if (q + 9 > fe) return -1;
            bits = load<u64>(q + 1);
            q += 9;
          } else if (st == 0x10) {
            t = int64(q + 1, fe);
            if (at == 0) return -1;
            q = at;
          } else {
            return -1;
          }
        }
        if (t < lastT) return -1; // out of time order: the general walk sorts
        lastT = t;
        if (nSamples == samplesCap) growSamples();
        store<f64>(colT + (nSamples << 3), t);
        store<u64>(colV + (nSamples << 3), bits);
        nSamples++;
        pos = fe;
      } else {
        return -1;
      }
    }
    pos = e;
    if (nSamples == first) continue; // nothing to store: dropped
    if (nSeries >= seriesMax) return -1;
    if (<usize>nSeries == regionsCap) growRegions();
    const r = regions + <usize>nSeries * 20;
    store<i32>(r, rs < 0 ? -1 : <i32>(rs - <isize>p));
    store<i32>(r + 4, re < 0 ? -1 : <i32>(re - <isize>p));
    store<i32>(r + 8, <i32>(seriesStart - p));
    store<i32>(r + 12, <i32>(e - p));
    store<i32>(r + 16, <i32>nSamples);
    nSeries++;
  }
  store<u32>(out, <u32>regions);
  store<u32>(out + 4, <u32>colT);
  store<u32>(out + 8, <u32>colV);
  store<u32>(out + 12, <u32>nSamples);
  return <i32>nSeries;
}

/** Where `rw1_walk`'s results are: u32 {regions, timestamps, values, samples}. */
export function rw1_out(): usize {
  return out;
}
