/**
 * Remote-write load generator. Builds every request body BEFORE timing (node_exporter-like and
 * HTTP-histogram series, 8-12 labels each, one sample per series per round, `--batch` samples
 * per request), then sends them with `--senders` concurrent senders and prints throughput,
 * latency percentiles and, given the server's pid, its CPU time per sample and RSS.
 *
 *   ./deno run -A bench/ingest.ts --url http://127.0.0.1:9090/api/v1/write \
 *     [--series 100000] [--rounds 6] [--batch 2000] [--senders 4] [--protocol 1|2] \
 *     [--pid <server pid>] [--kv-path <file or dir holding the server's KV>] \
 *     [--values random|realistic] [--header "Name: value"]...
 *
 * `--values random` (the default) sends seeded random values (about 20 bits of entropy each, so
 * about 3.4 bytes per sample in XOR chunks whatever the store does); `realistic` sends counters
 * and gauges shaped like node_exporter and HTTP histogram data (`benchAdvanceValues`).
 * Round 1 creates every series (the slow path); rounds 2.. append to existing series, the
 * steady state the targets are about. Both are reported. Timestamps are `--interval-ms` apart
 * and end near now, so a server enforcing AMP's 1 h sample age accepts them.
 */
import { parseArgs } from "node:util";
import {
  benchAdvanceValues,
  benchLabelSets,
  benchRequestV1,
  benchRequestV2,
  encodeV1,
  encodeV2,
} from "../engine/ingest/payloads.ts";
import { snappyEncode } from "../engine/ingest/snappy.ts";

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
    values: { type: "string", default: "random" },
    pid: { type: "string" },
    "kv-path": { type: "string" },
    header: { type: "string", multiple: true, default: [] },
  },
});

const SERIES = Number(args.series);
const ROUNDS = Number(args.rounds);
const BATCH = Number(args.batch);
const SENDERS = Number(args.senders);
const V2 = args.protocol === "2";
const INTERVAL = Number(args["interval-ms"]);
const PID = args.pid ? Number(args.pid) : undefined;

const headers = new Headers(
  V2
    ? {
      "Content-Type": "application/x-protobuf;proto=io.prometheus.write.v2.Request",
      "Content-Encoding": "snappy",
      "X-Prometheus-Remote-Write-Version": "2.0.0",
    }
    : {
      "Content-Type": "application/x-protobuf",
      "Content-Encoding": "snappy",
      "X-Prometheus-Remote-Write-Version": "0.1.0",
    },
);
for (const h of args.header as string[]) {
  const i = h.indexOf(":");
  headers.set(h.slice(0, i).trim(), h.slice(i + 1).trim());
}

// ---- build all payloads before timing ----
const buildStart = performance.now();
const sets = benchLabelSets(SERIES);
const labelCounts = sets.map((s) => s.length);
const t0 = Math.floor(Date.now() / 1000) * 1000 - (ROUNDS - 1) * INTERVAL - 1000;
const rounds: Uint8Array[][] = [];
let bodyBytes = 0, rawBytes = 0;
if (args.values !== "random" && args.values !== "realistic") {
  throw new Error(`--values must be random or realistic, not ${args.values}`);
}
const state = args.values === "realistic" ? new Float64Array(SERIES) : undefined;
for (let r = 0; r < ROUNDS; r++) {
  const reqs: Uint8Array[] = [];
  if (state) benchAdvanceValues(sets, state, INTERVAL / 1000, r + 1);
  for (let i = 0; i < SERIES; i += BATCH) {
    const chunk = sets.slice(i, i + BATCH);
    const vals = state?.subarray(i, i + BATCH);
    const raw = V2
      ? encodeV2(benchRequestV2(chunk, t0 + r * INTERVAL, r * 1_000_003 + i, vals))
      : encodeV1(benchRequestV1(chunk, t0 + r * INTERVAL, r * 1_000_003 + i, vals));
    const body = snappyEncode(raw);
    rawBytes += raw.length;
    bodyBytes += body.length;
    reqs.push(body);
  }
  rounds.push(reqs);
}
const requests = rounds.reduce((n, r) => n + r.length, 0);
console.log(
  `built ${requests} requests (${ROUNDS} rounds x ${rounds[0].length}) in ${
    ((performance.now() - buildStart) / 1000).toFixed(1)
  } s: ${SERIES} series, labels/series ${Math.min(...labelCounts)}-${Math.max(...labelCounts)}, ` +
    `${BATCH} samples/request, protocol ${V2 ? "2.0" : "1.0"}, ${args.values} values, ` +
    `avg body ${(bodyBytes / requests / 1024).toFixed(0)} KiB snappy (${
      (rawBytes / requests / 1024).toFixed(0)
    } KiB raw)`,
);

// ---- server metrics from /proc ----
const clkTck = await (async () => {
  try {
    const out = await new Deno.Command("getconf", { args: ["CLK_TCK"] }).output();
    return Number(new TextDecoder().decode(out.stdout).trim()) || 100;
  } catch {
    return 100;
  }
})();

function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the command: state is field 3, utime 14, stime 15 (1-based in proc(5)).
  return (Number(f[14 - 3]) + Number(f[15 - 3])) / clkTck;
}

function statusKiB(pid: number, key: string): number {
  const m = Deno.readTextFileSync(`/proc/${pid}/status`).match(
    new RegExp(`^${key}:\\s+(\\d+) kB`, "m"),
  );
  return m ? Number(m[1]) : NaN;
}

function pathBytes(path: string, sidecars = true): number {
  try {
    const st = Deno.statSync(path);
    // A SQLite KV file also holds recent commits in its -wal file.
    if (!st.isDirectory) return st.size + (sidecars ? pathBytes(`${path}-wal`, false) : 0);
    let n = 0;
    for (const e of Deno.readDirSync(path)) n += pathBytes(`${path}/${e.name}`, false);
    return n;
  } catch {
    return 0;
  }
}

// ---- send ----
interface Phase {
  name: string;
  samples: number;
  latenciesMs: number[];
  errors: number;
  wallS: number;
  cpuS: number;
}

const errorBodies: string[] = [];

async function runPhase(name: string, bodies: Uint8Array[]): Promise<Phase> {
  const lat: number[] = [];
  let next = 0, errors = 0;
  const cpu0 = PID ? cpuSeconds(PID) : 0;
  const start = performance.now();
  const sender = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const s = performance.now();
      const res = await fetch(args.url!, {
        method: "POST",
        headers,
        body: body as Uint8Array<ArrayBuffer>,
      });
      const text = await res.text();
      lat.push(performance.now() - s);
      if (res.status < 200 || res.status >= 300) {
        errors++;
        if (errorBodies.length < 5) errorBodies.push(`${res.status} ${text.slice(0, 300)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
  const wallS = (performance.now() - start) / 1000;
  return {
    name,
    samples: bodies.length * BATCH,
    latenciesMs: lat,
    errors,
    wallS,
    cpuS: PID ? cpuSeconds(PID) - cpu0 : NaN,
  };
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
  if (PID) line += `; server CPU ${((p.cpuS * 1e6) / p.samples).toFixed(2)} us/sample`;
  console.log(line);
}

const rss0 = PID ? statusKiB(PID, "VmRSS") : NaN;
const kv0 = args["kv-path"] ? pathBytes(args["kv-path"]) : 0;
const phases: Phase[] = [];
phases.push(await runPhase("round 1 (new series)", rounds[0]));
report(phases[0]);
if (ROUNDS > 1) {
  phases.push(await runPhase(`rounds 2-${ROUNDS} (existing series)`, rounds.slice(1).flat()));
  report(phases[1]);
}
const total = phases.reduce((n, p) => n + p.samples, 0);
if (PID) {
  const rss = statusKiB(PID, "VmRSS"), hwm = statusKiB(PID, "VmHWM");
  console.log(
    `server RSS ${(rss / 1024).toFixed(0)} MiB (peak ${(hwm / 1024).toFixed(0)} MiB, ${
      (rss0 / 1024).toFixed(0)
    } MiB before); ${(((rss - rss0) * 1024) / SERIES).toFixed(0)} B growth per active series, ` +
      `${((hwm * 1024) / SERIES).toFixed(0)} B peak RSS per active series`,
  );
}
if (args["kv-path"]) {
  const grown = pathBytes(args["kv-path"]) - kv0;
  console.log(`stored: ${grown} bytes more on disk = ${(grown / total).toFixed(2)} bytes/sample`);
}
if (errorBodies.length) console.log("first errors:\n  " + errorBodies.join("\n  "));
