/**
 * End to end with Debian's `promtool`: the real server, a workspace created through the AMP API,
 * data written with remote write, then `promtool query instant|range|series|labels` against the
 * workspace's base URL, checking what promtool prints.
 */
import { assertEquals } from "./assert.ts";
import { hasCommand } from "./harness.ts";
import { startServer } from "./server.ts";
import { encodeWrite, RW1_HEADERS, type TestSeries } from "./rw_client.ts";

const installed = await hasCommand("promtool", ["--version"]);
if (!installed) console.log("skipped: promtool not installed");

const T0 = 1_700_000_000_000;

async function promtool(args: string[]): Promise<string> {
  const out = await new Deno.Command("promtool", { args, stdout: "piped", stderr: "piped" })
    .output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`promtool ${args.join(" ")} failed: ${stderr}${stdout}`);
  return stdout;
}

async function createWorkspace(url: string): Promise<string> {
  const res = await fetch(`${url}/workspaces`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ alias: "promtool" }),
  });
  assertEquals(res.status, 202);
  const id = (await res.json()).workspaceId as string;
  for (let i = 0; i < 100; i++) {
    const d = await (await fetch(`${url}/workspaces/${id}`)).json();
    if (d.workspace.status.statusCode === "ACTIVE") return id;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`workspace ${id} did not become ACTIVE`);
}

Deno.test({
  name: "promtool queries a workspace: instant, range, series and label values",
  ignore: !installed,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "promtool_test_" });
    const server = await startServer(`${dir}/kv.sqlite`, {
      env: { PROMENADE_SAMPLE_AGE_MAX: "0" },
    });
    try {
      const ws = await createWorkspace(server.url);
      const series: TestSeries[] = [];
      for (const [instance, mult] of [["a", 1], ["b", 2]] as const) {
        const samples: [number, number][] = [];
        for (let k = 0; k < 20; k++) samples.push([T0 + k * 15_000, k * mult]);
        series.push({ labels: { __name__: "jobs_done_total", job: "batch", instance }, samples });
      }
      series.push({ labels: { __name__: "queue_depth", job: "batch" }, samples: [[T0, 7]] });
      const w = await fetch(`${server.url}/workspaces/${ws}/api/v1/remote_write`, {
        method: "POST",
        headers: RW1_HEADERS,
        body: encodeWrite(series) as Uint8Array<ArrayBuffer>,
      });
      assertEquals(w.status, 200, await w.text());
      const base = `http://127.0.0.1:${server.port}/workspaces/${ws}`;

      const instant = await promtool([
        "query",
        "instant",
        "--time=1700000120.5",
        base,
        "jobs_done_total",
      ]);
      assertEquals(
        instant,
        'jobs_done_total{instance="a", job="batch"} => 8 @[1700000120.5]\n' +
          'jobs_done_total{instance="b", job="batch"} => 16 @[1700000120.5]\n',
      );

      const sum = await promtool([
        "query",
        "instant",
        "--time=2023-11-14T22:15:00Z",
        base,
        "sum by (job) (jobs_done_total)",
      ]);
      assertEquals(sum, '{job="batch"} => 18 @[1700000100]\n');

      const range = await promtool([
        "query",
        "range",
        "--start=1700000030",
        "--end=1700000060",
        "--step=10s",
        base,
        'jobs_done_total{instance="b"}',
      ]);
      assertEquals(
        range,
        'jobs_done_total{instance="b", job="batch"} =>\n' +
          "4 @[1700000030]\n4 @[1700000040]\n6 @[1700000050]\n8 @[1700000060]\n",
      );

      const seriesOut = await promtool([
        "query",
        "series",
        "--match=jobs_done_total",
        "--match=queue_depth",
        "--start=1700000000",
        "--end=2023-11-14T23:00:00Z",
        base,
      ]);
      assertEquals(
        seriesOut,
        '{__name__="jobs_done_total", instance="a", job="batch"}\n' +
          '{__name__="jobs_done_total", instance="b", job="batch"}\n' +
          '{__name__="queue_depth", job="batch"}\n',
      );

      const labels = await promtool([
        "query",
        "labels",
        "--start=1700000000",
        "--end=1700003600",
        base,
        "instance",
      ]);
      assertEquals(labels, "a\nb\n");
      const names = await promtool([
        "query",
        "labels",
        "--match=queue_depth",
        "--start=1700000000",
        "--end=1700003600",
        base,
        "__name__",
      ]);
      assertEquals(names, "queue_depth\n");

      // Without a range, series and labels look back 95 days (AMP's limit): this data is older.
      const recent = await promtool(["query", "labels", base, "instance"]);
      assertEquals(recent, "");
      // The default workspace answers on Prometheus's own paths; it holds none of this data.
      const other = await promtool([
        "query",
        "labels",
        "--start=1700000000",
        "--end=1700003600",
        server.url,
        "instance",
      ]);
      assertEquals(other, "");
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
