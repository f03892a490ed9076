import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { rng } from "../../tests/rng.ts";
import { labelsFromRecord } from "../model/labels.ts";
import { STALE_NAN } from "../model/value.ts";
import { ByteWriter, LITTLE_ENDIAN } from "./byte_buffer.ts";
import { Batch, decodeBatch, encodeBatch, WAL_VERSION } from "./wal.ts";

/**
 * The record of a samples-only batch written field by field: varints through ByteWriter and each
 * value's raw bytes (a little-endian host's Float64Array bytes are the format's). The oracle of
 * the inline encoder.
 */
function referenceRecord(b: Batch): Uint8Array {
  assert(b.newSeries.length === 0 && b.hist.length === 0, "BUG: reference covers samples only");
  const w = new ByteWriter(16);
  w.u8(WAL_VERSION);
  w.uvarint(0);
  w.uvarint(b.entries);
  const base = b.samples > 0 ? b.t[0] : 0;
  w.varint(base);
  for (let e = 0; e < b.entries; e++) {
    const start = b.starts[e], n = b.counts[e];
    w.uvarint(b.sids[e]);
    w.uvarint(n);
    let prev = base;
    for (let i = start; i < start + n; i++) {
      w.varint(b.t[i] - prev);
      prev = b.t[i];
    }
    w.raw(new Uint8Array(b.v.buffer, b.v.byteOffset + start * 8, n * 8));
  }
  w.uvarint(0);
  w.uvarint(0);
  w.uvarint(0);
  return w.copy();
}

const TIMES = [
  0,
  1,
  -1,
  -1_700_000_000_000,
  1_700_000_000_000,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  2 ** 50, // deltas between these stay below 2^52, so their zig-zag is a safe integer
  -(2 ** 50),
  2 ** 50 - 1,
];
const VALUES = [NaN, STALE_NAN, -0, 0, Infinity, -Infinity, 1.5, 5e-324, 1e300, -2.25];

/** A NaN with an arbitrary payload (bit pattern `hi:lo`), as bytes decode it. */
function nanWithPayload(hi: number, lo: number): number {
  const u = new Uint32Array([lo >>> 0, (0x7ff00000 | (hi & 0xfffff)) >>> 0]);
  if ((u[1] & 0xfffff) === 0 && u[0] === 0) u[0] = 1;
  return new Float64Array(u.buffer)[0];
}

function randomBatch(seed: number): Batch {
  const r = rng(seed);
  const b = new Batch();
  const entries = Math.floor(r() * 600);
  let t = r() < 0.5 ? 1_700_000_000_000 : TIMES[Math.floor(r() * TIMES.length)];
  for (let e = 0; e < entries; e++) {
    const sid = r() < 0.1 ? Math.floor(r() * 2 ** 31 - 1) : 1 + Math.floor(r() * 200_000);
    b.beginEntry(sid);
    const n = r() < 0.8 ? 1 : Math.floor(r() * 200);
    for (let i = 0; i < n; i++) {
      const x = r();
      if (x < 0.05) t = TIMES[Math.floor(r() * TIMES.length)];
      else if (x < 0.5) t += Math.floor(r() * 100_000) - 30_000;
      const y = r();
      const v = y < 0.2
        ? VALUES[Math.floor(r() * VALUES.length)]
        : y < 0.3
        ? nanWithPayload(Math.floor(r() * 2 ** 20), Math.floor(r() * 2 ** 32))
        : (r() - 0.5) * 1e9;
      // Through a typed array, as requests arrive: push() would pass the NaN through a call.
      const col = Float64Array.of(t), val = Float64Array.of(v);
      b.pushFrom(col, val, 0);
    }
  }
  return b;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Bit patterns of a column, NaNs with the quiet bit set (decoding may pass values as doubles). */
function bits(x: Float64Array): string {
  const u = new Uint32Array(x.buffer, x.byteOffset, x.length * 2).slice();
  for (let i = 0; i < x.length; i++) if (Number.isNaN(x[i])) u[2 * i + 1] |= 0x80000;
  return Array.from(u).join(",");
}

Deno.test("encodeBatch() writes the bytes of the field-by-field encoder on random batches", () => {
  assert(LITTLE_ENDIAN, "the reference copies host bytes");
  const w = new ByteWriter(8);
  for (let seed = 1; seed <= 100; seed++) {
    const b = randomBatch(seed);
    encodeBatch(b, w);
    const want = referenceRecord(b);
    assert(sameBytes(w.view(), want), `seed ${seed}: ${w.length} vs ${want.length} bytes`);
  }
});

Deno.test("decodeBatch() reads back what encodeBatch() wrote, NaN payloads included", () => {
  const w = new ByteWriter(8);
  const back = new Batch();
  for (let seed = 1000; seed < 1030; seed++) {
    const b = randomBatch(seed);
    b.newSeries.push({ sid: 7, labels: labelsFromRecord({ __name__: "up", job: "ü€" }) });
    b.metadata.push({ metric: "up", type: "gauge", help: "h", unit: "" });
    encodeBatch(b, w);
    decodeBatch(w.copy(), back);
    assertEquals(back.entries, b.entries);
    assertEquals(back.samples, b.samples);
    assertEquals(
      Array.from(back.sids.subarray(0, b.entries)),
      Array.from(b.sids.subarray(0, b.entries)),
    );
    assertEquals(
      Array.from(back.counts.subarray(0, b.entries)),
      Array.from(b.counts.subarray(0, b.entries)),
    );
    assertEquals(Array.from(back.t.subarray(0, b.samples)), Array.from(b.t.subarray(0, b.samples)));
    assertEquals(bits(back.v.subarray(0, b.samples)), bits(b.v.subarray(0, b.samples)));
    assertEquals(back.newSeries[0].labels, b.newSeries[0].labels);
    assertEquals(back.metadata, b.metadata);
  }
});

Deno.test("encodeBatch() writes the staleness marker's exact bits from a grown value column", () => {
  const b = new Batch();
  b.beginEntry(3);
  const stale = new Float64Array(1);
  new Uint32Array(stale.buffer).set([2, 0x7ff00000]); // the marker's bits, not through a double
  for (let i = 0; i < 5000; i++) b.pushFrom(Float64Array.of(i), stale, 0);
  const w = new ByteWriter(8);
  encodeBatch(b, w); // 5000 samples: the value column grew past its first buffer
  const back = new Batch();
  decodeBatch(w.copy(), back);
  assert(sameBytes(w.view(), referenceRecord(b)));
  // The last value (three empty sections follow it) has the column's bits, whatever they are.
  const u = new Uint32Array(w.view().slice(-11, -3).buffer);
  const want = new Uint32Array(b.v.buffer, 4999 * 8, 2);
  assertEquals([u[0], u[1]], [want[0], want[1]]);
  assertEquals(want[0], 2);
});

Deno.test("encodeBatch() refuses a timestamp delta beyond a safe integer", () => {
  const b = new Batch();
  b.beginEntry(1);
  b.push(0, 1);
  b.push(2 ** 53 - 1, 2); // zig-zag of the delta: 2^54 - 2
  assertThrows(() => encodeBatch(b, new ByteWriter(8)), Error, "BUG: uvarint");
});
