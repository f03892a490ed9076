/**
 * Invariant 1 (acknowledged writes are durable) end to end: a separate writer process remote-writes
 * at full speed over HTTP while the SERVER process is killed with SIGKILL at random moments and
 * restarted on the same KV file and port (and once stopped gracefully with SIGTERM under load).
 * Afterwards the query API must show every sample that was acknowledged with a 2xx, nothing from a
 * batch that was never sent, no batch partly (including batches whose WAL record spans two KV
 * commits), and exactly one sample per series and timestamp with the written value.
 */
import { assert, assertEquals } from "./assert.ts";
import { type ServerProcess, startServer } from "./server.ts";
import {
  HTTP_CRASH_BIG_SERIES,
  HTTP_CRASH_SAMPLES,
  HTTP_CRASH_SERIES,
  HTTP_CRASH_T0,
  httpCrashIsBig,
  httpCrashValue,
} from "./http_crash_batch.ts";

/** Server restarts: SIGKILL at a random moment, except one graceful SIGTERM. */
const ROUNDS = 7;
/** The round that stops the server with SIGTERM rather than SIGKILL. */
const GRACEFUL_ROUND = 3;
const writerPath = new URL("./http_crash_writer.ts", import.meta.url).pathname;
const ENV = {
  PROMENADE_SAMPLE_AGE_MAX: "0",
  PROMENADE_QUERY_TPS: "100000",
  PROMENADE_LOG_LEVEL: "error",
};

// deno-lint-ignore no-explicit-any -- parsed JSON of any shape
type Json = any;

/** Follows the writer's stdout: batches started, acknowledged and rejected. */
function follow(child: Deno.ChildProcess) {
  const state = {
    started: new Set<number>(),
    acked: new Set<number>(),
    rejected: [] as string[],
    done: Promise.resolve(),
  };
  state.done = (async () => {
    let buf = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      const lines = buf.split("\n");
      buf = lines.pop()!;
      for (const l of lines) {
        const [kind, id] = l.split(" ");
        if (kind === "start") state.started.add(Number(id));
        else if (kind === "ack") state.acked.add(Number(id));
        else if (kind === "reject") state.rejected.push(l);
      }
    }
  })();
  return state;
}

async function query(server: ServerProcess, ws: string, q: string, timeSec: number): Promise<Json> {
  const url = `${server.url}/workspaces/${ws}/api/v1/query?query=${
    encodeURIComponent(q)
  }&time=${timeSec}`;
  const r = await fetch(url);
  const body = await r.json();
  assertEquals(r.status, 200, JSON.stringify(body));
  return body.data.result;
}

Deno.test({
  name: "kill -9 of the server during remote writes loses no acknowledged sample over HTTP",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "promenade-http-crash-" });
    const dataPath = `${dir}/kv.sqlite`;
    let server: ServerProcess | undefined;
    let writer: Deno.ChildProcess | undefined;
    try {
      server = await startServer(dataPath, { env: ENV });
      const created = await fetch(`${server.url}/workspaces`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ alias: "http-crash" }),
      });
      const ws = (await created.json()).workspaceId as string;
      writer = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", writerPath, `${server.url}/workspaces/${ws}/api/v1/remote_write`],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const state = follow(writer);

      const ackedAtKill: number[] = [];
      let stopMs = 0;
      for (let round = 0; round < ROUNDS; round++) {
        // Let the writer get going (and retries of the previous round land), then kill at random.
        const ackedBefore = state.acked.size;
        const until = Date.now() + 5000;
        while (state.acked.size === ackedBefore && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 20));
        }
        await new Promise((r) => setTimeout(r, 100 + Math.floor(Math.random() * 1200)));
        if (round === ROUNDS - 1) {
          // On a slow machine make sure a big (multi-commit) batch was acknowledged at all.
          const bigUntil = Date.now() + 15_000;
          while (![...state.acked].some(httpCrashIsBig) && Date.now() < bigUntil) {
            await new Promise((r) => setTimeout(r, 50));
          }
        }
        if (round === ROUNDS - 1 && writer) {
          // The last kill: stop the writer first, so nothing changes after the restart (the
          // server is still busy with the requests in flight when it dies).
          writer.kill("SIGKILL");
          await writer.status;
          writer = undefined;
        }
        if (round === GRACEFUL_ROUND) {
          // Once a graceful stop instead: in-flight requests finish, then KV is closed.
          const t = Date.now();
          const status = await server.stop();
          assertEquals(status.code, 0, "graceful shutdown under load failed");
          stopMs = Date.now() - t;
        } else await server.kill();
        ackedAtKill.push(state.acked.size);
        server = await startServer(dataPath, { env: ENV, port: server.port });
      }
      await state.done;

      assertEquals(state.rejected, [], "the server rejected a batch");
      assert(state.acked.size > ROUNDS * 2, `only ${state.acked.size} batches acknowledged`);
      assert([...state.acked].some(httpCrashIsBig), "no big batch was acknowledged");

      // Read back everything: each series by itself, then the per-batch new series.
      const maxId = Math.max(...state.started);
      const evalSec = HTTP_CRASH_T0 / 1000 + 3599;
      assert(maxId * HTTP_CRASH_SAMPLES < 3_500_000, "batches span more than the query range");
      const perBatch = new Map<number, number>();
      for (let s = 0; s < HTTP_CRASH_SERIES; s++) {
        const res = await query(server, ws, `http_crash{s="${s}"}[1h]`, evalSec);
        assertEquals(res.length, 1, `series ${s}`);
        const values: [number, string][] = res[0].values;
        let lastT = -Infinity;
        for (const [tSec, v] of values) {
          const t = Math.round(tSec * 1000);
          assert(t > lastT, `series ${s}: duplicate or unsorted sample at ${t}`);
          lastT = t;
          const off = t - HTTP_CRASH_T0;
          const id = Math.floor(off / HTTP_CRASH_SAMPLES), k = off % HTTP_CRASH_SAMPLES;
          assert(state.started.has(id), `series ${s}: sample of never-sent batch ${id}`);
          assertEquals(Number(v), httpCrashValue(id, s, k), `series ${s} batch ${id} sample ${k}`);
          perBatch.set(id, (perBatch.get(id) ?? 0) + 1);
        }
      }
      const fresh = await query(server, ws, "http_crash_new[1h]", evalSec);
      for (const r of fresh) {
        const id = Number(r.metric.id);
        assert(state.started.has(id), `new series of never-sent batch ${id}`);
        assertEquals(r.values, [[(HTTP_CRASH_T0 + id * HTTP_CRASH_SAMPLES) / 1000, String(id)]]);
        perBatch.set(id, (perBatch.get(id) ?? 0) + 1);
      }
      const full = HTTP_CRASH_SERIES * HTTP_CRASH_SAMPLES + 1;
      let unackedPresent = 0;
      for (const [id, n] of perBatch) {
        assertEquals(
          n,
          full,
          `batch ${id} (${
            state.acked.has(id) ? "acknowledged" : "not acknowledged"
          }) partially present`,
        );
        if (!state.acked.has(id)) unackedPresent++;
      }
      // Big batches (WAL records spanning several KV commits): all of their series or none.
      const big = await query(
        server,
        ws,
        "count by (id) (last_over_time(http_crash_big[1h]))",
        evalSec,
      );
      const bigPresent = new Set<number>();
      for (const r of big) {
        const id = Number(r.metric.id);
        assert(httpCrashIsBig(id) && state.started.has(id), `big series of batch ${id}`);
        assertEquals(
          r.value[1],
          String(HTTP_CRASH_BIG_SERIES),
          `big batch ${id} partially present`,
        );
        assert(perBatch.has(id), `big batch ${id} present without its regular part`);
        bigPresent.add(id);
      }
      for (const id of perBatch.keys()) {
        if (httpCrashIsBig(id)) assert(bigPresent.has(id), `big batch ${id} lacks its big part`);
      }
      const lost = [...state.acked].filter((id) => !perBatch.has(id)).sort((a, b) => a - b);
      assertEquals(lost, [], "acknowledged batches lost");
      console.log(
        `${ROUNDS - 1} kills and 1 graceful stop under load (${stopMs} ms) (acked so far at each: ${
          ackedAtKill.join(", ")
        }); ` +
          `${state.acked.size} batches (${
            state.acked.size * full
          } samples) acknowledged and present; ` +
          `${
            state.started.size - state.acked.size
          } in flight at the end, ${unackedPresent} of them stored; ${bigPresent.size} big ` +
          `batches of ${HTTP_CRASH_BIG_SERIES} new series each`,
      );
    } finally {
      if (writer) {
        writer.kill("SIGKILL");
        await writer.status;
      }
      await server?.kill();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
