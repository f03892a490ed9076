/**
 * Interleaved A/B of the storage side of ingest in one process: the write path of this checkout
 * ("new") and of another checkout of the repository ("base", e.g. an exported older commit),
 * each with its own decoder, file-backed Deno KV and workspace, fed the same payloads as
 * bench/ingest_pipeline.ts. Every round is decoded for both sides first (untimed), then appended
 * by one side and then the other, alternating which goes first, so both see the same host
 * conditions minutes or seconds apart instead of in separate runs. Prints the main thread's CPU
 * time (nanosecond `schedstat`, not 10 ms ticks) per sample of `Workspace.append()` alone.
 *
 *   mkdir -p /tmp/base && git archive <commit> | tar -x -C /tmp/base
 *   ./deno run -A --v8-flags=--expose-gc bench/storage_ab.ts --base /tmp/base [--series 100000]
 *     [--rounds 21]
 *     [--batch 2000] [--inflight 4] [--repeat 1]
 *
 * Both sides' modules load into one isolate (they share the JIT and the GC), which is what makes
 * the comparison fair and also why a side's figures differ from a run of that side alone. The
 * base's npm imports resolve through this checkout's import map and node_modules.
 */
import { parseArgs } from "node:util";
import { benchLabelSets, benchRequestV1, encodeV1 } from "../engine/ingest/payloads.ts";
import { REMOTE_WRITE_V1_HEADERS } from "../engine/ingest/payloads.ts";
import { snappyEncode } from "../engine/ingest/snappy.ts";
import type { WriteRequest } from "../engine/model/write.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    base: { type: "string" },
    series: { type: "string", default: "100000" },
    rounds: { type: "string", default: "21" },
    batch: { type: "string", default: "2000" },
    inflight: { type: "string", default: "4" },
    repeat: { type: "string", default: "1" },
  },
});
if (args.base === undefined) throw new Error("--base <checkout> is required");
const SERIES = Number(args.series), ROUNDS = Number(args.rounds), BATCH = Number(args.batch);
const INFLIGHT = Number(args.inflight);
const INTERVAL = 15_000;

/** Main thread CPU time, ns (first field of schedstat: time spent running). */
function mainThreadNs(): number {
  return Number(Deno.readTextFileSync(`/proc/self/task/${Deno.pid}/schedstat`).split(" ")[0]);
}

interface Side {
  name: string;
  prepare(body: Uint8Array): WriteRequest;
  append(req: WriteRequest): Promise<unknown>;
  /** Waits for the side's background writes (chunk flushes, a checkpoint). */
  quiesce(): Promise<void>;
  close(): Promise<void>;
  /** Main-thread ns of round 1 and of rounds 2..N. */
  ns: number[];
}

async function openSide(name: string, root: string, path: string): Promise<Side> {
  const storage = await import(`${root}/engine/storage/mod.ts`);
  const ingestMod = await import(`${root}/engine/ingest/mod.ts`);
  const kv = await Deno.openKv(path);
  const tsdb = await storage.Tsdb.open(kv);
  const ws = await tsdb.workspace("bench");
  const ingest = new ingestMod.WorkspaceIngest({
    limits: ingestMod.ingestLimits({ ingestionRate: 1e12, ingestionBurst: 1e12 }),
  });
  const headers = new Headers(REMOTE_WRITE_V1_HEADERS);
  return {
    name,
    prepare(body) {
      const p = ingest.prepare(body, headers);
      if (p.kind !== "write") throw new Error("BUG: deduped");
      return p.request;
    },
    append: (req) => ws.append(req),
    quiesce: () => ws.quiesce(),
    async close() {
      await tsdb.close();
      kv.close();
    },
    ns: [0, 0],
  };
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) console.log("note: without --v8-flags=--expose-gc, GC lands unevenly");

/**
 * Appends a round and waits for the side's background writes, so that they are not timed in the
 * other side's window; a full GC first, so that neither pays for the other's (or the decoder's)
 * garbage.
 */
async function appendAll(side: Side, reqs: WriteRequest[]): Promise<number> {
  gc?.();
  let next = 0;
  const t0 = mainThreadNs();
  const worker = async () => {
    while (next < reqs.length) await side.append(reqs[next++]);
  };
  await Promise.all(Array.from({ length: INFLIGHT }, worker));
  await side.quiesce();
  return mainThreadNs() - t0;
}

const sets = benchLabelSets(SERIES);
const here = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const base = new URL(args.base, `file://${Deno.cwd()}/`).pathname.replace(/\/$/, "");

for (let rep = 0; rep < Number(args.repeat); rep++) {
  const dir = await Deno.makeTempDir({ prefix: "promenade_storage_ab_" });
  const sides = [
    await openSide("base", base, `${dir}/base.sqlite`),
    await openSide("new", here, `${dir}/new.sqlite`),
  ];
  const t0 = Math.floor(Date.now() / 1000) * 1000 - (ROUNDS - 1) * INTERVAL - 1000;
  const perRound: string[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const bodies: Uint8Array[] = [];
    for (let i = 0; i < SERIES; i += BATCH) {
      const chunk = sets.slice(i, i + BATCH);
      bodies.push(
        snappyEncode(encodeV1(benchRequestV1(chunk, t0 + r * INTERVAL, r * 1_000_003 + i))),
      );
    }
    const reqs = sides.map((s) => bodies.map((b) => s.prepare(b)));
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    const took = [0, 0];
    for (const k of order) took[k] = await appendAll(sides[k], reqs[k]);
    for (let k = 0; k < 2; k++) sides[k].ns[r === 0 ? 0 : 1] += took[k];
    perRound.push(took.map((x) => (x / SERIES).toFixed(0)).join("/"));
  }
  const steady = (ROUNDS - 1) * SERIES;
  console.log(
    `repeat ${rep + 1}: main thread ns/sample, round 1 (new series): ${
      sides.map((s) => `${s.name} ${(s.ns[0] / SERIES).toFixed(0)}`).join(", ")
    }; rounds 2-${ROUNDS}: ${
      sides.map((s) => `${s.name} ${(s.ns[1] / steady).toFixed(1)}`).join(", ")
    }`,
  );
  console.log(`  per round (base/new ns per sample): ${perRound.join(" ")}`);
  for (const s of sides) await s.close();
  await Deno.remove(dir, { recursive: true });
}
