/**
 * The hand-written remote-write decoder (1.0 `prometheus.WriteRequest` and 2.0
 * `io.prometheus.write.v2.Request`) producing `WriteRequest` with Float64Array sample columns.
 * Label strings are built only for series the workspace's `LabelCache` has not seen recently.
 * protobuf-es (engine/ingest/gen) is the oracle in tests; this is the hot path.
 *
 * Output ownership: all series of one request share two Float64Arrays (`t`, `v` are subarray
 * views into them); they belong to the caller and are never reused by the decoder.
 * Input: the request bytes are read in the process's WASM decode buffer (wasm/ingest_buffer.ts;
 * `decodeRemoteWrite` decompresses into it, other buffers are copied in), where the region index
 * (`{ regionIndex: true }`) hashes and compares raw 1.0 label regions. Nothing decoded refers to
 * those bytes afterwards.
 * Values are copied as raw 64-bit patterns, so NaN payloads (the staleness marker) survive exactly.
 */
import type { Exemplar, MetricMetadata, WriteRequest } from "../model/write.ts";
import { ColumnSeries } from "../model/write.ts";
import type { HPoint } from "../model/histogram.ts";
import type { Labels } from "../model/labels.ts";
import { LabelCache, labelsFromRanges } from "./label_cache.ts";
import { readHistogram } from "./decode_histogram.ts";
import {
  LABEL_INDEX_GROW_WINDOW_MS,
  LABEL_KEY_BYTES_MAX,
  SERIES_PER_REQUEST_MAX,
} from "./limits.ts";
import { decodeUtf8, WireReader, WT_I64, WT_LEN, WT_VARINT } from "./wire.ts";
import { decodeV2 } from "./decode_v2.ts";
import { ingestBuffer, RegionIndex } from "../../wasm/mod.ts";

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error("BUG: the decoder copies doubles as little-endian words");
}

/** Counts of what a decoded request carries (for the 2.0 written headers and rate limiting). */
export interface WriteCounts {
  samples: number;
  histograms: number;
  exemplars: number;
}

/** A decoded request with its protocol version and counts. */
export interface DecodedWrite extends WriteCounts {
  version: "1.0" | "2.0";
  request: WriteRequest;
}

/** Shared empty arrays for series without histograms or exemplars (never mutated). */
const NO_HISTOGRAMS: HPoint[] = Object.freeze([]) as unknown as HPoint[];
const NO_EXEMPLARS: Exemplar[] = Object.freeze([]) as unknown as Exemplar[];
/** Labels of a series until its label region is resolved (never handed out). */
const UNRESOLVED: Labels = Object.freeze([]) as unknown as Labels;
/** Sample scratch kept between requests (16 B per sample); more is released after use. */
const SCRATCH_SAMPLES_KEEP = 1 << 17;

const METRIC_TYPES = [
  "unknown",
  "counter",
  "gauge",
  "histogram",
  "gaugehistogram",
  "summary",
  "info",
  "stateset",
];

/** Maps a protobuf MetricType enum number to Prometheus's metadata type string. */
export function metricTypeName(n: number): string {
  return METRIC_TYPES[n] ?? "unknown";
}

/**
 * A reusable decoder; keep one per workspace (it owns that workspace's label cache).
 * `decode*` calls are synchronous and must not interleave (JS is single-threaded, so they can't).
 */
export class RemoteWriteDecoder {
  /** The workspace's label cache. */
  readonly cache: LabelCache;
  /** @internal */ readonly r = new WireReader();
  /** The WASM buffer requests are decoded in (shared by every decoder of the process). */
  readonly #bytes = ingestBuffer();
  /** @internal label ranges of the current series: [ns, ne, vs, ve] × nLabels */
  ranges = new Int32Array(4 * 64);
  /** @internal */ nLabels = 0;
  private exRanges = new Int32Array(4 * 16);
  private tS = new Float64Array(4096);
  private vS = new Float64Array(4096);
  private vW = new Uint32Array(this.vS.buffer);
  private n = 0;
  private seriesStart = 0;
  private lastT = -Infinity;
  private unsorted = false;
  private pending: ColumnSeries[] = [];
  private hist: HPoint[] = NO_HISTOGRAMS;
  private ex: Exemplar[] = NO_EXEMPLARS;

  private nHist = 0;
  private nEx = 0;
  /** @internal */ metadata: MetricMetadata[] = [];
  /** @internal true while decoding 2.0 */
  v2 = false;
  /** @internal first start timestamp seen in the current series (2.0) */
  startT = 0;

  /**
   * Remote write 1.0 label regions to Labels, in WASM memory (see `RegionIndex`); undefined
   * when the decoder uses the label cache's own raw table instead.
   */
  readonly #index: RegionIndex<Labels> | undefined;
  /** Per pending 1.0 series: label region start, end (-1 when none), series start, end. */
  #regions = new Int32Array(4 * 256);
  /** Region pairs [start, end) for the index (empty when not contiguous). */
  #lookup = new Int32Array(2 * 256);
  #reqOff = 0;
  #reqLen = 0;
  /** The series of the last request whose labels came from the region index. */
  #lastSeries: ColumnSeries[] | undefined;
  /** Whether 1.0 requests of the common shape are walked in WASM (with the region index only). */
  readonly #wasmWalk: boolean;

  /**
   * `opts.regionIndex`: look 1.0 label regions up in a `RegionIndex` in the decode buffer's WASM
   * memory (what `WorkspaceIngest` uses: one call per request, bytes compared in place) rather
   * than in `cache`'s raw table; it follows `cache`'s generation sizes. `opts.clock` (ms) drives
   * its growth window. With the region index, 1.0 requests of the common shape are walked in
   * WASM (`IngestBuffer.walkV1`) unless `opts.wasmWalk` is false (tests compare the two walks).
   */
  constructor(
    cache: LabelCache = new LabelCache(),
    opts: { regionIndex?: boolean; clock?: () => number; wasmWalk?: boolean } = {},
  ) {
    this.cache = cache;
    this.#wasmWalk = opts.regionIndex === true && opts.wasmWalk !== false;
    this.#index = opts.regionIndex
      ? new RegionIndex<Labels>(this.#bytes, {
        entriesMax: cache.entriesMax,
        entriesCap: cache.entriesCap,
        growWindowMs: LABEL_INDEX_GROW_WINDOW_MS,
        clock: opts.clock ?? Date.now,
      }, LABEL_KEY_BYTES_MAX)
      : undefined;
  }

  /** Entries of the region index (0 without one). */
  get regionIndexSize(): number {
    return this.#index?.size ?? 0;
  }

  /** Decodes an uncompressed remote write 1.0 `WriteRequest`. */
  decodeV1(buf: Uint8Array): DecodedWrite {
    this.reset(buf);
    this.v2 = false;
    const walked = this.#wasmWalk ? this.#walkV1() : undefined;
    if (walked !== undefined) {
      this.#resolveV1();
      return this.finish("1.0", walked);
    }
    const r = this.r;
    const end = r.buf.length;
    let failure: unknown = undefined;
    try {
      while (r.pos < end) {
        const tag = r.uint32(end);
        const f = tag >>> 3, wt = tag & 7;
        if (f === 1 && wt === WT_LEN) this.seriesV1(r.lenEnd(end));
        else if (f === 3 && wt === WT_LEN) this.metadataV1(r.lenEnd(end));
        else if (f === 1 || f === 3) r.fail(`bad wire type ${wt} for field ${f}`);
        else r.skip(wt, end);
      }
    } catch (e) {
      if (this.#index === undefined) throw e;
      failure = e;
    }
    // With the region index, labels are resolved after the walk, all series at once. A label
    // problem of a series before the one the walk failed on is still the error reported first,
    // as in a one-pass decode.
    if (this.#index !== undefined) this.#resolveV1();
    if (failure !== undefined) throw failure;
    return this.finish("1.0");
  }

  /** Decodes an uncompressed remote write 2.0 `Request`. */
  decodeV2(buf: Uint8Array): DecodedWrite {
    this.reset(buf);
    this.v2 = true;
    decodeV2(this, this.r.buf);
    return this.finish("2.0");
  }

  /** @internal */
  reset(buf: Uint8Array): void {
    this.#lastSeries = undefined;
    this.r.reset(this.#bytes.adopt(buf));
    this.#reqOff = this.r.buf.byteOffset;
    this.#reqLen = this.r.buf.length;
    this.n = 0;
    this.pending = [];
    this.metadata = [];
    this.nHist = 0;
    this.nEx = 0;
  }

  private seriesV1(end: number): void {
    const r = this.r;
    const buf = r.buf;
    const seriesStart = r.pos;
    this.beginSeries();
    // Label fields are only located here; they are parsed only on a cache miss.
    let rs = -1, re = -1, contiguous = true;
    while (r.pos < end) {
      const p0 = r.pos;
      if (buf[p0] === 0x0a) {
        // Fast path: a run of label fields (tag 0x0a) with one-byte lengths.
        let p = p0;
        while (p + 1 < end && buf[p] === 0x0a && buf[p + 1] < 0x80) p += 2 + buf[p + 1];
        if (p > end) r.fail("truncated length-delimited field");
        if (p !== p0) {
          if (rs < 0) rs = p0;
          else if (p0 !== re) contiguous = false;
          re = r.pos = p;
          continue;
        }
      }
      const tag = r.uint32(end);
      const f = tag >>> 3, wt = tag & 7;
      if (wt !== WT_LEN) {
        if (f >= 1 && f <= 4) r.fail(`bad wire type ${wt} for field ${f}`);
        r.skip(wt, end);
        continue;
      }
      const e = r.lenEnd(end);
      switch (f) {
        case 1:
          if (rs < 0) rs = p0;
          else if (p0 !== re) contiguous = false;
          re = r.pos = e;
          break;
        case 2:
          this.sample(e);
          break;
        case 3: {
          const x = this.exemplarV1(e);
          this.exemplar(x);
          break;
        }
        case 4:
          this.histogram(e);
          break;
        default:
          r.pos = e;
      }
    }
    if (!this.hasData()) return;
    if (this.#index !== undefined) {
      // Resolved by #resolveV1 once the whole request is walked.
      const k = this.pending.length;
      if (4 * k + 4 > this.#regions.length) {
        const g = new Int32Array(this.#regions.length * 2);
        g.set(this.#regions);
        this.#regions = g;
      }
      const rg = this.#regions;
      rg[4 * k] = rs >= 0 && contiguous ? rs : -1;
      rg[4 * k + 1] = re;
      rg[4 * k + 2] = seriesStart;
      rg[4 * k + 3] = end;
      this.pushSeries(UNRESOLVED, 0);
      return;
    }
    const after = r.pos;
    const cache = this.cache;
    let labels: Labels | undefined;
    let h = 0;
    if (rs >= 0 && contiguous) {
      h = cache.hashRaw(buf, r.u32, rs, re);
      labels = cache.lookupRaw(buf, r.u32, rs, re, h);
    }
    if (labels === undefined) {
      // Miss: parse the Label messages, from the region or (rarely) by rescanning the series.
      this.nLabels = 0;
      const contig = rs >= 0 && contiguous;
      r.pos = contig ? rs : seriesStart;
      const stop = contig ? re : end;
      while (r.pos < stop) {
        const tag = r.uint32(stop);
        if (tag === 0x0a) this.readLabel(r.lenEnd(stop), false);
        else r.skip(tag & 7, stop);
      }
      if (contig) {
        labels = cache.build(buf, r.u32, this.ranges, this.nLabels);
        cache.addRaw(buf, rs, re, h, labels);
      } else {
        labels = cache.labels(buf, r.dv, r.u32, this.ranges, this.nLabels);
      }
    }
    r.pos = after;
    this.pushSeries(labels, 0);
  }

  /**
   * The WASM walk of the request (common shape only): pending series with their label regions,
   * as the general walk would leave them, and the request's sample columns. Undefined (nothing
   * changed) when the request needs the general walk.
   */
  #walkV1(): Columns | undefined {
    const w = this.#bytes.walkV1(this.r.buf, SERIES_PER_REQUEST_MAX);
    if (w === undefined) {
      this.#syncViews(); // the walk may have grown the memory before it gave up
      return undefined;
    }
    const n = w.series, ns = w.t.length;
    // Same-type slices copy bytes (NaN payloads survive), out of WASM memory into the request's
    // own columns.
    const columns = { T: w.t.slice(), V: w.v.slice() };
    if (4 * n > this.#regions.length) {
      let cap = this.#regions.length;
      while (cap < 4 * n) cap *= 2;
      this.#regions = new Int32Array(cap);
    }
    const rg = this.#regions, src = w.regions, pending = this.pending;
    let start = 0;
    for (let k = 0; k < n; k++) {
      rg[4 * k] = src[5 * k];
      rg[4 * k + 1] = src[5 * k + 1];
      rg[4 * k + 2] = src[5 * k + 2];
      rg[4 * k + 3] = src[5 * k + 3];
      const end = src[5 * k + 4];
      pending.push(new ColumnSeries(UNRESOLVED, start, end, NO_HISTOGRAMS, NO_EXEMPLARS, 0));
      start = end;
    }
    this.n = ns;
    this.#syncViews();
    return columns;
  }

  /** Views of the request again after a call that may have grown the WASM memory. */
  #syncViews(): void {
    const r = this.r;
    const fresh = this.#bytes.refresh(r.buf, this.#reqOff, this.#reqLen);
    if (fresh !== r.buf) r.rebase(fresh);
  }

  /** Gives every pending 1.0 series its Labels: one index lookup for all, then the misses. */
  #resolveV1(): void {
    const index = this.#index!;
    const series = this.pending;
    const n = series.length;
    if (n === 0) return;
    if (this.#lookup.length < 2 * n) this.#lookup = new Int32Array(4 * n);
    const rg = this.#regions, lk = this.#lookup;
    for (let k = 0; k < n; k++) {
      const rs = rg[4 * k];
      lk[2 * k] = rs < 0 ? 0 : rs;
      lk[2 * k + 1] = rs < 0 ? 0 : rg[4 * k + 1];
    }
    index.lookupMany(this.r.buf, lk, n);
    this.#syncViews();
    const cache = this.cache, r = this.r;
    for (let k = 0; k < n; k++) {
      let labels = index.valueAt(k);
      if (labels !== undefined) {
        cache.hits++;
      } else {
        // Miss: parse the Label messages, from the region or (rarely) by rescanning the series.
        this.#syncViews();
        const rs = rg[4 * k], contig = rs >= 0;
        this.nLabels = 0;
        r.pos = contig ? rs : rg[4 * k + 2];
        const stop = contig ? rg[4 * k + 1] : rg[4 * k + 3];
        while (r.pos < stop) {
          const tag = r.uint32(stop);
          if (tag === 0x0a) this.readLabel(r.lenEnd(stop), false);
          else r.skip(tag & 7, stop);
        }
        if (contig) {
          labels = cache.build(r.buf, r.u32, this.ranges, this.nLabels);
          index.add(k, labels);
        } else {
          labels = cache.labels(r.buf, r.dv, r.u32, this.ranges, this.nLabels);
        }
      }
      const s = series[k];
      s.labels = labels;
      s.validFor = index.markAt(k);
    }
    this.#lastSeries = series;
    this.#syncViews();
  }

  /**
   * Remembers that the series of the last 1.0 request decoded through the region index passed
   * label validation against `limits`: the next requests' series of the same label sets come
   * with `validFor === limits` (see `ColumnSeries.validFor`), so validation need not read their
   * labels. `series` must be that request's series, unchanged (not relabelled).
   */
  noteValidated(series: readonly unknown[], limits: unknown): void {
    const index = this.#index, last = this.#lastSeries;
    if (index === undefined || last === undefined || series !== last) return;
    for (let k = 0; k < last.length; k++) {
      if (last[k].validFor !== limits) index.setMarkAt(k, limits);
    }
  }

  /** Reads one 1.0 `Label` message into the series (or exemplar) ranges. */
  private readLabel(end: number, exemplar: boolean): void {
    const r = this.r;
    let ns = 0, ne = 0, vs = 0, ve = 0;
    while (r.pos < end) {
      const tag = r.uint32(end);
      const f = tag >>> 3, wt = tag & 7;
      if ((f === 1 || f === 2) && wt === WT_LEN) {
        const e = r.lenEnd(end);
        if (f === 1) (ns = r.pos), (ne = e);
        else (vs = r.pos), (ve = e);
        r.pos = e;
      } else if (f === 1 || f === 2) {
        r.fail(`bad wire type ${wt} for label field ${f}`);
      } else {
        r.skip(wt, end);
      }
    }
    if (exemplar) this.pushExemplarLabel(ns, ne, vs, ve);
    else this.label(ns, ne, vs, ve);
  }

  /** @internal starts a series. */
  beginSeries(): void {
    this.nLabels = 0;
    this.seriesStart = this.n;
    this.lastT = -Infinity;
    this.unsorted = false;
    this.hist = NO_HISTOGRAMS;
    this.ex = NO_EXEMPLARS;
    this.startT = 0;
  }

  /** @internal adds one label of the current series as byte ranges of the buffer. */
  label(ns: number, ne: number, vs: number, ve: number): void {
    this.ranges = pushRange(this.ranges, this.nLabels++, ns, ne, vs, ve);
  }

  /** @internal reads one Sample message (1.0 or 2.0) spanning `[r.pos, end)`. */
  sample(end: number): void {
    const r = this.r;
    const buf = r.buf;
    let lo = 0, hi = 0, t = 0;
    while (r.pos < end) {
      const p = r.pos;
      const tag = buf[p];
      if (tag === 0x09 && p + 9 <= end) {
        // field 1, fixed64: copy the raw bits (bit-exact NaN payloads).
        lo = r.dv.getUint32(p + 1, true);
        hi = r.dv.getUint32(p + 5, true);
        r.pos = p + 9;
      } else if (tag === 0x10) {
        r.pos = p + 1;
        t = r.int64(end);
      } else if (tag === 0x18 && this.v2) {
        r.pos = p + 1;
        const st = r.int64(end);
        if (this.startT === 0) this.startT = st;
      } else {
        const tg = r.uint32(end);
        const f = tg >>> 3, wt = tg & 7;
        if (f === 1 && wt === WT_I64) {
          const q = r.pos;
          r.double(end);
          lo = r.dv.getUint32(q, true);
          hi = r.dv.getUint32(q + 4, true);
        } else if (f === 2 && wt === WT_VARINT) {
          t = r.int64(end);
        } else if (f === 3 && wt === WT_VARINT && this.v2) {
          const st = r.int64(end);
          if (this.startT === 0) this.startT = st;
        } else if (f === 1 || f === 2 || (f === 3 && this.v2)) {
          r.fail(`bad wire type ${wt} for sample field ${f}`);
        } else {
          r.skip(wt, end);
        }
      }
    }
    let n = this.n;
    if (n === this.tS.length) this.grow();
    this.tS[n] = t;
    this.vW[2 * n] = lo;
    this.vW[2 * n + 1] = hi;
    this.n = ++n;
    if (t < this.lastT) this.unsorted = true;
    this.lastT = t;
  }

  /** @internal reads one Histogram message into the current series. */
  histogram(end: number): void {
    const h = readHistogram(this.r, end);
    if (this.startT === 0 && h.startT !== 0) this.startT = h.startT;
    if (this.hist === NO_HISTOGRAMS) this.hist = [];
    this.hist.push({ t: h.t, h: h.h });
  }

  /** @internal adds an exemplar to the current series. */
  exemplar(x: Exemplar): void {
    if (this.ex === NO_EXEMPLARS) this.ex = [];
    this.ex.push(x);
  }

  private exN = 0;
  private pushExemplarLabel(ns: number, ne: number, vs: number, ve: number): void {
    this.exRanges = pushRange(this.exRanges, this.exN++, ns, ne, vs, ve);
  }

  /** @internal builds exemplar Labels from ranges `[ns, ne, vs, ve] × n` of the buffer. */
  exemplarLabels(ranges: Int32Array, n: number): Labels {
    return labelsFromRanges(this.r.buf, ranges, n);
  }

  private exemplarV1(end: number): Exemplar {
    const r = this.r;
    this.exN = 0;
    let value = 0, t = 0;
    while (r.pos < end) {
      const tag = r.uint32(end);
      const f = tag >>> 3, wt = tag & 7;
      if (f === 1 && wt === WT_LEN) this.readLabel(r.lenEnd(end), true);
      else if (f === 2 && wt === WT_I64) value = r.double(end);
      else if (f === 3 && wt === WT_VARINT) t = r.int64(end);
      else if (f >= 1 && f <= 3) r.fail(`bad wire type ${wt} for exemplar field ${f}`);
      else r.skip(wt, end);
    }
    return { labels: labelsFromRanges(r.buf, this.exRanges, this.exN), value, t };
  }

  /** @internal true when the current series has anything to store. */
  hasData(): boolean {
    return this.n !== this.seriesStart || this.hist.length !== 0 || this.ex.length !== 0;
  }

  /**
   * @internal ends the current series (labels from the pairs in `ranges`) and returns its
   * Labels, or undefined when the series had nothing to store and was dropped.
   */
  endSeries(createdT: number): Labels | undefined {
    if (!this.hasData()) return undefined;
    const labels = this.cache.labels(this.r.buf, this.r.dv, this.r.u32, this.ranges, this.nLabels);
    this.pushSeries(labels, createdT);
    return labels;
  }

  /** @internal ends the current series with labels given as string ids (see decode_v2.ts). */
  endSeriesIds(createdT: number, ids: Int32Array, n: number): Labels | undefined {
    if (!this.hasData()) return undefined;
    const labels = this.cache.labelsByIds(ids, n);
    this.pushSeries(labels, createdT);
    return labels;
  }

  private pushSeries(labels: Labels, createdT: number): void {
    const start = this.seriesStart, end = this.n;
    const i = this.pending.length;
    if (i >= SERIES_PER_REQUEST_MAX) this.r.fail("too many series");
    if (this.unsorted) this.sortRange(start, end);
    if (this.hist.length > 1) this.hist.sort((a, b) => a.t - b.t);
    this.nHist += this.hist.length;
    this.nEx += this.ex.length;
    // The columns are attached by finish(); no per-series typed-array views are made.
    this.pending.push(
      new ColumnSeries(
        labels,
        start,
        end,
        this.hist,
        this.ex,
        createdT !== 0 ? createdT : this.startT,
      ),
    );
  }

  private metadataV1(end: number): void {
    const r = this.r;
    let type = 0, name = "", help = "", unit = "";
    while (r.pos < end) {
      const tag = r.uint32(end);
      const f = tag >>> 3, wt = tag & 7;
      if (f === 1 && wt === WT_VARINT) type = r.uint32(end);
      else if ((f === 2 || f === 4 || f === 5) && wt === WT_LEN) {
        const e = r.lenEnd(end);
        const s = decodeUtf8(r.buf, r.pos, e);
        r.pos = e;
        if (f === 2) name = s;
        else if (f === 4) help = s;
        else unit = s;
      } else if (f === 1 || f === 2 || f === 4 || f === 5) r.fail(`bad wire type for metadata`);
      else r.skip(wt, end);
    }
    this.metadata.push({ metric: name, type: metricTypeName(type), help, unit });
  }

  private sortRange(start: number, end: number): void {
    const idx: number[] = [];
    for (let i = start; i < end; i++) idx.push(i);
    idx.sort((a, b) => this.tS[a] - this.tS[b] || a - b);
    const t = this.tS.slice(start, end);
    const w = this.vW.slice(2 * start, 2 * end);
    for (let k = 0; k < idx.length; k++) {
      const j = idx[k] - start;
      this.tS[start + k] = t[j];
      this.vW[2 * (start + k)] = w[2 * j];
      this.vW[2 * (start + k) + 1] = w[2 * j + 1];
    }
  }

  private grow(): void {
    const t = new Float64Array(this.tS.length * 2);
    t.set(this.tS);
    const v = new Float64Array(this.vS.length * 2);
    new Uint32Array(v.buffer).set(this.vW);
    this.tS = t;
    this.vS = v;
    this.vW = new Uint32Array(v.buffer);
  }

  /** The decoded request; its sample columns are `columns` when given, else the scratch's. */
  private finish(version: "1.0" | "2.0", columns?: Columns): DecodedWrite {
    const n = this.n;
    // Same-type TypedArray slice copies bytes, so NaN payloads are preserved.
    const T = columns?.T ?? this.tS.slice(0, n);
    const V = columns?.V ?? this.vS.slice(0, n);
    if (this.tS.length > SCRATCH_SAMPLES_KEEP) {
      // Release scratch grown by an unusually large request (up to ~24 MiB at 16 MiB bodies).
      this.tS = new Float64Array(4096);
      this.vS = new Float64Array(4096);
      this.vW = new Uint32Array(this.vS.buffer);
    }
    if (this.ranges.length > 4 * 4096) this.ranges = new Int32Array(4 * 64);
    if (this.#regions.length > 4 * 65536) {
      // Bookkeeping grown by an unusually large request (up to 16 B per series).
      this.#regions = new Int32Array(4 * 256);
      this.#lookup = new Int32Array(2 * 256);
    }
    const series = this.pending;
    for (let i = 0; i < series.length; i++) {
      const s = series[i];
      s.T = T;
      s.V = V;
    }
    const out: DecodedWrite = {
      version,
      request: { series, metadata: this.metadata },
      samples: n,
      histograms: this.nHist,
      exemplars: this.nEx,
    };
    this.pending = [];
    this.metadata = [];
    return out;
  }
}

/** A request's sample columns: timestamps and values (raw bits), one entry per sample. */
interface Columns {
  T: Float64Array;
  V: Float64Array;
}

/**
 * Stores label `i`'s name and value byte ranges at `rg[4i..4i+4)`, doubling `rg` when full;
 * returns the (possibly new) array.
 */
function pushRange(
  rg: Int32Array<ArrayBuffer>,
  i: number,
  ns: number,
  ne: number,
  vs: number,
  ve: number,
): Int32Array<ArrayBuffer> {
  const k = i * 4;
  if (k + 4 > rg.length) {
    const g = new Int32Array(rg.length * 2);
    g.set(rg);
    rg = g;
  }
  rg[k] = ns;
  rg[k + 1] = ne;
  rg[k + 2] = vs;
  rg[k + 3] = ve;
  return rg;
}
