/**
 * Invariant 3 (bounded memory): the head's size depends on the number of series, never on the
 * length of their history. RSS per series at 100k series is measured by
 * tests/storage_memory.ts and bench/ingest.ts (docs/performance.md).
 */
import { assert, assertEquals } from "../../tests/assert.ts";
import { Tsdb } from "./tsdb.ts";
import { storedChunks } from "./chunk_blocks.ts";
import { request, series } from "./test_util.ts";

const T0 = 1_700_000_000_000;

Deno.test("head memory stays flat while history grows (chunks move to KV)", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w", { exemplarsMax: 100 });
  const N = 300;
  const sizes: number[] = [];
  let t = T0;
  for (let round = 0; round < 12; round++) {
    for (let k = 0; k < 60; k++) {
      const ss = [];
      for (let s = 0; s < N; s++) {
        const one = series({ __name__: "m", s: String(s) }, [[t, s + k]]);
        one.exemplars.push({ labels: [{ name: "trace_id", value: `${round}-${k}` }], value: 1, t });
        ss.push(one);
      }
      await ws.append(request(...ss));
      t += 15_000;
    }
    await ws.flush();
    const h = ws.head;
    assertEquals(h.pending.length, 0);
    assertEquals(h.ooo.size, 0);
    assert(h.exemplars.length <= 100, "exemplar ring over its limit");
    assertEquals(h.seriesCount, N);
    sizes.push(h.arena.memoryBytes());
  }
  // 720 samples per series = 6 closed chunks each, all in KV; the arena did not grow after the
  // first chunk cycle.
  assertEquals(sizes.at(-1), sizes[2], `arena grew: ${sizes}`);
  assert(sizes.at(-1)! / N <= 2048, `arena bytes per series ${sizes.at(-1)! / N}`);
  let chunks = 0;
  for await (const _ of storedChunks(kv, "w")) chunks++;
  assertEquals(chunks, N * 6);
  await db.close();
});

Deno.test("idle series release their open chunk after their partition ends", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  await ws.append(request(series({ __name__: "idle" }, [[T0, 1]])));
  await ws.append(request(series({ __name__: "busy" }, [[T0 + 5 * 3600_000, 1]])));
  await ws.maintain();
  await ws.flush();
  const idle = ws.head.lookup([{ name: "__name__", value: "idle" }]);
  assertEquals(ws.head.slot[idle], -1);
  assertEquals(ws.head.chunkCount[idle], 0);
  const [s] = await ws.querier().select([], { minT: T0, maxT: T0 });
  assertEquals(Array.from(s.v), [1]);
  await db.close();
});
