// Size-class allocator over linear memory, with free lists so blocks are reused.
//
// Open chunks come and go (a chunk lives for ~120 samples, then it is closed and freed), so a bump
// allocator would leak. Blocks are carved from a bump region above the static data and, once freed,
// pushed onto the free list of their size class; the next allocation of that class pops it. Blocks
// carry no header: the caller remembers the capacity it was given and passes it back to `free`.
// Classes are 16 * 2^(k/2) rounded (16, 24, 32, 48, 64, 96, ...), so at most ~33% slack per block.

/** Number of size classes: class 53 is 16 * 2^26 * 1.5 = 1.5 GiB, beyond any block we allocate. */
const CLASSES: i32 = 54;

// Free-list heads, one u32 pointer per class (0 = empty).
const freeHeads: usize = memory.data(CLASSES * 4, 16);

let bumpPtr: usize = 0;
let bumpEnd: usize = 0;
let bytesInUse: usize = 0;
let bytesFree: usize = 0;

/** Capacity in bytes of size class `k`. */
// @ts-ignore: decorator
@inline export function classSize(k: i32): usize {
  const base: usize = <usize>16 << <usize>(k >> 1);
  return (k & 1) != 0 ? base + (base >> 1) : base;
}

/** Smallest size class whose capacity is at least `size` bytes. */
export function classOf(size: usize): i32 {
  if (size <= 16) return 0;
  // floor(log2(size - 1)) gives the power of two at or below; pick between 2^p, 1.5*2^p, 2^(p+1).
  const p: i32 = 31 - clz<u32>(<u32>(size - 1));
  const pow: usize = <usize>1 << <usize>p;
  const k0 = (p - 4) * 2; // class index of 2^p
  if (size <= pow) return k0;
  if (size <= pow + (pow >> 1)) return k0 + 1;
  return k0 + 2;
}

/** Allocates a block of at least `size` bytes; its capacity is `classSize(classOf(size))`. */
export function alloc(size: usize): usize {
  const k = classOf(size);
  if (k >= CLASSES) unreachable();
  const cap = classSize(k);
  const head = freeHeads + (<usize>k << 2);
  const p = <usize>load<u32>(head);
  if (p != 0) {
    store<u32>(head, load<u32>(p));
    bytesFree -= cap;
    bytesInUse += cap;
    return p;
  }
  if (bumpPtr == 0) {
    bumpPtr = (__heap_base + 15) & ~(<usize>15);
    bumpEnd = <usize>memory.size() << 16;
  }
  const end = bumpPtr + cap;
  if (end > bumpEnd) {
    const pages = <i32>((end - bumpEnd + 0xffff) >> 16);
    // Grow at least 1 MiB at a time to keep memory.grow calls rare.
    const want = pages > 16 ? pages : 16;
    if (memory.grow(want) < 0 && memory.grow(pages) < 0) unreachable();
    bumpEnd = <usize>memory.size() << 16;
  }
  const out = bumpPtr;
  bumpPtr = end;
  bytesInUse += cap;
  return out;
}

/** Returns a block of capacity `cap` (exactly what `alloc` gave) to its class's free list. */
export function free(p: usize, cap: usize): void {
  const k = classOf(cap);
  if (classSize(k) != cap) unreachable(); // BUG: not a capacity that alloc returned
  const head = freeHeads + (<usize>k << 2);
  store<u32>(p, load<u32>(head));
  store<u32>(head, <u32>p);
  bytesInUse -= cap;
  bytesFree += cap;
}

/** Bytes in live blocks (by class capacity). */
export function allocInUse(): usize {
  return bytesInUse;
}

/** Bytes sitting on free lists, ready for reuse. */
export function allocFree(): usize {
  return bytesFree;
}

/** End of the bump region: everything the allocator has ever carved (high-water mark). */
export function allocHighWater(): usize {
  return bumpPtr;
}
