import { assert, assertEquals } from "../../tests/assert.ts";
import { rng } from "../../tests/rng.ts";
import { labelsFromRecord } from "../model/labels.ts";
import { decodeXorChunk } from "../../wasm/mod.ts";
import { WasmChunkArena } from "./chunk_arena.ts";
import { Head } from "./head.ts";
import { CHUNK_KIND_XOR, partitionOf } from "./keys.ts";
import { CHUNK_SAMPLES_MAX } from "./limits.ts";
import { Batch } from "./wal.ts";

/**
 * Random batches (several entries of one series, duplicates, out-of-order samples, chunk cuts at
 * 120 samples and at partition edges) against a model: every in-order sample ends up exactly once
 * in the series' XOR chunks (closed ones in order, then the open one), and every chunk holds at
 * most CHUNK_SAMPLES_MAX samples of one partition with the right bounds.
 */
Deno.test("applyBatch() keeps every in-order sample once, in chunks cut at 120 samples and partitions", () => {
  for (let seed = 1; seed <= 60; seed++) {
    const r = rng(seed);
    const P = seed % 2 === 0 ? 1000 : 7_200_000;
    const head = new Head(new WasmChunkArena(), {
      partitionMs: P,
      oooWindowMs: 600_000,
      exemplarsMax: 0,
    });
    const S = 1 + Math.floor(r() * 20);
    for (let sid = 1; sid <= S; sid++) {
      head.addSeries(sid, labelsFromRecord({ __name__: "m", i: `${sid}` }));
    }
    const last = new Float64Array(S + 1).fill(1_700_000_000_000);
    const want: { t: number[]; v: number[] }[] = Array.from({ length: S + 1 }, () => ({
      t: [],
      v: [],
    }));
    for (let k = 0; k < 30; k++) {
      const b = new Batch();
      const entries = Math.floor(r() * 30);
      for (let e = 0; e < entries; e++) {
        const sid = 1 + Math.floor(r() * S);
        b.beginEntry(sid);
        const n = r() < 0.1 ? Math.floor(r() * 300) : 1 + Math.floor(r() * 4);
        for (let i = 0; i < n; i++) {
          const x = r(), v = Math.floor(r() * 100);
          const started = want[sid].t.length > 0; // before its first sample, nothing is older
          if (x < 0.1 && started) b.push(last[sid], want[sid].v.at(-1)!); // duplicate
          else if (x < 0.2 && started) b.push(last[sid] - 1 - Math.floor(r() * 5000), v); // older
          else {
            last[sid] += 1 + Math.floor(r() * (r() < 0.3 ? 3000 : 200));
            b.push(last[sid], v);
            want[sid].t.push(last[sid]);
            want[sid].v.push(v);
          }
        }
      }
      head.applyBatch(b);
    }
    for (let sid = 1; sid <= S; sid++) {
      const chunks = head.pending.filter((c) => c.sid === sid && c.kind === CHUNK_KIND_XOR);
      const parts = chunks.map((c) => ({ bytes: c.bytes, minT: c.minT, maxT: c.maxT }));
      if (head.chunkCount[sid] > 0) {
        parts.push({
          bytes: head.arena.bytes(head.slot[sid]),
          minT: head.chunkMinT[sid],
          maxT: head.chunkMaxT[sid],
        });
      }
      const t: number[] = [], v: number[] = [];
      for (const p of parts) {
        const d = decodeXorChunk(p.bytes);
        assert(d.t.length >= 1 && d.t.length <= CHUNK_SAMPLES_MAX, `seed ${seed}: chunk size`);
        assertEquals([d.t[0], d.t[d.t.length - 1]], [p.minT, p.maxT], `seed ${seed}: bounds`);
        assertEquals(partitionOf(p.minT, P), partitionOf(p.maxT, P), `seed ${seed}: partition`);
        t.push(...d.t);
        v.push(...d.v);
      }
      assertEquals(t, want[sid].t, `seed ${seed}, series ${sid}: timestamps`);
      assertEquals(v, want[sid].v, `seed ${seed}, series ${sid}: values`);
      if (want[sid].t.length > 0) assertEquals(head.lastT[sid], want[sid].t.at(-1));
    }
  }
});
