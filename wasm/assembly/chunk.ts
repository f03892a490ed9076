// Prometheus XOR chunks (Gorilla, Pelkonen et al., VLDB 2015, as adapted by Prometheus TSDB
// tsdb/chunkenc/xor.go): an arena of open chunks appended in batches, and a whole-chunk decoder.
//
// Chunk bytes: a 2-byte big-endian sample count, then a bit stream (MSB first):
//   sample 0: timestamp as a zig-zag varint, value as 64 raw bits;
//   sample 1: timestamp delta as an unsigned varint, value XOR-encoded;
//   sample n: delta-of-delta of the timestamp in a '0' | '10'+14 | '110'+17 | '1110'+20 | '1111'+64
//             bit bucket, value XOR-encoded.
// Values: '0' when equal to the previous one; otherwise '1' then either '0' + the meaningful bits
// inside the previous leading/trailing zero window, or '1' + 5 bits leading zeros (capped at 31)
// + 6 bits meaningful length (64 written as 0) + the meaningful bits.
// The byte length is ceil(bits / 8) as Prometheus >= 3.0 writes it (2.x could leave one more zero
// byte at the end; readers ignore it).

import { alloc, classOf, classSize, free } from "./alloc";
import { ERR_FULL, ERR_HANDLE, ERR_TIMESTAMP, ret } from "./common";
import { decLeading, decode, decPos, decT, decTDelta, decTrailing, decV } from "./xor_decode";


/** Samples a chunk can hold: the header is a u16. */
const SAMPLES_MAX: u32 = 65535;
/** |t| must stay within JS safe integers so every timestamp converts exactly to and from f64. */
const T_ABS_MAX: f64 = 9007199254740991.0;

// An open chunk's bytes live in a list of fixed-size segments, so that every segment comes from
// one size class and is reused exactly: growing a chunk never copies it and never leaves blocks of
// other sizes behind (contiguous buffers growing 1.5x left ~60% extra memory on free lists when
// all chunks grow in step, as they do when every series is scraped at the same interval).
// Segment: u32 next | u16 bytes used (set when the next segment is linked) | pad | data.
const SEG_BYTES: usize = 128;
const SEG_NEXT = 0;
const SEG_USED = 4;
const SEG_DATA: usize = 8;

// Slot record of one open chunk (56 bytes), indexed by handle - 1.
const S_HEAD = 0; // u32 first segment, 0 when the slot is free
const S_TAIL = 4; // u32 last segment
const S_POS = 8; // u32 bits written in the tail segment's data; next free handle when free
const S_NUM = 12; // u32 samples
const S_FULL = 16; // u32 bytes in the segments before the tail
const S_SEGS = 20; // u32 segments
const S_T = 24; // i64 last timestamp
const S_V = 32; // u64 last value bits
const S_TDELTA = 40; // i64 last timestamp delta
const S_LEADING = 48; // u8 leading zeros of the XOR window, 0xff before the first non-zero XOR
const S_TRAILING = 49; // u8 trailing zeros of the XOR window
const S_PENDING = 52; // u32 samples of the batch being validated (0 between calls)
const SLOT_BYTES: usize = 56;

let slots: usize = 0;
let slotsCap: u32 = 0; // slots allocated
let slotsUsed: u32 = 0; // handles ever issued (high-water)
let slotsLive: u32 = 0;
let freeHandle: u32 = 0; // head of the free handle list (0 = none)


// Scratch I/O area that the host fills with batch columns and reads decoded columns from.
let ioPtr: usize = 0;
let ioCap: usize = 0;
// Area that chunk_bytes gathers an open chunk's segments into.
let outPtr: usize = 0;
let outCap: usize = 0;

// @ts-ignore: decorator
@inline function slotOf(h: u32): usize {
  return slots + <usize>(h - 1) * SLOT_BYTES;
}

/** Slot pointer of a live handle, or 0. */
function liveSlot(h: u32): usize {
  if (h == 0 || h > slotsUsed) return 0;
  const s = slotOf(h);
  return load<u32>(s, S_HEAD) == 0 ? 0 : s;
}

function newHandle(): u32 {
  if (freeHandle != 0) {
    const h = freeHandle;
    freeHandle = load<u32>(slotOf(h), S_POS);
    return h;
  }
  if (slotsUsed == slotsCap) {
    const cap: u32 = slotsCap == 0 ? 64 : slotsCap * 2;
    const p = alloc(<usize>cap * SLOT_BYTES);
    if (slots != 0) {
      memory.copy(p, slots, <usize>slotsUsed * SLOT_BYTES);
      free(slots, allocCapOf(<usize>slotsCap * SLOT_BYTES));
    }
    slots = p;
    slotsCap = cap;
  }
  return ++slotsUsed;
}

function allocCapOf(size: usize): usize {
  return classSize(classOf(size));
}

function newSeg(): usize {
  const g = alloc(SEG_BYTES);
  store<u32>(g, 0, SEG_NEXT);
  store<u16>(g, 0, SEG_USED);
  return g;
}

/** Makes `s` an empty chunk (header only). */
function initSlot(s: usize): void {
  const g = newSeg();
  store<u16>(g + SEG_DATA, 0);
  store<u32>(s, <u32>g, S_HEAD);
  store<u32>(s, <u32>g, S_TAIL);
  store<u32>(s, 16, S_POS);
  store<u32>(s, 0, S_NUM);
  store<u32>(s, 0, S_FULL);
  store<u32>(s, 1, S_SEGS);
  store<i64>(s, 0, S_T);
  store<u64>(s, 0, S_V);
  store<i64>(s, 0, S_TDELTA);
  store<u8>(s, 0xff, S_LEADING);
  store<u8>(s, 0, S_TRAILING);
  store<u32>(s, 0, S_PENDING);
}

/** Opens an empty chunk; returns its handle (>= 1). */
export function chunk_open(): i32 {
  const h = newHandle();
  initSlot(slotOf(h));
  slotsLive++;
  return <i32>h;
}

/** Frees a chunk and its handle; returns 0, or ERR_HANDLE. */
export function chunk_free(h: u32): i32 {
  const s = liveSlot(h);
  if (s == 0) return ERR_HANDLE;
  let g = <usize>load<u32>(s, S_HEAD);
  while (g != 0) {
    const next = <usize>load<u32>(g, SEG_NEXT);
    free(g, SEG_BYTES);
    g = next;
  }
  store<u32>(s, 0, S_HEAD);
  store<u32>(s, freeHandle, S_POS);
  freeHandle = h;
  slotsLive--;
  return 0;
}

// @ts-ignore: decorator
@inline function chunkLen(s: usize): u32 {
  return load<u32>(s, S_FULL) + ((load<u32>(s, S_POS) + 7) >>> 3);
}

/** Writes {0 u32, len u32, samples u32, cap u32, lastT f64, lastV f64} to the return area;
 * returns 0 or ERR_HANDLE. `cap` is the bytes of the chunk's segments. */
export function chunk_info(h: u32): i32 {
  const s = liveSlot(h);
  if (s == 0) return ERR_HANDLE;
  const num = load<u32>(s, S_NUM);
  store<u32>(ret, 0, 0);
  store<u32>(ret, chunkLen(s), 4);
  store<u32>(ret, num, 8);
  store<u32>(ret, load<u32>(s, S_SEGS) * <u32>SEG_BYTES, 12);
  store<f64>(ret, num == 0 ? NaN : <f64>load<i64>(s, S_T), 16);
  store<u64>(ret, num == 0 ? 0x7ff8000000000000 : load<u64>(s, S_V), 24);
  return 0;
}

/** Copies chunk `h`'s bytes into one contiguous area and returns its pointer (valid until the
 * next call); ret[1] (u32) is the length. Returns 0 for an unknown handle. */
export function chunk_bytes(h: u32): usize {
  const s = liveSlot(h);
  if (s == 0) return 0;
  const len = chunkLen(s);
  ensureOut(<usize>len, 0);
  gather(s, outPtr);
  store<u32>(ret, len, 4);
  return outPtr;
}

/** Grows the gather area to at least `len` bytes, keeping its first `keep` bytes. */
function ensureOut(len: usize, keep: usize): void {
  if (len <= outCap) return;
  const cap = allocCapOf(len);
  const p = alloc(len);
  if (outPtr != 0) {
    memory.copy(p, outPtr, keep);
    free(outPtr, outCap);
  }
  outPtr = p;
  outCap = cap;
}

/** Appends chunk slot `s`'s bytes at `at` (room ensured by the caller), the sample count header
 * included; returns the new end. */
function gather(s: usize, at: usize): usize {
  const start = at;
  const tail = <usize>load<u32>(s, S_TAIL);
  let g = <usize>load<u32>(s, S_HEAD);
  while (g != tail) {
    const used = <usize>load<u16>(g, SEG_USED);
    memory.copy(at, g + SEG_DATA, used);
    at += used;
    g = <usize>load<u32>(g, SEG_NEXT);
  }
  const last = <usize>((load<u32>(s, S_POS) + 7) >>> 3);
  memory.copy(at, tail + SEG_DATA, last);
  const num = load<u32>(s, S_NUM);
  store<u8>(start, <u8>(num >>> 8));
  store<u8>(start + 1, <u8>num);
  return at + last;
}

/**
 * Gathers the bytes of `n` chunks (u32 handles at `handles`) back to back into one area and
 * writes n+1 u32 offsets into it at `offsets` (chunk i is [offsets[i], offsets[i+1])). Returns
 * the area's pointer (valid until the next call), or 0 with ret[0] = index of an unknown handle.
 */
export function chunks_bytes(handles: usize, n: u32, offsets: usize): usize {
  let total: usize = 0;
  for (let i: u32 = 0; i < n; i++) {
    const s = liveSlot(load<u32>(handles + (<usize>i << 2)));
    if (s == 0) {
      store<u32>(ret, i);
      return 0;
    }
    total += <usize>chunkLen(s);
  }
  ensureOut(total > 0 ? total : 1, 0);
  let at = outPtr;
  for (let i: u32 = 0; i < n; i++) {
    store<u32>(offsets + (<usize>i << 2), <u32>(at - outPtr));
    at = gather(slotOf(load<u32>(handles + (<usize>i << 2))), at);
  }
  store<u32>(offsets + (<usize>n << 2), <u32>(at - outPtr));
  return outPtr;
}

/** Frees `n` chunks (u32 handles at `handles`); all are checked first. Returns 0 or ERR_HANDLE
 * with ret[0] = index of the unknown (or repeated) handle. */
export function chunks_free(handles: usize, n: u32): i32 {
  for (let i: u32 = 0; i < n; i++) {
    if (liveSlot(load<u32>(handles + (<usize>i << 2))) == 0) {
      store<u32>(ret, i);
      return ERR_HANDLE;
    }
  }
  for (let i: u32 = 0; i < n; i++) {
    if (chunk_free(load<u32>(handles + (<usize>i << 2))) != 0) {
      store<u32>(ret, i); // a handle listed twice; the ones before it were freed
      return ERR_HANDLE;
    }
  }
  return 0;
}

/** For `n` handles at `handles` (u32), writes the last timestamp (f64, NaN when empty) to `outT`
 * and the sample count (u32) to `outNum`; returns 0 or ERR_HANDLE (ret[0] = offending index). */
export function chunks_last(handles: usize, n: u32, outT: usize, outNum: usize): i32 {
  for (let i: u32 = 0; i < n; i++) {
    const s = liveSlot(load<u32>(handles + (<usize>i << 2)));
    if (s == 0) {
      store<u32>(ret, i);
      return ERR_HANDLE;
    }
    const num = load<u32>(s, S_NUM);
    store<f64>(outT + (<usize>i << 3), num == 0 ? NaN : <f64>load<i64>(s, S_T));
    store<u32>(outNum + (<usize>i << 2), num);
  }
  return 0;
}

/** Returns a scratch area of at least `bytes` bytes, valid until the next io_reserve. Its
 * contents are not preserved when it grows. */
export function io_reserve(bytes: usize): usize {
  if (bytes > ioCap) {
    if (ioPtr != 0) free(ioPtr, ioCap);
    ioCap = allocCapOf(bytes);
    ioPtr = alloc(bytes);
  }
  return ioPtr;
}

/** Pointer of the 64-byte return area used by chunk_info and error reports. */
export function ret_ptr(): usize {
  return ret;
}

/** Live chunks. */
export function chunks_live(): u32 {
  return slotsLive;
}

// Writer state while appending to one chunk. Bits collect in `acc` (MSB first, `accN` of them)
// and go to memory 32 at a time as one big-endian store at `wp`; the rest is stored when the run
// ends (the next run reloads the partial last byte). `wSeg` is the tail segment, `wEnd` the end of
// its data, `wFull` the bytes in the segments before it, `wSegs` the segment count.
let acc: u64 = 0;
let accN: u32 = 0;
let wp: usize = 0;
let wEnd: usize = 0;
let wSeg: usize = 0;
let wFull: u32 = 0;
let wSegs: u32 = 0;

/** Links a new tail segment after the current one, which keeps the bytes before `wp`. */
function linkSeg(): void {
  const used = <u32>(wp - (wSeg + SEG_DATA));
  const g = newSeg();
  store<u32>(wSeg, <u32>g, SEG_NEXT);
  store<u16>(wSeg, <u16>used, SEG_USED);
  wFull += used;
  wSegs++;
  wSeg = g;
  wp = g + SEG_DATA;
  wEnd = g + SEG_BYTES;
}

/** Loads the writer state of slot `s`. */
function writerLoad(s: usize): void {
  wSeg = <usize>load<u32>(s, S_TAIL);
  wFull = load<u32>(s, S_FULL);
  wSegs = load<u32>(s, S_SEGS);
  const pos = load<u32>(s, S_POS);
  wp = wSeg + SEG_DATA + <usize>(pos >>> 3);
  wEnd = wSeg + SEG_BYTES;
  accN = pos & 7;
  acc = accN == 0 ? 0 : (<u64>load<u8>(wp) << 56) & ~(<u64>-1 >>> <u64>accN);
}

/** Stores the pending bits and the writer state into slot `s`. */
function writerStore(s: usize): void {
  const bytes = <usize>((accN + 7) >>> 3);
  if (wp + bytes > wEnd) linkSeg();
  for (let i: usize = 0; i < bytes; i++) store<u8>(wp + i, <u8>(acc >>> (<u64>56 - (<u64>i << 3))));
  store<u32>(s, <u32>wSeg, S_TAIL);
  store<u32>(s, (<u32>(wp - (wSeg + SEG_DATA)) << 3) + accN, S_POS);
  store<u32>(s, wFull, S_FULL);
  store<u32>(s, wSegs, S_SEGS);
}

/** Writes the low `n` (1..32) bits of `u`. */
// @ts-ignore: decorator
@inline function w32(u: u64, n: u32): void {
  acc |= (u & ((<u64>1 << <u64>n) - 1)) << (<u64>64 - <u64>accN - <u64>n);
  accN += n;
  if (accN >= 32) {
    if (wp + 4 > wEnd) linkSeg();
    store<u32>(wp, bswap<u32>(<u32>(acc >>> 32)));
    wp += 4;
    acc <<= 32;
    accN -= 32;
  }
}

/** Writes the low `n` (1..64) bits of `u`. */
// @ts-ignore: decorator
@inline function w64(u: u64, n: u32): void {
  if (n > 32) {
    w32(u >>> 32, n - 32);
    w32(u, 32);
  } else {
    w32(u, n);
  }
}

// @ts-ignore: decorator
@inline function wUvarint(x: u64): void {
  while (x >= 0x80) {
    w32((x & 0x7f) | 0x80, 8);
    x >>>= 7;
  }
  w32(x, 8);
}

/**
 * Appends samples to many chunks in one call. For series i, `counts[i]` samples taken in order
 * from the t (f64 ms) and v (f64 bits) columns go to chunk `handles[i]`; series are consecutive in
 * the columns. Everything is validated first, so on error nothing is appended; the error code is
 * returned and ret[0] holds the index of the offending series. Returns the samples appended.
 */
export function chunks_append(handles: usize, counts: usize, nSeries: u32, tCol: usize, vCol: usize): i32 {
  // Validation pass: handles live, counts fit (summed per chunk, a handle may be listed more than
  // once), timestamps exact integers in the safe range.
  let off: usize = 0;
  let rc: i32 = 0;
  let i: u32 = 0;
  for (; i < nSeries; i++) {
    const s = liveSlot(load<u32>(handles + (<usize>i << 2)));
    if (s == 0) {
      rc = ERR_HANDLE;
      break;
    }
    const c = load<u32>(counts + (<usize>i << 2));
    const pending = <u64>load<u32>(s, S_PENDING) + <u64>c;
    store<u32>(s, <u32>min<u64>(pending, 0xffffffff), S_PENDING);
    if (<u64>load<u32>(s, S_NUM) + pending > <u64>SAMPLES_MAX) {
      rc = ERR_FULL;
      i++; // its pending count was set
      break;
    }
    for (let j: usize = 0; j < <usize>c; j++) {
      const t = load<f64>(tCol + ((off + j) << 3));
      if (!(t >= -T_ABS_MAX && t <= T_ABS_MAX) || t != Math.trunc(t)) rc = ERR_TIMESTAMP;
    }
    if (rc != 0) {
      i++;
      break;
    }
    off += <usize>c;
  }
  // Clear the pending counts of the entries visited.
  for (let j: u32 = 0; j < i; j++) store<u32>(slotOf(load<u32>(handles + (<usize>j << 2))), 0, S_PENDING);
  if (rc != 0) {
    store<u32>(ret, rc == ERR_HANDLE ? i : i - 1);
    return rc;
  }
  off = 0;
  for (let k: u32 = 0; k < nSeries; k++) {
    const c = load<u32>(counts + (<usize>k << 2));
    appendRun(slotOf(load<u32>(handles + (<usize>k << 2))), tCol + (off << 3), vCol + (off << 3), c);
    off += <usize>c;
  }
  return <i32>off;
}

function appendRun(s: usize, tCol: usize, vCol: usize, count: u32): void {
  writerLoad(s);
  let num = load<u32>(s, S_NUM);
  let t = load<i64>(s, S_T);
  let v = load<u64>(s, S_V);
  let tDelta = load<i64>(s, S_TDELTA);
  let leading = <u32>load<u8>(s, S_LEADING);
  let trailing = <u32>load<u8>(s, S_TRAILING);

  for (let i: u32 = 0; i < count; i++) {
    const ts = <i64>load<f64>(tCol + (<usize>i << 3));
    const vb = load<u64>(vCol + (<usize>i << 3));
    if (num == 0) {
      wUvarint(<u64>((ts << 1) ^ (ts >> 63)));
      w64(vb, 64);
      tDelta = 0;
    } else {
      const d = ts - t;
      if (num == 1) {
        wUvarint(<u64>d);
      } else {
        const dod = d - tDelta;
        if (dod == 0) {
          w32(0, 1);
        } else if (dod >= -8191 && dod <= 8192) {
          w32((<u64>0b10 << 14) | (<u64>dod & 0x3fff), 16);
        } else if (dod >= -65535 && dod <= 65536) {
          w32((<u64>0b110 << 17) | (<u64>dod & 0x1ffff), 20);
        } else if (dod >= -524287 && dod <= 524288) {
          w32((<u64>0b1110 << 20) | (<u64>dod & 0xfffff), 24);
        } else {
          w32(0b1111, 4);
          w64(<u64>dod, 64);
        }
      }
      tDelta = d;
      // XOR value encoding.
      const x = vb ^ v;
      if (x == 0) {
        w32(0, 1);
      } else {
        let lz = <u32>clz<u64>(x);
        const tz = <u32>ctz<u64>(x);
        if (lz >= 32) lz = 31;
        if (leading != 0xff && lz >= leading && tz >= trailing) {
          w32(0b10, 2);
          w64(x >>> <u64>trailing, 64 - leading - trailing);
        } else {
          leading = lz;
          trailing = tz;
          const sig = 64 - lz - tz;
          // '11' + 5 bits leading + 6 bits length (64 wraps to 0): 13 bits in one write.
          w32((<u64>0b11 << 11) | (<u64>lz << 6) | <u64>(sig & 63), 13);
          w64(x >>> <u64>tz, sig);
        }
      }
    }
    t = ts;
    v = vb;
    num++;
  }

  // The 2-byte count header is written by gather(), not here: that would touch the first
  // segment (one more cache miss per series per batch).
  writerStore(s);
  store<u32>(s, num, S_NUM);
  store<i64>(s, t, S_T);
  store<u64>(s, v, S_V);
  store<i64>(s, tDelta, S_TDELTA);
  store<u8>(s, <u8>leading, S_LEADING);
  store<u8>(s, <u8>trailing, S_TRAILING);
}

/** Decodes open chunk `h` into `outT`/`outV` (room for `max` samples). */
export function chunk_decode(h: u32, outT: usize, outV: usize, max: u32): i32 {
  const p = chunk_bytes(h);
  if (p == 0) return ERR_HANDLE;
  return decode(p, load<u32>(ret, 4), outT, outV, max);
}

/** Opens a chunk from existing chunk bytes (e.g. at start, from KV) so appends continue it as if
 * all its samples had been appended to this arena. Returns the handle or an error. */
export function chunk_open_from(src: usize, len: u32): i32 {
  const n = decode(src, len, 0, 0, 0);
  if (n < 0) return n;
  const h = newHandle();
  const s = slotOf(h);
  initSlot(s);
  // Spread the bytes over segments, as full as the writer leaves them; the partial last byte
  // (its bits after the end cleared) stays pending for the next append.
  wSeg = <usize>load<u32>(s, S_HEAD);
  wp = wSeg + SEG_DATA;
  wEnd = wSeg + SEG_BYTES;
  wFull = 0;
  wSegs = 1;
  const whole = <usize>(decPos >>> 3);
  let at: usize = 0;
  while (at < whole) {
    if (wp == wEnd) linkSeg();
    const room = wEnd - wp;
    const k = whole - at < room ? whole - at : room;
    memory.copy(wp, src + at, k);
    wp += k;
    at += k;
  }
  accN = decPos & 7;
  acc = accN == 0 ? 0 : (<u64>load<u8>(src + whole) << 56) & ~(<u64>-1 >>> <u64>accN);
  writerStore(s);
  store<u32>(s, <u32>n, S_NUM);
  store<i64>(s, decT, S_T);
  store<u64>(s, decV, S_V);
  store<i64>(s, decTDelta, S_TDELTA);
  store<u8>(s, <u8>decLeading, S_LEADING);
  store<u8>(s, <u8>decTrailing, S_TRAILING);
  slotsLive++;
  return <i32>h;
}
