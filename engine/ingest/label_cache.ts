/**
 * A per-workspace cache from raw label bytes to decoded `Labels`, so that label strings are built
 * only for series not seen recently. The key of a series is its labels in wire order as
 * `name 0xFF value 0xFE ...` (bytes that cannot occur in UTF-8), the same for remote write 1.0
 * and 2.0. Lookups hash the bytes in place (word-at-a-time) and verify them byte for byte on a hit, so a
 * hash collision can never return the wrong series.
 *
 * Eviction is generational: entries live in `current`; when it holds `entriesMax` entries (or
 * its key arena `entriesMax` KiB) it becomes `previous` and a fresh one starts. A hit in
 * `previous` moves the entry forward. If a generation fills within 5 minutes (the working set is
 * bigger than it), `entriesMax` doubles instead, up to `entriesCap`. Memory is bounded by two
 * generations of at most `entriesCap`, and a working set up to entriesMax never misses. Keys live
 * in byte blocks per generation (no per-entry buffers, so the GC sees one object per entry), and
 * label strings and label pairs are interned.
 * A hit returns the same `Labels` object each time, so the store may key per-series state by it.
 */
import type { Label, Labels } from "../model/labels.ts";
import { LABEL_CACHE_ENTRIES_CAP, LABEL_CACHE_ENTRIES_MAX, LABEL_PAIRS_MAX } from "./limits.ts";
import { decodeUtf8 } from "./wire.ts";
import { equalBytesAligned, mixBytes } from "./bytes_hash.ts";
import { StringTable } from "./string_table.ts";

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
  // slice(): an exact-size packed copy (push leaves ~50% spare capacity, 8 B per slot in Deno).
  return out.slice();
}

function compareName(a: Label, b: Label): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Interned `Label` objects by (name id, value id) of a `StringTable`, so that series sharing a
 * pair (`job="api"`, `env="production"`, ...) share one immutable Label object: at 8-12 labels
 * per series most pairs repeat, and a Label is ~40 bytes of heap each. Open addressing (load
 * <= 1/2) in typed arrays: slot i holds keys[2i] = name id + 1 (0 = empty), keys[2i + 1] =
 * value id, and labels[i]. Valid for one `epoch` of the string table; bounded by `LABEL_PAIRS_MAX`.
 */
export class LabelPairs {
  private keys = new Int32Array(2 * 1024);
  private labels: (Label | undefined)[] = filledArray(1024);
  private mask = 1023;
  private size = 0;
  private epoch: number;

  constructor(readonly strings: StringTable) {
    this.epoch = strings.epoch;
  }

  /** Distinct pairs held. */
  get count(): number {
    return this.size;
  }

  /**
   * The Label for string ids `name` and `value` (both >= 0, of the table's current epoch),
   * created on first use.
   */
  get(name: number, value: number): Label {
    if (this.epoch !== this.strings.epoch || this.size >= LABEL_PAIRS_MAX) this.reset();
    const k = this.keys, mask = this.mask, tag = name + 1;
    let h = Math.imul(name, 0x9e3779b1) ^ value;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
    h ^= h >>> 13;
    let i = h & mask;
    for (let x = k[2 * i]; x !== 0; i = (i + 1) & mask, x = k[2 * i]) {
      if (x === tag && k[2 * i + 1] === value) return this.labels[i]!;
    }
    const strs = this.strings.strings;
    const label: Label = { name: strs[name], value: strs[value] };
    k[2 * i] = tag;
    k[2 * i + 1] = value;
    this.labels[i] = label;
    if (++this.size * 2 > mask + 1) this.grow();
    return label;
  }

  private grow(): void {
    const old = this.keys, oldLabels = this.labels, oldCap = this.mask + 1;
    const cap = oldCap * 2;
    this.keys = new Int32Array(2 * cap);
    this.labels = filledArray(cap);
    this.mask = cap - 1;
    const k = this.keys, mask = this.mask;
    for (let j = 0; j < oldCap; j++) {
      const x = old[2 * j];
      if (x === 0) continue;
      const name = x - 1, value = old[2 * j + 1];
      let h = Math.imul(name, 0x9e3779b1) ^ value;
      h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
      h ^= h >>> 13;
      let i = h & mask;
      while (k[2 * i] !== 0) i = (i + 1) & mask;
      k[2 * i] = x;
      k[2 * i + 1] = value;
      this.labels[i] = oldLabels[j];
    }
  }

  private reset(): void {
    this.keys = new Int32Array(2 * 1024);
    this.labels = filledArray(1024);
    this.mask = 1023;
    this.size = 0;
    this.epoch = this.strings.epoch;
  }
}

/**
 * `labelsFromRanges` with interned strings and shared Label objects (see `LabelPairs`); labels
 * whose text is too long to intern get their own Label.
 */
function labelsFromRangesShared(
  buf: Uint8Array,
  ranges: Int32Array,
  n: number,
  strings: StringTable,
  u32: Uint32Array,
  pairs: LabelPairs,
): Labels {
  const out: Label[] = [];
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const r = i * 4;
    if (ranges[r + 3] === ranges[r + 2]) continue;
    const epoch = strings.epoch;
    let name = strings.id(buf, u32, ranges[r], ranges[r + 1]);
    const value = strings.id(buf, u32, ranges[r + 2], ranges[r + 3]);
    // Interning the value may have reset the table, which invalidates the name's id.
    if (strings.epoch !== epoch) name = strings.id(buf, u32, ranges[r], ranges[r + 1]);
    const label: Label = name >= 0 && value >= 0 ? pairs.get(name, value) : {
      name: name >= 0 ? strings.strings[name] : decodeUtf8(buf, ranges[r], ranges[r + 1]),
      value: value >= 0 ? strings.strings[value] : decodeUtf8(buf, ranges[r + 2], ranges[r + 3]),
    };
    if (sorted && out.length > 0 && out[out.length - 1].name > label.name) sorted = false;
    out.push(label);
  }
  if (!sorted) out.sort(compareName);
  return out.slice();
}

/**
 * A generation that fills within this window grows the table instead of rotating: Prometheus
 * revisits every active series each scrape interval (typically 15-60 s), so a fill this fast means
 * the working set exceeds the generation.
 */
const GROW_WINDOW_MS = 5 * 60 * 1000;

/** Keys longer than this are not cached (such label sets fail validation: > 7 KB). */
const KEY_BYTES_MAX = 8192;

/** Key offsets are `block << BLOCK_SHIFT | offset in block`. */
const BLOCK_SHIFT = 20;
const BLOCK_MASK = (1 << BLOCK_SHIFT) - 1;
/** Blocks per generation (offsets stay below 2^31). */
const BLOCKS_MAX = 2047;
/** Size of the first key block; later ones double up to 1 << BLOCK_SHIFT. */
const BLOCK_FIRST = 1 << 16;

/**
 * One generation: an open-addressing hash table (linear probing, load <= 1/2) in typed arrays
 * plus the byte blocks holding the keys. Slot i: meta[3i] = hash + 1 (0 = empty), meta[3i + 1]
 * = key offset (`block << BLOCK_SHIFT | offset`, 4-aligned), meta[3i + 2] = key length;
 * labels[i] = the Labels. A lookup touches one slot run and the key bytes, not a chain of heap
 * objects. Keys go into blocks of at most 1 MiB that are never copied: one arena grown by
 * doubling held the old copy (16 MiB at 100k series) until the next full GC, and up to half its
 * size in spare capacity.
 */
class Generation {
  constructor(readonly startedMs: number) {}
  meta = new Int32Array(3 * 1024);
  labels: (Labels | undefined)[] = filledArray(1024);
  mask = 1023;
  size = 0;
  blocks: Uint8Array[] = [new Uint8Array(BLOCK_FIRST)];
  b32: Uint32Array[] = [new Uint32Array(this.blocks[0].buffer)];
  bdv: DataView[] = [new DataView(this.blocks[0].buffer)];
  /** Bytes used in the last block. */
  used = 0;
  /** Key bytes held (with alignment). */
  bytes = 0;

  /** True when no further block may be added. */
  get blocksFull(): boolean {
    return this.blocks.length >= BLOCKS_MAX;
  }

  /** Reserves `len` bytes (<= 1 << BLOCK_SHIFT, 4-aligned start) and returns the offset. */
  alloc(len: number): number {
    const need = (len + 3) & ~3;
    let b = this.blocks.length - 1;
    if (this.used + need > this.blocks[b].length) {
      const size = Math.min(this.blocks[b].length * 2, 1 << BLOCK_SHIFT);
      const block = new Uint8Array(size);
      this.blocks.push(block);
      this.b32.push(new Uint32Array(block.buffer));
      this.bdv.push(new DataView(block.buffer));
      this.used = 0;
      b++;
    }
    const off = (b << BLOCK_SHIFT) | this.used;
    this.used += need;
    this.bytes += need;
    return off;
  }

  /** Copies `src` to the key at `off`. */
  write(src: Uint8Array, off: number): void {
    this.blocks[off >>> BLOCK_SHIFT].set(src, off & BLOCK_MASK);
  }

  /** The `len` key bytes at `off` (a view). */
  view(off: number, len: number): Uint8Array {
    const at = off & BLOCK_MASK;
    return this.blocks[off >>> BLOCK_SHIFT].subarray(at, at + len);
  }

  /** Inserts a slot (no duplicate check: callers looked up first). */
  insert(h: number, off: number, len: number, labels: Labels): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const m = this.meta, mask = this.mask;
    let i = h & mask;
    while (m[3 * i] !== 0) i = (i + 1) & mask;
    m[3 * i] = h + 1;
    m[3 * i + 1] = off;
    m[3 * i + 2] = len;
    this.labels[i] = labels;
    this.size++;
  }

  private grow(): void {
    const old = this.meta, oldLabels = this.labels, oldCap = this.mask + 1;
    const cap = oldCap * 2;
    this.meta = new Int32Array(3 * cap);
    this.labels = filledArray(cap);
    this.mask = cap - 1;
    this.size = 0;
    for (let i = 0; i < oldCap; i++) {
      if (old[3 * i] !== 0) {
        this.insert(old[3 * i] - 1, old[3 * i + 1], old[3 * i + 2], oldLabels[i]!);
      }
    }
  }
}

function equalInts(ids: Int32Array, n: number, a32: Uint32Array, w: number): boolean {
  for (let i = 0; i < n; i++) if ((ids[i] >>> 0) !== a32[w + i]) return false;
  return true;
}

/**
 * An array of `n` undefined in fast (packed) mode: `new Array(n)` for large n makes a
 * dictionary-mode array in V8, slow and ~3x larger.
 */
function filledArray<T>(n: number): (T | undefined)[] {
  const a: (T | undefined)[] = [];
  for (let i = 0; i < n; i++) a.push(undefined);
  return a;
}

/** A generational table of byte keys to Labels. */
class GenTable {
  current: Generation;
  previous = new Generation(0);
  /** Entries per generation; doubles (up to `entriesCap`) when the working set is larger. */
  entriesMax: number;
  constructor(entriesMax: number, readonly entriesCap: number, readonly clock: () => number) {
    this.entriesMax = entriesMax;
    this.current = new Generation(clock());
  }

  /** Adds an entry and returns the arena offset where the caller writes its `len` key bytes. */
  add(h: number, len: number, labels: Labels): number {
    let g = this.current;
    if (g.size >= this.entriesMax || g.bytes + len > this.entriesMax * 1024 || g.blocksFull) {
      // A generation that filled up within one revisit window holds a working set, not churn:
      // rotating would evict series still in use (every request would miss), so grow instead.
      const now = this.clock();
      if (now - g.startedMs < GROW_WINDOW_MS && this.entriesMax * 2 <= this.entriesCap) {
        this.entriesMax *= 2;
      } else {
        this.previous = g;
        this.current = g = new Generation(now);
      }
    }
    const off = g.alloc(len);
    g.insert(h, off, len, labels);
    return off;
  }

  /** Copies slot `i` of `previous` into `current`. */
  promote(h: number, i: number): void {
    const p = this.previous;
    const off0 = p.meta[3 * i + 1], len = p.meta[3 * i + 2];
    const off = this.add(h, len, p.labels[i]!);
    // add() may have rotated generations; the source blocks are still referenced by `p`.
    this.current.write(p.view(off0, len), off);
  }
}

function equalPairs(
  buf: Uint8Array,
  dv: DataView,
  ranges: Int32Array,
  n: number,
  g: Generation,
  off: number,
  len: number,
): boolean {
  const key = g.blocks[off >>> BLOCK_SHIFT], kdv = g.bdv[off >>> BLOCK_SHIFT];
  let k = off & BLOCK_MASK;
  const kend = k + len;
  for (let i = 0; i < n; i++) {
    const r = i * 4;
    const ns = ranges[r], ne = ranges[r + 1], vs = ranges[r + 2], ve = ranges[r + 3];
    if (k + (ne - ns) + (ve - vs) + 2 > kend) return false;
    if (!equalRange(buf, dv, ns, ne, key, kdv, k)) return false;
    k += ne - ns;
    if (key[k++] !== 0xff) return false;
    if (!equalRange(buf, dv, vs, ve, key, kdv, k)) return false;
    k += ve - vs;
    if (key[k++] !== 0xfe) return false;
  }
  return k === kend;
}

function pairsKeyLength(ranges: Int32Array, n: number): number {
  let len = 0;
  for (let i = 0; i < n; i++) {
    const r = i * 4;
    len += ranges[r + 1] - ranges[r] + ranges[r + 3] - ranges[r + 2] + 2;
  }
  return len;
}

function writePairsKey(buf: Uint8Array, ranges: Int32Array, n: number, key: Uint8Array, k: number) {
  for (let i = 0; i < n; i++) {
    const r = i * 4;
    key.set(buf.subarray(ranges[r], ranges[r + 1]), k);
    k += ranges[r + 1] - ranges[r];
    key[k++] = 0xff;
    key.set(buf.subarray(ranges[r + 2], ranges[r + 3]), k);
    k += ranges[r + 3] - ranges[r + 2];
    key[k++] = 0xfe;
  }
}

/**
 * The cache. One per workspace; single-threaded use only. Two tables: label pairs in the
 * version-neutral key form (2.0, and 1.0 series whose label fields are not adjacent), and raw
 * 1.0 label regions (the bytes of a TimeSeries' consecutive `labels` fields), which lets a 1.0
 * hit skip parsing the Label messages altogether.
 */
export class LabelCache {
  readonly entriesMax: number;
  readonly entriesCap: number;
  private readonly clock: () => number;
  private readonly pairs: GenTable;
  private readonly raw: GenTable;
  /** 2.0 series keyed by their label string ids; valid for `idsEpoch` of `strings`. */
  private ids: GenTable;
  private idsEpoch = 0;
  /** The workspace's interned label strings. */
  readonly strings: StringTable;
  /** Shared Label objects by string ids. */
  readonly labelPairs: LabelPairs;
  /** Lookups answered from the cache. */
  hits = 0;
  /** Lookups that had to build strings. */
  misses = 0;

  /**
   * `entriesMax`: initial entries per generation (grows up to `opts.entriesCap` when the working
   * set is larger); `stringsMax`: interned strings before a reset; `opts.clock`: wall clock, ms.
   */
  constructor(
    entriesMax: number = LABEL_CACHE_ENTRIES_MAX,
    stringsMax?: number,
    opts: { entriesCap?: number; clock?: () => number } = {},
  ) {
    if (!(entriesMax >= 1)) throw new RangeError(`BUG: LabelCache entriesMax ${entriesMax}`);
    this.entriesMax = entriesMax;
    this.entriesCap = Math.max(entriesMax, opts.entriesCap ?? LABEL_CACHE_ENTRIES_CAP);
    this.clock = opts.clock ?? Date.now;
    this.strings = new StringTable(stringsMax);
    this.labelPairs = new LabelPairs(this.strings);
    this.pairs = new GenTable(entriesMax, this.entriesCap, this.clock);
    this.raw = new GenTable(entriesMax, this.entriesCap, this.clock);
    this.ids = new GenTable(entriesMax, this.entriesCap, this.clock);
  }

  /** Entries held in both tables and generations. */
  get size(): number {
    return this.pairs.current.size + this.pairs.previous.size +
      this.raw.current.size + this.raw.previous.size +
      this.ids.current.size + this.ids.previous.size;
  }

  /**
   * Returns the `Labels` for the label ranges of `buf`, building and caching them on a miss.
   * Throws `ProtobufDecodeError` on invalid UTF-8.
   */
  labels(buf: Uint8Array, dv: DataView, u32: Uint32Array, ranges: Int32Array, n: number): Labels {
    const t = this.pairs;
    const h = hashLabelRanges(buf, dv, ranges, n);
    for (let gen = 0; gen < 2; gen++) {
      const g = gen === 0 ? t.current : t.previous;
      const m = g.meta, mask = g.mask, tag = h + 1;
      for (let i = h & mask, x = m[3 * i]; x !== 0; i = (i + 1) & mask, x = m[3 * i]) {
        if (x === tag && equalPairs(buf, dv, ranges, n, g, m[3 * i + 1], m[3 * i + 2])) {
          this.hits++;
          const labels = g.labels[i]!;
          if (gen === 1) t.promote(h, i);
          return labels;
        }
      }
    }
    const labels = this.build(buf, u32, ranges, n);
    const len = pairsKeyLength(ranges, n);
    if (len <= KEY_BYTES_MAX) {
      const off = t.add(h, len, labels);
      writePairsKey(buf, ranges, n, t.current.blocks[off >>> BLOCK_SHIFT], off & BLOCK_MASK);
    }
    return labels;
  }

  /**
   * Builds Labels for ranges of `buf` without caching them (counted as a miss), with interned
   * strings. Throws `ProtobufDecodeError` on invalid UTF-8.
   */
  build(buf: Uint8Array, u32: Uint32Array, ranges: Int32Array, n: number): Labels {
    this.misses++;
    return labelsFromRangesShared(buf, ranges, n, this.strings, u32, this.labelPairs);
  }

  /**
   * The Labels for a series given as string ids `[name, value] × n` of `strings` (ids from
   * `strings.id()` in the current `strings.epoch`), building and caching them on a miss.
   * Used by 2.0, whose symbols map to ids once per request.
   */
  labelsByIds(ids: Int32Array, n: number): Labels {
    if (this.idsEpoch !== this.strings.epoch) {
      // Ids of an older epoch mean other strings now.
      this.ids = new GenTable(this.entriesMax, this.entriesCap, this.clock);
      this.idsEpoch = this.strings.epoch;
    }
    const t = this.ids;
    const words = 2 * n;
    let h = 0x811c9dc5;
    for (let i = 0; i < words; i++) {
      h = Math.imul(h ^ ids[i], 0x9e3779b1);
      h ^= h >>> 15;
    }
    h &= 0x3fffffff;
    for (let gen = 0; gen < 2; gen++) {
      const g = gen === 0 ? t.current : t.previous;
      const m = g.meta, mask = g.mask, tag = h + 1;
      for (let i = h & mask, x = m[3 * i]; x !== 0; i = (i + 1) & mask, x = m[3 * i]) {
        if (
          x === tag && m[3 * i + 2] === 4 * words &&
          equalInts(
            ids,
            words,
            g.b32[m[3 * i + 1] >>> BLOCK_SHIFT],
            (m[3 * i + 1] & BLOCK_MASK) >>> 2,
          )
        ) {
          this.hits++;
          const labels = g.labels[i]!;
          if (gen === 1) t.promote(h, i);
          return labels;
        }
      }
    }
    this.misses++;
    const strs = this.strings.strings, pairs = this.labelPairs;
    const out: Label[] = [];
    let sorted = true;
    for (let i = 0; i < words; i += 2) {
      if (strs[ids[i + 1]] === "") continue;
      const label = pairs.get(ids[i], ids[i + 1]);
      if (sorted && out.length > 0 && out[out.length - 1].name > label.name) sorted = false;
      out.push(label);
    }
    if (!sorted) out.sort(compareName);
    const labels = out.slice();
    if (4 * words <= KEY_BYTES_MAX) {
      const off = t.add(h, 4 * words, labels);
      t.current.b32[off >>> BLOCK_SHIFT].set(ids.subarray(0, words), (off & BLOCK_MASK) >>> 2);
    }
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
    const len = e - s;
    for (let gen = 0; gen < 2; gen++) {
      const g = gen === 0 ? t.current : t.previous;
      const m = g.meta, mask = g.mask, tag = h + 1;
      for (let i = h & mask, x = m[3 * i]; x !== 0; i = (i + 1) & mask, x = m[3 * i]) {
        if (
          x === tag && m[3 * i + 2] === len &&
          equalBytesAligned(
            buf,
            u32,
            s,
            e,
            g.blocks[m[3 * i + 1] >>> BLOCK_SHIFT],
            g.b32[m[3 * i + 1] >>> BLOCK_SHIFT],
            m[3 * i + 1] & BLOCK_MASK,
          )
        ) {
          this.hits++;
          const labels = g.labels[i]!;
          if (gen === 1) t.promote(h, i);
          return labels;
        }
      }
    }
    return undefined;
  }

  /** Remembers `labels` for the raw 1.0 label region `buf[s, e)` with hash `h`. */
  addRaw(buf: Uint8Array, s: number, e: number, h: number, labels: Labels): void {
    if (e - s > KEY_BYTES_MAX) return;
    const off = this.raw.add(h, e - s, labels);
    this.raw.current.write(buf.subarray(s, e), off);
  }
}
