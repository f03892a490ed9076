/**
 * A per-workspace table from UTF-8 bytes to interned strings, so that decoding a label of a new
 * series builds no string at all when the same bytes were seen before (metric and label names,
 * `job`, `env`, ... repeat across series), and equal label text shares one string in memory.
 * Keys live in one 4-aligned byte arena; slots are open-addressed in typed arrays. Each string
 * also gets a small integer id, stable until the table is reset (`epoch` changes then).
 */
import { alignedWords, equalBytesAligned, mixBytes } from "./bytes_hash.ts";
import { decodeUtf8 } from "./wire.ts";

/** Strings kept before the table is reset (bounds memory; the reset costs only re-decoding). */
const STRINGS_MAX = 1 << 20;
/** Key bytes kept before the table is reset. */
const ARENA_BYTES_MAX = 64 << 20;
/** Strings longer than this are decoded without interning. */
const STRING_BYTES_MAX = 4096;

/** The table. Single-threaded use only. */
export class StringTable {
  /** Slot i: meta[3i] = hash + 1 (0 = empty), meta[3i+1] = key offset, meta[3i+2] = length. */
  private meta = new Int32Array(3 * 4096);
  /** Slot i: the string's id (index into `strings`). */
  private ids = new Int32Array(4096);
  private mask = 4095;
  /** Strings by id. */
  strings: string[] = [];
  private arena = new Uint8Array(1 << 16);
  private a32 = new Uint32Array(this.arena.buffer);
  private used = 0;
  /** Incremented on every reset; ids from an older epoch are invalid. */
  epoch = 0;
  private readonly stringsMax: number;

  /** `stringsMax`: strings kept before the table resets (tests use small values). */
  constructor(stringsMax: number = STRINGS_MAX) {
    if (!(stringsMax >= 1)) throw new RangeError(`BUG: StringTable stringsMax ${stringsMax}`);
    this.stringsMax = stringsMax;
  }

  /** Number of interned strings. */
  get size(): number {
    return this.strings.length;
  }

  /**
   * The id of the string with UTF-8 bytes `buf[s, e)` (`u32`: aligned word view of `buf`),
   * decoding and interning it when new; -1 for strings too long to intern.
   * Throws `ProtobufDecodeError` on invalid UTF-8.
   */
  id(buf: Uint8Array, u32: Uint32Array, s: number, e: number): number {
    const len = e - s;
    if (len > STRING_BYTES_MAX) return -1;
    const h = mixBytes(0x9747b28c, buf, u32, s, e) & 0x3fffffff;
    const m = this.meta, mask = this.mask, tag = h + 1;
    let i = h & mask;
    for (let x = m[3 * i]; x !== 0; i = (i + 1) & mask, x = m[3 * i]) {
      if (
        x === tag && m[3 * i + 2] === len &&
        equalBytesAligned(buf, u32, s, e, this.arena, this.a32, m[3 * i + 1])
      ) return this.ids[i];
    }
    const str = decodeUtf8(buf, s, e);
    if (this.strings.length >= this.stringsMax || this.used + len + 4 > ARENA_BYTES_MAX) {
      this.reset();
      return this.id(buf, u32, s, e);
    }
    const off = this.alloc(len);
    this.arena.set(buf.subarray(s, e), off);
    const id = this.strings.length;
    this.strings.push(str);
    this.insert(h, off, len, id);
    return id;
  }

  /** The string with UTF-8 bytes `buf[s, e)`, interned when short enough. */
  get(buf: Uint8Array, u32: Uint32Array, s: number, e: number): string {
    const id = this.id(buf, u32, s, e);
    return id >= 0 ? this.strings[id] : decodeUtf8(buf, s, e);
  }

  /** Interns a JS string (builds its UTF-8 bytes; not for hot paths). */
  intern(str: string): string {
    const b = new TextEncoder().encode(str);
    const buf = new Uint8Array((b.length + 3) & ~3);
    buf.set(b);
    return this.get(buf, alignedWords(buf)!, 0, b.length);
  }

  private alloc(len: number): number {
    const off = this.used;
    const need = off + ((len + 3) & ~3);
    if (need > this.arena.length) {
      let size = this.arena.length * 2;
      while (size < need) size *= 2;
      const g = new Uint8Array(size);
      g.set(this.arena.subarray(0, this.used));
      this.arena = g;
      this.a32 = new Uint32Array(g.buffer);
    }
    this.used = need;
    return off;
  }

  private insert(h: number, off: number, len: number, id: number): void {
    if ((this.strings.length + 1) * 2 > this.mask + 1) this.grow();
    const m = this.meta, mask = this.mask;
    let i = h & mask;
    while (m[3 * i] !== 0) i = (i + 1) & mask;
    m[3 * i] = h + 1;
    m[3 * i + 1] = off;
    m[3 * i + 2] = len;
    this.ids[i] = id;
  }

  private grow(): void {
    const old = this.meta, oldIds = this.ids, oldCap = this.mask + 1;
    const cap = oldCap * 2;
    this.meta = new Int32Array(3 * cap);
    this.ids = new Int32Array(cap);
    this.mask = cap - 1;
    const m = this.meta;
    for (let j = 0; j < oldCap; j++) {
      const x = old[3 * j];
      if (x === 0) continue;
      let i = (x - 1) & this.mask;
      while (m[3 * i] !== 0) i = (i + 1) & this.mask;
      m[3 * i] = x;
      m[3 * i + 1] = old[3 * j + 1];
      m[3 * i + 2] = old[3 * j + 2];
      this.ids[i] = oldIds[j];
    }
  }

  private reset(): void {
    this.meta = new Int32Array(3 * 4096);
    this.ids = new Int32Array(4096);
    this.mask = 4095;
    this.strings = [];
    this.arena = new Uint8Array(1 << 16);
    this.a32 = new Uint32Array(this.arena.buffer);
    this.used = 0;
    this.epoch++;
  }
}
