import { assertEquals } from "../../tests/assert.ts";
import { STALE_NAN } from "../model/value.ts";
import { refDecode, refEncode } from "../../wasm/xor_ref.ts";
import { WasmChunkArena } from "./chunk_arena.ts";

Deno.test("WasmChunkArena batches write the bytes of the reference XOR codec", () => {
  const a = new WasmChunkArena();
  const slots = [a.alloc(), a.alloc(), a.alloc()];
  const t = new Float64Array(300), v = new Float64Array(300);
  let x = 1_700_000_000_000;
  for (let i = 0; i < 300; i++) {
    x += 10_000 + (i % 7 === 0 ? 3 : 0) - (i % 11 === 0 ? 5 : 0) + (i === 150 ? 9e8 : 0);
    t[i] = x;
    v[i] = i % 13 === 0 ? STALE_NAN : Math.round(Math.cos(i) * 1000) / 10;
  }
  // Interleaved slots, runs of different lengths, several calls.
  const s = Int32Array.from(slots);
  a.appendMany(s, Int32Array.of(0, 100, 200), Int32Array.of(40, 10, 1), 3, t, v);
  a.appendMany(s, Int32Array.of(40, 110, 201), Int32Array.of(60, 90, 99), 3, t, v);
  const copy = a.alloc(a.bytes(slots[1])); // continue a chunk from its bytes
  a.appendMany(
    Int32Array.of(slots[0], copy),
    Int32Array.of(200, 250),
    Int32Array.of(20, 20),
    2,
    t,
    v,
  );
  const want = (parts: [number, number][]) => {
    // Typed arrays keep the staleness marker's NaN payload (a JS array may canonicalise it).
    let n = 0;
    for (const [from, to] of parts) n += to - from;
    const tt = new Float64Array(n), vv = new Float64Array(n);
    let k = 0;
    for (const [from, to] of parts) {
      tt.set(t.subarray(from, to), k);
      vv.set(v.subarray(from, to), k);
      k += to - from;
    }
    return Array.from(refEncode(tt, vv));
  };
  assertEquals(Array.from(a.bytes(slots[0])), want([[0, 100], [200, 220]]));
  assertEquals(Array.from(a.bytes(slots[1])), want([[100, 200]]));
  assertEquals(Array.from(a.bytes(slots[2])), want([[200, 201], [201, 300]]));
  assertEquals(Array.from(a.bytes(copy)), want([[100, 200], [250, 270]]));
  assertEquals(a.count(copy), 120);
  const d = refDecode(a.bytes(slots[0]));
  assertEquals(d.t.length, 120);
});

Deno.test("WasmChunkArena counts samples and reuses freed slots as empty chunks", () => {
  const a = new WasmChunkArena();
  const s = a.alloc();
  a.appendMany(
    Int32Array.of(s),
    Int32Array.of(0),
    Int32Array.of(2),
    1,
    Float64Array.of(1, 2),
    Float64Array.of(1, 1),
  );
  assertEquals(a.count(s), 2);
  a.free(s);
  const s2 = a.alloc();
  assertEquals(a.count(s2), 0);
});
