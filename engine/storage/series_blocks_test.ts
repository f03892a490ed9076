/**
 * Series records packed into blocks (series_blocks.ts): round trips, size and bucket cuts,
 * recovery, cold reads, retention with id reuse, stores of the first layout, and crashes
 * between block commits.
 */
import { assert, assertEquals } from "../../tests/assert.ts";
import { type Labels, labelsFromRecord, labelsString } from "../model/labels.ts";
import { Matcher } from "../model/matcher.ts";
import { ByteWriter } from "./byte_buffer.ts";
import { checkpointHeadKey, seriesBlocksPrefix, seriesKey, seriesPrefix } from "./keys.ts";
import { SERIES_BLOCK_BYTES_MAX, SERIES_BLOCK_SID_SPAN } from "./limits.ts";
import {
  deleteSeriesRecords,
  forEachSeriesRecord,
  forEachStoredSeries,
  loadSeriesLabels,
  type SeriesBlockStore,
  writeSeriesRecords,
} from "./series_blocks.ts";
import { Tsdb } from "./tsdb.ts";
import type { Workspace } from "./workspace.ts";
import { dump, request, series, tempKvPath } from "./test_util.ts";
import { decodeLabels, encodeLabels } from "./wal.ts";

const T0 = 1_700_000_000_000;
const HOUR = 3600_000;

/** A store without a writer lease, counting commits. */
function plainStore(kv: Deno.Kv): SeriesBlockStore & { commits: number } {
  return {
    kv,
    id: "w",
    commits: 0,
    fencedAtomic: () => kv.atomic(),
    async commitFenced(op) {
      this.commits++;
      assert((await op.commit()).ok);
    },
  };
}

function labelsOf(sid: number, pad = 0): Labels {
  return labelsFromRecord({
    __name__: `metric_${sid % 7}`,
    instance: `host-${sid}.example.com:9100`,
    job: "node",
    pad: "x".repeat(pad),
  });
}

/** Workspace "w" of a Tsdb on the KV file at `path`, as a process starting on it sees it. */
async function openW(path: string): Promise<{ kv: Deno.Kv; db: Tsdb; ws: Workspace }> {
  const kv = await Deno.openKv(path);
  const db = await Tsdb.open(kv);
  return { kv, db, ws: await db.workspace("w") };
}

/** Every stored record as `sid labels`, in visit order. */
async function stored(kv: Deno.Kv): Promise<string[]> {
  const out: string[] = [];
  await forEachStoredSeries(
    kv,
    "w",
    (sid, r) => out.push(`${sid} ${labelsString(decodeLabels(r))}`),
  );
  return out;
}

async function countKeys(kv: Deno.Kv, prefix: Deno.KvKey): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix })) n++;
  return n;
}

Deno.test("series records round-trip through blocks cut by bucket and by size", async () => {
  using kv = await Deno.openKv(":memory:");
  const store = plainStore(kv);
  // Unsorted ids across 5 buckets, with a repeat; some labels of ~7 KB force size cuts.
  const sids: number[] = [], labels: Labels[] = [];
  for (let sid = 1200; sid >= 1; sid -= 1) {
    sids.push(sid);
    labels.push(labelsOf(sid, sid % 10 === 0 ? 7000 : 0));
  }
  sids.push(17);
  labels.push(labelsOf(17));
  const blocks = await writeSeriesRecords(store, sids, labels);
  const want = Array.from(
    { length: 1200 },
    (_, i) => `${i + 1} ${labelsString(labelsOf(i + 1, (i + 1) % 10 === 0 ? 7000 : 0))}`,
  );
  // Key order: by bucket, then block id (a hash), so sort by id.
  const bySid = (a: string, b: string) => parseInt(a) - parseInt(b);
  assertEquals((await stored(kv)).sort(bySid), want);
  let values = 0;
  for await (const e of kv.list<Uint8Array>({ prefix: seriesBlocksPrefix("w") })) {
    values++;
    assert(e.value.length <= SERIES_BLOCK_BYTES_MAX, `block of ${e.value.length} bytes`);
    const bucket = e.key[4] as number;
    forEachSeriesRecord(e.value, (sid) => {
      assertEquals(Math.floor(sid / SERIES_BLOCK_SID_SPAN), bucket);
    });
  }
  assertEquals(values, blocks);
  // 120 labels of 7 KB in 5 buckets (~180 KB each): 3 or 4 blocks per bucket.
  assert(blocks >= 15 && blocks <= 20, `${blocks} blocks`);
  assert(store.commits >= 2, "840 KB of records need more than one atomic");
  assertEquals(await countKeys(kv, seriesPrefix("w")), 0);
  const some = [1, 255, 256, 700, 1200, 5000];
  const got = await loadSeriesLabels(kv, "w", some);
  assertEquals(
    [...got].sort((a, b) => a[0] - b[0]).map(([s, l]) => `${s} ${labelsString(l)}`),
    [1, 255, 256, 700, 1200].map((s) => want[s - 1]),
  );
  // Writing the same records again (a checkpoint redone after a crash) changes nothing visible.
  await writeSeriesRecords(store, sids.slice(0, 100), labels.slice(0, 100));
  const again = await stored(kv);
  assertEquals([...new Set(again)].sort(bySid), want);
});

Deno.test("deleting records rewrites their blocks; a reused id then reads its new labels only", async () => {
  using kv = await Deno.openKv(":memory:");
  const store = plainStore(kv);
  const sids = Array.from({ length: 600 }, (_, i) => i + 1);
  await writeSeriesRecords(store, sids, sids.map((s) => labelsOf(s)));
  // A repeated record in another block of the same bucket (a rewrite after a crash).
  await writeSeriesRecords(store, [10, 11], [labelsOf(10), labelsOf(11)]);
  await kv.set(["w", "w", "tsdb", "cold", 10], 3);
  await kv.set(["w", "w", "tsdb", "cold", 500], 3);
  await deleteSeriesRecords(store, [10, 500], (sid) => [["w", "w", "tsdb", "cold", sid]]);
  assertEquals(await countKeys(kv, ["w", "w", "tsdb", "cold"]), 0);
  const left = await stored(kv);
  assertEquals(left.length, 598);
  assert(!left.some((l) => l.startsWith("10 ") || l.startsWith("500 ")));
  assertEquals(left.filter((l) => l.startsWith("11 ")).length, 1, "repeats are compacted");
  // The id is reused by another series.
  const other = labelsFromRecord({ __name__: "reused", pod: "p9" });
  await writeSeriesRecords(store, [10], [other]);
  const got = await loadSeriesLabels(kv, "w", [10, 500, 11]);
  assertEquals(got.size, 2);
  assertEquals(labelsString(got.get(10)!), labelsString(other));
  assertEquals(labelsString(got.get(11)!), labelsString(labelsOf(11)));
  assertEquals((await stored(kv)).filter((l) => l.startsWith("10 ")), [
    `10 ${labelsString(other)}`,
  ]);
});

Deno.test("a checkpoint writes ~60 KB blocks, and a restart recovers every series from them", async () => {
  const { path, dir } = await tempKvPath();
  try {
    let { kv, db, ws } = await openW(path);
    const ss = [];
    for (let i = 0; i < 3000; i++) {
      ss.push(
        series({ __name__: `m${i % 13}`, pod: `pod-${i}`, zone: "z".repeat(150) }, [[T0 + i, i]]),
      );
    }
    await ws.append(request(...ss));
    await ws.checkpoint();
    assertEquals(await countKeys(kv, seriesPrefix("w")), 0);
    const blocks = await countKeys(kv, seriesBlocksPrefix("w"));
    assert(blocks >= 12 && blocks <= 14, `${blocks} blocks for 3000 series`);
    const before = await dump(ws.querier());
    await ws.append(request(series({ __name__: "late" }, [[T0 + 5000, 1]])));
    before.push(`{__name__="late"} ${T0 + 5000}=1`);
    before.sort();
    kv.close(); // crash: "late" is only in the WAL
    ({ kv, db, ws } = await openW(path));
    assertEquals((await dump(ws.querier())).sort(), before);
    assertEquals(ws.head.seriesCount, 3001);
    await db.close();
    kv.close();
    ({ kv, db, ws } = await openW(path));
    assertEquals((await dump(ws.querier())).sort(), before);
    await db.close();
    kv.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a series evicted before any checkpoint gets its record in a block and reads cold", async () => {
  const { path, dir } = await tempKvPath();
  try {
    let { kv, db, ws } = await openW(path);
    for (let k = 0; k <= 8 * 60; k += 5) {
      const ss = [series({ __name__: "b" }, [[T0 + k * 60_000, k]])];
      if (k <= 60) {
        for (let i = 0; i < 40; i++) {
          ss.push(series({ __name__: "a", pod: `p${i}` }, [[T0 + k * 60_000, k]]));
        }
      }
      await ws.append(request(...ss));
    }
    const before = await dump(ws.querier());
    assertEquals((await ws.maintain()).evicted, 40);
    assertEquals(await countKeys(kv, seriesPrefix("w")), 0);
    assertEquals(await countKeys(kv, seriesBlocksPrefix("w")), 1);
    ws.coldLabels.clear();
    assertEquals(await dump(ws.querier()), before);
    const p7 = await ws.querier().select([new Matcher("=", "pod", "p7")], {
      minT: T0,
      maxT: T0 + HOUR,
    });
    assertEquals(p7.length, 1);
    assertEquals(p7[0].t.length, 13);
    await db.close();
    kv.close();
    ({ kv, db, ws } = await openW(path));
    assertEquals(ws.head.seriesCount, 1);
    assertEquals(await dump(ws.querier()), before);
    await db.close();
    kv.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("retention removes a cold series' record; its reused id reads the new series after restarts", async () => {
  const { path, dir } = await tempKvPath();
  try {
    let { kv, db, ws } = await openW(path);
    for (let k = 0; k <= 8 * 60; k += 5) {
      const ss = [series({ __name__: "b" }, [[T0 + k * 60_000, k]])];
      if (k <= 60) ss.push(series({ __name__: "a", pod: "old" }, [[T0 + k * 60_000, k]]));
      await ws.append(request(...ss));
    }
    const oldSid = ws.head.lookup(labelsFromRecord({ __name__: "a", pod: "old" }));
    await ws.checkpoint();
    assertEquals((await ws.maintain()).evicted, 1);
    await db.applyRetention("w", 1, T0 + 4 * HOUR + 86_400_000);
    assertEquals((await loadSeriesLabels(kv, "w", [oldSid])).size, 0);
    await ws.append(request(series({ __name__: "a", pod: "new" }, [[T0 + 9 * HOUR, 1]])));
    assertEquals(ws.head.lookup(labelsFromRecord({ __name__: "a", pod: "new" })), oldSid);
    const want = await dump(ws.querier(), T0, T0 + 10 * HOUR);
    assert(want.includes(`{__name__="a", pod="new"} ${T0 + 9 * HOUR}=1`), want.join("\n"));
    assert(!want.some((l) => l.includes(`pod="old"`)), want.join("\n"));
    await db.close(); // the checkpoint records the new series under the reused id
    kv.close();
    const records = await (async () => {
      kv = await Deno.openKv(path);
      return (await stored(kv)).filter((l) => l.startsWith(`${oldSid} `));
    })();
    assertEquals(records, [`${oldSid} {__name__="a", pod="new"}`]);
    db = await Tsdb.open(kv);
    ws = await db.workspace("w");
    assertEquals(await dump(ws.querier(), T0, T0 + 10 * HOUR), want);
    await db.close();
    kv.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Turns a store's series blocks into first-layout records (one key per series). */
async function toFirstLayout(kv: Deno.Kv): Promise<number> {
  const w = new ByteWriter();
  let n = 0;
  for await (const e of kv.list<Uint8Array>({ prefix: seriesBlocksPrefix("w") })) {
    const op = kv.atomic().delete(e.key);
    forEachSeriesRecord(e.value, (sid, r) => {
      w.reset();
      encodeLabels(decodeLabels(r), w);
      op.set(seriesKey("w", sid), w.copy());
      n++;
    });
    assert((await op.commit()).ok);
  }
  return n;
}

Deno.test("a store with one key per series record (the first layout) opens, reads cold and retains alike", async () => {
  const { path, dir } = await tempKvPath();
  try {
    let { kv, db, ws } = await openW(path);
    for (let k = 0; k <= 8 * 60; k += 5) {
      const ss = [series({ __name__: "b" }, [[T0 + k * 60_000, k]])];
      if (k <= 60) {
        for (let i = 0; i < 5; i++) {
          ss.push(series({ __name__: "a", pod: `p${i}` }, [[T0 + k * 60_000, k]]));
        }
      }
      await ws.append(request(...ss));
    }
    assertEquals((await ws.maintain()).evicted, 5);
    const before = await dump(ws.querier());
    await db.close();
    assertEquals(await toFirstLayout(kv), 6);
    assertEquals(await countKeys(kv, seriesBlocksPrefix("w")), 0);
    kv.close();
    ({ kv, db, ws } = await openW(path));
    assertEquals(ws.head.seriesCount, 1);
    assertEquals(await dump(ws.querier()), before); // cold labels from first-layout records
    // New series go to blocks; both layouts are read together.
    await ws.append(request(series({ __name__: "c" }, [[T0 + 9 * HOUR, 1]])));
    await db.close();
    assertEquals(await countKeys(kv, seriesPrefix("w")), 6);
    assertEquals(await countKeys(kv, seriesBlocksPrefix("w")), 1);
    kv.close();
    ({ kv, db, ws } = await openW(path));
    assertEquals(ws.head.seriesCount, 2);
    const all = await dump(ws.querier());
    assertEquals(all.length, 7);
    // Retention deletes the cold series' first-layout records.
    await db.applyRetention("w", 1, T0 + 4 * HOUR + 86_400_000);
    assertEquals(await countKeys(kv, seriesPrefix("w")), 1); // "b" is hot and has samples
    assertEquals((await dump(ws.querier())).filter((l) => l.includes("pod=")), []);
    await db.close();
    kv.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a crash between a checkpoint's block commits keeps the old checkpoint and loses nothing", async () => {
  const { path, dir } = await tempKvPath();
  try {
    let { kv, db, ws } = await openW(path);
    await ws.append(request(series({ __name__: "first" }, [[T0, 1]])));
    await ws.checkpoint();
    const head = (await kv.get(checkpointHeadKey("w"))).value;
    // 6000 series × ~230 B: two or more block commits; the second fails.
    const ss = [];
    for (let i = 0; i < 6000; i++) {
      ss.push(
        series({ __name__: `m${i % 13}`, pod: `pod-${i}`, zone: "z".repeat(190) }, [[
          T0 + 1 + i,
          i,
        ]]),
      );
    }
    await ws.append(request(...ss));
    const before = (await dump(ws.querier())).sort();
    const commit = ws.commitFenced.bind(ws);
    let n = 0;
    ws.commitFenced = (op) => ++n === 2 ? Promise.reject(new Error("injected crash")) : commit(op);
    let failed = false;
    await ws.checkpoint().catch(() => failed = true);
    assert(failed, "the checkpoint fails at its second commit");
    const partial = await countKeys(kv, seriesBlocksPrefix("w"));
    assert(partial >= 2 && partial < 20, `${partial} blocks written before the crash`);
    assertEquals((await kv.get(checkpointHeadKey("w"))).value, head);
    kv.close(); // crash
    ({ kv, db, ws } = await openW(path));
    assertEquals((await dump(ws.querier())).sort(), before);
    await db.close(); // rewrites the records (some twice: same labels)
    kv.close();
    kv = await Deno.openKv(path);
    const ids = new Set<number>();
    await forEachStoredSeries(kv, "w", (sid) => ids.add(sid));
    assertEquals(ids.size, 6001);
    db = await Tsdb.open(kv);
    ws = await db.workspace("w");
    assertEquals(ws.head.seriesCount, 6001);
    assertEquals((await dump(ws.querier())).sort(), before);
    await db.close();
    kv.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("series whose records a checkpoint is writing are evicted only after it, with records even if it fails", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  for (let k = 0; k <= 8 * 60; k += 5) {
    const ss = [series({ __name__: "b" }, [[T0 + k * 60_000, k]])];
    if (k <= 60) ss.push(series({ __name__: "a", pod: "p1" }, [[T0 + k * 60_000, k]]));
    await ws.append(request(...ss));
  }
  const before = await dump(ws.querier());
  const commit = ws.commitFenced.bind(ws);
  let n = 0;
  ws.commitFenced = async (op) => {
    if (++n > 1) return commit(op);
    await new Promise((r) => setTimeout(r, 50));
    throw new Error("injected failure");
  };
  let settled = false;
  const ckpt = ws.checkpoint().then(() => "ok", () => "failed").finally(() => settled = true);
  await new Promise((r) => setTimeout(r, 10)); // the checkpoint took the unrecorded series
  // Maintenance does not wait for the checkpoint (appends are paused while it runs), and leaves
  // the series whose records are being written.
  assertEquals((await ws.maintain()).evicted, 0);
  assert(!settled, "maintenance waited for the checkpoint");
  assertEquals(await ckpt, "failed");
  assertEquals((await ws.maintain()).evicted, 1);
  ws.coldLabels.clear();
  assertEquals(await dump(ws.querier()), before);
  await db.close();
});

Deno.test("a bucket too large for one atomic is rewritten in several, its cold entries last", async () => {
  using kv = await Deno.openKv(":memory:");
  const store = plainStore(kv);
  // 255 records of ~7 KB in bucket 0: ~1.8 MB, more than two atomics' worth.
  const sids = Array.from({ length: 255 }, (_, i) => i + 1);
  await writeSeriesRecords(store, sids, sids.map((s) => labelsOf(s, 7000)));
  const blocksBefore = await countKeys(kv, seriesBlocksPrefix("w"));
  assert(blocksBefore >= 28, `${blocksBefore} blocks`);
  for (const sid of [3, 200]) await kv.set(["w", "w", "tsdb", "cold", sid], 1);
  // Commits are observed: the cold entries must outlive every commit before the last.
  const seen: number[] = [];
  const observing: SeriesBlockStore = {
    kv,
    id: "w",
    fencedAtomic: () => kv.atomic(),
    async commitFenced(op) {
      assert((await op.commit()).ok);
      seen.push(await countKeys(kv, ["w", "w", "tsdb", "cold"]));
    },
  };
  await deleteSeriesRecords(observing, [3, 200], (sid) => [["w", "w", "tsdb", "cold", sid]]);
  assert(seen.length >= 3, `${seen.length} commits`);
  assertEquals(seen.slice(0, -1).every((n) => n === 2), true, `cold entries per commit: ${seen}`);
  assertEquals(seen.at(-1), 0);
  const left = await stored(kv);
  assertEquals(left.length, 253);
  assert(!left.some((l) => l.startsWith("3 ") || l.startsWith("200 ")));
  assert((await countKeys(kv, seriesBlocksPrefix("w"))) <= blocksBefore);
});
