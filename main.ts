/**
 * Composition root: read config, open KV and the engine, serve HTTP, recover, and shut down
 * gracefully on SIGINT/SIGTERM (stop accepting, finish in-flight requests, close KV).
 */
import { ConfigError, openService, parseConfig, usage } from "./engine/mod.ts";
import { SHUTDOWN_GRACE_MS } from "./engine/limits.ts";
import { buildApp } from "./routes/mod.ts";

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
