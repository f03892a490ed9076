/** Series records written by a checkpoint (many per atomic, values sharing one buffer). */
import { assertEquals } from "../../tests/assert.ts";
import { Tsdb } from "./tsdb.ts";
import { dump, request, series, tempKvPath } from "./test_util.ts";
import { walPrefix } from "./keys.ts";

const T0 = 1_700_000_000_000;

Deno.test("a checkpoint's series records restore every label set after the WAL is gone", async () => {
  const { path, dir } = await tempKvPath();
  try {
    let kv = await Deno.openKv(path);
    let db = await Tsdb.open(kv);
    let ws = await db.workspace("w");
    // 1300 series (three atomics of series records), label values of varied length so that the
    // records of one atomic outgrow the writer's first buffer.
    for (let r = 0; r < 13; r++) {
      const ss = [];
      for (let s = 0; s < 100; s++) {
        const id = r * 100 + s;
        ss.push(series({ __name__: "m", id: String(id), pad: "p".repeat(id % 300) }, [[T0, id]]));
      }
      await ws.append(request(...ss));
    }
    await ws.checkpoint();
    let wal = 0;
    for await (const _ of kv.list({ prefix: walPrefix("w") })) wal++;
    assertEquals(wal, 0, "the checkpoint replaced the WAL");
    const before = await dump(ws.querier());
    assertEquals(before.length, 1300);
    await db.close();
    kv.close();
    kv = await Deno.openKv(path);
    db = await Tsdb.open(kv);
    ws = await db.workspace("w");
    assertEquals(await dump(ws.querier()), before);
    await db.close();
    kv.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
