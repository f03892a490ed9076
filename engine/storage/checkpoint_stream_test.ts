/**
 * Streamed checkpoints (format 3): pieces encoded at different WAL positions while appends go on,
 * crashes in the middle of one, and stores written with the format-2 snapshot layout.
 */
import { assert, assertEquals } from "../../tests/assert.ts";
import { labelsString } from "../model/labels.ts";
import type { WriteSeries } from "../model/write.ts";
import { ByteWriter } from "./byte_buffer.ts";
import { encodeHistogram } from "./histogram_codec.ts";
import { checkpointHeadKey, checkpointKey, checkpointPrefix, walKey } from "./keys.ts";
import { dump, oneBucketHistogram, request, series, tempKvPath } from "./test_util.ts";
import { WAL_SEGMENT_BYTES_MAX } from "./limits.ts";
import { Tsdb } from "./tsdb.ts";
import { encodeLabels, joinSegments, segmentCount, WalSegmenter } from "./wal.ts";
import type { Workspace } from "./workspace.ts";
import { rng } from "../../tests/rng.ts";

const T0 = 1_700_000_000_000;
const STEP = 15_000;
const SERIES = 2500;

/**
 * Deno KV whose checkpoint-segment commits first run `hook(n)` (n counts them from 0), so a
 * test can append (or crash) between two pieces of a checkpoint.
 */
function hookedKv(kv: Deno.Kv, hook: (n: number) => Promise<void>): Deno.Kv {
  let n = 0;
  return new Proxy(kv, {
    get(target, prop) {
      if (prop === "atomic") {
        return () => {
          const op = target.atomic();
          const set = op.set.bind(op), commit = op.commit.bind(op);
          let ckpt = false;
          op.set = (key: Deno.KvKey, value: unknown, o?: { expireIn?: number }) => {
            if (key[3] === "ckpt") ckpt = true;
            set(key, value, o);
            return op;
          };
          op.commit = async () => {
            if (ckpt) await hook(n++);
            return await commit();
          };
          return op;
        };
      }
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/** Random-valued samples for series [from, to) at round r (values that do not compress well). */
function round(r: number, from: number, to: number, rand: () => number): WriteSeries[] {
  const out: WriteSeries[] = [];
  for (let s = from; s < to; s++) {
    out.push(series({ __name__: "m", s: String(s) }, [[T0 + r * STEP, rand() * 1e6]]));
  }
  return out;
}

/**
 * Everything of the head that replay must rebuild exactly, per series id: a sample replayed twice
 * would show here (an out-of-order copy of an in-order sample, a second histogram point), not in
 * query results, which drop repeated timestamps.
 */
function fingerprint(ws: Workspace): string[] {
  const h = ws.head, out: string[] = [];
  for (let sid = 1; sid < h.nextSid; sid++) {
    const l = h.labels[sid];
    if (l === undefined) continue;
    const ooo = h.ooo.get(sid);
    out.push(
      `${sid} ${labelsString(l)} last=${h.lastT[sid]}/${h.lastV[sid]} first=${h.firstT[sid]} ` +
        `chunk=${h.chunkCount[sid]}@${h.chunkCount[sid] > 0 ? h.chunkMinT[sid] : ""} ` +
        `ooo=${ooo ? Array.from(ooo.t.subarray(0, ooo.n)).join(",") : ""} ` +
        `hist=${(h.hist.get(sid) ?? []).map((p) => `${p.t}:${p.h.count}`).join(",")} ` +
        `histLast=${h.histLastT.get(sid) ?? ""}`,
    );
  }
  out.push(`exemplars ${h.exemplars.map((x) => `${x.sid}@${x.ex.t}`).join(",")}`);
  out.push(`next ${h.exemplarNext} minT ${h.minT} maxT ${h.maxT}`);
  return out;
}

/** The test load: rounds of every series, 500 per request, and disturbances between them. */
class Load {
  /** Next round. */
  r = 0;
  readonly rand: () => number;

  constructor(seed: number) {
    this.rand = rng(seed);
  }

  /** Appends `rounds` rounds of every series. */
  async fill(ws: Workspace, rounds: number): Promise<void> {
    for (const end = this.r + rounds; this.r < end; this.r++) {
      const ps = [];
      for (let s = 0; s < SERIES; s += 500) {
        ps.push(ws.append(request(...round(this.r, s, s + 500, this.rand))));
      }
      await Promise.all(ps);
    }
  }

  /**
   * One round with more: an out-of-order sample, a new series, histogram points and an exemplar
   * (two requests, so a checkpoint piece may fall between them).
   */
  async disturb(ws: Workspace, k: number): Promise<void> {
    const r = this.r++, t = T0 + r * STEP;
    const ss = round(r, 0, SERIES, this.rand);
    ss.push(series({ __name__: "m", s: String(k % 7) }, [[t - 5 * STEP + 1 + k, -k]]));
    ss.push(series({ __name__: "new", k: String(k) }, [[t, k]]));
    ss.push(series({ __name__: "h", k: String(k % 3) }, [], [{ t, h: oneBucketHistogram(k + 1) }]));
    ss[SERIES - 1].exemplars.push({ labels: [{ name: "trace_id", value: `t${k}` }], value: k, t });
    await ws.append(request(...ss.slice(0, 1000)));
    await ws.append(request(...ss.slice(1000)));
  }
}

Deno.test("a checkpoint streamed while appends go on recovers every sample exactly once", async () => {
  const { path, dir } = await tempKvPath();
  const load = new Load(7);
  try {
    const real = await Deno.openKv(path);
    const open: { ws?: Workspace } = {};
    let hooked = 0;
    const kv = hookedKv(real, async (n) => {
      hooked = n + 1;
      await load.disturb(open.ws!, n);
    });
    const db = await Tsdb.open(kv);
    const ws = open.ws = await db.workspace("w", { checkpointWalBytes: 2 ** 40 });
    await load.fill(ws, 100); // ~1 KB of open chunk per series: several atomics of pieces
    await ws.checkpoint();
    assert(hooked >= 3, `the checkpoint took ${hooked} commits; the test needs several`);
    await load.disturb(ws, 99);
    const before = await dump(ws.querier()), head = fingerprint(ws);
    real.close(); // crash: no close(), no further checkpoint
    const kv2 = await Deno.openKv(path);
    const db2 = await Tsdb.open(kv2);
    const ws2 = await db2.workspace("w");
    assertEquals(fingerprint(ws2), head);
    assertEquals(await dump(ws2.querier()), before);
    await db2.close();
    kv2.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a crash in the middle of a streamed checkpoint recovers from the previous one and the WAL", async () => {
  const { path, dir } = await tempKvPath();
  const load = new Load(11);
  try {
    const real = await Deno.openKv(path);
    const open: { ws?: Workspace } = {};
    let crashAt = -1, calls = 0, crashed: () => void = () => {};
    const crash = new Promise<void>((r) => crashed = r);
    const kv = hookedKv(real, async (n) => {
      calls = n + 1;
      await load.disturb(open.ws!, n);
      if (n === crashAt) {
        crashed();
        await new Promise(() => {}); // the process dies here
      }
    });
    const db = await Tsdb.open(kv);
    const ws = open.ws = await db.workspace("w", { checkpointWalBytes: 2 ** 40 });
    await load.fill(ws, 60);
    await ws.checkpoint(); // the previous checkpoint
    await load.fill(ws, 40);
    crashAt = calls + 2; // the third commit of the next checkpoint
    const running = ws.checkpoint();
    running.catch(() => {});
    await crash;
    const before = await dump(ws.querier()), head = fingerprint(ws);
    let segs = 0;
    for await (const _ of real.list({ prefix: [...checkpointPrefix("w"), 2] })) segs++;
    assert(segs > 0, "part of the new checkpoint was written");
    real.close();
    const kv2 = await Deno.openKv(path);
    const db2 = await Tsdb.open(kv2);
    const ws2 = await db2.workspace("w");
    assertEquals(ws2.log.ckptGen, 1);
    assertEquals(fingerprint(ws2), head);
    assertEquals(await dump(ws2.querier()), before);
    // The next checkpoint reuses generation 2 over the partial one (here with a segment past any
    // it writes) and leaves only its own segments.
    await kv2.set(checkpointKey("w", 2, 9999), new Uint8Array(8));
    await load.fill(ws2, 2);
    await ws2.checkpoint();
    const h2 = await kv2.get<{ gen: number; segs: number }>(checkpointHeadKey("w"));
    assertEquals(h2.value!.gen, 2);
    let segs2 = 0;
    for await (const _ of kv2.list({ prefix: [...checkpointPrefix("w"), 2] })) segs2++;
    assertEquals(segs2, h2.value!.segs);
    const after = await dump(ws2.querier()), head2 = fingerprint(ws2);
    kv2.close();
    const kv3 = await Deno.openKv(path);
    const db3 = await Tsdb.open(kv3);
    const ws3 = await db3.workspace("w");
    assertEquals(fingerprint(ws3), head2);
    assertEquals(await dump(ws3.querier()), after);
    await db3.close();
    kv3.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The format-2 snapshot of a head (the layout written before format 3), for the test below. */
function encodeSnapshotV2(ws: Workspace): Uint8Array {
  const h = ws.head, w = new ByteWriter();
  w.u8(2);
  w.f64(h.minT);
  w.f64(h.maxT);
  w.f64(h.coldMaxT);
  w.uvarint(h.nextSid);
  const sids = [];
  for (let sid = 1; sid < h.nextSid; sid++) if (h.labels[sid] !== undefined) sids.push(sid);
  w.uvarint(sids.length);
  for (const sid of sids) {
    w.uvarint(sid);
    w.f64(h.lastT[sid]);
    w.f64(h.lastV[sid]);
    w.f64(h.firstT[sid]);
    if (h.chunkCount[sid] > 0) {
      w.bytes(h.arena.bytes(h.slot[sid]));
      w.f64(h.chunkMinT[sid]);
      w.f64(h.chunkMaxT[sid]);
    } else w.uvarint(0);
  }
  w.uvarint(h.ooo.size);
  for (const [sid, buf] of h.ooo) {
    w.uvarint(sid);
    w.uvarint(buf.n);
    for (let i = 0; i < buf.n; i++) {
      w.varint(buf.t[i]);
      w.f64(buf.v[i]);
    }
  }
  w.uvarint(h.histLastT.size);
  for (const [sid, t] of h.histLastT) {
    w.uvarint(sid);
    w.varint(t);
  }
  w.uvarint(h.hist.size);
  for (const [sid, pts] of h.hist) {
    w.uvarint(sid);
    w.uvarint(pts.length);
    for (const p of pts) {
      w.varint(p.t);
      encodeHistogram(p.h, w);
    }
  }
  w.uvarint(h.exemplars.length);
  w.uvarint(h.exemplarNext);
  for (const x of h.exemplars) {
    w.uvarint(x.sid);
    w.varint(x.ex.t);
    w.f64(x.ex.value);
    encodeLabels(x.ex.labels, w);
  }
  return w.copy();
}

Deno.test("a store whose checkpoint has the format-2 snapshot layout recovers, and its next checkpoint is format 3", async () => {
  const { path, dir } = await tempKvPath();
  const load = new Load(5);
  try {
    let kv = await Deno.openKv(path);
    let db = await Tsdb.open(kv);
    let ws = await db.workspace("w", { checkpointWalBytes: 2 ** 40 });
    await load.fill(ws, 30);
    for (let k = 0; k < 4; k++) await load.disturb(ws, k);
    await ws.checkpoint();
    // Replace the checkpoint by a format-2 snapshot of the same head, as the old code wrote it.
    const head = await kv.get<{ gen: number; seq: number; sids: number; segs: number }>(
      checkpointHeadKey("w"),
    );
    const old = encodeSnapshotV2(ws);
    const op = kv.atomic();
    for (let i = 0; i < head.value!.segs; i++) op.delete(checkpointKey("w", head.value!.gen, i));
    await op.commit();
    const segs = new WalSegmenter().split(old);
    for (let i = 0; i < segs.length; i++) {
      await kv.set(checkpointKey("w", head.value!.gen, i), segs[i]);
    }
    const { gen, seq, sids } = head.value!;
    await kv.set(checkpointHeadKey("w"), { gen, seq, sids });
    for (let k = 4; k < 8; k++) await load.disturb(ws, k); // WAL after the checkpoint
    const before = await dump(ws.querier()), fp = fingerprint(ws);
    kv.close();
    kv = await Deno.openKv(path);
    db = await Tsdb.open(kv);
    ws = await db.workspace("w");
    assertEquals(fingerprint(ws), fp);
    assertEquals(await dump(ws.querier()), before);
    await ws.checkpoint();
    let left = 0;
    for await (const _ of kv.list({ prefix: [...checkpointPrefix("w"), gen] })) left++;
    assertEquals(left, 0, "the format-2 segments were deleted");
    kv.close();
    kv = await Deno.openKv(path);
    db = await Tsdb.open(kv);
    ws = await db.workspace("w");
    assertEquals(fingerprint(ws), fp);
    await db.close();
    kv.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("WalSegmenter splits records into counted segments of at most 64,000 bytes, reusing its buffer", () => {
  const s = new WalSegmenter();
  let buffer: ArrayBufferLike | undefined;
  for (const n of [0, 1, 63_999, 64_000, 64_001, 200_000, 10]) {
    const rec = new Uint8Array(n);
    for (let i = 0; i < n; i++) rec[i] = (i * 31 + n) & 0xff;
    const segs = s.split(rec);
    const want = Math.max(1, Math.ceil(n / WAL_SEGMENT_BYTES_MAX));
    assertEquals(segs.length, want, `${n} bytes`);
    for (let i = 0; i < segs.length; i++) {
      assertEquals(segmentCount(segs[i]), want);
      const payload = segs[i].length - 4;
      assertEquals(
        payload,
        i < want - 1 ? WAL_SEGMENT_BYTES_MAX : n - (want - 1) * WAL_SEGMENT_BYTES_MAX,
      );
    }
    assertEquals(Array.from(joinSegments(segs)), Array.from(rec));
    if (n === 10) assert(segs[0].buffer === buffer, "the buffer grown for 200,000 bytes is reused");
    buffer = segs[0].buffer;
  }
});

Deno.test("a checkpoint deletes the WAL it replaces by key, and also segments nobody noted", async () => {
  const { path, dir } = await tempKvPath();
  const load = new Load(3);
  try {
    const kv = await Deno.openKv(path);
    const db = await Tsdb.open(kv);
    const ws = await db.workspace("w", { checkpointWalBytes: 2 ** 40 });
    await load.fill(ws, 3);
    await kv.set(walKey("w", 0, 3), new Uint8Array(4)); // e.g. left by a crash mid-deletion
    const walKeys = async () => {
      const out: Deno.KvKey[] = [];
      for await (const e of kv.list({ prefix: ["w", "w", "tsdb", "wal"] })) out.push(e.key);
      return out;
    };
    assert((await walKeys()).length >= 2);
    await ws.checkpoint();
    assertEquals(await walKeys(), []);
    await load.fill(ws, 1);
    assert((await walKeys()).length >= 1);
    await ws.checkpoint();
    assertEquals(await walKeys(), []);
    await db.close();
    kv.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
