/** Invariant 2 under load: automatic checkpoints during concurrent appends, then a crash. */
import { assertEquals } from "../../tests/assert.ts";
import { Tsdb } from "./tsdb.ts";
import { dump, request, series, tempKvPath } from "./test_util.ts";

const T0 = 1_700_000_000_000;

Deno.test("automatic checkpoints during concurrent appends recover to identical query results", async () => {
  const { path, dir } = await tempKvPath();
  try {
    let kv = await Deno.openKv(path);
    let db = await Tsdb.open(kv);
    let ws = await db.workspace("w", { checkpointWalBytes: 8 * 1024 });
    const ps = [];
    for (let r = 0; r < 200; r++) {
      const ss = [];
      for (let s = 0; s < 10; s++) {
        const t = T0 + r * 60_000 + (r % 5 === 4 ? -90_000 : 0); // some out-of-order samples
        ss.push(series({ __name__: "m", s: String(s), g: String(r % 3) }, [[t, r * 100 + s]]));
      }
      ps.push(ws.append(request(...ss)));
      if (r % 20 === 19) await Promise.all(ps.splice(0));
    }
    await Promise.all(ps);
    await ws.maintain();
    const before = await dump(ws.querier());
    let gens = 0;
    for await (const _ of kv.list({ prefix: ["w", "w", "tsdb", "ckpt"] })) gens++;
    kv.close(); // crash
    kv = await Deno.openKv(path);
    db = await Tsdb.open(kv);
    ws = await db.workspace("w");
    assertEquals(await dump(ws.querier()), before);
    assertEquals(gens > 0, true);
    await db.close();
    kv.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
