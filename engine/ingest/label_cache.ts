/**
 * A per-workspace cache from raw label bytes to decoded `Labels`, so that label strings are built
 * only for series not seen recently. The key of a series is its labels in wire order as
 * `name 0xFF value 0xFE ...` (bytes that cannot occur in UTF-8), the same for remote write 1.0
 * and 2.0. Lookups hash the bytes in place (FNV-1a) and verify them byte for byte on a hit, so a
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

interface Entry {
  key: Uint8Array;
  labels: Labels;
  next: Entry | undefined;
}

/** FNV-1a over the label ranges `[nameStart, nameEnd, valueStart, valueEnd] × n` of `buf`. */
export function hashLabelRanges(buf: Uint8Array, ranges: Int32Array, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i++) {
    const r = i * 4;
    for (let p = ranges[r], e = ranges[r + 1]; p < e; p++) h = Math.imul(h ^ buf[p], 16777619);
    h = Math.imul(h ^ 0xff, 16777619);
    for (let p = ranges[r + 2], e = ranges[r + 3]; p < e; p++) h = Math.imul(h ^ buf[p], 16777619);
    h = Math.imul(h ^ 0xfe, 16777619);
  }
  return h >>> 0;
}

function equalKey(buf: Uint8Array, ranges: Int32Array, n: number, key: Uint8Array): boolean {
  let k = 0;
  const kl = key.length;
  for (let i = 0; i < n; i++) {
    const r = i * 4;
    const ns = ranges[r], ne = ranges[r + 1], vs = ranges[r + 2], ve = ranges[r + 3];
    if (k + (ne - ns) + (ve - vs) + 2 > kl) return false;
    for (let p = ns; p < ne; p++) if (key[k++] !== buf[p]) return false;
    if (key[k++] !== 0xff) return false;
    for (let p = vs; p < ve; p++) if (key[k++] !== buf[p]) return false;
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

/** The cache. One per workspace; single-threaded use only. */
export class LabelCache {
  readonly entriesMax: number;
  private current = new Map<number, Entry>();
  private previous = new Map<number, Entry>();
  private currentSize = 0;
  /** Lookups answered from the cache. */
  hits = 0;
  /** Lookups that had to build strings. */
  misses = 0;

  constructor(entriesMax: number = LABEL_CACHE_ENTRIES_MAX) {
    if (!(entriesMax >= 1)) throw new RangeError(`BUG: LabelCache entriesMax ${entriesMax}`);
    this.entriesMax = entriesMax;
  }

  /** Entries held (both generations). */
  get size(): number {
    return this.currentSize + this.previous.size;
  }

  /**
   * Returns the `Labels` for the label ranges of `buf`, building and caching them on a miss.
   * Throws `ProtobufDecodeError` on invalid UTF-8.
   */
  labels(buf: Uint8Array, ranges: Int32Array, n: number): Labels {
    const h = hashLabelRanges(buf, ranges, n);
    for (let e = this.current.get(h); e !== undefined; e = e.next) {
      if (equalKey(buf, ranges, n, e.key)) {
        this.hits++;
        return e.labels;
      }
    }
    for (let e = this.previous.get(h); e !== undefined; e = e.next) {
      if (equalKey(buf, ranges, n, e.key)) {
        this.hits++;
        this.add(h, e.key, e.labels);
        return e.labels;
      }
    }
    this.misses++;
    const labels = labelsFromRanges(buf, ranges, n);
    this.add(h, makeKey(buf, ranges, n), labels);
    return labels;
  }

  private add(h: number, key: Uint8Array, labels: Labels): void {
    if (this.currentSize >= this.entriesMax) {
      this.previous = this.current;
      this.current = new Map();
      this.currentSize = 0;
    }
    this.current.set(h, { key, labels, next: this.current.get(h) });
    this.currentSize++;
  }
}
