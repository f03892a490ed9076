/**
 * Invariant 3 under series churn: series idle for `coldAfterMs` leave memory; their data stays
 * in KV and reads still find it (cold index), across restarts and retention.
 */
import { assert, assertEquals } from "../../tests/assert.ts";
import { labelsFromRecord } from "../model/labels.ts";
import { Matcher } from "../model/matcher.ts";
import { Tsdb } from "./tsdb.ts";
import { dump, request, series, tempKvPath } from "./test_util.ts";

const T0 = 1_700_000_000_000;
const HOUR = 3600_000;

Deno.test("idle series go cold, stay readable, come back under a new id and survive restarts", async () => {
  const { path, dir } = await tempKvPath();
  try {
    let kv = await Deno.openKv(path);
    let db = await Tsdb.open(kv);
    let ws = await db.workspace("w");
    const a = { __name__: "a", pod: "p1" }, b = { __name__: "b" };
    for (let k = 0; k <= 8 * 60; k += 5) {
      const ss = [series(b, [[T0 + k * 60_000, k]])];
      if (k <= 60) ss.push(series(a, [[T0 + k * 60_000, k]]));
      await ws.append(request(...ss));
    }
    const before = await dump(ws.querier());
    assertEquals((await ws.maintain()).evicted, 1);
    assertEquals(ws.head.seriesCount, 1);
    assertEquals(ws.head.lookup(labelsFromRecord(a)), 0);
    assertEquals(await dump(ws.querier()), before);
    const q = ws.querier();
    assertEquals(await q.labelValues("pod", [], { minT: T0, maxT: T0 + HOUR }), ["p1"]);
    assertEquals(await q.labelValues("pod", [], { minT: T0 + 2 * HOUR, maxT: T0 + 3 * HOUR }), []);
    const [only] = await q.select([new Matcher("=", "pod", "p1")], { minT: T0, maxT: T0 + HOUR });
    assertEquals(only.t.length, 13);
    // The series comes back: a new id, one merged series in reads.
    await ws.append(request(series(a, [[T0 + 8 * HOUR + 1, 99]])));
    assert(ws.head.lookup(labelsFromRecord(a)) !== 0);
    const merged = await dump(ws.querier());
    assertEquals(merged.length, 2);
    assert(merged[0].endsWith(`${T0 + HOUR}=60 ${T0 + 8 * HOUR + 1}=99`), merged[0]);
    kv.close(); // crash
    kv = await Deno.openKv(path);
    db = await Tsdb.open(kv);
    ws = await db.workspace("w");
    assertEquals(await dump(ws.querier()), merged);
    await db.close();
    kv.close();
    kv = await Deno.openKv(path);
    db = await Tsdb.open(kv);
    ws = await db.workspace("w");
    assertEquals(await dump(ws.querier()), merged);
    // Eviction is in memory until a checkpoint: after a crash the old id may be hot again, and
    // the next maintenance evicts it again.
    await ws.maintain();
    assertEquals(ws.head.seriesCount, 2);
    assertEquals(await dump(ws.querier()), merged);
    // Retention removes the cold part and its records; the hot part stays.
    await db.applyRetention("w", 1, T0 + 4 * HOUR + 86_400_000);
    const kept = await dump(ws.querier());
    assertEquals(
      kept.find((l) => l.startsWith(`{__name__="a"`)),
      `{__name__="a", pod="p1"} ${T0 + 8 * HOUR + 1}=99`,
    );
    let cold = 0;
    for await (const _ of kv.list({ prefix: ["w", "w", "tsdb", "cold"] })) cold++;
    assertEquals(cold, 0);
    await db.close();
    kv.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("memory stays flat under series churn: old series go cold", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  const counts: number[] = [];
  // Each hour 50 new pods replace the previous ones (2 samples each).
  for (let hour = 0; hour < 24; hour++) {
    const ss = [];
    for (let i = 0; i < 50; i++) {
      const t = T0 + hour * HOUR;
      ss.push(series({ __name__: "up", pod: `p${hour}-${i}` }, [[t, 1], [t + 60_000, 1]]));
    }
    await ws.append(request(...ss));
    await ws.maintain();
    counts.push(ws.head.seriesCount);
  }
  // 6 h of pods stay hot (the cold-after window), not 24 h of them.
  assert(counts.at(-1)! <= 7 * 50, `head holds ${counts.at(-1)} series`);
  assertEquals(counts.at(-1), counts[12]);
  const all = await ws.querier().select([new Matcher("=", "__name__", "up")], {
    minT: T0,
    maxT: T0 + 24 * HOUR,
  });
  assertEquals(all.length, 24 * 50);
  await db.close();
});
