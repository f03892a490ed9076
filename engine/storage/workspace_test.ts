import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { Matcher } from "../model/matcher.ts";
import { labelsFromRecord } from "../model/labels.ts";
import { isStaleNaN, STALE_NAN } from "../model/value.ts";
import {
  DuplicateSampleError,
  LabelSetSeriesLimitError,
  OutOfOrderSampleError,
  SeriesLimitError,
  WriterLeaseLostError,
} from "./errors.ts";
import { Tsdb } from "./tsdb.ts";
import { storedChunks } from "./chunk_blocks.ts";
import { dump, request, series, tempKvPath } from "./test_util.ts";

const T0 = 1_700_000_000_000; // 2023-11-14T22:13:20Z
const HOUR = 3600_000;

async function allKeys(kv: Deno.Kv): Promise<string[]> {
  const out: string[] = [];
  for await (const e of kv.list({ prefix: [] })) {
    out.push(JSON.stringify(e.key) + " " + JSON.stringify(Array.from(e.value as Uint8Array ?? [])));
  }
  return out;
}

Deno.test("append() then select() returns the samples, sorted by labels", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("ws-1");
  const res = await ws.append(request(
    series({ __name__: "up", job: "b" }, [[T0, 1], [T0 + 15_000, 0]]),
    series({ __name__: "up", job: "a" }, [[T0, 1]]),
  ));
  assertEquals(res, { samples: 3, histograms: 0, exemplars: 0 });
  assertEquals(await dump(ws.querier()), [
    `{__name__="up", job="a"} ${T0}=1`,
    `{__name__="up", job="b"} ${T0}=1 ${T0 + 15000}=0`,
  ]);
  const q = ws.querier();
  const sel = await q.select([new Matcher("=", "job", "b")], { minT: T0 + 1, maxT: T0 + 15_000 });
  assertEquals(sel.length, 1);
  assertEquals(Array.from(sel[0].t), [T0 + 15_000]);
  assertEquals(await q.labelNames([], { minT: T0, maxT: T0 }), ["__name__", "job"]);
  assertEquals(await q.labelValues("job", [], { minT: T0, maxT: T0 }), ["a", "b"]);
  assertEquals(await q.labelValues("job", [], { minT: T0 + HOUR, maxT: T0 + 2 * HOUR }), []);
  await db.close();
});

Deno.test("chunks close at 120 samples and at partition edges, and reads span them", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  const start = Math.floor(T0 / (2 * HOUR)) * 2 * HOUR + HOUR; // mid-partition
  const pts: [number, number][] = [];
  for (let i = 0; i < 500; i++) pts.push([start + i * 15_000, i]); // crosses one partition edge
  for (let i = 0; i < 500; i += 50) {
    await ws.append(request(series({ __name__: "m" }, pts.slice(i, i + 50))));
  }
  await ws.flush();
  let chunks = 0;
  for await (const c of storedChunks(kv, "w")) {
    chunks++;
    assert(c.bytes[1] <= 120, "chunk over 120 samples");
  }
  // 240 samples before the edge -> 2 full chunks; 260 after -> 2 full + 1 open.
  assertEquals(chunks, 4);
  const [s] = await ws.querier().select([], { minT: -Infinity, maxT: Infinity });
  assertEquals(s.t.length, 500);
  assertEquals(Array.from(s.v), pts.map((p) => p[1]));
  await db.close();
});

Deno.test("out-of-order samples within the window are accepted, older ones rejected", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w", { oooWindowMs: 600_000 });
  const m = { __name__: "m" };
  await ws.append(request(series(m, [[T0, 1], [T0 + 60_000, 2]])));
  await ws.append(request(series(m, [[T0 + 30_000, 1.5]])));
  const e = await assertRejects(
    () => ws.append(request(series(m, [[T0 + 60_000 - 600_001, 9]]))),
    OutOfOrderSampleError,
    'err: out of order sample. timestamp=2023-11-14T22:04:19.999Z, series={__name__="m"}',
  );
  assertEquals((e as OutOfOrderSampleError).status, 400);
  assertEquals(await dump(ws.querier()), [
    `{__name__="m"} ${T0}=1 ${T0 + 30000}=1.5 ${T0 + 60000}=2`,
  ]);
  await db.close();
});

Deno.test("a duplicate timestamp with another value is rejected; the same value is a no-op", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w", { user: "123_w" });
  const m = { __name__: "m", a: "1" };
  await ws.append(request(series(m, [[T0, 1], [T0 + 1000, 2], [T0 + 2000, STALE_NAN]])));
  await ws.append(request(series(m, [[T0 + 2000, STALE_NAN]]))); // idempotent, stale marker
  await ws.append(request(series(m, [[T0, 1]]))); // idempotent OOO duplicate
  await assertRejects(
    () => ws.append(request(series(m, [[T0 + 2000, NaN]]))),
    DuplicateSampleError,
    `user=123_w: err: duplicate sample for timestamp. timestamp=2023-11-14T22:13:22Z, series={__name__="m", a="1"}`,
  );
  await assertRejects(
    () => ws.append(request(series(m, [[T0, 5]]))), // OOO, collides with head chunk
    DuplicateSampleError,
  );
  const before = await allKeys(kv);
  const snapshot = await dump(ws.querier());
  // A request mixing good and bad samples changes nothing at all.
  await assertRejects(
    () =>
      ws.append(request(
        series({ __name__: "new" }, [[T0 + 5000, 1]]),
        series(m, [[T0 + 3000, 3], [T0 + 1000, 7]]),
      )),
    DuplicateSampleError,
  );
  assertEquals(await allKeys(kv), before);
  assertEquals(await dump(ws.querier()), snapshot);
  await db.close();
});

Deno.test("OOO duplicates are detected against chunks already in KV", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w", { oooWindowMs: 3 * HOUR });
  const pts: [number, number][] = [];
  for (let i = 0; i < 130; i++) pts.push([T0 + i * 1000, i]);
  await ws.append(request(series({ __name__: "m" }, pts)));
  await ws.flush(); // first 120 samples are a KV chunk now
  await assertRejects(
    () => ws.append(request(series({ __name__: "m" }, [[T0 + 5000, 99]]))),
    DuplicateSampleError,
  );
  await ws.append(request(series({ __name__: "m" }, [[T0 + 5000, 5], [T0 + 5500, 5.5]])));
  const [s] = await ws.querier().select([], { minT: T0 + 4000, maxT: T0 + 6000 });
  assertEquals(Array.from(s.t), [T0 + 4000, T0 + 5000, T0 + 5500, T0 + 6000]);
  assertEquals(Array.from(s.v), [4, 5, 5.5, 6]);
  await db.close();
});

Deno.test("OOO duplicates are detected in the open head chunk and the OOO buffer", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w", { oooWindowMs: 3 * HOUR });
  const pts: [number, number][] = [];
  for (let i = 0; i < 10; i++) pts.push([T0 + i * 1000, i]);
  await ws.append(request(series({ __name__: "m" }, pts)));
  // In the open chunk: another value is rejected, the same value is a no-op.
  await assertRejects(
    () => ws.append(request(series({ __name__: "m" }, [[T0 + 3000, 99]]))),
    DuplicateSampleError,
  );
  await ws.append(request(series({ __name__: "m" }, [[T0 + 3000, 3]])));
  // A new out-of-order timestamp goes to the OOO buffer; a second value for it is rejected.
  await ws.append(request(series({ __name__: "m" }, [[T0 + 3500, 3.5]])));
  await assertRejects(
    () => ws.append(request(series({ __name__: "m" }, [[T0 + 3500, 7]]))),
    DuplicateSampleError,
  );
  const [s] = await ws.querier().select([], { minT: T0 + 3000, maxT: T0 + 4000 });
  assertEquals(Array.from(s.t), [T0 + 3000, T0 + 3500, T0 + 4000]);
  assertEquals(Array.from(s.v), [3, 3.5, 4]);
  await db.close();
});

Deno.test("the active series limit rejects new series only, all-or-nothing", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w", { activeSeriesMax: 2, user: "acct_w" });
  await ws.append(
    request(series({ __name__: "a" }, [[T0, 1]]), series({ __name__: "b" }, [[T0, 1]])),
  );
  const before = await allKeys(kv);
  const e = await assertRejects(
    () =>
      ws.append(
        request(series({ __name__: "a" }, [[T0 + 1, 1]]), series({ __name__: "c" }, [[T0, 1]])),
      ),
    SeriesLimitError,
    "user=acct_w: per-user series limit of 2 exceeded, please contact administrator to raise it (local limit: 0 global limit: 2 actual local limit: 2)",
  );
  assertEquals((e as SeriesLimitError).reason, "per_user_series_limit");
  assertEquals(await allKeys(kv), before);
  await ws.append(request(series({ __name__: "a" }, [[T0 + 1, 2]]))); // existing series still fine
  assertEquals(ws.activeSeries(), 2);
  await db.close();
});

Deno.test("limitsPerLabelSet throttles only the matching label set, with a default bucket", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w", {
    limitsPerLabelSet: [
      { labelSet: { team: "A", env: "prod" }, limits: { maxSeries: 1 } },
      { labelSet: {}, limits: { maxSeries: 2 } },
      { labelSet: { team: "B" }, limits: { maxSeries: 0 } },
    ],
  });
  await ws.append(request(series({ __name__: "x", team: "A", env: "prod" }, [[T0, 1]])));
  await assertRejects(
    () => ws.append(request(series({ __name__: "y", team: "A", env: "prod" }, [[T0, 1]]))),
    LabelSetSeriesLimitError,
    `per-labelset series limit of 1 exceeded (labelSet: {env="prod", team="A"}, local limit: 0 global limit: 1 actual)`,
  );
  // team=A env=dev falls in the default bucket (limit 2); team=B is unlimited.
  await ws.append(request(series({ __name__: "y", team: "A", env: "dev" }, [[T0, 1]])));
  await ws.append(request(series({ __name__: "z" }, [[T0, 1]])));
  await assertRejects(
    () => ws.append(request(series({ __name__: "w" }, [[T0, 1]]))),
    LabelSetSeriesLimitError,
    "labelSet: {}",
  );
  for (let i = 0; i < 5; i++) {
    await ws.append(request(series({ __name__: `b${i}`, team: "B" }, [[T0, 1]])));
  }
  // Within one request, the limit counts the request's own new series.
  await assertRejects(
    () => ws.append(request(series({ __name__: "q", team: "A", env: "prod" }, [[T0, 1]]))),
    LabelSetSeriesLimitError,
  );
  await db.close();
});

Deno.test("restart recovers exactly: checkpoint + WAL replay give the same query results", async () => {
  const { path, dir } = await tempKvPath();
  try {
    let kv = await Deno.openKv(path);
    let db = await Tsdb.open(kv);
    let ws = await db.workspace("w", { checkpointWalBytes: 2 ** 40 });
    const start = T0;
    for (let r = 0; r < 30; r++) {
      const ss = [];
      for (let s = 0; s < 20; s++) {
        const pts: [number, number][] = [];
        for (let k = 0; k < 10; k++) {
          pts.push([start + (r * 10 + k) * 30_000, s * 1000 + r * 10 + k]);
        }
        ss.push(series({ __name__: "m", s: String(s), job: s % 2 ? "odd" : "even" }, pts));
      }
      await ws.append(request(...ss));
      if (r === 10) await ws.checkpoint();
      if (r === 20) {
        await ws.append(
          request(
            series({ __name__: "m", s: "0", job: "even" }, [[start + 199 * 30_000 + 1, 0.5]]),
          ),
        ); // OOO
      }
    }
    await ws.append({
      series: [
        series({ __name__: "h" }, [], [{ t: T0, h: hist(3) }, { t: T0 + 1000, h: hist(4) }]),
      ],
      metadata: [{ metric: "m", type: "gauge", help: "A metric.", unit: "" }],
    });
    const before = await dump(ws.querier());
    const statsBefore = ws.head.seriesCount;
    kv.close(); // simulated crash: no close(), no final checkpoint
    kv = await Deno.openKv(path);
    db = await Tsdb.open(kv);
    ws = await db.workspace("w");
    assertEquals(await dump(ws.querier()), before);
    assertEquals(ws.head.seriesCount, statsBefore);
    assertEquals(ws.metadata("m"), { m: [{ type: "gauge", help: "A metric.", unit: "" }] });
    // Appends continue where they left off; duplicate detection survives the restart.
    await assertRejects(
      () =>
        ws.append(
          request(series({ __name__: "m", s: "0", job: "even" }, [[start + 299 * 30_000, 42]])),
        ),
      DuplicateSampleError,
    );
    await ws.append(
      request(series({ __name__: "m", s: "0", job: "even" }, [[start + 300 * 30_000, 1]])),
    );
    await db.close();
    kv.close();
    kv = await Deno.openKv(path);
    db = await Tsdb.open(kv);
    ws = await db.workspace("w");
    const after = await dump(ws.querier());
    assertEquals(after.length, before.length);
    assert(after.some((l) => l.includes(`${start + 300 * 30_000}=1`)));
    // After close() the WAL was checkpointed away.
    let wal = 0;
    for await (const _ of kv.list({ prefix: ["w", "w", "tsdb", "wal"] })) wal++;
    assertEquals(wal, 0);
    await db.close();
    kv.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function hist(count: number) {
  return {
    schema: 0,
    zeroThreshold: 1e-128,
    zeroCount: 0,
    count,
    sum: count * 2,
    positiveSpans: [{ offset: 0, length: 1 }],
    positiveBuckets: [count],
    negativeSpans: [],
    negativeBuckets: [],
    counterResetHint: "unknown" as const,
  };
}

Deno.test("retention deletes whole partitions and forgets expired series", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  const day = 86_400_000;
  const old = T0 - 10 * day;
  await ws.append(request(series({ __name__: "old" }, [[old, 1], [old + 60_000, 2]])));
  await ws.append(request(series({ __name__: "new" }, [[T0 - 3 * day, 1], [T0, 2]])));
  await ws.flush();
  const res = await db.applyRetention("w", 5, T0);
  assert(res.partitions >= 1);
  const d = await dump(ws.querier());
  assertEquals(d, [`{__name__="new"} ${T0 - 3 * day}=1 ${T0}=2`]);
  for await (const e of kv.list({ prefix: ["w", "w", "tsdb", "c"] })) {
    assert(
      (e.key[4] as number) * 2 * HOUR >= T0 - 5 * day - 2 * HOUR,
      `old partition left: ${e.key}`,
    );
  }
  assertEquals(await ws.querier().labelValues("__name__", [], { minT: 0, maxT: 2 * T0 }), ["new"]);
  await db.close();
});

Deno.test("workspaces are isolated and deleteWorkspaceData removes only that prefix", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const a = await db.workspace("a");
  const b = await db.workspace("ab");
  await a.append(request(series({ __name__: "m", who: "a" }, [[T0, 1]])));
  await b.append(request(series({ __name__: "m", who: "ab" }, [[T0, 2]])));
  await a.checkpoint();
  await b.checkpoint();
  assertEquals(await dump(a.querier()), [`{__name__="m", who="a"} ${T0}=1`]);
  assertEquals(await dump(b.querier()), [`{__name__="m", who="ab"} ${T0}=2`]);
  await kv.set(["w", "a", "config"], "control plane");
  for await (const e of kv.list({ prefix: [] })) {
    assertEquals(e.key[0], "w");
    assert(e.key[1] === "a" || e.key[1] === "ab");
  }
  const n = await db.deleteWorkspaceData("a");
  assert(n > 0);
  for await (const e of kv.list({ prefix: [] })) assertEquals(e.key[1], "ab");
  const a2 = await db.workspace("a");
  assertEquals(await dump(a2.querier()), []);
  assertEquals(await dump(b.querier()), [`{__name__="m", who="ab"} ${T0}=2`]);
  await db.close();
});

Deno.test("concurrent appends are group-committed and each resolves after its commit", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  const ps = [];
  for (let i = 0; i < 50; i++) {
    ps.push(ws.append(request(series({ __name__: "m", i: String(i % 7) }, [[T0 + i, i]]))));
  }
  // One bad request in the middle does not affect the others.
  ps.push(
    ws.append(request(series({ __name__: "m", i: "0" }, [[T0 - 10 * HOUR, 1]]))).catch((e) => e),
  );
  const res = await Promise.all(ps);
  assert(res[50] instanceof OutOfOrderSampleError);
  let walRecords = 0;
  for await (const e of kv.list({ prefix: ["w", "w", "tsdb", "wal"] })) {
    if (e.key[5] === 0) walRecords++;
  }
  assert(walRecords < 50, `expected group commit, got ${walRecords} WAL records`);
  const d = await dump(ws.querier());
  assertEquals(d.length, 7);
  await db.close();
});

Deno.test("large requests are split into several KV values and still all-or-nothing", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  const ss = [];
  for (let s = 0; s < 20_000; s++) {
    ss.push(
      series({ __name__: "big", instance: `host-${s}.example.com:9100`, s: String(s) }, [[T0, s], [
        T0 + 15_000,
        s,
      ]]),
    );
  }
  await ws.append(request(...ss));
  let segs = 0;
  for await (const e of kv.list({ prefix: ["w", "w", "tsdb", "wal"] })) {
    segs++;
    assert((e.value as Uint8Array).length <= 65536);
  }
  assert(segs > 12, `expected a multi-commit record, got ${segs} segments`);
  const r = await ws.querier().select([new Matcher("=", "s", "19999")], { minT: 0, maxT: 2 * T0 });
  assertEquals(Array.from(r[0].v), [19999, 19999]);
  assertEquals(ws.head.seriesCount, 20_000);
  assertEquals(labelsFromRecord({}).length, 0);
  await db.close();
});

Deno.test("pipelined batches see each other: duplicates, OOO and limits across batches", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w", { activeSeriesMax: 3 });
  const x = { __name__: "x" };
  const rs = await Promise.all([
    ws.append(request(series(x, [[T0 + 100, 1]]))),
    ws.append(request(series(x, [[T0 + 100, 2]]))).catch((e) => e),
    ws.append(request(series(x, [[T0 + 200, 3]]))),
    ws.append(request(series(x, [[T0 + 150, 4]]))),
    ws.append(request(series(x, [[T0 + 150, 5]]))).catch((e) => e),
    ws.append(request(series(x, [[T0 + 150, 4]]))), // idempotent
    ws.append(request(series({ __name__: "n1" }, [[T0, 1]]))).catch((e) => e),
    ws.append(request(series({ __name__: "n2" }, [[T0, 1]]))).catch((e) => e),
    ws.append(request(series({ __name__: "n3" }, [[T0, 1]]))).catch((e) => e),
    ws.append(request(series({ __name__: "n4" }, [[T0, 1]]))).catch((e) => e),
  ]);
  assert(rs[1] instanceof DuplicateSampleError);
  assert(rs[4] instanceof DuplicateSampleError);
  const limited = rs.slice(6).filter((r) => r instanceof SeriesLimitError).length;
  assertEquals(limited, 2); // x + 2 new series fit in 3
  assertEquals(
    (await dump(ws.querier())).find((l) => l.startsWith(`{__name__="x"}`)),
    `{__name__="x"} ${T0 + 100}=1 ${T0 + 150}=4 ${T0 + 200}=3`,
  );
  await db.close();
});

Deno.test("reads of sealed partitions are cached, and retention drops the cache", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  const day = 86_400_000;
  const pts: [number, number][] = [];
  for (let i = 0; i < 240; i++) pts.push([T0 - 2 * day + i * 60_000, i]);
  await ws.append(request(series({ __name__: "m" }, pts)));
  await ws.append(request(series({ __name__: "m" }, [[T0, 1]])));
  await ws.flush();
  const range = { minT: T0 - 3 * day, maxT: T0 };
  const first = await dump(ws.querier(), range.minT, range.maxT);
  assert(ws.chunkCache.size > 0, "nothing cached");
  // Served from the cache even if KV lost the chunks behind our back.
  for await (const e of kv.list({ prefix: ["w", "w", "tsdb", "c"] })) await kv.delete(e.key);
  assertEquals(await dump(ws.querier(), range.minT, range.maxT), first);
  const before = ws.chunkCache.size;
  await db.applyRetention("w", 1, T0);
  const firstKept = Math.floor((T0 - day) / (2 * HOUR));
  for (const k of ws.chunkCache.keys()) assert(Number(k.split(":")[0]) >= firstKept, k);
  assert(ws.chunkCache.size < before, "expired partitions stayed cached");
  await db.close();
});

Deno.test("an out-of-order staleness marker keeps its bit pattern through buffer and chunk", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  const m = { __name__: "m" };
  await ws.append(request(series(m, [[T0 + 60_000, 1]])));
  const stale = series(m, [[T0 + 30_000, 0]]);
  stale.v[0] = STALE_NAN; // a JS array literal could canonicalise the NaN payload
  await ws.append(request(stale));
  const read = async () => {
    const [s] = await ws.querier().select([], { minT: T0, maxT: T0 + 40_000 });
    return s.v[0];
  };
  assert(isStaleNaN(await read()), "stale marker lost in the OOO buffer");
  // Move past the window: the buffer is written as an out-of-order chunk.
  await ws.append(request(series(m, [[T0 + 60_000 + 700_000, 2]])));
  await ws.flush();
  assertEquals(ws.head.ooo.size, 0);
  assert(isStaleNaN(await read()), "stale marker lost in the OOO chunk");
  await db.close();
});

/** `real`, with every atomic's `commit()` passed through `hook` (which is given the real one). */
function hookCommits(
  real: Deno.Kv,
  hook: (commit: () => Promise<Deno.KvCommitResult | Deno.KvCommitError>) => Promise<
    Deno.KvCommitResult | Deno.KvCommitError
  >,
): Deno.Kv {
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "atomic") {
        return () => {
          const op = target.atomic();
          const commit = op.commit.bind(op);
          op.commit = () => hook(commit);
          return op;
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  }) as Deno.Kv;
}

Deno.test("a failed WAL commit rejects its requests, changes no query result, and appends go on", async () => {
  using real = await Deno.openKv(":memory:");
  let failNext = false;
  const kv = hookCommits(real, (commit) => {
    if (failNext) {
      failNext = false;
      return Promise.reject(new Error("injected KV failure"));
    }
    return commit();
  });
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  await ws.append(request(series({ __name__: "a" }, [[T0, 1]])));
  const before = await dump(ws.querier());
  failNext = true;
  await assertRejects(
    () =>
      ws.append(
        request(series({ __name__: "b" }, [[T0, 1]]), series({ __name__: "a" }, [[T0 + 1, 2]])),
      ),
    Error,
    "injected KV failure",
  );
  assertEquals(await dump(ws.querier()), before);
  await ws.append(
    request(series({ __name__: "b" }, [[T0, 7]]), series({ __name__: "a" }, [[T0 + 1, 3]])),
  );
  const after = await dump(ws.querier());
  assertEquals(after, [`{__name__="a"} ${T0}=1 ${T0 + 1}=3`, `{__name__="b"} ${T0}=7`]);
  // A fresh head recovered from KV agrees.
  await db.close();
  const db2 = await Tsdb.open(real);
  assertEquals(await dump((await db2.workspace("w")).querier()), after);
  await db2.close();
});

Deno.test("the next batch's WAL commit starts behind the one in flight, and fails with it", async () => {
  using real = await Deno.openKv(":memory:");
  // Armed, the first commit waits until the next one has started (or 2 s), then fails.
  let armed = false, nextStarted: (() => void) | undefined, startedBehind = false;
  const kv = hookCommits(real, async (commit) => {
    if (nextStarted !== undefined) {
      startedBehind = true;
      nextStarted();
      nextStarted = undefined;
    } else if (armed) {
      armed = false;
      await Promise.race([
        new Promise<void>((r) => nextStarted = r),
        new Promise((r) => setTimeout(r, 2000)),
      ]);
      nextStarted = undefined;
      throw new Error("injected KV failure");
    }
    return await commit();
  });
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  await ws.append(request(series({ __name__: "a" }, [[T0, 1]])));
  const before = await dump(ws.querier());
  armed = true;
  const first = ws.append(request(series({ __name__: "a" }, [[T0 + 1, 2]]))).catch((e) => e);
  await new Promise((r) => setTimeout(r, 20)); // the first batch is committing
  // Staged on top of the first: a new series and a sample of a series the first one wrote.
  const second = ws.append(
    request(series({ __name__: "b" }, [[T0, 5]]), series({ __name__: "a" }, [[T0 + 2, 3]])),
  ).catch((e) => e);
  const [e1, e2] = await Promise.all([first, second]);
  assert(startedBehind, "the second batch's commit started while the first one's was running");
  assert(e1 instanceof Error && e1.message === "injected KV failure", `first: ${e1}`);
  assert(e2 instanceof Error && e2.message === "injected KV failure", `second: ${e2}`);
  assertEquals(await dump(ws.querier()), before);
  await ws.append(request(series({ __name__: "b" }, [[T0, 7]])));
  const after = await dump(ws.querier());
  assertEquals(after, [`{__name__="a"} ${T0}=1`, `{__name__="b"} ${T0}=7`]);
  // The second batch's record was written, then taken back: a head recovered from KV after a
  // crash (no checkpoint at close) agrees.
  const db2 = await Tsdb.open(real);
  assertEquals(await dump((await db2.workspace("w")).querier()), after);
  await db2.close();
  await db.close();
});

Deno.test("the writer lease fences a previous writer; reopening takes it back with all data", async () => {
  using kv = await Deno.openKv(":memory:");
  const a = await Tsdb.open(kv), b = await Tsdb.open(kv);
  const wa = await a.workspace("w");
  await wa.append(request(series({ __name__: "m" }, [[T0, 1]])));
  const wb = await b.workspace("w"); // takes the lease, recovers a's data
  assertEquals(await dump(wb.querier()), [`{__name__="m"} ${T0}=1`]);
  const keys = await allKeys(kv);
  const e = await assertRejects(
    () => wa.append(request(series({ __name__: "m" }, [[T0 + 1, 2]]))),
    WriterLeaseLostError,
    "written by another instance",
  );
  assertEquals((e as WriterLeaseLostError).status, 503);
  assertEquals(await allKeys(kv), keys);
  await wb.append(request(series({ __name__: "m" }, [[T0 + 2, 3]])));
  // a's next use reopens the workspace: it takes the lease back and sees b's write.
  const wa2 = await a.workspace("w");
  assert(wa2 !== wa);
  assertEquals(await dump(wa2.querier()), [`{__name__="m"} ${T0}=1 ${T0 + 2}=3`]);
  await wa2.append(request(series({ __name__: "m" }, [[T0 + 3, 4]])));
  await a.close();
  await b.close(); // finds out it is fenced, writes nothing
  assert(wb.fenced, "b was not fenced");
  const reopened = await Tsdb.open(kv);
  assertEquals(await dump((await reopened.workspace("w")).querier()), [
    `{__name__="m"} ${T0}=1 ${T0 + 2}=3 ${T0 + 3}=4`,
  ]);
  await reopened.close();
});

Deno.test("ids of series removed by retention are reused, and restarts agree", async () => {
  const { path, dir } = await tempKvPath();
  try {
    let kv = await Deno.openKv(path);
    let db = await Tsdb.open(kv);
    let ws = await db.workspace("w");
    const day = 86_400_000;
    await ws.append(request(
      series({ __name__: "old", i: "1" }, [[T0 - 10 * day, 1]]),
      series({ __name__: "old", i: "2" }, [[T0 - 10 * day, 2]]),
      series({ __name__: "new", i: "1" }, [[T0, 3]]),
    ));
    const ex = series({ __name__: "old", i: "1" }, []);
    ex.exemplars.push({ labels: [{ name: "trace_id", value: "x" }], value: 1, t: T0 - 10 * day });
    await ws.append(request(ex));
    const oldIds = [
      ws.head.lookup(labelsFromRecord({ __name__: "old", i: "1" })),
      ws.head.lookup(labelsFromRecord({ __name__: "old", i: "2" })),
    ];
    const nextSid = ws.head.nextSid;
    await db.applyRetention("w", 5, T0);
    assertEquals(ws.exemplars([[new Matcher("=", "__name__", "old")]], 0, 2 * T0), []);
    await ws.append(request(
      series({ __name__: "new", i: "2" }, [[T0 + 1000, 4]]),
      series({ __name__: "new", i: "3" }, [[T0 + 1000, 5]]),
    ));
    const reused = [
      ws.head.lookup(labelsFromRecord({ __name__: "new", i: "2" })),
      ws.head.lookup(labelsFromRecord({ __name__: "new", i: "3" })),
    ];
    assertEquals(reused.slice().sort(), oldIds.slice().sort());
    assertEquals(ws.head.nextSid, nextSid);
    const want = [
      `{__name__="new", i="1"} ${T0}=3`,
      `{__name__="new", i="2"} ${T0 + 1000}=4`,
      `{__name__="new", i="3"} ${T0 + 1000}=5`,
    ];
    assertEquals(await dump(ws.querier()), want);
    kv.close(); // crash before any further checkpoint: the reuse is only in the WAL
    kv = await Deno.openKv(path);
    db = await Tsdb.open(kv);
    ws = await db.workspace("w");
    assertEquals(await dump(ws.querier()), want);
    await db.close(); // checkpoint writes the reused ids' series records
    kv.close();
    kv = await Deno.openKv(path);
    db = await Tsdb.open(kv);
    ws = await db.workspace("w");
    assertEquals(await dump(ws.querier()), want);
    await db.close();
    kv.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("concurrent requests for one series in one group commit still cut chunks at 120 samples", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w", {});
  const T = 1_700_000_000_000;
  await ws.append(request(series({ __name__: "m" }, [[T, 0]])));
  // 250 one-sample requests in flight at once: the group commit batches them together.
  await Promise.all(
    Array.from(
      { length: 250 },
      (_, i) => ws.append(request(series({ __name__: "m" }, [[T + (i + 1) * 1000, i + 1]]))),
    ),
  );
  await ws.flush();
  const counts: number[] = [];
  for await (const c of storedChunks(kv, "w")) counts.push((c.bytes[0] << 8) | c.bytes[1]);
  assertEquals(counts, [120, 120]); // and 11 in the open chunk
  const got = await ws.querier().select([new Matcher("=", "__name__", "m")], {
    minT: 0,
    maxT: T * 2,
  });
  assertEquals(got.length, 1);
  assertEquals(got[0].t.length, 251);
  await db.close();
});
