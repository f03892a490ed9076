/**
 * WAL records: one group-commit batch of accepted requests, columnar, split into KV-sized
 * segments. Byte layouts are in docs/format_kv.md.
 */
import type { Labels } from "../model/labels.ts";
import type { HPoint } from "../model/histogram.ts";
import type { Exemplar, MetricMetadata } from "../model/write.ts";
import {
  ByteReader,
  ByteWriter,
  CorruptValueError,
  LITTLE_ENDIAN,
  putStr,
  putUvarint32,
  strBytesMax,
} from "./byte_buffer.ts";
import { WAL_SEGMENT_BYTES_MAX } from "./limits.ts";
import { decodeHistogram, encodeHistogram } from "./histogram_codec.ts";

/** WAL record format version. */
export const WAL_VERSION = 1;

/** A new series defined by a batch. */
export interface NewSeries {
  sid: number;
  labels: Labels;
  /** hashLabels(labels) when already known (not stored in the WAL). */
  hash?: number;
}

/** The accepted content of a group-commit batch; reused between batches with `reset()`. */
export class Batch {
  /** Series first seen in this batch. */
  newSeries: NewSeries[] = [];
  /** Per entry: series id, first sample index, sample count. */
  sids = new Int32Array(256);
  starts = new Int32Array(256);
  counts = new Int32Array(256);
  entries = 0;
  /** Float samples, grouped by entry. */
  t = new Float64Array(4096);
  v = new Float64Array(4096);
  samples = 0;
  /** Histogram samples per series. */
  hist: { sid: number; points: HPoint[] }[] = [];
  /** Exemplars per series. */
  exemplars: { sid: number; ex: Exemplar }[] = [];
  /** Metadata entries. */
  metadata: MetricMetadata[] = [];
  #vWords = new Uint32Array(this.v.buffer);

  /** The value column as 32-bit words (two per sample, host order), for bit-exact copies. */
  vWords(): Uint32Array {
    if (this.#vWords.buffer !== this.v.buffer || this.#vWords.byteOffset !== this.v.byteOffset) {
      this.#vWords = new Uint32Array(this.v.buffer, this.v.byteOffset, this.v.length * 2);
    }
    return this.#vWords;
  }

  /** Empties the batch, keeping buffers. */
  reset(): void {
    this.newSeries = [];
    this.entries = 0;
    this.samples = 0;
    this.hist = [];
    this.exemplars = [];
    this.metadata = [];
  }

  /** True when nothing would be written. */
  empty(): boolean {
    return this.newSeries.length === 0 && this.entries === 0 && this.hist.length === 0 &&
      this.exemplars.length === 0 && this.metadata.length === 0;
  }

  /** Starts a sample entry for `sid`; returns its index. */
  beginEntry(sid: number): number {
    if (this.entries === this.sids.length) {
      this.sids = grow32(this.sids);
      this.starts = grow32(this.starts);
      this.counts = grow32(this.counts);
    }
    const e = this.entries++;
    this.sids[e] = sid;
    this.starts[e] = this.samples;
    this.counts[e] = 0;
    return e;
  }

  /** Appends a sample to the last entry. */
  push(t: number, v: number): void {
    if (this.samples === this.t.length) this.#grow();
    this.t[this.samples] = t;
    this.v[this.samples] = v;
    this.samples++;
    this.counts[this.entries - 1]++;
  }

  /** Appends sample `i` of the columns `T`, `V` to the last entry (no double crosses a call). */
  pushFrom(T: Float64Array, V: Float64Array, i: number): void {
    const n = this.samples;
    if (n === this.t.length) this.#grow();
    this.t[n] = T[i];
    this.v[n] = V[i];
    this.samples = n + 1;
    this.counts[this.entries - 1]++;
  }

  #grow(): void {
    const nt = new Float64Array(this.t.length * 2), nv = new Float64Array(this.t.length * 2);
    nt.set(this.t);
    nv.set(this.v);
    this.t = nt;
    this.v = nv;
  }

  /** Drops entries and samples after a mark (rollback of a rejected request). */
  truncate(mark: BatchMark): void {
    this.entries = mark.entries;
    this.samples = mark.samples;
    this.newSeries.length = mark.newSeries;
    this.hist.length = mark.hist;
    this.exemplars.length = mark.exemplars;
    this.metadata.length = mark.metadata;
  }

  /** The current sizes, for truncate(). */
  mark(): BatchMark {
    return {
      entries: this.entries,
      samples: this.samples,
      newSeries: this.newSeries.length,
      hist: this.hist.length,
      exemplars: this.exemplars.length,
      metadata: this.metadata.length,
    };
  }
}

/** Sizes of a batch at a point in time. */
export interface BatchMark {
  entries: number;
  samples: number;
  newSeries: number;
  hist: number;
  exemplars: number;
  metadata: number;
}

function grow32(a: Int32Array): Int32Array<ArrayBuffer> {
  const n = new Int32Array(a.length * 2);
  n.set(a);
  return n;
}

/** Encodes a batch as one WAL record (before segmenting). */
export function encodeBatch(b: Batch, w: ByteWriter): void {
  w.reset();
  w.u8(WAL_VERSION);
  w.uvarint(b.newSeries.length);
  for (const s of b.newSeries) {
    w.uvarint(s.sid);
    encodeLabels(s.labels, w);
  }
  w.uvarint(b.entries);
  const base = b.samples > 0 ? b.t[0] : 0;
  w.varint(base);
  encodeEntries(b, w, base);
  w.uvarint(b.hist.length);
  for (const h of b.hist) {
    w.uvarint(h.sid);
    w.uvarint(h.points.length);
    for (const p of h.points) {
      w.varint(p.t);
      encodeHistogram(p.h, w);
    }
  }
  w.uvarint(b.exemplars.length);
  for (const x of b.exemplars) {
    w.uvarint(x.sid);
    w.varint(x.ex.t);
    w.f64(x.ex.value);
    encodeLabels(x.ex.labels, w);
  }
  w.uvarint(b.metadata.length);
  for (const m of b.metadata) {
    w.str(m.metric);
    w.str(m.type);
    w.str(m.help);
    w.str(m.unit);
  }
}

/** Index of a double's low and high 32-bit word in a Uint32Array view of its column. */
const LO = LITTLE_ENDIAN ? 0 : 1, HI = 1 - LO;

/**
 * The sample entries of a batch (`uvarint sid | uvarint n | n × varint Δt | n × f64`), written
 * straight into the writer's buffer: one capacity check for the whole section, varints inline,
 * values copied as raw 32-bit words, never as doubles: bit-exact for every NaN payload, where a
 * double passed through `DataView.setFloat64` may come out quieted (bit 51 set). Otherwise the
 * bytes of the field-by-field form (`uvarint`, `varint`, `f64s`; tested on random batches).
 */
function encodeEntries(b: Batch, w: ByteWriter, base: number): void {
  // Worst case per entry: two 5-byte varints (ids and counts are int32); per sample a 10-byte
  // varint and 8 value bytes.
  const buf = w.reserve(b.entries * 10 + b.samples * 18);
  const sids = b.sids, starts = b.starts, counts = b.counts, T = b.t, V = b.vWords();
  let p = w.length;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let e = 0; e < b.entries; e++) {
    // Varints written out here rather than through putUvarint32: this loop runs per sample, and
    // no call in it depends on the optimiser inlining it.
    let x = sids[e];
    if (!(x >= 0)) throw new Error(`BUG: uvarint ${x}`);
    while (x >= 0x80) {
      buf[p++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    buf[p++] = x;
    const start = starts[e], end = start + counts[e];
    x = end - start;
    while (x >= 0x80) {
      buf[p++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    buf[p++] = x;
    let prev = base;
    for (let i = start; i < end; i++) {
      const t = T[i], d = t - prev;
      prev = t;
      const z = d >= 0 ? d * 2 : -d * 2 - 1; // zig-zag
      if (z < 0x80 && z >= 0) buf[p++] = z;
      else if (z < 0x80000000 && (z | 0) === z) {
        let y = z;
        while (y >= 0x80) {
          buf[p++] = (y & 0x7f) | 0x80;
          y >>>= 7;
        }
        buf[p++] = y;
      } else {
        w.length = p;
        w.uvarint(z); // large or invalid (throws a BUG): the general form, in reserved room
        p = w.length;
      }
    }
    for (let i = start; i < end; i++) {
      dv.setUint32(p, V[2 * i + LO], true);
      dv.setUint32(p + 4, V[2 * i + HI], true);
      p += 8;
    }
  }
  w.length = p;
}

/** Decodes a WAL record into `b` (which is reset first). */
export function decodeBatch(bytes: Uint8Array, b: Batch): void {
  b.reset();
  const r = new ByteReader(bytes);
  const version = r.u8();
  if (version !== WAL_VERSION) throw new CorruptValueError(`unknown WAL version ${version}`);
  const ns = r.uvarint();
  for (let i = 0; i < ns; i++) {
    const sid = r.uvarint();
    b.newSeries.push({ sid, labels: decodeLabels(r) });
  }
  const entries = r.uvarint();
  const base = r.varint();
  for (let e = 0; e < entries; e++) {
    b.beginEntry(r.uvarint());
    const n = r.uvarint();
    let t = base;
    const start = b.samples;
    for (let i = 0; i < n; i++) {
      t += r.varint();
      b.push(t, 0);
    }
    r.f64s(b.v, start, n);
  }
  const nh = r.uvarint();
  for (let i = 0; i < nh; i++) {
    const sid = r.uvarint();
    const n = r.uvarint();
    const points: HPoint[] = [];
    for (let j = 0; j < n; j++) {
      const t = r.varint();
      points.push({ t, h: decodeHistogram(r) });
    }
    b.hist.push({ sid, points });
  }
  const nx = r.uvarint();
  for (let i = 0; i < nx; i++) {
    const sid = r.uvarint();
    const t = r.varint();
    const value = r.f64();
    b.exemplars.push({ sid, ex: { t, value, labels: decodeLabels(r) } });
  }
  const nm = r.uvarint();
  for (let i = 0; i < nm; i++) {
    b.metadata.push({ metric: r.str(), type: r.str(), help: r.str(), unit: r.str() });
  }
  if (!r.done()) throw new CorruptValueError("trailing bytes in WAL record");
}

/** Labels as count + (name, value) strings (one capacity check for the whole set). */
export function encodeLabels(labels: Labels, w: ByteWriter): void {
  const n = labels.length;
  let room = 5;
  for (let i = 0; i < n; i++) room += strBytesMax(labels[i].name) + strBytesMax(labels[i].value);
  const buf = w.reserve(room);
  let p = putUvarint32(buf, w.length, n);
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    p = putStr(buf, p, l.name);
    p = putStr(buf, p, l.value);
  }
  w.length = p;
}

/** Reads labels written by encodeLabels. */
export function decodeLabels(r: ByteReader): Labels {
  const n = r.uvarint();
  const out: { name: string; value: string }[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = { name: r.str(), value: r.str() };
  return out;
}

/**
 * Splits records into segment values (each a 4-byte little-endian segment count followed by up
 * to WAL_SEGMENT_BYTES_MAX payload bytes; a record is committed iff all its segments exist), as
 * views of one buffer reused from record to record: valid until the next `split`, so the caller
 * must not split again before the commits of the previous record's segments have settled. A
 * fresh array per segment (~14 bytes per sample) lived until the next full GC, because the batch
 * waits for its commit long enough to be promoted: up to ~100 MiB of garbage at 100k series.
 */
export class WalSegmenter {
  #buf = new Uint8Array(1 << 16);

  /** The segment values of `record` (see the class note on how long they stay valid). */
  split(record: Uint8Array): Uint8Array[] {
    const n = recordSegments(record);
    const need = record.length + 4 * n;
    if (this.#buf.length < need) this.#buf = new Uint8Array(Math.max(need, this.#buf.length * 2));
    const buf = this.#buf, view = new DataView(buf.buffer);
    const out: Uint8Array[] = new Array(n);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const part = record.subarray(i * WAL_SEGMENT_BYTES_MAX, (i + 1) * WAL_SEGMENT_BYTES_MAX);
      view.setUint32(at, n, true);
      buf.set(part, at + 4);
      out[i] = buf.subarray(at, at + 4 + part.length);
      at += 4 + part.length;
    }
    return out;
  }
}

/** Number of segments a record is split into. */
export function recordSegments(record: Uint8Array): number {
  return Math.max(1, Math.ceil(record.length / WAL_SEGMENT_BYTES_MAX));
}

/** Segment count declared by a segment value. */
export function segmentCount(seg: Uint8Array): number {
  if (seg.length < 4) throw new CorruptValueError("WAL segment too short");
  return new DataView(seg.buffer, seg.byteOffset, 4).getUint32(0, true);
}

/** Joins complete segments (in order) back into the record. */
export function joinSegments(segs: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  for (const s of segs) len += s.length - 4;
  const out = new Uint8Array(len);
  let at = 0;
  for (const s of segs) {
    out.set(s.subarray(4), at);
    at += s.length - 4;
  }
  return out;
}
