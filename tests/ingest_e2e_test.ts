/**
 * End-to-end ingestion from real remote-write clients into the real server process: Debian's
 * `prometheus` (scraping itself) and `vmagent` (scraping a deterministic target served by the
 * test) each write into their own workspace; the stored series and samples are compared with what
 * the client itself holds (Prometheus's own query API) or what the target served.
 * Skipped when the client binary is not installed.
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

type Matrix = { metric: Record<string, string>; values: [number, string][] }[];

function seriesKey(m: Record<string, string>): string {
  return JSON.stringify(Object.entries(m).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0));
}

function byKey(m: Matrix): Map<string, [number, string][]> {
  return new Map(m.map((s) => [seriesKey(s.metric), s.values]));
}

async function rangeSelect(base: string, selector: string, timeSec: number): Promise<Matrix> {
  const q = encodeURIComponent(selector);
  const body = await getJson(`${base}/query?query=${q}&time=${timeSec}`);
  assertEquals(body.status, "success");
  assertEquals(body.data.resultType, "matrix");
  return body.data.result;
}

Deno.test({
  name: "Prometheus remote-writes its own scrapes and the store holds exactly its samples",
  ignore: !PROMETHEUS,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "promenade-e2e-prom-" });
    let server: ServerProcess | undefined;
    let prom: Child | undefined;
    try {
      server = await startServer(`${tmp}/kv.sqlite`, {
        env: { PROMENADE_METADATA_TPS: "1000", PROMENADE_QUERY_TPS: "1000" },
      });
      const ws = await createWorkspace(server, "e2e-prometheus");
      const promPort = freePort();
      const promUrl = `http://127.0.0.1:${promPort}`;
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
          "remote_write:",
          `  - url: ${server.url}/workspaces/${ws}/api/v1/remote_write`,
          "    queue_config:",
          "      batch_send_deadline: 1s",
          "      max_samples_per_send: 500",
          "    metadata_config:",
          "      send_interval: 1s",
          "",
        ].join("\n"),
      );
      prom = new Child("prometheus", PROMETHEUS!, [
        `--config.file=${tmp}/prometheus.yml`,
        `--storage.tsdb.path=${tmp}/prom-data`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        "--log.level=warn",
      ]);
      await waitReady(`${promUrl}/-/ready`, prom, 20_000);
      const started = Date.now();

      // Prometheus's scrape manager starts scraping a few seconds after start; wait for the first
      // scrape, let a few more happen, then pick a fixed evaluation time in the past.
      const firstScrape = Date.now() + 15_000;
      for (;;) {
        const up = await getJson(`${promUrl}/api/v1/query?query=up`);
        if (up.data.result.length > 0) break;
        if (Date.now() > firstScrape) throw new Error("Prometheus did not scrape itself");
        await sleep(200);
      }
      await sleep(4_000);
      const evalSec = Math.floor(Date.now() / 1000) - 1;
      const selector = '{job="prometheus"}';
      const theirs = await rangeSelect(`${promUrl}/api/v1`, `${selector}[1m]`, evalSec);
      assert(theirs.length > 100, `Prometheus holds only ${theirs.length} series`);
      const want = byKey(theirs);

      // Remote write lags by up to the batch deadline: wait until ours has caught up.
      const ourBase = `${server.url}/workspaces/${ws}/api/v1`;
      let got = new Map<string, [number, string][]>();
      const deadline = Date.now() + 20_000;
      for (;;) {
        got = byKey(await rangeSelect(ourBase, `${selector}[1m]`, evalSec));
        let complete = got.size >= want.size;
        for (const [k, v] of want) {
          if ((got.get(k)?.length ?? 0) < v.length) complete = false;
        }
        if (complete || Date.now() > deadline) break;
        await sleep(500);
      }
      // Every sample Prometheus holds is stored exactly (labels, timestamp, value), nothing else.
      const missing = [...want.keys()].filter((k) => !got.has(k));
      const extra = [...got.keys()].filter((k) => !want.has(k));
      assertEquals(missing, [], `series missing from our store (of ${want.size})`);
      assertEquals(extra, [], "series in our store that Prometheus does not hold");
      let samples = 0;
      for (const [k, v] of want) {
        assertEquals(got.get(k), v, `samples of ${k}`);
        samples += v.length;
      }

      // The series API agrees with the query.
      const series = await getJson(
        `${ourBase}/series?match[]=${encodeURIComponent(selector)}&start=${
          evalSec - 60
        }&end=${evalSec}`,
      );
      const seriesKeys = new Set(series.data.map(seriesKey));
      for (const k of want.keys()) assert(seriesKeys.has(k), `series API lacks ${k}`);

      // A few metrics checked by value: `up` is 1 at every scrape.
      const up = got.get(
        seriesKey({ __name__: "up", instance: `127.0.0.1:${promPort}`, job: "prometheus" }),
      );
      assert(up && up.length >= 3, "up has too few samples");
      for (const [, v] of up) assertEquals(v, "1");

      // Metadata sent by Prometheus's metadata watcher matches what its scrape cache holds.
      const metric = "prometheus_http_requests_total";
      const theirMeta = await getJson(`${promUrl}/api/v1/metadata?metric=${metric}`);
      assert(theirMeta.data[metric], `Prometheus has no metadata for ${metric}`);
      let ourMeta: Json;
      const mdDeadline = Date.now() + 10_000;
      for (;;) {
        ourMeta = await getJson(`${ourBase}/metadata?metric=${metric}`);
        if (ourMeta.data[metric] || Date.now() > mdDeadline) break;
        await sleep(500);
      }
      assertEquals(ourMeta.data[metric], theirMeta.data[metric]);
      console.log(
        `prometheus: ${want.size} series, ${samples} samples compared; ${
          Date.now() - started
        } ms after Prometheus was ready`,
      );
    } catch (e) {
      if (prom) console.error(`prometheus log:\n${prom.log}`);
      throw e;
    } finally {
      await prom?.kill();
      await server?.kill();
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
      // Prometheus's API prints floats with strconv 'f' format: 1.5e+300 in full.
      const want: Record<string, string> = {
        a: "42.5",
        b: "-0.125",
        big: "15" + "0".repeat(299),
        inf: "+Inf",
      };
      assertEquals(gauges.map((g) => g.metric.k).sort(), Object.keys(want).sort());
      for (const g of gauges) {
        assertEquals(g.metric, { __name__: "e2e_gauge", instance, job: "e2e", k: g.metric.k });
        assert(g.values.length >= values.length - 1, `e2e_gauge{k="${g.metric.k}"} too short`);
        for (const [, v] of g.values) assertEquals(v, want[g.metric.k]);
      }

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
