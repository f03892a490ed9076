/**
 * XXH64 (seed 0) over bytes, and Prometheus's label-set hash built on it (`labels.Hash`: each
 * label as name, 0xff, value, 0xff). Used by limit_ratio so sampling picks the same series as
 * Prometheus. Algorithm: Yann Collet's xxHash (BSD-2); this is our own BigInt implementation,
 * off the hot path.
 */
import type { Labels } from "../model/mod.ts";

const MASK = (1n << 64n) - 1n;
const P1 = 11400714785074694791n;
const P2 = 14029467366897019727n;
const P3 = 1609587929392839161n;
const P4 = 9650029242287828579n;
const P5 = 2870177450012600261n;

function rotl(x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (64n - r))) & MASK;
}

function round(acc: bigint, input: bigint): bigint {
  acc = (acc + input * P2) & MASK;
  acc = rotl(acc, 31n);
  return (acc * P1) & MASK;
}

function mergeRound(acc: bigint, val: bigint): bigint {
  acc ^= round(0n, val);
  return (acc * P1 + P4) & MASK;
}

function u64(b: Uint8Array, i: number): bigint {
  let x = 0n;
  for (let k = 7; k >= 0; k--) x = (x << 8n) | BigInt(b[i + k]);
  return x;
}

function u32(b: Uint8Array, i: number): bigint {
  return BigInt((b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0);
}

/** XXH64 of `b` with seed 0, as an unsigned 64-bit BigInt. */
export function xxhash64(b: Uint8Array): bigint {
  const n = b.length;
  let i = 0;
  let h: bigint;
  if (n >= 32) {
    let v1 = (P1 + P2) & MASK, v2 = P2, v3 = 0n, v4 = (0n - P1) & MASK;
    for (; i + 32 <= n; i += 32) {
      v1 = round(v1, u64(b, i));
      v2 = round(v2, u64(b, i + 8));
      v3 = round(v3, u64(b, i + 16));
      v4 = round(v4, u64(b, i + 24));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK;
    h = mergeRound(h, v1);
    h = mergeRound(h, v2);
    h = mergeRound(h, v3);
    h = mergeRound(h, v4);
  } else {
    h = P5;
  }
  h = (h + BigInt(n)) & MASK;
  for (; i + 8 <= n; i += 8) {
    h ^= round(0n, u64(b, i));
    h = (rotl(h, 27n) * P1 + P4) & MASK;
  }
  if (i + 4 <= n) {
    h ^= (u32(b, i) * P1) & MASK;
    h = (rotl(h, 23n) * P2 + P3) & MASK;
    i += 4;
  }
  for (; i < n; i++) {
    h ^= (BigInt(b[i]) * P5) & MASK;
    h = (rotl(h, 11n) * P1) & MASK;
  }
  h ^= h >> 33n;
  h = (h * P2) & MASK;
  h ^= h >> 29n;
  h = (h * P3) & MASK;
  h ^= h >> 32n;
  return h;
}

const enc = new TextEncoder();

/** Prometheus's `labels.Labels.Hash()`. */
export function labelsHash(l: Labels): bigint {
  const parts: Uint8Array[] = [];
  let len = 0;
  for (const x of l) {
    const a = enc.encode(x.name), b = enc.encode(x.value);
    parts.push(a, b);
    len += a.length + b.length + 2;
  }
  const buf = new Uint8Array(len);
  let o = 0;
  for (let i = 0; i < parts.length; i += 2) {
    buf.set(parts[i], o);
    o += parts[i].length;
    buf[o++] = 0xff;
    buf.set(parts[i + 1], o);
    o += parts[i + 1].length;
    buf[o++] = 0xff;
  }
  return xxhash64(buf);
}
