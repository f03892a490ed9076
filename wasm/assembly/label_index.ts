// An index of raw remote-write 1.0 label regions (the bytes of a TimeSeries' `labels` fields),
// kept in the same linear memory the request is decoded into, so a whole request's series are
// hashed, probed and compared in one call with the bytes in place.
//
// Each index has two generations (current, previous). A generation holds entries in insertion
// order: entry e = {key pointer u32, key length u32} in `entries`, its key bytes in a chain of
// key blocks (32 KiB doubling to 1 MiB, never copied: growing one arena by doubling left every
// old copy on the allocator's free lists, ~32 MB of touched memory at 100k series); and
// an open-addressing table (linear probing, load <= 1/2) of 8-byte slots {hash u32, e + 1 u32}.
// Entry numbers are dense and in insertion order, so the host keeps what an entry stands for in a
// plain array indexed by it (and recurring series, sent in the same order each time, touch both
// in order). The host decides when to rotate (previous dropped, current becomes previous).
//
// Lookups first follow the insertion order: agents send the same series in the same order every
// time, so the series after a hit on entry e is most often entry e + 1, whose key bytes follow e's
// in the same key block. That guess is checked by comparing the bytes (no hash, no slot probe;
// the key blocks are read as one sequential stream the CPU prefetches), and a wrong guess falls
// back to the hash lookup, which also gives the next guess. A request whose series do not follow
// that order (fewer than half the guesses right after the first 32) is looked up for the rest in
// three passes over its series (hash and touch the slot, touch the entry and key, then compare),
// so the cache misses of different series overlap instead of running one after another.

import { alloc, classOf, classSize, free } from "./alloc";
import { hash_bytes } from "./snappy";

// Generation struct (32 bytes).
const G_SLOTS: usize = 0; // slot array pointer
const G_MASK: usize = 4; // slot count - 1
const G_ENTRIES: usize = 8; // entries pointer
const G_ENTRY_CAP: usize = 12; // entries capacity (count)
const G_COUNT: usize = 16; // entries used
const G_ARENA: usize = 20; // current key block
const G_ARENA_CAP: usize = 24; // current key block's capacity (bytes)
const G_ARENA_USED: usize = 28; // key bytes in all blocks (the host's size policy reads it)
const GEN_BYTES: usize = 32;

// Index struct: current and previous generation pointers, and the guess for the next lookup
// (1 + an entry number of the current generation, or 0 for none).
const X_CUR: usize = 0;
const X_PREV: usize = 4;
const X_NEXT: usize = 8;
const INDEX_BYTES: usize = 16;

/** `hashes[k]` for a key found by following the insertion order: its hash was not computed. */
const HASH_NONE: u32 = 0xffffffff;

/** Guesses checked before a request that misses most of them switches to the batched passes. */
const GUESS_TRIAL: u32 = 32;

const SLOTS_INITIAL: usize = 1024;
const ENTRIES_INITIAL: usize = 512;
const ARENA_INITIAL: usize = 1 << 15;

/** Keeps the touch passes' loads from being optimised away. */
let sink: u32 = 0;

function capOf(size: usize): usize {
  return classSize(classOf(size));
}

function zeroed(bytes: usize): usize {
  const p = alloc(bytes);
  memory.fill(p, 0, bytes);
  return p;
}

// Key block: u32 previous block, u32 capacity, u32 used, u32 pad, then the key bytes. Blocks are
// never copied or freed while their generation lives, so entries hold absolute key pointers.
const B_PREV: usize = 0;
const B_CAP: usize = 4;
const B_USED: usize = 8;
const B_DATA: usize = 16;
const BLOCK_MAX: usize = 1 << 20;

function blockNew(prev: usize, cap: usize): usize {
  const b = alloc(B_DATA + cap);
  store<u32>(b + B_PREV, <u32>prev);
  store<u32>(b + B_CAP, <u32>cap);
  store<u32>(b + B_USED, 0);
  return b;
}

function genNew(): usize {
  const g = alloc(GEN_BYTES);
  store<u32>(g + G_SLOTS, <u32>zeroed(SLOTS_INITIAL * 8));
  store<u32>(g + G_MASK, <u32>(SLOTS_INITIAL - 1));
  store<u32>(g + G_ENTRIES, <u32>alloc(ENTRIES_INITIAL * 8));
  store<u32>(g + G_ENTRY_CAP, <u32>ENTRIES_INITIAL);
  store<u32>(g + G_COUNT, 0);
  store<u32>(g + G_ARENA, <u32>blockNew(0, ARENA_INITIAL));
  store<u32>(g + G_ARENA_CAP, <u32>ARENA_INITIAL);
  store<u32>(g + G_ARENA_USED, 0);
  return g;
}

function genFree(g: usize): void {
  free(<usize>load<u32>(g + G_SLOTS), capOf((<usize>load<u32>(g + G_MASK) + 1) * 8));
  free(<usize>load<u32>(g + G_ENTRIES), capOf(<usize>load<u32>(g + G_ENTRY_CAP) * 8));
  let b = <usize>load<u32>(g + G_ARENA);
  while (b != 0) {
    const prev = <usize>load<u32>(b + B_PREV);
    free(b, capOf(B_DATA + <usize>load<u32>(b + B_CAP)));
    b = prev;
  }
  free(g, capOf(GEN_BYTES));
}

/** True when `len` bytes at `a` and `b` are equal. */
function equalBytes(a: usize, b: usize, len: usize): bool {
  let i: usize = 0;
  for (; i + 8 <= len; i += 8) if (load<u64>(a + i) != load<u64>(b + i)) return false;
  for (; i < len; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

/** Entry number of the key `[p, p + len)` with hash `h` in generation `g`, or -1. */
function find(g: usize, p: usize, len: usize, h: u32): i32 {
  const slots = <usize>load<u32>(g + G_SLOTS);
  const mask = load<u32>(g + G_MASK);
  const entries = <usize>load<u32>(g + G_ENTRIES);
  let i = h & mask;
  let e1 = load<u32>(slots + (<usize>i << 3) + 4);
  while (e1 != 0) {
    if (load<u32>(slots + (<usize>i << 3)) == h) {
      const ent = entries + (<usize>(e1 - 1) << 3);
      if (<usize>load<u32>(ent + 4) == len && equalBytes(p, <usize>load<u32>(ent), len)) {
        return <i32>(e1 - 1);
      }
    }
    i = (i + 1) & mask;
    e1 = load<u32>(slots + (<usize>i << 3) + 4);
  }
  return -1;
}

/** Inserts slot {h, e + 1} (no duplicate check). */
function placeSlot(slots: usize, mask: u32, h: u32, e: u32): void {
  let i = h & mask;
  while (load<u32>(slots + (<usize>i << 3) + 4) != 0) i = (i + 1) & mask;
  const s = slots + (<usize>i << 3);
  store<u32>(s, h);
  store<u32>(s + 4, e + 1);
}

/** Adds the key `[p, p + len)` with hash `h` to `g` and returns its entry number. */
function genAdd(g: usize, p: usize, len: usize, h: u32): i32 {
  const count = load<u32>(g + G_COUNT);
  // Slots: keep the load at most 1/2.
  let mask = load<u32>(g + G_MASK);
  if ((<usize>count + 1) * 2 > <usize>mask + 1) {
    const oldSlots = <usize>load<u32>(g + G_SLOTS);
    const oldN = <usize>mask + 1;
    const n = oldN * 2;
    const slots = zeroed(n * 8);
    mask = <u32>(n - 1);
    for (let i: usize = 0; i < oldN; i++) {
      const s = oldSlots + (i << 3);
      const e1 = load<u32>(s + 4);
      if (e1 != 0) placeSlot(slots, mask, load<u32>(s), e1 - 1);
    }
    free(oldSlots, capOf(oldN * 8));
    store<u32>(g + G_SLOTS, <u32>slots);
    store<u32>(g + G_MASK, mask);
  }
  // Entries.
  let entryCap = <usize>load<u32>(g + G_ENTRY_CAP);
  if (<usize>count == entryCap) {
    const old = <usize>load<u32>(g + G_ENTRIES);
    const grown = alloc(entryCap * 16);
    memory.copy(grown, old, entryCap * 8);
    free(old, capOf(entryCap * 8));
    entryCap *= 2;
    store<u32>(g + G_ENTRIES, <u32>grown);
    store<u32>(g + G_ENTRY_CAP, <u32>entryCap);
  }
  // Key bytes, 8-aligned, in the current block (a new one when full; none is ever copied).
  const size = (len + 7) & ~(<usize>7);
  let b = <usize>load<u32>(g + G_ARENA);
  let bUsed = <usize>load<u32>(b + B_USED);
  const bCap = <usize>load<u32>(b + B_CAP);
  if (bUsed + size > bCap) {
    let n = bCap * 2 < BLOCK_MAX ? bCap * 2 : BLOCK_MAX;
    if (n < size) n = size;
    b = blockNew(b, n);
    bUsed = 0;
    store<u32>(g + G_ARENA, <u32>b);
    store<u32>(g + G_ARENA_CAP, <u32>n);
  }
  const key = b + B_DATA + bUsed;
  memory.copy(key, p, len);
  store<u32>(b + B_USED, <u32>(bUsed + size));
  store<u32>(g + G_ARENA_USED, load<u32>(g + G_ARENA_USED) + <u32>size);
  const ent = <usize>load<u32>(g + G_ENTRIES) + (<usize>count << 3);
  store<u32>(ent, <u32>key);
  store<u32>(ent + 4, <u32>len);
  placeSlot(<usize>load<u32>(g + G_SLOTS), mask, h, count);
  store<u32>(g + G_COUNT, count + 1);
  return <i32>count;
}

/** A new, empty index. */
export function lx_create(): usize {
  const x = alloc(INDEX_BYTES);
  store<u32>(x + X_CUR, <u32>genNew());
  store<u32>(x + X_PREV, <u32>genNew());
  store<u32>(x + X_NEXT, 0);
  return x;
}

/** Frees an index and everything it holds. */
export function lx_destroy(x: usize): void {
  genFree(<usize>load<u32>(x + X_CUR));
  genFree(<usize>load<u32>(x + X_PREV));
  free(x, capOf(INDEX_BYTES));
}

/** Drops the previous generation; the current one becomes previous; a new one starts. */
export function lx_rotate(x: usize): void {
  genFree(<usize>load<u32>(x + X_PREV));
  store<u32>(x + X_PREV, load<u32>(x + X_CUR));
  store<u32>(x + X_CUR, <u32>genNew());
  store<u32>(x + X_NEXT, 0);
}

/** Entries in the current generation. */
export function lx_count(x: usize): u32 {
  return load<u32>(<usize>load<u32>(x + X_CUR) + G_COUNT);
}

/** Key bytes in the current generation. */
export function lx_key_bytes(x: usize): u32 {
  return load<u32>(<usize>load<u32>(x + X_CUR) + G_ARENA_USED);
}

/**
 * Looks up `n` keys given as u32 [start, end) pointer pairs at `ranges` (an empty range is not
 * looked up). Writes to `out` (i32 per key): the entry number in the current generation, -2 - e
 * for entry e of the previous one, or -1; and to `hashes` (u32 per key) the key's hash, or
 * HASH_NONE for a key found in the current generation by following the insertion order.
 */
export function lx_lookup_many(x: usize, ranges: usize, n: u32, out: usize, hashes: usize): void {
  const cur = <usize>load<u32>(x + X_CUR);
  const prev = <usize>load<u32>(x + X_PREV);
  const curEntries = <usize>load<u32>(cur + G_ENTRIES);
  const count = load<u32>(cur + G_COUNT);
  let next = load<u32>(x + X_NEXT); // 1 + the guessed entry, or 0
  let tried: u32 = 0;
  let right: u32 = 0;
  let k: u32 = 0;
  for (; k < n; k++) {
    if (tried >= GUESS_TRIAL && right * 2 < tried) break; // not in insertion order
    const s = <usize>load<u32>(ranges + (<usize>k << 3));
    const e = <usize>load<u32>(ranges + (<usize>k << 3) + 4);
    if (e <= s) {
      store<i32>(out + (<usize>k << 2), -1);
      store<u32>(hashes + (<usize>k << 2), HASH_NONE);
      continue;
    }
    const len = e - s;
    tried++;
    if (next != 0 && next <= count) {
      const ent = curEntries + (<usize>(next - 1) << 3);
      if (<usize>load<u32>(ent + 4) == len && equalBytes(s, <usize>load<u32>(ent), len)) {
        store<i32>(out + (<usize>k << 2), <i32>(next - 1));
        store<u32>(hashes + (<usize>k << 2), HASH_NONE);
        next++;
        right++;
        continue;
      }
    }
    const h = <u32>hash_bytes(s, len);
    store<u32>(hashes + (<usize>k << 2), h);
    let r = find(cur, s, len, h);
    if (r >= 0) {
      next = <u32>r + 2;
    } else {
      const q = find(prev, s, len, h);
      r = q < 0 ? -1 : -2 - q;
    }
    store<i32>(out + (<usize>k << 2), r);
  }
  store<u32>(x + X_NEXT, next);
  if (k < n) lookupBatch(cur, prev, ranges, k, n, out, hashes);
}

/** `lx_lookup_many` for keys `from..n` in no useful order: three passes that overlap misses. */
function lookupBatch(
  cur: usize,
  prev: usize,
  ranges: usize,
  from: u32,
  n: u32,
  out: usize,
  hashes: usize,
): void {
  const curSlots = <usize>load<u32>(cur + G_SLOTS);
  const curMask = load<u32>(cur + G_MASK);
  const curEntries = <usize>load<u32>(cur + G_ENTRIES);
  let acc: u32 = 0;
  // 1. Hashes, and a touch of each first slot (independent loads: their misses overlap).
  for (let k = <usize>from; k < <usize>n; k++) {
    const s = <usize>load<u32>(ranges + (k << 3));
    const e = <usize>load<u32>(ranges + (k << 3) + 4);
    const h = <u32>hash_bytes(s, e - s);
    store<u32>(hashes + (k << 2), h);
    acc += load<u32>(curSlots + (<usize>(h & curMask) << 3) + 4);
  }
  // 2. A touch of the entry and the first key word of each first slot's occupant.
  for (let k = <usize>from; k < <usize>n; k++) {
    const h = load<u32>(hashes + (k << 2));
    const s = curSlots + (<usize>(h & curMask) << 3);
    const e1 = load<u32>(s + 4);
    if (e1 != 0 && load<u32>(s) == h) {
      const ent = curEntries + (<usize>(e1 - 1) << 3);
      const key = <usize>load<u32>(ent);
      const len = <usize>load<u32>(ent + 4);
      // Every cache line of the key, so the comparison below finds them all in cache.
      for (let o: usize = 0; o < len; o += 64) acc += load<u32>(key + o);
    }
  }
  sink += acc;
  // 3. The lookups proper.
  for (let k = <usize>from; k < <usize>n; k++) {
    const s = <usize>load<u32>(ranges + (k << 3));
    const e = <usize>load<u32>(ranges + (k << 3) + 4);
    if (e <= s) {
      store<i32>(out + (k << 2), -1);
      continue;
    }
    const h = load<u32>(hashes + (k << 2));
    let r = find(cur, s, e - s, h);
    if (r < 0) {
      const q = find(prev, s, e - s, h);
      r = q < 0 ? -1 : -2 - q;
    }
    store<i32>(out + (k << 2), r);
  }
}

/** Adds key `[p, p + len)` with hash `h` to the current generation; returns its entry number. */
export function lx_insert(x: usize, p: usize, len: usize, h: u32): i32 {
  return genAdd(<usize>load<u32>(x + X_CUR), p, len, h);
}

/** Copies entry `e` of the previous generation (hash `h`) into the current one. */
export function lx_promote(x: usize, e: u32, h: u32): i32 {
  const prev = <usize>load<u32>(x + X_PREV);
  const ent = <usize>load<u32>(prev + G_ENTRIES) + (<usize>e << 3);
  const p = <usize>load<u32>(ent);
  return genAdd(<usize>load<u32>(x + X_CUR), p, <usize>load<u32>(ent + 4), h);
}

let ioPtr: usize = 0;
let ioCap: usize = 0;

/** A second scratch area (the lookups' arrays), separate from io_reserve's. */
export function lx_io(bytes: usize): usize {
  if (bytes > ioCap) {
    if (ioPtr != 0) free(ioPtr, ioCap);
    ioCap = capOf(bytes);
    ioPtr = alloc(bytes);
  }
  return ioPtr;
}
