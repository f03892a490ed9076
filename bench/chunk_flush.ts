/**
 * A/B of writing 100k closed chunks (150-240 B each) of one partition to a file KV: `keys` is TSDB
 * chunk format 1 (one key per chunk, atomics of 900 mutations), `blocks` format 2
 * (packChunkBlocks, atomics of <= 700 KB). Prints wall time, process CPU (all threads, from
 * /proc/self/stat) and the file size. Run the modes interleaved:
 *
 *   ./deno run -A bench/chunk_flush.ts keys blocks keys blocks
 */
import { packChunkBlocks } from "../engine/storage/chunk_blocks.ts";
import { chunkBlockKey } from "../engine/storage/keys.ts";
const N = 100_000;
const chunks = Array.from({ length: N }, (_, i) => {
  const bytes = new Uint8Array(150 + (i * 7919) % 90);
  for (let k = 0; k < bytes.length; k++) bytes[k] = (i * 31 + k * 17) & 255;
  return {
    sid: i + 1,
    partition: 249344,
    minT: 1795276800000 + (i % 3),
    maxT: 1795278585000,
    kind: 0,
    bytes,
  };
});
const cpu = () => {
  const f = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
};
for (const mode of Deno.args) {
  const path = `/tmp/ibytes_flush_${mode}.sqlite`;
  for (const f of [path, `${path}-wal`, `${path}-shm`]) await Deno.remove(f).catch(() => {});
  const kv = await Deno.openKv(path);
  const c0 = cpu(), t0 = performance.now();
  if (mode === "keys") {
    for (let i = 0; i < N; i += 900) {
      const op = kv.atomic();
      for (const c of chunks.slice(i, i + 900)) {
        op.set(["w", "default", "tsdb", "c", c.partition, c.sid, c.minT, c.kind], c.bytes);
      }
      await op.commit();
    }
  } else {
    const blocks = packChunkBlocks(chunks);
    for (let i = 0; i < blocks.length;) {
      const op = kv.atomic();
      let bytes = 0, m = 0;
      for (
        ;
        i < blocks.length && (m === 0 || bytes + blocks[i].bytes.length <= 700_000);
        i++, m++
      ) {
        op.set(
          chunkBlockKey("default", blocks[i].partition, blocks[i].sidLo, blocks[i].id),
          blocks[i].bytes,
        );
        bytes += blocks[i].bytes.length + 64;
      }
      await op.commit();
    }
  }
  console.log(
    `${mode}: ${N} chunks written in ${(performance.now() - t0).toFixed(0)} ms wall, ${
      ((cpu() - c0) * 1000).toFixed(0)
    } ms process CPU; file ${
      Deno.statSync(path).size + (() => {
        try {
          return Deno.statSync(`${path}-wal`).size;
        } catch {
          return 0;
        }
      })()
    } B`,
  );
  kv.close();
  for (const f of [path, `${path}-wal`, `${path}-shm`]) await Deno.remove(f).catch(() => {});
}
