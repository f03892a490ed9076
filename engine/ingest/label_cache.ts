/**
 * A per-workspace cache from raw label bytes to decoded `Labels`, so that label strings are built
 * only for series not seen recently. The key of a series is its labels in wire order as
 * `name 0xFF value 0xFE ...` (bytes that cannot occur in UTF-8), the same for remote write 1.0
 * and 2.0. Lookups hash the bytes in place (word-at-a-time) and verify them byte for byte on a hit, so a
 * hash collision can never return the wrong series.
 *
 * Eviction is generational: entries live in `current`; when it holds `entriesMax` entries it
 * becomes `previous` and a fresh map starts. A hit in `previous` moves the entry forward. Memory is
 * bounded by 2 × entriesMax entries, and a working set up to entriesMax never misses.
 * A hit returns the same `Labels` object each time, so the store may key per-series state by it.
 */
import type { Label, Labels } from "../model/labels.ts";
import { LABEL_CACHE_ENTRIES_MAX } from "./limits.ts";
import { decodeUtf8 } from "./wire.ts";
import { equalBytesAligned, mixBytes } from "./bytes_hash.ts";

interface Entry {
  key: Uint8Array;
  dv: DataView;
  k32: Uint32Array;
  labels: Labels;
  next: Entry | undefined;
}

/**
 * Hashes the label ranges `[nameStart, nameEnd, valueStart, valueEnd] × n` of `buf` (viewed by
 * `dv`), 4 bytes at a time with a multiply-xorshift mix; names and values are separated so that
 * moving a byte across a boundary changes the hash. Collisions are resolved by `equalKey`.
 */
export function hashLabelRanges(
  buf: Uint8Array,
  dv: DataView,
  ranges: Int32Array,
  n: number,
): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i++) {
    const r = i * 4;
    h = mixRange(h, buf, dv, ranges[r], ranges[r + 1]);
    h = Math.imul(h ^ 0xff, 0x01000193);
    h = mixRange(h, buf, dv, ranges[r + 2], ranges[r + 3]);
    h = Math.imul(h ^ 0xfe, 0x01000193);
  }
  return h & 0x3fffffff; // a Smi: no heap number per lookup
}

function mixRange(h: number, buf: Uint8Array, dv: DataView, s: number, e: number): number {
  let p = s;
  for (; p + 4 <= e; p += 4) {
    h = Math.imul(h ^ dv.getUint32(p, true), 0x9e3779b1);
    h ^= h >>> 15;
  }
  for (; p < e; p++) h = Math.imul(h ^ buf[p], 0x01000193);
  return h;
}

function equalRange(
  buf: Uint8Array,
  dv: DataView,
  s: number,
  e: number,
  key: Uint8Array,
  kdv: DataView,
  k: number,
): boolean {
  let p = s;
  for (; p + 4 <= e; p += 4, k += 4) {
    if (dv.getUint32(p, true) !== kdv.getUint32(k, true)) return false;
  }
  for (; p < e; p++, k++) if (buf[p] !== key[k]) return false;
  return true;
}

function equalKey(
  buf: Uint8Array,
  dv: DataView,
  ranges: Int32Array,
  n: number,
  e: Entry,
): boolean {
  const key = e.key, kdv = e.dv;
  let k = 0;
  const kl = key.length;
  for (let i = 0; i < n; i++) {
    const r = i * 4;
    const ns = ranges[r], ne = ranges[r + 1], vs = ranges[r + 2], ve = ranges[r + 3];
    if (k + (ne - ns) + (ve - vs) + 2 > kl) return false;
    if (!equalRange(buf, dv, ns, ne, key, kdv, k)) return false;
    k += ne - ns;
    if (key[k++] !== 0xff) return false;
    if (!equalRange(buf, dv, vs, ve, key, kdv, k)) return false;
    k += ve - vs;
    if (key[k++] !== 0xfe) return false;
  }
  return k === kl;
}

function makeKey(buf: Uint8Array, ranges: Int32Array, n: number): Uint8Array {
  let len = 0;
  for (let i = 0; i < n; i++) {
    const r = i * 4;
    len += ranges[r + 1] - ranges[r] + ranges[r + 3] - ranges[r + 2] + 2;
  }
  const key = new Uint8Array(len);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const r = i * 4;
    key.set(buf.subarray(ranges[r], ranges[r + 1]), k);
    k += ranges[r + 1] - ranges[r];
    key[k++] = 0xff;
    key.set(buf.subarray(ranges[r + 2], ranges[r + 3]), k);
    k += ranges[r + 3] - ranges[r + 2];
    key[k++] = 0xfe;
  }
  return key;
}

/**
 * Builds sorted `Labels` from label ranges, dropping labels with empty values (Prometheus treats
 * an empty value as absent). Duplicate names are kept, adjacent, for validation to reject.
 */
export function labelsFromRanges(buf: Uint8Array, ranges: Int32Array, n: number): Labels {
  const out: Label[] = [];
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const r = i * 4;
    if (ranges[r + 3] === ranges[r + 2]) continue;
    const label: Label = {
      name: decodeUtf8(buf, ranges[r], ranges[r + 1]),
      value: decodeUtf8(buf, ranges[r + 2], ranges[r + 3]),
    };
    if (sorted && out.length > 0 && out[out.length - 1].name > label.name) sorted = false;
    out.push(label);
  }
  // Clients almost always send sorted labels; sort (stable, n log n) only when they did not.
  if (!sorted) out.sort(compareName);
  return out;
}

function compareName(a: Label, b: Label): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** A generational hash table of byte keys to Labels (see the file comment). */
class GenTable {
  current = new Map<number, Entry>();
  previous = new Map<number, Entry>();
  currentSize = 0;
  constructor(readonly entriesMax: number) {}

  add(h: number, key: Uint8Array, labels: Labels): void {
    if (this.currentSize >= this.entriesMax) {
      this.previous = this.current;
      this.current = new Map();
      this.currentSize = 0;
    }
    const dv = new DataView(key.buffer, key.byteOffset, key.byteLength);
    const k32 = new Uint32Array(key.buffer, key.byteOffset, key.length >>> 2);
    this.current.set(h, { key, dv, k32, labels, next: this.current.get(h) });
    this.currentSize++;
  }
}

function equalRaw(buf: Uint8Array, u32: Uint32Array, s: number, e: number, x: Entry): boolean {
  return x.key.length === e - s && equalBytesAligned(buf, u32, s, e, x.key, x.k32);
}

/**
 * The cache. One per workspace; single-threaded use only. Two tables: label pairs in the
 * version-neutral key form, and raw 1.0 label regions (the bytes of a TimeSeries' consecutive
 * `labels` fields), which lets a 1.0 hit skip parsing the Label messages altogether. Both return
 * the same `Labels` object for the same label set.
 */
export class LabelCache {
  readonly entriesMax: number;
  private readonly pairs: GenTable;
  private readonly raw: GenTable;
  /** Lookups answered from the cache. */
  hits = 0;
  /** Lookups that had to build strings. */
  misses = 0;

  constructor(entriesMax: number = LABEL_CACHE_ENTRIES_MAX) {
    if (!(entriesMax >= 1)) throw new RangeError(`BUG: LabelCache entriesMax ${entriesMax}`);
    this.entriesMax = entriesMax;
    this.pairs = new GenTable(entriesMax);
    this.raw = new GenTable(entriesMax);
  }

  /** Entries held in the pairs table (both generations). */
  get size(): number {
    return this.pairs.currentSize + this.pairs.previous.size;
  }

  /**
   * Returns the `Labels` for the label ranges of `buf`, building and caching them on a miss.
   * Throws `ProtobufDecodeError` on invalid UTF-8.
   */
  labels(buf: Uint8Array, dv: DataView, ranges: Int32Array, n: number): Labels {
    const t = this.pairs;
    const h = hashLabelRanges(buf, dv, ranges, n);
    for (let e = t.current.get(h); e !== undefined; e = e.next) {
      if (equalKey(buf, dv, ranges, n, e)) {
        this.hits++;
        return e.labels;
      }
    }
    for (let e = t.previous.get(h); e !== undefined; e = e.next) {
      if (equalKey(buf, dv, ranges, n, e)) {
        this.hits++;
        t.add(h, e.key, e.labels);
        return e.labels;
      }
    }
    this.misses++;
    const labels = labelsFromRanges(buf, ranges, n);
    t.add(h, makeKey(buf, ranges, n), labels);
    return labels;
  }

  /**
   * Hash of a raw 1.0 label region `buf[s, e)`, for `lookupRaw` and `addRaw`; `u32` is the
   * aligned word view of `buf` (see bytes_hash.ts).
   */
  hashRaw(buf: Uint8Array, u32: Uint32Array, s: number, e: number): number {
    return mixBytes(0x811c9dc5, buf, u32, s, e) & 0x3fffffff; // a Smi: no heap number
  }

  /** The Labels cached for the raw 1.0 label region `buf[s, e)` with hash `h`, or undefined. */
  lookupRaw(
    buf: Uint8Array,
    u32: Uint32Array,
    s: number,
    e: number,
    h: number,
  ): Labels | undefined {
    const t = this.raw;
    for (let x = t.current.get(h); x !== undefined; x = x.next) {
      if (equalRaw(buf, u32, s, e, x)) {
        this.hits++;
        return x.labels;
      }
    }
    for (let x = t.previous.get(h); x !== undefined; x = x.next) {
      if (equalRaw(buf, u32, s, e, x)) {
        this.hits++;
        t.add(h, x.key, x.labels);
        return x.labels;
      }
    }
    return undefined;
  }

  /** Remembers `labels` for the raw 1.0 label region `buf[s, e)` with hash `h`. */
  addRaw(buf: Uint8Array, s: number, e: number, h: number, labels: Labels): void {
    this.raw.add(h, buf.slice(s, e), labels); // slice: a fresh, 4-aligned buffer
  }
}
