// Decoding Prometheus XOR chunks (format in chunk.ts): a whole chunk per call, into f64 columns.

import { ERR_FULL, ERR_TRUNCATED, ERR_VARINT, ret } from "./common";

// Decoder end state, read by chunk_open_from.
export let decT: i64 = 0;
export let decV: u64 = 0;
export let decTDelta: i64 = 0;
export let decLeading: u32 = 0;
export let decTrailing: u32 = 0;
export let decPos: u32 = 0;

// Reader state: bits collect in `rBuf` (MSB first, `rValid` of them), refilled 32 at a time from
// `rP`; `rLeft` counts the bits not yet consumed, so every read is bounds-checked by the caller.
let rBuf: u64 = 0;
let rValid: u32 = 0;
let rP: usize = 0;
let rEnd: usize = 0;
let rLeft: u32 = 0;

function refill(): void {
  if (rP + 4 <= rEnd) {
    rBuf |= <u64>bswap<u32>(load<u32>(rP)) << <u64>(32 - rValid);
    rValid += 32;
    rP += 4;
    return;
  }
  while (rValid <= 56 && rP < rEnd) {
    rBuf |= <u64>load<u8>(rP) << <u64>(56 - rValid);
    rValid += 8;
    rP++;
  }
}

/** Reads `n` (1..32) bits; the caller checked `n <= rLeft`. */
// @ts-ignore: decorator
@inline function r32(n: u32): u64 {
  if (rValid < n) refill();
  const x = rBuf >>> <u64>(64 - n);
  rBuf <<= <u64>n;
  rValid -= n;
  rLeft -= n;
  return x;
}

/** Reads `n` (1..64) bits; the caller checked `n <= rLeft`. */
// @ts-ignore: decorator
@inline function r64(n: u32): u64 {
  if (n > 32) {
    const hi = r32(n - 32);
    return (hi << 32) | r32(32);
  }
  return r32(n);
}

/** Reads an unsigned varint into decV (as scratch); returns 0 or an error. */
function readUvarint(): i32 {
  let x: u64 = 0;
  let shift: u64 = 0;
  for (let i = 0; i < 10; i++) {
    if (rLeft < 8) return ERR_TRUNCATED;
    const b = r32(8);
    if (b < 0x80) {
      if (i == 9 && b > 1) return ERR_VARINT;
      decV = x | (b << shift);
      return 0;
    }
    x |= (b & 0x7f) << shift;
    shift += 7;
  }
  return ERR_VARINT;
}

/**
 * Decodes a whole chunk of `len` bytes at `buf`. When `outT` is not 0, writes timestamps (f64 ms)
 * to `outT` and value bits to `outV`, at most `max` samples. Returns the sample count or an
 * error; leaves the encoder state after the last sample in the dec* globals.
 */
export function decode(buf: usize, len: u32, outT: usize, outV: usize, max: u32): i32 {
  if (len < 2) return ERR_TRUNCATED;
  const n = (<u32>load<u8>(buf) << 8) | <u32>load<u8>(buf + 1);
  if (outT != 0 && n > max) return ERR_FULL;
  rBuf = 0;
  rValid = 0;
  rP = buf + 2;
  rEnd = buf + <usize>len;
  rLeft = (len - 2) << 3;
  let t: i64 = 0;
  let v: u64 = 0;
  let tDelta: i64 = 0;
  let leading: u32 = 0xff; // 0xff: no XOR window read yet (behaves as 0/0 when reused)
  let trailing: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    if (i == 0) {
      const r = readUvarint();
      if (r < 0) return r;
      const ux = decV;
      t = <i64>(ux >>> 1) ^ -<i64>(ux & 1);
      if (rLeft < 64) return ERR_TRUNCATED;
      v = r64(64);
    } else {
      if (i == 1) {
        const r = readUvarint();
        if (r < 0) return r;
        tDelta = <i64>decV;
      } else {
        // Up to 4 prefix bits select the delta-of-delta bucket.
        let ones: u32 = 0;
        while (ones < 4) {
          if (rLeft < 1) return ERR_TRUNCATED;
          if (r32(1) == 0) break;
          ones++;
        }
        if (ones == 4) {
          if (rLeft < 64) return ERR_TRUNCATED;
          tDelta += <i64>r64(64);
        } else if (ones != 0) {
          const sz: u32 = ones == 1 ? 14 : ones == 2 ? 17 : 20;
          if (rLeft < sz) return ERR_TRUNCATED;
          let b = r32(sz);
          if (b > (<u64>1 << <u64>(sz - 1))) b -= <u64>1 << <u64>sz;
          tDelta += <i64>b;
        }
      }
      t += tDelta;
      // XOR value.
      if (rLeft < 1) return ERR_TRUNCATED;
      if (r32(1) != 0) {
        if (rLeft < 1) return ERR_TRUNCATED;
        let mbits: u32;
        if (r32(1) != 0) {
          if (rLeft < 11) return ERR_TRUNCATED;
          const lm = <u32>r32(11);
          leading = lm >>> 6;
          mbits = lm & 63;
          if (mbits == 0) mbits = 64;
          if (leading + mbits > 64) return ERR_VARINT; // corrupt window
          trailing = 64 - leading - mbits;
        } else {
          if (leading == 0xff) {
            leading = 0; // Prometheus's reader starts from a 0/0 window
            trailing = 0;
          }
          mbits = 64 - leading - trailing;
        }
        if (rLeft < mbits) return ERR_TRUNCATED;
        v ^= r64(mbits) << <u64>trailing;
      }
    }
    if (outT != 0) {
      store<f64>(outT + (<usize>i << 3), <f64>t);
      store<u64>(outV + (<usize>i << 3), v);
    }
  }
  decT = t;
  decV = v;
  decTDelta = tDelta;
  decLeading = leading;
  decTrailing = trailing;
  decPos = (len << 3) - rLeft;
  return <i32>n;
}

/** Decodes `len` chunk bytes at `src` into f64 columns at `outT`/`outV` (room for `max`
 * samples); returns the sample count or an error (ERR_FULL when `max` is too small). */
export function xor_decode(src: usize, len: u32, outT: usize, outV: usize, max: u32): i32 {
  return decode(src, len, outT, outV, max);
}

/**
 * Decodes `n` chunks in one call: chunk i is bytes [offsets[i], offsets[i+1]) at `src` (u32
 * offsets). Samples with minT <= t <= maxT are written back to back to `outT`/`outV` (room for
 * `max`). Returns the samples written, or an error with ret[0] = the failing chunk's index.
 */
export function xor_decode_many(src: usize, offsets: usize, n: u32, minT: f64, maxT: f64, outT: usize, outV: usize, max: u32): i32 {
  let at: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const o = load<u32>(offsets + (<usize>i << 2));
    const len = load<u32>(offsets + (<usize>(i + 1) << 2)) - o;
    const got = decode(src + <usize>o, len, outT + (<usize>at << 3), outV + (<usize>at << 3), max - at);
    if (got < 0) {
      store<u32>(ret, i);
      return got;
    }
    // Keep the samples inside [minT, maxT] (compacting in place).
    let k = at;
    const end = at + <u32>got;
    for (let j = at; j < end; j++) {
      const t = load<f64>(outT + (<usize>j << 3));
      if (t >= minT && t <= maxT) {
        if (k != j) {
          store<f64>(outT + (<usize>k << 3), t);
          store<u64>(outV + (<usize>k << 3), load<u64>(outV + (<usize>j << 3)));
        }
        k++;
      }
    }
    at = k;
  }
  return <i32>at;
}

