/**
 * Word-at-a-time hashing and comparison of byte ranges, for the label cache's hot path.
 * Reads go through an aligned `Uint32Array` over the same bytes (unaligned ranges combine two
 * words with shifts), which V8 runs ~2.5x faster than `DataView.getUint32`. The hash of a range
 * depends only on its content, never on its alignment.
 *
 * Precondition everywhere: `u32` views `buf` from the same (4-aligned) start:
 * `new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2)`; see `alignedWords`.
 */

const MUL = 0x9e3779b1;
const FNV = 0x01000193;
const LANE = 0x5bd1e995;

/** The aligned word view of `buf`, or undefined when `buf` does not start 4-aligned. */
export function alignedWords(buf: Uint8Array): Uint32Array | undefined {
  if (buf.byteOffset % 4 !== 0) return undefined;
  return new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
}

/**
 * Mixes `buf[s, e)` into hash state `h`. Words go alternately to two independent lanes (even and
 * odd word index), combined at the end: the multiply chains of the lanes overlap in the CPU, which
 * roughly halves the latency of hashing a ~220-byte label region (what every decoded series costs).
 */
export function mixBytes(
  h: number,
  buf: Uint8Array,
  u32: Uint32Array,
  s: number,
  e: number,
): number {
  const words = (e - s) >>> 2;
  let g = h ^ LANE;
  if (words > 0) {
    const o = s & 3;
    const k = s >>> 2;
    if (o === 0) {
      let i = 0;
      for (; i + 1 < words; i += 2) {
        h = Math.imul(h ^ u32[k + i], MUL);
        g = Math.imul(g ^ u32[k + i + 1], MUL);
        h ^= h >>> 15;
        g ^= g >>> 15;
      }
      if (i < words) {
        h = Math.imul(h ^ u32[k + i], MUL);
        h ^= h >>> 15;
      }
    } else if (k + words < u32.length) {
      const a = o * 8, b = 32 - a;
      let cur = u32[k];
      let i = 1;
      for (; i + 1 <= words; i += 2) {
        const n1 = u32[k + i], n2 = u32[k + i + 1];
        h = Math.imul(h ^ ((cur >>> a) | (n1 << b)), MUL);
        g = Math.imul(g ^ ((n1 >>> a) | (n2 << b)), MUL);
        h ^= h >>> 15;
        g ^= g >>> 15;
        cur = n2;
      }
      if (i <= words) {
        h = Math.imul(h ^ ((cur >>> a) | (u32[k + i] << b)), MUL);
        h ^= h >>> 15;
      }
    } else {
      for (let i = 0, p = s; i < words; i++, p += 4) {
        const w = buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24);
        if ((i & 1) === 0) {
          h = Math.imul(h ^ w, MUL);
          h ^= h >>> 15;
        } else {
          g = Math.imul(g ^ w, MUL);
          g ^= g >>> 15;
        }
      }
    }
  }
  h = Math.imul(h ^ g, MUL);
  h ^= h >>> 15;
  for (let p = s + 4 * words; p < e; p++) h = Math.imul(h ^ buf[p], FNV);
  return h;
}

/**
 * True when `buf[s, e)` equals `key[off, off + e - s)`, where `off` is 4-aligned and `k32` is the
 * aligned word view of `key`. The caller checks lengths.
 */
export function equalBytesAligned(
  buf: Uint8Array,
  u32: Uint32Array,
  s: number,
  e: number,
  key: Uint8Array,
  k32: Uint32Array,
  off = 0,
): boolean {
  const words = (e - s) >>> 2;
  const o = s & 3;
  const k = s >>> 2;
  const kw = off >>> 2;
  if (o === 0) {
    for (let i = 0; i < words; i++) if (u32[k + i] !== k32[kw + i]) return false;
  } else if (k + words < u32.length) {
    const a = o * 8, b = 32 - a;
    let cur = u32[k];
    for (let i = 0; i < words; i++) {
      const nx = u32[k + i + 1];
      if ((((cur >>> a) | (nx << b)) >>> 0) !== k32[kw + i]) return false;
      cur = nx;
    }
  } else {
    for (let i = 0; i < 4 * words; i++) if (buf[s + i] !== key[off + i]) return false;
  }
  for (let i = 4 * words; i < e - s; i++) if (buf[s + i] !== key[off + i]) return false;
  return true;
}
