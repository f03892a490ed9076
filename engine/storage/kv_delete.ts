/**
 * Deleting keys from Deno KV within its atomic limits (listing keys, never across a prefix the
 * caller did not name).
 */
import { KV_ATOMIC_MUTATIONS_MAX, KV_DELETE_LIST_BATCH } from "./limits.ts";

/** Deletes keys in atomics of at most 1000 mutations. */
export async function deleteKeys(kv: Deno.Kv, keys: Deno.KvKey[]): Promise<void> {
  for (let i = 0; i < keys.length; i += KV_ATOMIC_MUTATIONS_MAX) {
    const op = kv.atomic();
    for (const k of keys.slice(i, i + KV_ATOMIC_MUTATIONS_MAX)) op.delete(k);
    await op.commit();
  }
}

/** Deletes every key of a list selector (listing keys only, 1000 per commit). */
export async function deleteRange(kv: Deno.Kv, selector: Deno.KvListSelector): Promise<number> {
  let batch: Deno.KvKey[] = [];
  let n = 0;
  for await (const e of kv.list(selector, { batchSize: KV_DELETE_LIST_BATCH })) {
    batch.push(e.key);
    n++;
    if (batch.length >= KV_ATOMIC_MUTATIONS_MAX) {
      await deleteKeys(kv, batch);
      batch = [];
    }
  }
  await deleteKeys(kv, batch);
  return n;
}

/**
 * Deletes `keys`, then anything else in `selector` (keys a crash left that nobody remembers):
 * reads one entry when nothing is left, instead of listing (and reading the values of) every key.
 */
export async function deleteKnown(
  kv: Deno.Kv,
  keys: Deno.KvKey[],
  selector: Deno.KvListSelector,
): Promise<number> {
  await deleteKeys(kv, keys);
  for await (const _ of kv.list(selector, { limit: 1, batchSize: 1 })) {
    return keys.length + await deleteRange(kv, selector);
  }
  return keys.length;
}
