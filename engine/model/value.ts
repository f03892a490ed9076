/** Sample values and the staleness marker. Timestamps are integer milliseconds since the epoch. */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Prometheus's staleness marker: the NaN with bit pattern 0x7ff0000000000002. */
export const STALE_NAN: number = (() => {
  u32[0] = 2;
  u32[1] = 0x7ff00000;
  return f64[0];
})();

/** True when `v` carries the exact staleness-marker bit pattern (not just any NaN). */
export function isStaleNaN(v: number): boolean {
  if (v === v) return false;
  f64[0] = v;
  // The marker is a signalling NaN; optimised code may quiet it (set bit 51) on the way, so
  // accept the quieted form with the same payload too.
  return u32[0] === 2 && (u32[1] & 0xfff7ffff) === 0x7ff00000;
}

/** One float sample. */
export interface FPoint {
  t: number;
  v: number;
}

/** Asserts a timestamp is an integer number of milliseconds that a `number` holds exactly. */
export function assertTimestampMs(t: number): void {
  if (!Number.isSafeInteger(t)) throw new Error(`BUG: timestamp ${t} is not a safe integer`);
}
