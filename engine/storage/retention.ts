/**
 * Retention: deletes whole time partitions of a workspace, never individual samples.
 */
import { chunksPrefix, coldPartitionPrefix, coldSeriesKey, coldSeriesPrefix } from "./keys.ts";
import { deleteKeys, deleteRange } from "./kv_delete.ts";
import { deleteSeriesRecords } from "./series_blocks.ts";
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
  // Cold series whose newest partition is deleted: their records and index entries go too.
  await deleteRange(ws.kv, {
    start: [...coldPartitionPrefix(ws.id), -Number.MAX_SAFE_INTEGER],
    end: [...coldPartitionPrefix(ws.id), firstKept],
  });
  const goneCold: number[] = [];
  for await (const e of ws.kv.list<number>({ prefix: coldSeriesPrefix(ws.id) })) {
    const sid = e.key[4] as number;
    // A hot series with a stale entry (it was recovered from an older checkpoint) stays.
    if (e.value < firstKept && h.labels[sid] === undefined) goneCold.push(sid);
  }
  // Series records only by the lease holder: a fenced instance's view of activity is stale.
  // Their blocks are rewritten without them; the cold entry goes with (or after) the rewrite.
  const all = gone.concat(goneCold);
  await deleteSeriesRecords(ws, all, (sid) => [coldSeriesKey(ws.id, sid)]);
  h.removeSeriesMany(gone);
  for (const sid of goneCold) ws.coldLabels.delete(sid);
  if (all.length > 0) {
    h.purgeExemplars();
    const goneSet = new Set(all);
    for (const [k, l] of [...ws.chunkCache]) {
      if (!goneSet.has(Number(k.split(":")[1]))) continue;
      ws.chunkCache.delete(k);
      ws.chunkCacheBytes -= l.reduce((n, c) => n + c.length, 0) + 16;
    }
  }
  if (!(h.minT >= firstKept * P)) h.minT = firstKept * P; // reads skip deleted partitions
  if (all.length > 0) {
    await ws.checkpoint();
    // Only now no durable state (WAL, checkpoint, record) names them: their ids can be reused.
    h.freeSids.push(...all);
  }
  ws.recount();
  return { partitions: parts.size };
}
