/**
 * End-to-end ingestion from real remote-write clients into the real server process, each into its
 * own workspace. Debian's `prometheus` scrapes itself plus a test target (OpenMetrics with
 * exemplars, a gauge that disappears so staleness markers are written, a native histogram in the
 * protobuf format); every series, sample, histogram, exemplar and metadata entry it holds is
 * compared with what our store answers, also after our server is killed with SIGKILL and restarted
 * while Prometheus writes (its retries must fill the gap). An HA pair of Prometheus servers is
 * stored once. `vmagent` scrapes a deterministic test target; the stored samples are compared with
 * what the target served and when. All clients sign with SigV4 as for AMP. Configurations are
 * generated per run (free ports). Each test is skipped when its client binary is not installed.
 */
import { assert, assertEquals } from "./assert.ts";
import { freePort } from "./harness.ts";
import { type ServerProcess, startServer } from "./server.ts";

// deno-lint-ignore no-explicit-any -- parsed JSON of any shape
type Json = any;

function which(cmd: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir === "") continue;
    try {
      const p = `${dir}/${cmd}`;
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

const PROMETHEUS = which("prometheus");
const VMAGENT = which("vmagent");
if (!PROMETHEUS) console.log("skipped: prometheus not installed");
if (!VMAGENT) console.log("skipped: vmagent not installed");

/** Our server's environment: the API rate limits raised for polling. */
const SERVER_ENV = { PROMENADE_METADATA_TPS: "1000", PROMENADE_QUERY_TPS: "1000" };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function getJson(url: string): Promise<Json> {
  const r = await fetch(url);
  const text = await r.text();
  if (r.status !== 200) throw new Error(`GET ${url}: ${r.status} ${text}`);
  return JSON.parse(text);
}

/** A child process whose output is kept (last 64 KiB) for failure messages. */
class Child {
  readonly proc: Deno.ChildProcess;
  #log = "";
  #done: Promise<void>[] = [];
  constructor(readonly name: string, cmd: string, args: string[]) {
    this.proc = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", stdin: "null" })
      .spawn();
    for (const s of [this.proc.stdout, this.proc.stderr]) {
      this.#done.push((async () => {
        for await (const chunk of s.pipeThrough(new TextDecoderStream())) {
          this.#log = (this.#log + chunk).slice(-65536);
        }
      })());
    }
  }
  get log(): string {
    return this.#log;
  }
  async kill(): Promise<void> {
    try {
      this.proc.kill("SIGKILL");
    } catch {
      // already exited
    }
    await this.proc.status;
    await Promise.all(this.#done);
  }
}

async function createWorkspace(server: ServerProcess, alias: string): Promise<string> {
  const r = await fetch(`${server.url}/workspaces`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ alias }),
  });
  const body = await r.json();
  assertEquals(r.status, 202, JSON.stringify(body));
  return body.workspaceId;
}

/** Waits until `url` answers 200. */
async function waitReady(url: string, what: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url);
      await r.body?.cancel();
      if (r.status === 200) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${what.name} not ready:\n${what.log}`);
    await sleep(100);
  }
}

/** A matrix result; `values` is absent at run time for a series with only histograms. */
type Matrix = {
  metric: Record<string, string>;
  values: [number, string][];
  histograms?: [number, Json][];
}[];

function seriesKey(m: Record<string, string>): string {
  return JSON.stringify(Object.entries(m).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0));
}

/**
 * A sample value string in one canonical spelling, so that value equality is checked exactly
 * while the API's choice between `1.5e+300` and the digits in full is left to the API's tests.
 * (Prometheus prints e-notation below 1e-6 and from 1e21; see remote_write_http_test.ts.)
 */
function canon(v: string): string {
  if (v === "NaN" || v === "+Inf" || v === "-Inf") return v;
  const n = Number(v);
  if (Number.isNaN(n)) throw new Error(`not a sample value: ${v}`);
  return String(n);
}

/**
 * Native histogram buckets sorted by lower bound. What is checked here is what was stored; the
 * order in which the API lists buckets is the API's concern (and its tests').
 */
function bucketsSorted(h: Json): Json {
  if (!h.buckets) return h;
  const buckets = [...h.buckets].sort((a: Json, b: Json) => Number(a[1]) - Number(b[1]));
  return { ...h, buckets };
}

/** Series key -> float and histogram points. */
function byKey(
  m: Matrix,
): Map<string, { values: [number, string][]; histograms: [number, Json][] }> {
  return new Map(
    m.map((s) => [seriesKey(s.metric), {
      values: (s.values ?? []).map(([t, v]) => [t, canon(v)]),
      histograms: (s.histograms ?? []).map(([t, h]) => [t, bucketsSorted(h)]),
    }]),
  );
}

const points = (p: { values: unknown[]; histograms: unknown[] } | undefined) =>
  p ? p.values.length + p.histograms.length : 0;

async function rangeSelect(base: string, selector: string, timeSec: number): Promise<Matrix> {
  const q = encodeURIComponent(selector);
  const body = await getJson(`${base}/query?query=${q}&time=${timeSec}`);
  assertEquals(body.status, "success");
  assertEquals(body.data.resultType, "matrix");
  return body.data.result;
}

/** Minimal protobuf writer for the exposition format (io.prometheus.client), test use only. */
class Pb {
  bytes: number[] = [];
  varint(n: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(n));
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }
  uint(field: number, n: number): this {
    return this.tag(field, 0).varint(n);
  }
  sint(field: number, n: number): this {
    return this.tag(field, 0).varint(n >= 0 ? 2 * n : -2 * n - 1);
  }
  double(field: number, v: number): this {
    this.tag(field, 1);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.bytes.push(...b);
    return this;
  }
  string(field: number, s: string): this {
    return this.message(field, new Pb().raw(new TextEncoder().encode(s)));
  }
  raw(b: Uint8Array): this {
    this.bytes.push(...b);
    return this;
  }
  message(field: number, m: Pb): this {
    this.tag(field, 2).varint(m.bytes.length);
    this.bytes.push(...m.bytes);
    return this;
  }
}

/**
 * The native histogram served at scrape `n` (schema 0, zero bucket, 3 positive and 1 negative
 * bucket), as one delimited MetricFamily of Prometheus's protobuf exposition format.
 */
function nativeHistogramFamily(n: number): Uint8Array<ArrayBuffer> {
  const h = new Pb()
    .uint(1, 5 * n + 1) // sample_count
    .double(2, 10.5 * n) // sample_sum
    .sint(5, 0) // schema
    .double(6, 0.001) // zero_threshold
    .uint(7, n) // zero_count
    .message(9, new Pb().sint(1, 1).uint(2, 1)) // negative_span {offset 1, length 1}
    .sint(10, 1) // negative_delta: [1]
    .message(12, new Pb().sint(1, 0).uint(2, 3)) // positive_span {offset 0, length 3}
    .sint(13, n).sint(13, n).sint(13, -n); // positive_delta: counts n, 2n, n
  const metric = new Pb()
    .message(1, new Pb().string(1, "le_kind").string(2, "native"))
    .message(7, h);
  const family = new Pb()
    .string(1, "e2e_hist")
    .string(2, "A native histogram.")
    .uint(3, 4) // HISTOGRAM
    .message(4, metric);
  return Uint8Array.from(
    new Pb().varint(family.bytes.length).raw(Uint8Array.from(family.bytes)).bytes,
  );
}

/**
 * A target for Prometheus: `/om` serves OpenMetrics text with a counter carrying an exemplar and a
 * gauge that disappears after the third scrape (so Prometheus writes a staleness marker), `/pb`
 * serves a native histogram in the protobuf format.
 */
function startRichTarget(): { port: number; omScrapes(): number; shutdown(): Promise<void> } {
  let om = 0, pb = 0;
  const port = freePort();
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port, signal: ac.signal, onListen: () => {} },
    (req) => {
      if (new URL(req.url).pathname === "/pb") {
        pb++;
        return new Response(nativeHistogramFamily(pb), {
          headers: {
            "content-type":
              "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
          },
        });
      }
      const n = ++om;
      const lines = [
        "# TYPE e2e_req counter",
        "# HELP e2e_req Requests handled.",
        `e2e_req_total{path="/a"} ${n} # {trace_id="t${n}"} ${n / 4} ${
          (Date.now() / 1000).toFixed(3)
        }`,
      ];
      if (n <= 3) lines.push("# TYPE e2e_vanish gauge", `e2e_vanish ${n * 1.5}`);
      lines.push("# EOF", "");
      return new Response(lines.join("\n"), {
        headers: { "content-type": "application/openmetrics-text; version=1.0.0; charset=utf-8" },
      });
    },
  );
  return {
    port,
    omScrapes: () => om,
    async shutdown() {
      ac.abort();
      await server.finished;
    },
  };
}

Deno.test({
  name:
    "Prometheus remote-writes its scrapes, exemplars, staleness markers and native histograms and the store holds exactly what it holds",
  ignore: !PROMETHEUS,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "promenade-e2e-prom-" });
    let server: ServerProcess | undefined;
    let prom: Child | undefined;
    const target = startRichTarget();
    try {
      server = await startServer(`${tmp}/kv.sqlite`, { env: SERVER_ENV });
      const ws = await createWorkspace(server, "e2e-prometheus");
      const promPort = freePort();
      const promUrl = `http://127.0.0.1:${promPort}`;
      const targetAddr = `127.0.0.1:${target.port}`;
      await Deno.writeTextFile(
        `${tmp}/prometheus.yml`,
        [
          "global:",
          "  scrape_interval: 1s",
          "  evaluation_interval: 1s",
          "scrape_configs:",
          "  - job_name: prometheus",
          "    static_configs:",
          `      - targets: ["127.0.0.1:${promPort}"]`,
          "  - job_name: om",
          "    metrics_path: /om",
          "    static_configs:",
          `      - targets: ["${targetAddr}"]`,
          "  - job_name: pb",
          "    metrics_path: /pb",
          "    static_configs:",
          `      - targets: ["${targetAddr}"]`,
          "remote_write:",
          `  - url: ${server.url}/workspaces/${ws}/api/v1/remote_write`,
          // As AMP users configure it: requests are SigV4-signed (accepted, not verified yet).
          "    sigv4:",
          "      region: us-east-1",
          "      access_key: AKIDEXAMPLE",
          "      secret_key: secret",
          "    send_exemplars: true",
          "    send_native_histograms: true",
          "    queue_config:",
          "      batch_send_deadline: 1s",
          "      max_samples_per_send: 500",
          "      min_backoff: 50ms",
          "      max_backoff: 500ms",
          "    metadata_config:",
          "      send_interval: 1s",
          "",
        ].join("\n"),
      );
      prom = new Child("prometheus", PROMETHEUS!, [
        `--config.file=${tmp}/prometheus.yml`,
        `--storage.tsdb.path=${tmp}/prom-data`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        "--enable-feature=exemplar-storage,native-histograms",
        "--log.level=warn",
      ]);
      await waitReady(`${promUrl}/-/ready`, prom, 20_000);
      const started = Date.now();

      // Prometheus's scrape manager starts scraping a few seconds after start. Wait until the
      // vanishing gauge has been scraped 3 times and then gone for 3 scrapes, then pick a fixed
      // evaluation time in the past.
      const firstScrapes = Date.now() + 20_000;
      while (target.omScrapes() < 6) {
        if (Date.now() > firstScrapes) throw new Error("Prometheus did not scrape the target");
        await sleep(200);
      }
      await sleep(1_000);
      const evalSec = Math.floor(Date.now() / 1000) - 1;
      const ourBase = `${server.url}/workspaces/${ws}/api/v1`;
      const theirBase = `${promUrl}/api/v1`;

      // 1. Every series and sample Prometheus holds for the last minute, floats and histograms.
      const selector = '{job=~".+"}';
      const compareAll = async (atSec: number, range: string) => {
        const theirs = await rangeSelect(theirBase, `${selector}[${range}]`, atSec);
        assert(theirs.length > 100, `Prometheus holds only ${theirs.length} series`);
        const want = byKey(theirs);
        // Remote write lags by up to the batch deadline: wait until ours has caught up.
        let got = byKey([]);
        const deadline = Date.now() + 20_000;
        for (;;) {
          got = byKey(await rangeSelect(ourBase, `${selector}[${range}]`, atSec));
          let complete = got.size >= want.size;
          for (const [k, v] of want) if (points(got.get(k)) < points(v)) complete = false;
          if (complete || Date.now() > deadline) break;
          await sleep(500);
        }
        const missing = [...want.keys()].filter((k) => !got.has(k));
        const extra = [...got.keys()].filter((k) => !want.has(k));
        assertEquals(missing, [], `series missing from our store (of ${want.size})`);
        assertEquals(extra, [], "series in our store that Prometheus does not hold");
        let samples = 0, histograms = 0;
        for (const [k, v] of want) {
          assertEquals(got.get(k), v, `samples of ${k}`);
          samples += v.values.length;
          histograms += v.histograms.length;
        }
        return { want, samples, histograms };
      };
      const { want, samples, histograms } = await compareAll(evalSec, "1m");
      assert(histograms >= 3, `only ${histograms} native histogram samples compared`);

      // The series API agrees with the query.
      const series = await getJson(
        `${ourBase}/series?match[]=${encodeURIComponent(selector)}&start=${
          evalSec - 60
        }&end=${evalSec}`,
      );
      const seriesKeys = new Set(series.data.map(seriesKey));
      for (const k of want.keys()) assert(seriesKeys.has(k), `series API lacks ${k}`);
      // `up` is 1 at every scrape of every target.
      const up = await rangeSelect(ourBase, "up[1m]", evalSec);
      assertEquals(up.map((u) => u.metric.job).sort(), ["om", "pb", "prometheus"]);
      for (const u of up) for (const [, v] of u.values) assertEquals(v, "1");

      // 2. The staleness marker ends the vanished gauge: the same range query answer as Prometheus.
      const range = (base: string, q: string) =>
        getJson(
          `${base}/query_range?query=${encodeURIComponent(q)}&start=${
            evalSec - 30
          }&end=${evalSec}&step=1`,
        );
      for (
        // Queries whose answer did not change between Prometheus 2.42 and today's Prometheus,
        // which our engine follows: not histogram_quantile (2.42 interpolates native buckets
        // linearly, newer versions exponentially) nor rate/increase (the zero-point clamp of
        // the extrapolation moved after the threshold check in later versions).
        const q of [
          "e2e_vanish",
          "e2e_req_total",
          "histogram_count(e2e_hist)",
          "histogram_sum(e2e_hist)",
          'sum by (job) (up{job=~"om|pb"})',
        ]
      ) {
        const theirRange = await range(theirBase, q);
        assert(theirRange.data.result.length > 0, `Prometheus has no result for ${q}`);
        const canonRange = (r: Json) =>
          r.data.result.map((x: Json) => ({
            ...x,
            values: x.values.map(([t, v]: [number, string]) => [t, canon(v)]),
          }));
        assertEquals(canonRange(await range(ourBase, q)), canonRange(theirRange), q);
      }
      const vanish = (await range(ourBase, "e2e_vanish")).data.result[0].values;
      assert(vanish[vanish.length - 1][0] < evalSec - 1, "e2e_vanish did not end");
      const instant = await getJson(`${ourBase}/query?query=e2e_vanish&time=${evalSec}`);
      assertEquals(instant.data.result, []);

      // 3. Exemplars.
      const exq = `query=e2e_req_total&start=${evalSec - 60}&end=${evalSec}`;
      const theirEx = await getJson(`${theirBase}/query_exemplars?${exq}`);
      assert(theirEx.data.length === 1 && theirEx.data[0].exemplars.length >= 3, "no exemplars");
      let ourEx: Json;
      const exDeadline = Date.now() + 10_000;
      for (;;) {
        ourEx = await getJson(`${ourBase}/query_exemplars?${exq}`);
        const n = ourEx.data[0]?.exemplars.length ?? 0;
        if (n >= theirEx.data[0].exemplars.length || Date.now() > exDeadline) break;
        await sleep(500);
      }
      assertEquals(ourEx.data, theirEx.data);

      // 4. Metadata sent by Prometheus's metadata watcher matches what its scrape cache holds.
      for (const metric of ["prometheus_http_requests_total", "e2e_req", "e2e_hist"]) {
        const theirMeta = await getJson(`${promUrl}/api/v1/metadata?metric=${metric}`);
        assert(theirMeta.data[metric], `Prometheus has no metadata for ${metric}`);
        let ourMeta: Json;
        const mdDeadline = Date.now() + 10_000;
        for (;;) {
          ourMeta = await getJson(`${ourBase}/metadata?metric=${metric}`);
          if (ourMeta.data[metric] || Date.now() > mdDeadline) break;
          await sleep(500);
        }
        assertEquals(ourMeta.data[metric], theirMeta.data[metric], metric);
      }
      // 5. Kill -9 our server while Prometheus writes and restart it: Prometheus retries what was
      // not acknowledged, so nothing is missing around the outage.
      const killedAt = Date.now();
      await server.kill();
      await sleep(1_000);
      server = await startServer(`${tmp}/kv.sqlite`, { env: SERVER_ENV, port: server.port });
      const downMs = Date.now() - killedAt;
      await sleep(3_000);
      const afterSec = Math.floor(Date.now() / 1000) - 1;
      const window = afterSec - Math.floor(killedAt / 1000) + 3;
      const outage = await compareAll(afterSec, `${window}s`);
      // Exemplars and metadata written before the kill survived it.
      assertEquals((await getJson(`${ourBase}/query_exemplars?${exq}`)).data, theirEx.data);
      for (const metric of ["prometheus_http_requests_total", "e2e_req", "e2e_hist"]) {
        const theirMeta = await getJson(`${promUrl}/api/v1/metadata?metric=${metric}`);
        const ourMeta = await getJson(`${ourBase}/metadata?metric=${metric}`);
        assertEquals(ourMeta.data[metric], theirMeta.data[metric], `${metric} after the restart`);
      }
      console.log(
        `prometheus: ${want.size} series, ${samples} float and ${histograms} histogram samples, ` +
          `${ourEx.data[0].exemplars.length} exemplars compared; ${
            Date.now() - started
          } ms after Prometheus was ready; after a kill -9 (${downMs} ms down) ` +
          `${outage.samples} samples of the last ${window} s compared`,
      );
    } catch (e) {
      if (prom) console.error(`prometheus log:\n${prom.log}`);
      throw e;
    } finally {
      await prom?.kill();
      await server?.kill();
      await target.shutdown();
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

/** A scrape target with known values; records the time and value of every scrape it serves. */
function startTarget(): {
  port: number;
  served: { atMs: number; n: number }[];
  shutdown(): Promise<void>;
} {
  const served: { atMs: number; n: number }[] = [];
  const port = freePort();
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port, signal: ac.signal, onListen: () => {} },
    () => {
      const n = served.length + 1;
      served.push({ atMs: Date.now(), n });
      const body = [
        "# HELP e2e_scrapes_total Scrapes served by the test target.",
        "# TYPE e2e_scrapes_total counter",
        `e2e_scrapes_total ${n}`,
        "# HELP e2e_gauge A gauge with fixed values.",
        "# TYPE e2e_gauge gauge",
        'e2e_gauge{k="a"} 42.5',
        'e2e_gauge{k="b"} -0.125',
        'e2e_gauge{k="big"} 1.5e+300',
        'e2e_gauge{k="inf"} +Inf',
        ...(n <= 2 ? ["# TYPE e2e_vanish gauge", `e2e_vanish ${n}`] : []),
        "",
      ].join("\n");
      return new Response(body, { headers: { "content-type": "text/plain; version=0.0.4" } });
    },
  );
  return {
    port,
    served,
    async shutdown() {
      ac.abort();
      await server.finished;
    },
  };
}

Deno.test({
  name: "vmagent remote-writes a scraped target and the store holds the values the target served",
  ignore: !VMAGENT,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "promenade-e2e-vmagent-" });
    let server: ServerProcess | undefined;
    let vm: Child | undefined;
    const target = startTarget();
    try {
      server = await startServer(`${tmp}/kv.sqlite`, {
        env: { PROMENADE_METADATA_TPS: "1000", PROMENADE_QUERY_TPS: "1000" },
      });
      const other = await createWorkspace(server, "e2e-untouched");
      const ws = await createWorkspace(server, "e2e-vmagent");
      const instance = `127.0.0.1:${target.port}`;
      await Deno.writeTextFile(
        `${tmp}/scrape.yml`,
        [
          "global:",
          "  scrape_interval: 1s",
          "scrape_configs:",
          "  - job_name: e2e",
          "    static_configs:",
          `      - targets: ["${instance}"]`,
          "",
        ].join("\n"),
      );
      const vmPort = freePort();
      vm = new Child("vmagent", VMAGENT!, [
        `-promscrape.config=${tmp}/scrape.yml`,
        `-remoteWrite.url=${server.url}/workspaces/${ws}/api/v1/remote_write`,
        "-remoteWrite.flushInterval=1s",
        // SigV4-signed as for AMP (accepted, not verified yet).
        "-remoteWrite.aws.useSigv4",
        "-remoteWrite.aws.region=us-east-1",
        "-remoteWrite.aws.accessKey=AKIDEXAMPLE",
        "-remoteWrite.aws.secretKey=secret",
        `-remoteWrite.tmpDataPath=${tmp}/vmagent-data`,
        `-httpListenAddr=127.0.0.1:${vmPort}`,
        "-loggerLevel=WARN",
      ]);
      await waitReady(`http://127.0.0.1:${vmPort}/health`, vm, 20_000);
      const ourBase = `${server.url}/workspaces/${ws}/api/v1`;

      // Wait for at least 4 scrapes to be stored.
      const deadline = Date.now() + 25_000;
      let scrapes: Matrix = [];
      for (;;) {
        const now = Math.ceil(Date.now() / 1000) + 1;
        scrapes = await rangeSelect(ourBase, "e2e_scrapes_total[5m]", now);
        if ((scrapes[0]?.values.length ?? 0) >= 4 || Date.now() > deadline) break;
        await sleep(500);
      }
      assertEquals(scrapes.length, 1, "e2e_scrapes_total not stored");
      assertEquals(scrapes[0].metric, {
        __name__: "e2e_scrapes_total",
        instance,
        job: "e2e",
      });
      const values = scrapes[0].values;
      assert(values.length >= 4, `only ${values.length} scrapes stored`);
      // Each stored value is a scrape the target served, stamped near the moment it was served.
      const seen = new Set<number>();
      for (const [tSec, v] of values) {
        const n = Number(v);
        assert(Number.isInteger(n) && n >= 1 && n <= target.served.length, `value ${v}`);
        assert(!seen.has(n), `scrape ${n} stored twice`);
        seen.add(n);
        const at = target.served[n - 1].atMs;
        assert(Math.abs(tSec * 1000 - at) < 1500, `scrape ${n} stamped ${tSec}, served at ${at}`);
      }
      for (let i = 1; i < values.length; i++) {
        assert(values[i][0] > values[i - 1][0], "timestamps not increasing");
        assert(Number(values[i][1]) > Number(values[i - 1][1]), "counter not increasing");
      }

      // The gauges hold exactly the exposed values at every scrape.
      const lastT = values[values.length - 1][0];
      const gauges = await rangeSelect(ourBase, "e2e_gauge[5m]", lastT);
      const want: Record<string, string> = { a: "42.5", b: "-0.125", big: "1.5e+300", inf: "+Inf" };
      assertEquals(gauges.map((g) => g.metric.k).sort(), Object.keys(want).sort());
      for (const g of gauges) {
        assertEquals(g.metric, { __name__: "e2e_gauge", instance, job: "e2e", k: g.metric.k });
        assert(g.values.length >= values.length - 1, `e2e_gauge{k="${g.metric.k}"} too short`);
        for (const [, v] of g.values) assertEquals(canon(v), canon(want[g.metric.k]));
      }

      // The gauge that vanished after the second scrape: vmagent sends a staleness marker, so
      // an instant query no longer finds it although it is within the lookback window.
      const vanished = await rangeSelect(ourBase, "e2e_vanish[5m]", lastT);
      assertEquals(vanished.length, 1);
      assertEquals(vanished[0].values.map(([, v]) => v), ["1", "2"]);
      const gone = await getJson(`${ourBase}/query?query=e2e_vanish&time=${lastT}`);
      assertEquals(gone.data.result, [], "e2e_vanish is not stale after it vanished");

      // vmagent's own per-target series arrive too, with the target's labels.
      const up = await rangeSelect(ourBase, "up[5m]", lastT);
      assertEquals(up.length, 1);
      assertEquals(up[0].metric, { __name__: "up", instance, job: "e2e" });
      for (const [, v] of up[0].values) assertEquals(v, "1");
      const names = await getJson(`${ourBase}/label/__name__/values`);
      for (const n of ["e2e_gauge", "e2e_scrapes_total", "scrape_duration_seconds", "up"]) {
        assert(names.data.includes(n), `${n} missing from label values ${names.data}`);
      }
      // Nothing leaked into the other workspace or the default one.
      const otherNames = await getJson(`${server.url}/workspaces/${other}/api/v1/labels`);
      assertEquals(otherNames.data, []);
      const defaultSeries = await getJson(`${server.url}/api/v1/series?match[]=up`);
      assertEquals(defaultSeries.data, []);
      console.log(`vmagent: ${values.length} scrapes stored of ${target.served.length} served`);
    } catch (e) {
      if (vm) console.error(`vmagent log:\n${vm.log}`);
      throw e;
    } finally {
      await vm?.kill();
      await server?.kill();
      await target.shutdown();
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "an HA pair of Prometheus servers (cluster, __replica__ external labels) is stored once: only the elected replica's samples, without __replica__",
  ignore: !PROMETHEUS,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "promenade-e2e-ha-" });
    let server: ServerProcess | undefined;
    const proms: Child[] = [];
    const target = startTarget();
    try {
      server = await startServer(`${tmp}/kv.sqlite`, { env: SERVER_ENV });
      const ws = await createWorkspace(server, "e2e-ha");
      const instance = `127.0.0.1:${target.port}`;
      const urls: Record<string, string> = {};
      for (const replica of ["r1", "r2"]) {
        const port = freePort();
        urls[replica] = `http://127.0.0.1:${port}`;
        await Deno.writeTextFile(
          `${tmp}/${replica}.yml`,
          [
            "global:",
            "  scrape_interval: 1s",
            "  external_labels:",
            "    cluster: prod",
            `    __replica__: ${replica}`,
            "scrape_configs:",
            "  - job_name: e2e",
            "    static_configs:",
            `      - targets: ["${instance}"]`,
            "remote_write:",
            `  - url: ${server.url}/workspaces/${ws}/api/v1/remote_write`,
            "    sigv4:",
            "      region: us-east-1",
            "      access_key: AKIDEXAMPLE",
            "      secret_key: secret",
            "    queue_config:",
            "      batch_send_deadline: 1s",
            "",
          ].join("\n"),
        );
        proms.push(
          new Child(`prometheus ${replica}`, PROMETHEUS!, [
            `--config.file=${tmp}/${replica}.yml`,
            `--storage.tsdb.path=${tmp}/${replica}-data`,
            `--web.listen-address=127.0.0.1:${port}`,
            "--log.level=warn",
          ]),
        );
      }
      for (const [i, replica] of ["r1", "r2"].entries()) {
        await waitReady(`${urls[replica]}/-/ready`, proms[i], 20_000);
      }
      // Both replicas scrape the target (at different moments); wait for several scrapes each.
      const until = Date.now() + 25_000;
      while (target.served.length < 10) {
        if (Date.now() > until) throw new Error("the replicas did not scrape the target");
        await sleep(200);
      }
      await sleep(1_500);
      const evalSec = Math.floor(Date.now() / 1000) - 1;
      const ourBase = `${server.url}/workspaces/${ws}/api/v1`;
      const selector = '{job="e2e"}[1m]';
      const theirs: Record<string, ReturnType<typeof byKey>> = {};
      for (const replica of ["r1", "r2"]) {
        theirs[replica] = byKey(await rangeSelect(`${urls[replica]}/api/v1`, selector, evalSec));
        assert(theirs[replica].size >= 5, `${replica} holds too few series`);
      }
      // Ours, with the cluster label (kept) removed to compare with what each replica holds.
      const ours = async () => {
        const m = await rangeSelect(ourBase, selector, evalSec);
        for (const s of m) {
          assertEquals(s.metric.cluster, "prod");
          assert(!("__replica__" in s.metric), "__replica__ was stored");
          delete s.metric.cluster;
        }
        return byKey(m);
      };
      const scrapeKey = seriesKey({ __name__: "e2e_scrapes_total", instance, job: "e2e" });
      let got = await ours();
      let leader = "";
      const deadline = Date.now() + 15_000;
      for (;;) {
        const first = got.get(scrapeKey)?.values[0]?.[0];
        leader = ["r1", "r2"].find((r) =>
          theirs[r].get(scrapeKey)?.values.some(([t]) => t === first)
        ) ??
          "";
        const want = theirs[leader];
        let complete = leader !== "" && got.size === want.size;
        if (complete) {
          for (const [k, v] of want) if (points(got.get(k)) < points(v)) complete = false;
        }
        if (complete || Date.now() > deadline) break;
        await sleep(500);
        got = await ours();
      }
      assert(leader !== "", "no replica's samples stored");
      assertEquals([...got.keys()].sort(), [...theirs[leader].keys()].sort());
      for (const [k, v] of theirs[leader]) assertEquals(got.get(k), v, `samples of ${k}`);
      // The other replica's samples (other timestamps) are nowhere.
      const other = leader === "r1" ? "r2" : "r1";
      const otherTs = new Set(theirs[other].get(scrapeKey)!.values.map(([t]) => t));
      for (const [t] of got.get(scrapeKey)!.values) {
        assert(!otherTs.has(t), `a sample of the non-elected replica ${other} at ${t}`);
      }
      console.log(
        `HA pair: ${leader} elected; ${got.size} series, ${
          got.get(scrapeKey)!.values.length
        } scrapes stored once; ${other}'s ${otherTs.size} scrapes dropped`,
      );
    } catch (e) {
      for (const p of proms) console.error(`${p.name} log:\n${p.log}`);
      throw e;
    } finally {
      for (const p of proms) await p.kill();
      await server?.kill();
      await target.shutdown();
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
