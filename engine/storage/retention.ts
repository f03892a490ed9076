/**
 * Retention: deletes whole time partitions of a workspace, never individual samples.
 */
import { chunksPrefix, seriesKey } from "./keys.ts";
import { deleteKeys } from "./kv_delete.ts";
import type { Workspace } from "./workspace.ts";

/**
 * Deletes every partition ending at or before `nowMs - days`, and forgets series with no
 * samples left. Whole partitions only: no sample is read.
 */
export async function applyRetentionTo(
  ws: Workspace,
  days: number,
  nowMs: number,
): Promise<{ partitions: number }> {
  const cutoff = nowMs - days * 86_400_000;
  const P = ws.partitionMs;
  const firstKept = Math.floor(cutoff / P); // partitions < firstKept end at or before cutoff
  // Close chunks that belong to expiring partitions so nothing is written there later.
  ws.head.closeIdleChunks(cutoff + ws.options.oooWindowMs);
  await ws.flush();
  const parts = new Set<number>();
  let batch: Deno.KvKey[] = [];
  for await (
    const e of ws.kv.list({
      start: [...chunksPrefix(ws.id), -Number.MAX_SAFE_INTEGER],
      end: [...chunksPrefix(ws.id), firstKept],
    }, { batchSize: 1000 })
  ) {
    parts.add(e.key[4] as number);
    batch.push(e.key);
    if (batch.length >= 1000) {
      await deleteKeys(ws.kv, batch);
      batch = [];
    }
  }
  await deleteKeys(ws.kv, batch);
  for (const k of [...ws.chunkCache.keys()]) {
    if (Number(k.split(":")[0]) < firstKept) {
      ws.chunkCacheBytes -= ws.chunkCache.get(k)!.reduce((s, c) => s + c.length, 0) + 16;
      ws.chunkCache.delete(k);
    }
  }
  // Forget series whose newest sample is before the cutoff.
  const h = ws.head;
  const gone: number[] = [];
  for (let sid = 1; sid < h.nextSid; sid++) {
    if (h.labels[sid] === undefined) continue;
    const last = Math.max(
      Number.isNaN(h.lastT[sid]) ? -Infinity : h.lastT[sid],
      h.histLastT.get(sid) ?? -Infinity,
      h.ooo.get(sid)?.lastT() ?? -Infinity,
    );
    if (last < firstKept * P && h.chunkCount[sid] === 0) gone.push(sid);
  }
  // Series records only by the lease holder: a fenced instance's view of activity is stale.
  for (let i = 0; i < gone.length; i += 1000) {
    const op = ws.fencedAtomic();
    for (const sid of gone.slice(i, i + 1000)) op.delete(seriesKey(ws.id, sid));
    await ws.commitFenced(op);
  }
  for (const sid of gone) h.removeSeries(sid);
  if (gone.length > 0) {
    h.purgeExemplars();
    const goneSet = new Set(gone);
    for (const [k, l] of [...ws.chunkCache]) {
      if (!goneSet.has(Number(k.split(":")[1]))) continue;
      ws.chunkCache.delete(k);
      ws.chunkCacheBytes -= l.reduce((n, c) => n + c.length, 0) + 16;
    }
  }
  if (!(h.minT >= firstKept * P)) h.minT = firstKept * P; // reads skip deleted partitions
  if (gone.length > 0) {
    await ws.checkpoint();
    // Only now no durable state (WAL, checkpoint, record) names them: their ids can be reused.
    h.freeSids.push(...gone);
  }
  ws.recount();
  return { partitions: parts.size };
}
