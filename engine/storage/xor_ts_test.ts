import { assertEquals } from "../../tests/assert.ts";
import { STALE_NAN } from "../model/value.ts";
import { xorCount, xorDecode, xorEncode } from "./xor_ts.ts";

function roundTrip(t: number[], v: number[]): void {
  const bytes = xorEncode(Float64Array.from(t), Float64Array.from(v), 0, t.length);
  assertEquals(xorCount(bytes), t.length);
  const ot = new Float64Array(t.length), ov = new Float64Array(t.length);
  xorDecode(bytes, ot, ov);
  assertEquals(Array.from(ot), t);
  assertEquals(Array.from(ov), v);
}

Deno.test("xorEncode() and xorDecode() round-trip regular, jittery and extreme series", () => {
  const t: number[] = [], v: number[] = [];
  let x = 1_700_000_000_000;
  for (let i = 0; i < 120; i++) {
    x += 15_000 + ((i * 7919) % 13) - 6 + (i % 17 === 0 ? 70_000 : 0) + (i === 50 ? 9e8 : 0);
    t.push(x);
    v.push(i % 5 === 0 ? i : Math.sin(i) * 1e6);
  }
  roundTrip(t, v);
  roundTrip([-5, 0, 3], [Infinity, -Infinity, NaN]);
  roundTrip([1], [42]);
  roundTrip([1, 2, 3, 4], [0, -0, 1e-300, 1.7976931348623157e308]);
});

Deno.test("xorDecode() keeps the staleness marker's bit pattern", () => {
  const bytes = xorEncode(Float64Array.of(1, 2), Float64Array.of(1, STALE_NAN), 0, 2);
  const t = new Float64Array(2), v = new Float64Array(2);
  xorDecode(bytes, t, v);
  const u = new Uint32Array(v.buffer);
  assertEquals([u[2], u[3]], [2, 0x7ff00000]);
});

Deno.test("xorEncode() writes Prometheus's header and first-sample layout", () => {
  // count=1, varint(1000)=zigzag 2000 -> d0 0f, then float64 bits of 1.0 big-endian.
  const b = xorEncode(Float64Array.of(1000), Float64Array.of(1), 0, 1);
  assertEquals(Array.from(b), [0, 1, 0xd0, 0x0f, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
});
