/**
 * Remote-write load generator. Node_exporter-like and HTTP-histogram series (8-12 labels each),
 * one sample per series per round, `--batch` samples per request, sent by `--senders` concurrent
 * senders; prints throughput, latency percentiles and, given the server's pid, its CPU time per
 * sample and RSS; with `--stop`, stops the server (SIGINT: it checkpoints and deletes its WAL)
 * and prints the bytes per stored sample from its KV file.
 *
 *   ./deno run -A bench/ingest.ts --url http://127.0.0.1:9090/api/v1/write \
 *     [--series 100000] [--rounds 6] [--batch 2000] [--senders 4] [--protocol 1|2] \
 *     [--values realistic|named|random|synthetic] [--fixture <values.json.gz>] \
 *     [--timestamps grid|recorded] \
 *     [--interval-ms 15000] [--start-ms <first timestamp> | --aligned] \
 *     [--pid <server pid>] [--kv-path <server's KV file> [--stop] [--workspace default]] \
 *     [--prebuild-mb 256] [--header "Name: value"]... [--client raw|fetch]
 *
 * Client: `raw` (the default) sends each request as prebuilt bytes on one keep-alive HTTP/1.1
 * connection per sender (bench/http1.ts), so the load generator, which shares the server's cores,
 * takes little CPU from it; `fetch` uses Deno's `fetch` (about 0.15-0.3 us of CPU per sample more
 * on this machine, measured with this script's "client CPU").
 *
 * Values: `realistic` (the default) gives each node_* series the values of one series recorded
 * from a real node_exporter (bench/fixtures/real_values; all its families, so the node series
 * have a real node_exporter's mix), and the HTTP bucket series integer counters
 * (`benchAdvanceValues`); `named` draws each node_* series from the recorded family of its own
 * metric name (node_cpu_seconds_total, node_memory_MemAvailable_bytes, ...: the busiest
 * families); `random` sends seeded random values (about 20 bits of entropy each); `synthetic` is
 * the generated node_exporter-like data of `benchAdvanceValues` for every series.
 * Timestamps: `grid` (the default) sends every sample exactly on the `--interval-ms` grid;
 * `recorded` adds to each real-valued series the millisecond jitter of its recorded scrapes
 * (Prometheus 2.42 scrape timestamps are not exactly 15 s apart, which costs XOR chunks bits).
 *
 * Request bodies are built before they are timed, in groups of rounds of at most `--prebuild-mb`
 * (so 100k series x 125 rounds need not fit in memory at once); throughput and "server CPU per
 * sample" cover only the send windows, and "whole span" adds the server CPU spent between them
 * (flushes and checkpoints that the sends caused). Round 1 creates every series (the slow path);
 * rounds 2.. append to existing series, the steady state the targets are about.
 *
 * Timestamps are `--interval-ms` apart and end near now (a server enforcing AMP's 1 h sample age
 * accepts them), or start at `--start-ms`; `--aligned` starts at the beginning of a 2-hour
 * partition that ended at least 2 h ago, so that chunks are not cut at a partition edge (the
 * server must accept old samples: PROMENADE_SAMPLE_AGE_MAX=0).
 */
import { parseArgs } from "node:util";
import {
  benchAdvanceValues,
  BenchEncoderV1,
  benchLabelSets,
  benchRequestV2,
  encodeV2,
  REMOTE_WRITE_V1_HEADERS,
  rng,
} from "../engine/ingest/payloads.ts";
import { snappyEncode } from "../engine/ingest/snappy.ts";
import { cpuSeconds, statusKiB } from "./proc.ts";
import { Http1Connection, http1Post } from "./http1.ts";
import { assignTrajectories, loadRealValues } from "./fixtures/real_values/mod.ts";
import { formatKvStats, kvStats } from "./kv_stats.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    url: { type: "string", default: "http://127.0.0.1:9090/api/v1/write" },
    series: { type: "string", default: "100000" },
    rounds: { type: "string", default: "6" },
    batch: { type: "string", default: "2000" },
    senders: { type: "string", default: "4" },
    protocol: { type: "string", default: "1" },
    "interval-ms": { type: "string", default: "15000" },
    "start-ms": { type: "string" },
    aligned: { type: "boolean", default: false },
    values: { type: "string", default: "realistic" },
    timestamps: { type: "string", default: "grid" },
    fixture: { type: "string" },
    pid: { type: "string" },
    "kv-path": { type: "string" },
    stop: { type: "boolean", default: false },
    workspace: { type: "string", default: "default" },
    "prebuild-mb": { type: "string", default: "256" },
    header: { type: "string", multiple: true, default: [] },
    client: { type: "string", default: "raw" },
  },
});

const SERIES = Number(args.series);
const ROUNDS = Number(args.rounds);
const BATCH = Number(args.batch);
const SENDERS = Number(args.senders);
const V2 = args.protocol === "2";
const INTERVAL = Number(args["interval-ms"]);
const PID = args.pid ? Number(args.pid) : undefined;
const PREBUILD_BYTES = Number(args["prebuild-mb"]) * 1024 * 1024;
const MODES = ["realistic", "named", "random", "synthetic"];
if (!MODES.includes(args.values!)) {
  throw new Error(`--values must be one of ${MODES.join(", ")}, not ${args.values}`);
}
if (args.timestamps !== "grid" && args.timestamps !== "recorded") {
  throw new Error(`--timestamps must be grid or recorded, not ${args.timestamps}`);
}
if (args.stop && (!PID || !args["kv-path"])) throw new Error("--stop needs --pid and --kv-path");
if (args.client !== "raw" && args.client !== "fetch") {
  throw new Error(`--client must be raw or fetch, not ${args.client}`);
}
const RAW = args.client === "raw";
const URL_ = new URL(args.url!);

const headers = new Headers(
  V2
    ? {
      "Content-Type": "application/x-protobuf;proto=io.prometheus.write.v2.Request",
      "Content-Encoding": "snappy",
      "X-Prometheus-Remote-Write-Version": "2.0.0",
    }
    : REMOTE_WRITE_V1_HEADERS,
);
for (const h of args.header as string[]) {
  const i = h.indexOf(":");
  headers.set(h.slice(0, i).trim(), h.slice(i + 1).trim());
}

// ---- series, values and request bodies ----
const PARTITION_MS = 2 * 3600_000;
const sets = benchLabelSets(SERIES);
const labelCounts = sets.map((s) => s.length);
const now = Math.floor(Date.now() / 1000) * 1000;
const t0 = args["start-ms"] !== undefined
  ? Number(args["start-ms"])
  : args.aligned
  ? Math.floor((now - 2 * PARTITION_MS) / PARTITION_MS) * PARTITION_MS
  : now - (ROUNDS - 1) * INTERVAL - 1000;
if (args.aligned && (ROUNDS - 1) * INTERVAL >= PARTITION_MS) {
  throw new Error("--aligned: the rounds do not fit in one 2-hour partition");
}

const values = new Float64Array(SERIES);
const synthetic = args.values === "random" ? undefined : new Float64Array(SERIES);
const real = args.values === "realistic" || args.values === "named"
  ? await loadRealValues(args.fixture).then((r) => ({
    source: r,
    ...assignTrajectories(r, sets.map((s) => s[0][1]), {
      rounds: ROUNDS,
      byName: args.values === "named",
    }),
  }))
  : undefined;
let fromReal = 0;
if (real) { for (const v of real.values) if (v !== undefined) fromReal++; }
/** Per series, the recorded scrape jitter accumulated so far (ms; `--timestamps recorded`). */
const tOffsets = args.timestamps === "recorded" ? new Float64Array(SERIES) : undefined;
if (tOffsets && (real === undefined || V2)) {
  throw new Error("--timestamps recorded needs --values realistic or named, and protocol 1");
}

/** Fills `values` with round `r`'s sample of every series (rounds must be generated in order). */
function advance(r: number): void {
  if (synthetic === undefined) {
    const rand = rng(r * 1_000_003);
    for (let i = 0; i < SERIES; i++) values[i] = Math.floor(rand() * 1e6) / 8;
    return;
  }
  benchAdvanceValues(sets, synthetic, INTERVAL / 1000, r + 1);
  values.set(synthetic);
  if (real === undefined) return;
  for (let i = 0; i < SERIES; i++) {
    const v = real.values[i];
    if (v === undefined) continue;
    values[i] = v[(real.offsets[i] + r) % v.length];
    if (tOffsets && r > 0) tOffsets[i] += real.jitterMs[i]![(real.offsets[i] + r) % v.length];
  }
}

const encoder = V2 ? undefined : new BenchEncoderV1(sets);
let bodyBytes = 0, rawBytes = 0, requests = 0, buildS = 0;

/** Request bodies of round `r` (snappy-compressed). */
function buildRound(r: number): Uint8Array[] {
  const start = performance.now();
  advance(r);
  const t = t0 + r * INTERVAL;
  const reqs: Uint8Array[] = [];
  for (let i = 0; i < SERIES; i += BATCH) {
    const end = Math.min(SERIES, i + BATCH);
    const raw = encoder
      ? encoder.encode(i, end, t, values.subarray(i, end), tOffsets?.subarray(i, end))
      : encodeV2(benchRequestV2(sets.slice(i, end), t, 0, values.subarray(i, end)));
    const body = snappyEncode(raw);
    rawBytes += raw.length;
    bodyBytes += body.length;
    // Raw client: the whole HTTP request, prebuilt like the body.
    reqs.push(RAW ? http1Post(URL_, headers, body) : body);
  }
  requests += reqs.length;
  buildS += (performance.now() - start) / 1000;
  return reqs;
}

// ---- send ----
interface Phase {
  name: string;
  samples: number;
  latenciesMs: number[];
  errors: number;
  /** Wall and server CPU time of the send windows only. */
  wallS: number;
  cpuS: number;
  /** This process's CPU over the send windows: what the load generator takes from the shared cores. */
  clientCpuS: number;
  /** The server's main (JS) thread's CPU over the send windows: what bounds its throughput. */
  mainCpuS: number;
}

const errorBodies: string[] = [];
/** The raw client's connections, one per sender, kept across rounds. */
const connections: Http1Connection[] = [];

async function send(p: Phase, bodies: Uint8Array[]): Promise<void> {
  let next = 0;
  const cpu0 = PID ? cpuSeconds(PID) : 0, client0 = cpuSeconds("self");
  const main0 = PID ? cpuSeconds(`${PID}/task/${PID}`) : 0;
  const start = performance.now();
  const sender = async (_: unknown, i: number) => {
    const conn = RAW ? (connections[i] ??= new Http1Connection(URL_)) : undefined;
    while (next < bodies.length) {
      const body = bodies[next++];
      const s = performance.now();
      let status: number, text: string;
      if (conn !== undefined) {
        ({ status, text } = await conn.send(body));
      } else {
        const res = await fetch(args.url!, {
          method: "POST",
          headers,
          body: body as Uint8Array<ArrayBuffer>,
        });
        status = res.status;
        text = await res.text();
      }
      p.latenciesMs.push(performance.now() - s);
      if (status < 200 || status >= 300) {
        p.errors++;
        if (errorBodies.length < 5) errorBodies.push(`${status} ${text.slice(0, 300)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
  p.wallS += (performance.now() - start) / 1000;
  p.cpuS += PID ? cpuSeconds(PID) - cpu0 : NaN;
  p.clientCpuS += cpuSeconds("self") - client0;
  p.mainCpuS += PID ? cpuSeconds(`${PID}/task/${PID}`) - main0 : NaN;
  p.samples += bodies.length * BATCH;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function report(p: Phase): void {
  const rate = p.samples / p.wallS;
  let line = `${p.name}: ${p.samples} samples in ${p.wallS.toFixed(2)} s = ${
    Math.round(rate).toLocaleString("en-US")
  } samples/s; latency p50 ${pct(p.latenciesMs, 50).toFixed(1)} ms p99 ${
    pct(p.latenciesMs, 99).toFixed(1)
  } ms`;
  if (p.errors) line += `; ${p.errors} non-2xx`;
  if (PID) {
    line += `; server CPU ${((p.cpuS * 1e6) / p.samples).toFixed(2)} us/sample (main thread ${
      ((p.mainCpuS * 1e6) / p.samples).toFixed(2)
    })`;
  }
  line += `; client CPU ${((p.clientCpuS * 1e6) / p.samples).toFixed(2)} us/sample`;
  console.log(line);
}

const newPhase = (name: string): Phase => ({
  name,
  samples: 0,
  latenciesMs: [],
  errors: 0,
  wallS: 0,
  cpuS: 0,
  clientCpuS: 0,
  mainCpuS: 0,
});

const first = buildRound(0);
const roundBytes = bodyBytes;
const perGroup = Math.max(1, Math.floor(PREBUILD_BYTES / roundBytes));
console.log(
  `${SERIES} series, labels/series ${Math.min(...labelCounts)}-${Math.max(...labelCounts)}, ` +
    `${ROUNDS} rounds of ${first.length} requests (${BATCH} samples each, protocol ${
      V2 ? "2.0" : "1.0"
    }), avg body ${
      (roundBytes / first.length / 1024).toFixed(0)
    } KiB snappy; ${args.values} values, ${args.timestamps} timestamps` +
    (real
      ? ` (${fromReal} series from ${real.source.source}, ${real.source.from} to ${real.source.to})`
      : "") +
    `; first timestamp ${new Date(t0).toISOString()}, built ${perGroup} rounds at a time`,
);

const rss0 = PID ? statusKiB(PID, "VmRSS") : NaN;
const phases: Phase[] = [newPhase("round 1 (new series)")];
await send(phases[0], first);
report(phases[0]);
if (ROUNDS > 1) {
  const p = newPhase(`rounds 2-${ROUNDS} (existing series)`);
  phases.push(p);
  const span0 = PID ? cpuSeconds(PID) : 0, spanStart = performance.now();
  for (let r = 1; r < ROUNDS;) {
    const group: Uint8Array[] = [];
    for (const end = Math.min(ROUNDS, r + perGroup); r < end; r++) group.push(...buildRound(r));
    await send(p, group);
  }
  report(p);
  if (PID) {
    console.log(
      `rounds 2-${ROUNDS} whole span (send windows + ${buildS.toFixed(1)} s of building): ` +
        `server CPU ${(((cpuSeconds(PID) - span0) * 1e6) / p.samples).toFixed(2)} us/sample over ${
          ((performance.now() - spanStart) / 1000).toFixed(1)
        } s`,
    );
  }
}
for (const c of connections) c.close();
console.log(
  `bodies: ${requests} requests, avg ${(bodyBytes / requests / 1024).toFixed(0)} KiB snappy (${
    (rawBytes / requests / 1024).toFixed(0)
  } KiB raw), built in ${buildS.toFixed(1)} s (untimed)`,
);
const total = phases.reduce((n, p) => n + p.samples, 0);
const failed = phases.reduce((n, p) => n + p.errors, 0) * BATCH;
if (PID) {
  const rss = statusKiB(PID, "VmRSS"), hwm = statusKiB(PID, "VmHWM");
  console.log(
    `server RSS ${(rss / 1024).toFixed(0)} MiB (peak ${(hwm / 1024).toFixed(0)} MiB, ${
      (rss0 / 1024).toFixed(0)
    } MiB before); ${(((rss - rss0) * 1024) / SERIES).toFixed(0)} B growth per active series, ` +
      `${((hwm * 1024) / SERIES).toFixed(0)} B peak RSS per active series`,
  );
}
if (errorBodies.length) console.log("first errors:\n  " + errorBodies.join("\n  "));
if (args.stop) {
  // SIGINT: the server finishes, flushes closed chunks, checkpoints (deleting its WAL), exits.
  const stopStart = performance.now();
  Deno.kill(PID!, "SIGINT");
  while (true) {
    try {
      Deno.statSync(`/proc/${PID}`);
    } catch {
      break;
    }
    if (performance.now() - stopStart > 300_000) throw new Error("server did not stop in 300 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`server stopped in ${((performance.now() - stopStart) / 1000).toFixed(1)} s`);
  const stats = await kvStats(args["kv-path"]!, args.workspace!);
  for (const line of formatKvStats(stats, total - failed)) console.log(line);
}
