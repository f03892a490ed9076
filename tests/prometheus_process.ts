/** Starts Debian's `prometheus` as a remote-write receiver on a free loopback port (tests, benchmarks). */
import { freePort } from "./harness.ts";

/** A running Prometheus; `stop()` sends SIGTERM and waits. */
export interface PrometheusProcess {
  url: string;
  stop(): Promise<void>;
}

/**
 * Runs `prometheus` with its TSDB in `dir`, no scrape jobs and the remote-write receiver on;
 * resolves once `/-/ready` answers 200. `features` become `--enable-feature=` flags.
 */
export async function startPrometheus(
  dir: string,
  features: string[] = [],
): Promise<PrometheusProcess> {
  const port = freePort();
  await Deno.writeTextFile(`${dir}/prometheus.yml`, "global:\n  scrape_interval: 1m\n");
  const child = new Deno.Command("prometheus", {
    args: [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--web.enable-remote-write-receiver",
      ...features.map((f) => `--enable-feature=${f}`),
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
  };
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`${url}/-/ready`);
      await r.body?.cancel();
      if (r.status === 200) return { url, stop };
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error("prometheus did not become ready");
}
