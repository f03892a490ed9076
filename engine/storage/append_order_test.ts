/** append() guesses a series' id from the series before it in the request: any order must work. */
import { assertEquals } from "../../tests/assert.ts";
import { rng } from "../../tests/rng.ts";
import { type Labels, labelsFromRecord } from "../model/labels.ts";
import type { WriteSeries } from "../model/write.ts";
import { dump, request, tempKvPath } from "./test_util.ts";
import { Tsdb } from "./tsdb.ts";

const T0 = 1_700_000_000_000;

function one(labels: Labels, t: number, v: number): WriteSeries {
  return {
    labels,
    t: Float64Array.of(t),
    v: Float64Array.of(v),
    histograms: [],
    exemplars: [],
    createdT: 0,
  };
}

Deno.test("append() stores each series' samples whatever the order of a request's series", async () => {
  const { path, dir } = await tempKvPath();
  try {
    const kv = await Deno.openKv(path);
    const db = await Tsdb.open(kv);
    const ws = await db.workspace("w");
    // The same Labels objects every round (as ingest's label cache hands them out), in creation
    // order, reversed, shuffled, with gaps, and now and then an equal copy instead.
    const labels = Array.from(
      { length: 40 },
      (_, i) => labelsFromRecord({ __name__: "m", i: `${i}` }),
    );
    const r = rng(5);
    const want: string[][] = labels.map(() => []);
    for (let round = 0; round < 12; round++) {
      const order = labels.map((_, i) => i);
      if (round % 4 === 1) order.reverse();
      if (round % 4 === 2) order.sort(() => r() - 0.5);
      const picked = round % 4 === 3 ? order.filter((i) => i % 3 !== 0) : order;
      const t = T0 + round * 15_000;
      const ss = picked.map((i) => {
        const l = r() < 0.1 ? labelsFromRecord({ __name__: "m", i: `${i}` }) : labels[i];
        want[i].push(`${t}=${round * 100 + i}`);
        return one(l, t, round * 100 + i);
      });
      await ws.append(request(...ss));
    }
    const got = await dump(ws.querier());
    const expected = labels.map((_, i) => `{__name__="m", i="${i}"} ${want[i].join(" ")}`).sort();
    assertEquals(got.slice().sort(), expected);
    await db.close();
    kv.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
