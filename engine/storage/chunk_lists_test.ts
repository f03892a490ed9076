import { assert, assertEquals } from "../../tests/assert.ts";
import { Matcher } from "../model/matcher.ts";
import { Tsdb } from "./tsdb.ts";
import { request, series } from "./test_util.ts";
import { Slab } from "./chunk_lists.ts";

const T0 = 1_700_000_000_000;

Deno.test("chunks flushed after a query cached a partition's lists are still read", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  const m = [new Matcher("=", "__name__", "up")];
  const all = { minT: T0, maxT: T0 + 3600_000 };
  const points = (from: number, n: number): [number, number][] =>
    Array.from({ length: n }, (_, i) => [T0 + (from + i) * 10_000, from + i]);
  // 130 samples: the first 120 make a closed chunk that reaches KV.
  await ws.append(request(series({ __name__: "up", job: "a" }, points(0, 130))));
  await ws.flush();
  let got = await ws.querier().select(m, all);
  assertEquals(got[0].t.length, 130);
  assert(ws.chunkCache.size > 0, "the recent partition's lists were not cached");
  // 120 more: another chunk is closed and flushed while the list is cached.
  await ws.append(request(series({ __name__: "up", job: "a" }, points(130, 120))));
  await ws.flush();
  got = await ws.querier().select(m, all);
  assertEquals(got[0].t.length, 250);
  assertEquals(Array.from(got[0].v), Array.from({ length: 250 }, (_, i) => i));
  await db.close();
});

Deno.test("Slab.take() hands out disjoint zeroed views", () => {
  const slab = new Slab();
  const a = slab.take(3), b = slab.take(100_000), c = slab.take(2);
  a.fill(1);
  b.fill(2);
  assertEquals(Array.from(a), [1, 1, 1]);
  assertEquals(Array.from(c), [0, 0]);
  assertEquals(b.length, 100_000);
});

Deno.test("lists removed from the cache behind the read path's back are not served again", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  const m = [new Matcher("=", "__name__", "up")];
  const all = { minT: T0, maxT: T0 + 3600_000 };
  const pts = Array.from({ length: 130 }, (_, i): [number, number] => [T0 + i * 10_000, i]);
  await ws.append(request(series({ __name__: "up", job: "a" }, pts)));
  await ws.flush();
  assertEquals((await ws.querier().select(m, all))[0].t.length, 130);
  assertEquals((await ws.querier().select(m, all))[0].t.length, 130); // from the index
  // As retention does: the chunks leave KV and their lists leave the cache.
  for await (const e of kv.list({ prefix: ["w", "w", "tsdb", "c"] })) await kv.delete(e.key);
  for (const [k, l] of [...ws.chunkCache]) {
    ws.chunkCache.delete(k);
    ws.chunkCacheBytes -= l.reduce((n, c) => n + c.length, 0) + 16;
  }
  // Only the open chunk's 10 samples are left.
  assertEquals((await ws.querier().select(m, all))[0].t.length, 10);
  await db.close();
});
