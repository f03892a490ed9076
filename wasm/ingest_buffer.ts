/**
 * The process-wide buffer remote-write requests are decoded in: snappy blocks are decompressed
 * straight into one WASM instance's memory (no copy out, no per-request allocation), and raw
 * label regions are hashed there with 64-bit arithmetic. The decoder reads the returned view
 * synchronously; it is valid until the next call of `decodeSnappy()` or `adopt()`.
 * @module
 */
import { type Exports, instantiate } from "./_loader.ts";

/** Bytes kept readable/writable after the input and output areas (SNAPPY_SLACK in snappy.ts). */
const SLACK = 32;

/** What each negative return of `snappy_decode` means (for logs; the answer is fixed). */
const SNAPPY_ERRORS: Record<number, string> = {
  [-1]: "corrupt input: bad length header",
  [-2]: "corrupt input: literal runs past the end of the input or output",
  [-3]: "corrupt input: truncated tag",
  [-4]: "corrupt input: copy offset out of range",
  [-5]: "corrupt input: copy runs past the end of the output",
  [-6]: "corrupt input: decoded fewer bytes than the header said",
};

/** A corrupt snappy block; `detail` says what was wrong. */
export class SnappyBlockError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = "SnappyBlockError";
  }
}

/** The decode buffer. Single-threaded; views it returns are valid until its next call. */
export class IngestBuffer {
  readonly #x: Exports = instantiate();
  #ptr = 0;
  #cap = 0;

  /** The instance's memory (its buffer changes identity when the memory grows). */
  get memory(): WebAssembly.Memory {
    return this.#x.memory;
  }

  /**
   * Scratch of at least `bytes` bytes, 8-aligned. It grows to the largest request seen (bounded
   * by the decompressed-size limit) and is reused; WASM memory cannot shrink, and the instance
   * cannot be replaced because the workspaces' label indexes live in it.
   */
  #reserve(bytes: number): number {
    if (bytes > this.#cap) {
      this.#ptr = this.#x.io_reserve(bytes);
      this.#cap = bytes;
    }
    return this.#ptr;
  }

  /** @internal the instance's exports (for `RegionIndex`). */
  get exports(): Exports {
    return this.#x;
  }

  /**
   * `view` itself, or, when a call that grew the memory detached it, a new view of the same
   * bytes (`offset` and `length` as they were).
   */
  refresh(view: Uint8Array, offset: number, length: number): Uint8Array {
    if (view.buffer === this.#x.memory.buffer) return view;
    return new Uint8Array(this.#x.memory.buffer, offset, length);
  }

  /**
   * Decompresses a snappy block whose header declares `declared` bytes (already checked against
   * the caller's limit) and returns a view of the result in WASM memory (4-aligned). Throws
   * `SnappyBlockError` when the block is corrupt.
   */
  decodeSnappy(block: Uint8Array, declared: number): Uint8Array {
    const srcOff = 0;
    const dstOff = (block.length + SLACK + 7) & ~7;
    const base = this.#reserve(dstOff + declared + SLACK);
    const mem = new Uint8Array(this.#x.memory.buffer);
    mem.set(block, base + srcOff);
    const rc = this.#x.snappy_decode(base + srcOff, block.length, base + dstOff, declared);
    if (rc !== 0) throw new SnappyBlockError(SNAPPY_ERRORS[rc] ?? `corrupt input (${rc})`);
    return new Uint8Array(this.#x.memory.buffer, base + dstOff, declared);
  }

  /** `bytes` itself when it is a view of this buffer's memory, else a copy into it. */
  adopt(bytes: Uint8Array): Uint8Array {
    if (bytes.buffer === this.#x.memory.buffer && bytes.byteOffset % 4 === 0) return bytes;
    const base = this.#reserve(bytes.length + SLACK);
    const view = new Uint8Array(this.#x.memory.buffer, base, bytes.length);
    view.set(bytes);
    return view;
  }

  /**
   * The fast remote write 1.0 walk (wasm/assembly/rw1_walk.ts) of `view`, which came from
   * `decodeSnappy` or `adopt` with nothing called on this buffer since: undefined when the
   * request needs the general walk (anything but series of contiguous label fields and in-order
   * float samples, or more than `seriesMax` series). Its views are valid until the next call on
   * this buffer; the call may have grown the memory, so `view` needs `refresh` afterwards.
   */
  walkV1(view: Uint8Array, seriesMax: number): V1Walk | undefined {
    const x = this.#x;
    const n = x.rw1_walk(view.byteOffset, view.length, seriesMax);
    if (n < 0) return undefined;
    const mem = x.memory.buffer;
    const o = new Uint32Array(mem, x.rw1_out(), 4);
    const samples = o[3];
    return {
      series: n,
      regions: new Int32Array(mem, o[0], 5 * n),
      t: new Float64Array(mem, o[1], samples),
      v: new Float64Array(mem, o[2], samples),
    };
  }

  /**
   * A 30-bit hash (a Smi) of `view[s, e)`, where `view` came from `decodeSnappy` or `adopt` and
   * nothing was called on this buffer since. The same bytes always hash the same.
   */
  hash(view: Uint8Array, s: number, e: number): number {
    return this.#x.hash_bytes(view.byteOffset + s, e - s);
  }
}

/**
 * What `IngestBuffer.walkV1` found: per series five ints {label region start, end (-1, -1 when
 * the series has no label field), series message start, end (offsets into the request), end of
 * its samples in `t`/`v`}; the request's timestamps and values (raw bits) in order.
 */
export interface V1Walk {
  series: number;
  regions: Int32Array;
  t: Float64Array;
  v: Float64Array;
}

let shared: IngestBuffer | undefined;

/** The process's decode buffer (remote-write decoding is synchronous, so one is enough). */
export function ingestBuffer(): IngestBuffer {
  return shared ??= new IngestBuffer();
}

/** `lx_lookup_many`'s hash of a key it found by following the insertion order (not computed). */
const HASH_NONE = 0xffffffff;

/** Options of a `RegionIndex` (the label cache's generation policy). */
export interface RegionIndexOptions {
  /** Initial entries per generation. */
  entriesMax: number;
  /** Largest generation (entries) it grows to. */
  entriesCap: number;
  /** A generation that fills within this many ms grows instead of rotating. */
  growWindowMs: number;
  /** Wall clock, ms. */
  clock: () => number;
}

const indexes = new FinalizationRegistry<{ x: Exports; ptr: number }>(({ x, ptr }) => {
  x.lx_destroy(ptr);
});

/**
 * An index from byte regions of requests decoded in an `IngestBuffer` to values of type `T`
 * (remote write 1.0 raw label regions to Labels), held in the buffer's WASM memory: one call
 * hashes, probes and compares a whole request's regions in place (wasm/assembly/label_index.ts).
 * Eviction is the label cache's: two generations; the current one holds `entriesMax` entries
 * (or `entriesMax` KiB of keys), then becomes the previous one, unless it filled within
 * `growWindowMs`, in which case `entriesMax` doubles up to `entriesCap`. A hit in the previous
 * generation moves the entry forward. Memory is bounded by two generations of `entriesCap`.
 * Keys longer than `keyBytesMax` are not indexed.
 */
export class RegionIndex<T> {
  readonly #buf: IngestBuffer;
  readonly #x: Exports;
  readonly #ptr: number;
  readonly #opts: RegionIndexOptions;
  readonly #keyBytesMax: number;
  #entriesMax: number;
  #startedMs: number;
  #cur: T[] = [];
  #prev: T[] = [];
  /** A mark per entry (see `markAt`), beside `#cur` and `#prev`. */
  #curMarks: unknown[] = [];
  #prevMarks: unknown[] = [];
  /** Per region of the last lookup: its entry in the current generation once resolved, or -1. */
  #entryOf = new Int32Array(256);
  /** `#rotations` when `#entryOf` was set (a later rotation moved those entries to `#prev`). */
  #entryRot = new Float64Array(256);
  /** Rotations so far; results of a lookup made before a rotation are re-resolved. */
  #rotations = 0;
  // Results of the last lookupMany.
  #ids = new Int32Array(256);
  #hashes = new Uint32Array(256);
  #starts = new Int32Array(256);
  #ends = new Int32Array(256);
  #n = 0;
  #base = 0;
  #rotationsAtLookup = 0;

  constructor(buf: IngestBuffer, opts: RegionIndexOptions, keyBytesMax: number) {
    this.#buf = buf;
    this.#x = buf.exports;
    this.#ptr = this.#x.lx_create();
    this.#opts = opts;
    this.#keyBytesMax = keyBytesMax;
    this.#entriesMax = opts.entriesMax;
    this.#startedMs = opts.clock();
    indexes.register(this, { x: this.#x, ptr: this.#ptr });
  }

  /** Entries in both generations. */
  get size(): number {
    return this.#cur.length + this.#prev.length;
  }

  /**
   * Looks up `n` regions `view[ranges[2k], ranges[2k + 1])` (an empty range is a miss); read the
   * results with `valueAt(k)`. `view` must come from this index's buffer.
   */
  lookupMany(view: Uint8Array, ranges: Int32Array, n: number): void {
    if (this.#ids.length < n || (this.#ids.length > 65536 && n <= 65536)) {
      // Grown for this request, or back down after an unusually large one.
      let cap = 256;
      while (cap < n) cap *= 2;
      this.#ids = new Int32Array(cap);
      this.#hashes = new Uint32Array(cap);
      this.#starts = new Int32Array(cap);
      this.#ends = new Int32Array(cap);
      this.#entryOf = new Int32Array(cap);
      this.#entryRot = new Float64Array(cap);
    }
    this.#entryOf.fill(-1, 0, n);
    const base = view.byteOffset;
    const x = this.#x;
    const io = x.lx_io(n * 16); // may grow memory: addresses only from here on
    const mem = new Uint32Array(x.memory.buffer, io, n * 4);
    for (let k = 0; k < n; k++) {
      const s = ranges[2 * k], e = ranges[2 * k + 1];
      this.#starts[k] = s;
      this.#ends[k] = e;
      const long = e - s > this.#keyBytesMax;
      mem[2 * k] = base + s;
      mem[2 * k + 1] = long ? base + s : base + e;
    }
    x.lx_lookup_many(this.#ptr, io, n, io + 8 * n, io + 12 * n);
    const out = new Int32Array(x.memory.buffer, io + 8 * n, n);
    const hs = new Uint32Array(x.memory.buffer, io + 12 * n, n);
    this.#ids.set(out);
    this.#hashes.set(hs);
    this.#n = n;
    this.#base = base;
    this.#rotationsAtLookup = this.#rotations;
  }

  /** The value found for region `k` of the last lookup (moved forward if it was old), or undefined. */
  valueAt(k: number): T | undefined {
    if (!(k < this.#n)) throw new RangeError(`BUG: RegionIndex.valueAt(${k}) of ${this.#n}`);
    const id = this.#ids[k];
    if (id === -1) return undefined;
    const age = this.#rotations - this.#rotationsAtLookup;
    if (id >= 0 && age === 0) {
      this.#entryOf[k] = id;
      this.#entryRot[k] = this.#rotations;
      return this.#cur[id];
    }
    if (id >= 0 && age === 1) return this.#promote(id, this.#hashes[k], k);
    if (id <= -2 && age === 0) return this.#promote(-2 - id, this.#hashes[k], k);
    return undefined; // its generation is gone
  }

  #promote(e: number, h: number, k: number): T {
    const value = this.#prev[e];
    // A current-generation hit found by following the insertion order comes without its hash.
    if (h === HASH_NONE) {
      h = this.#x.hash_bytes(this.#base + this.#starts[k], this.#ends[k] - this.#starts[k]);
    }
    this.#beforeAdd(0);
    // #beforeAdd may have rotated: the entry's generation is then gone; add it from the region.
    const gone = this.#rotations - this.#rotationsAtLookup !== (this.#ids[k] >= 0 ? 1 : 0);
    const got = gone
      ? this.#x.lx_insert(
        this.#ptr,
        this.#base + this.#starts[k],
        this.#ends[k] - this.#starts[k],
        h,
      )
      : this.#x.lx_promote(this.#ptr, e, h);
    if (got !== this.#cur.length) throw new Error(`BUG: RegionIndex entry ${got}`);
    this.#cur.push(value);
    this.#curMarks.push(gone ? undefined : this.#prevMarks[e]);
    this.#entryOf[k] = got;
    this.#entryRot[k] = this.#rotations;
    return value;
  }

  /** Remembers `value` for region `k` of the last lookup (which missed). */
  add(k: number, value: T): void {
    const s = this.#starts[k], e = this.#ends[k];
    if (e <= s || e - s > this.#keyBytesMax) return;
    this.#beforeAdd(e - s);
    const got = this.#x.lx_insert(this.#ptr, this.#base + s, e - s, this.#hashes[k]);
    if (got !== this.#cur.length) throw new Error(`BUG: RegionIndex entry ${got}`);
    this.#cur.push(value);
    this.#curMarks.push(undefined);
    this.#entryOf[k] = got;
    this.#entryRot[k] = this.#rotations;
  }

  /**
   * The mark of the entry that region `k` of the last lookup resolved to (by `valueAt` or `add`),
   * or undefined (no entry, never marked, or its generation is gone). Marks live and move with
   * their entries: the decoder keeps there what it knows of a label set without reading it.
   */
  markAt(k: number): unknown {
    return this.#marksOf(k)?.[this.#entryOf[k]];
  }

  /** Sets the mark of the entry that region `k` of the last lookup resolved to (if any is left). */
  setMarkAt(k: number, mark: unknown): void {
    const marks = this.#marksOf(k);
    if (marks !== undefined) marks[this.#entryOf[k]] = mark;
  }

  /** The marks of the generation now holding region `k`'s entry, or undefined (none, or gone). */
  #marksOf(k: number): unknown[] | undefined {
    if (!(k < this.#n) || this.#entryOf[k] < 0) return undefined;
    const age = this.#rotations - this.#entryRot[k];
    return age === 0 ? this.#curMarks : age === 1 ? this.#prevMarks : undefined;
  }

  /** Grows or rotates the current generation when it is full. */
  #beforeAdd(len: number): void {
    const x = this.#x;
    if (
      this.#cur.length < this.#entriesMax &&
      x.lx_key_bytes(this.#ptr) + len <= this.#entriesMax * 1024
    ) return;
    const now = this.#opts.clock();
    if (
      now - this.#startedMs < this.#opts.growWindowMs &&
      this.#entriesMax * 2 <= this.#opts.entriesCap
    ) {
      this.#entriesMax *= 2;
      return;
    }
    x.lx_rotate(this.#ptr);
    this.#prev = this.#cur;
    this.#cur = [];
    this.#prevMarks = this.#curMarks;
    this.#curMarks = [];
    this.#startedMs = now;
    this.#rotations++;
  }
}
