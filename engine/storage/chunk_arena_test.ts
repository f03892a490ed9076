import { assertEquals } from "../../tests/assert.ts";
import { STALE_NAN } from "../model/value.ts";
import { type ChunkArena, TsChunkArena, WasmChunkArena } from "./chunk_arena.ts";

function drive(a: ChunkArena): Uint8Array[] {
  const slots = [a.alloc(), a.alloc(), a.alloc()];
  const t = new Float64Array(300), v = new Float64Array(300);
  let x = 1_700_000_000_000;
  for (let i = 0; i < 300; i++) {
    x += 10_000 + (i % 7 === 0 ? 3 : 0) - (i % 11 === 0 ? 5 : 0);
    t[i] = x;
    v[i] = i % 13 === 0 ? STALE_NAN : Math.round(Math.cos(i) * 1000) / 10;
  }
  // Three batches, interleaving the slots, with runs of different lengths.
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
  a.free(slots[2]);
  return [a.bytes(slots[0]), a.bytes(slots[1]), a.bytes(copy)];
}

Deno.test("the WASM arena and the TypeScript arena write identical XOR bytes", () => {
  const w = drive(new WasmChunkArena());
  const ts = drive(new TsChunkArena());
  assertEquals(w.map((b) => Array.from(b)), ts.map((b) => Array.from(b)));
  assertEquals((w[2][0] << 8) | w[2][1], 120);
});

Deno.test("arena counts and slot reuse", () => {
  for (const a of [new WasmChunkArena(), new TsChunkArena()]) {
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
  }
});
