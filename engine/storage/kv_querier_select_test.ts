/**
 * KvQuerier.select over many series whose samples sit in KV chunks, pending chunks, open head
 * chunks and out-of-order buffers: every time window gives exactly the samples written, bit for
 * bit, across the open-chunk decode batches.
 */
import { assert, assertEquals } from "../../tests/assert.ts";
import { Matcher } from "../model/matcher.ts";
import { STALE_NAN } from "../model/value.ts";
import { Tsdb } from "./tsdb.ts";
import { request, series } from "./test_util.ts";

const T0 = 1_700_000_000_000;
const SERIES = 1100; // more than one batch of open chunks

/** Series i's samples: 20 to 260 at 15 s, some NaN or stale, in two partitions for some. */
function samples(i: number): [number, number][] {
  const n = 20 + (i % 7) * 40;
  const out: [number, number][] = [];
  for (let k = 0; k < n; k++) {
    let v = i * 1000 + k;
    if (i % 11 === 0 && k % 13 === 5) v = STALE_NAN;
    if (i % 17 === 0 && k % 29 === 3) v = NaN;
    out.push([T0 + (i % 3) * 5_000 + k * 15_000, v]);
  }
  return out;
}

function bits(v: Float64Array): string[] {
  const u = new BigUint64Array(Float64Array.from(v).buffer);
  return Array.from(u, (x) => x.toString(16));
}

Deno.test("select() returns every source's samples in any window, bit for bit", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  const all = Array.from({ length: SERIES }, (_, i) => samples(i));
  // Written in rounds of 50 samples per series; every fifth series gets its third round's
  // samples late (out of order, so they sit in the out-of-order buffer or its chunks).
  const late: [number, [number, number][]][] = [];
  for (let r = 0; r * 50 < 260; r++) {
    const req = [];
    for (let i = 0; i < SERIES; i++) {
      const part = all[i].slice(r * 50, r * 50 + 50);
      if (part.length === 0) continue;
      if (i % 5 === 0 && r === 2) late.push([i, part]);
      else req.push(series({ __name__: "m", i: String(i).padStart(4, "0") }, part));
    }
    await ws.append(request(...req));
    if (r === 2) await ws.flush(); // some chunks in KV, later ones pending or open
  }
  const lateReq = late.map(([i, part]) =>
    series({ __name__: "m", i: String(i).padStart(4, "0") }, part)
  );
  await ws.append(request(...lateReq)).catch(() => {}); // too old ones may be rejected
  const q = ws.querier();
  const full = await q.select([new Matcher("=", "__name__", "m")], { minT: -1e15, maxT: 1e15 });
  assertEquals(full.length, SERIES);
  // What the store holds (late samples beyond the out-of-order window were rejected).
  const stored = new Map(full.map((s) => [s.labels[1].value, s]));
  for (let i = 0; i < SERIES; i++) {
    const s = stored.get(String(i).padStart(4, "0"))!;
    const lost = i % 5 === 0 ? all[i].length - s.t.length : 0;
    if (i % 5 !== 0) {
      assertEquals(Array.from(s.t), all[i].map((p) => p[0]), `series ${i}`);
      assertEquals(bits(s.v), bits(Float64Array.from(all[i], (p) => p[1])), `series ${i}`);
    }
    assert(lost >= 0, `series ${i}: more samples than written`);
  }
  const windows: [number, number][] = [
    [T0 + 600_000, T0 + 1_800_000],
    [T0 + 3_600_000 - 300_000 + 1, T0 + 3_600_000],
    [T0 - 5_000, T0 + 14_999],
    [T0 + 1_000_000, T0 + 1_000_001],
    [T0 + 10_000_000, T0 + 20_000_000],
  ];
  let twoParts = 0;
  for (const [minT, maxT] of windows) {
    const got = await q.select([new Matcher("=", "__name__", "m")], { minT, maxT });
    const want = full.flatMap((s) => {
      const keep = Array.from(s.t, (t, j) => [t, j]).filter(([t]) => t >= minT && t <= maxT);
      if (keep.length === 0) return [];
      return [{
        labels: s.labels,
        t: keep.map(([t]) => t),
        v: bits(Float64Array.from(keep, ([, j]) => s.v[j])),
      }];
    });
    assertEquals(got.length, want.length, `window ${minT - T0}..${maxT - T0}`);
    for (let x = 0; x < got.length; x++) {
      assertEquals(got[x].labels, want[x].labels);
      assertEquals(Array.from(got[x].t), want[x].t, `window ${minT - T0}: ${x}`);
      assertEquals(bits(got[x].v), want[x].v, `window ${minT - T0}: ${x}`);
      if (got[x].noNaN) assert(!got[x].v.some((y) => y !== y), "noNaN with a NaN");
      const parts = got[x].parts;
      if (parts !== undefined) {
        twoParts++;
        assertEquals(parts.flatMap((p) => Array.from(p.t)), want[x].t, "parts' times");
        assertEquals(parts.flatMap((p) => bits(p.v)), want[x].v, "parts' values");
      }
    }
  }
  assert(twoParts > 100, `too few series read as two parts: ${twoParts}`);
  // One more sample per series: cached open chunks are stale now, and must not be served.
  const lastT = (s: { t: Float64Array }) => s.t[s.t.length - 1];
  await ws.append(request(
    ...full.map((s) =>
      series(Object.fromEntries(s.labels.map((l) => [l.name, l.value])), [[lastT(s) + 15_000, -1]])
    ),
  ));
  const after = await q.select([new Matcher("=", "__name__", "m")], { minT: -1e15, maxT: 1e15 });
  for (let x = 0; x < after.length; x++) {
    assertEquals(Array.from(after[x].t), [...Array.from(full[x].t), lastT(full[x]) + 15_000]);
    assertEquals(bits(after[x].v), [...bits(full[x].v), bits(Float64Array.of(-1))[0]]);
  }
  await db.close();
});
