/**
 * Composition root: read config, open KV and the engine, serve HTTP, recover, and shut down
 * gracefully on SIGINT/SIGTERM (stop accepting, finish in-flight requests, close KV).
 */
import { ConfigError, openService, parseConfig, type Service, usage } from "./engine/mod.ts";
import { SHUTDOWN_GRACE_MS } from "./engine/limits.ts";
import { buildApp } from "./routes/mod.ts";

/** The running service, once opened; the schedules below act on it. */
let running: Service | undefined;

// Schedules are registered at module top level, as Deno Deploy requires (facts/runtime.md section 7).
// Deno.cron never overlaps runs of the same job, so a slow pass delays the next instead of piling up.
if (import.meta.main) {
  Deno.cron("promenade-maintenance", "* * * * *", async () => {
    if (running?.ready) await running.data.maintain();
  });
  Deno.cron("promenade-retention", "17 * * * *", async () => {
    if (running?.ready) await running.data.applyRetention();
  });
}

async function main(): Promise<void> {
  if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
    console.log(usage());
    return;
  }
  let config;
  try {
    config = parseConfig(Deno.args, Deno.env.toObject());
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`promenade: ${e.message}\n\n${usage()}`);
      Deno.exit(2);
    }
    throw e;
  }
  const service = await openService(config);
  running = service;
  const app = buildApp(service);
  const server = Deno.serve({
    hostname: config.listenHost,
    port: config.listenPort,
    onListen: ({ hostname, port }) =>
      service.log.info("listening", { address: `${hostname}:${port}` }),
  }, app.fetch);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    service.log.info("shutting down", { signal });
    const timer = setTimeout(() => {
      service.log.error("shutdown grace period exceeded; exiting");
      Deno.exit(1);
    }, SHUTDOWN_GRACE_MS);
    await server.shutdown();
    await service.close();
    clearTimeout(timer);
    service.log.info("stopped");
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));

  await service.recover();
  await server.finished;
}

if (import.meta.main) await main();
