/**
 * Invariant 1 (acknowledged writes are durable) under `kill -9`: a writer process appends at full
 * speed and is SIGKILLed at random moments, 6 times. After each kill the store is reopened and
 * checked: every acknowledged batch is fully present, no batch is partially present (including
 * big batches whose WAL record spans several KV commits), nothing appears that was never
 * started, and no sample is duplicated.
 */
import { assert, assertEquals } from "./assert.ts";
import { Tsdb } from "../engine/storage/mod.ts";
import { Matcher } from "../engine/model/matcher.ts";
import { batchOf, batchSamples, BIG_EVERY, crashValue, isBig } from "./crash_batch.ts";

const ROUNDS = 6;
/** Extra rounds (with longer runs) allowed until a big batch has been acknowledged: on a loaded
 * machine the short random kills may all land before any big batch completes. */
const ROUNDS_MAX = 12;
const writer = new URL("./crash_writer.ts", import.meta.url).pathname;

async function runAndKill(
  path: string,
  firstId: number,
  killAfterMs: number,
): Promise<{ started: Set<number>; acked: Set<number> }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-kv", writer, path, String(firstId)],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const started = new Set<number>(), acked = new Set<number>();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "", firstAck = 0;
  let killed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    const lines = buf.split("\n");
    buf = lines.pop()!;
    for (const l of lines) {
      const [kind, id] = l.split(" ");
      if (kind === "start") started.add(Number(id));
      else if (kind === "ack") acked.add(Number(id));
    }
    if (acked.size > 0 && firstAck === 0) {
      firstAck = Date.now();
      timer = setTimeout(() => {
        killed = true;
        child.kill("SIGKILL");
      }, killAfterMs);
    }
  }
  clearTimeout(timer);
  const status = await child.status;
  assert(killed, "writer exited on its own");
  assertEquals(status.signal, "SIGKILL");
  return { started, acked };
}

async function check(
  path: string,
  started: Set<number>,
  acked: Set<number>,
): Promise<{ present: number; inFlightPresent: number; bigPresent: number }> {
  const kv = await Deno.openKv(path);
  try {
    const db = await Tsdb.open(kv);
    const ws = await db.workspace("crash");
    const q = ws.querier();
    const perBatch = new Map<number, number>();
    let bigPresent = 0;
    const all = await q.select([new Matcher("=~", "__name__", "crash|crash_new|crash_big")], {
      minT: -Infinity,
      maxT: Infinity,
    });
    for (const s of all) {
      const name = s.labels.find((l) => l.name === "__name__")!.value;
      const sIdx = Number(s.labels.find((l) => l.name === "s")?.value ?? -1);
      for (let i = 0; i < s.t.length; i++) {
        if (i > 0) assert(s.t[i] > s.t[i - 1], "duplicate or unsorted sample");
        const { id, k } = batchOf(s.t[i]);
        assertEquals(s.v[i], crashValue(name, id, sIdx, k), `wrong value for batch ${id}`);
        perBatch.set(id, (perBatch.get(id) ?? 0) + 1);
      }
    }
    let inFlightPresent = 0;
    for (const [id, n] of perBatch) {
      assert(started.has(id), `batch ${id} present but never started`);
      assertEquals(n, batchSamples(id), `batch ${id} partially present (${n}/${batchSamples(id)})`);
      if (!acked.has(id)) inFlightPresent++;
      if (isBig(id)) bigPresent++;
    }
    for (const id of acked) assert(perBatch.has(id), `acknowledged batch ${id} lost`);
    await db.close({ checkpoint: false });
    return { present: perBatch.size, inFlightPresent, bigPresent };
  } finally {
    kv.close();
  }
}

Deno.test({
  name: "kill -9 during appends loses no acknowledged sample and shows no partial batch",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "promenade_crash_" });
    const path = `${dir}/kv.sqlite`;
    const started = new Set<number>(), acked = new Set<number>();
    try {
      let next = 0;
      const bigAcked = () => [...acked].some(isBig);
      for (let round = 0; round < ROUNDS || (!bigAcked() && round < ROUNDS_MAX); round++) {
        const killAfter = round < ROUNDS
          ? 50 + Math.floor(Math.random() * 1200)
          : 2000 + 500 * round;
        const r = await runAndKill(path, next, killAfter);
        for (const id of r.started) started.add(id);
        for (const id of r.acked) acked.add(id);
        // Next run starts at a multiple of BIG_EVERY, so it sends a big batch early.
        next = (Math.floor(Math.max(...r.started) / BIG_EVERY) + 1) * BIG_EVERY;
        const res = await check(path, started, acked);
        console.log(
          `round ${round}: killed after ${killAfter} ms; ${r.acked.size} acked, ` +
            `${
              r.started.size - r.acked.size
            } in flight; ${res.inFlightPresent} committed-but-unacked so far; ` +
            `${res.present} batches present in total (${res.bigPresent} big, multi-commit)`,
        );
      }
      assert(acked.size > ROUNDS, "writer acknowledged too little to test anything");
      assert(bigAcked(), "no big (multi-commit) batch was acknowledged");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
