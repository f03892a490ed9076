/** Composition root: config, open KV, build engine and app, serve, shutdown. */
import { buildApp } from "./routes/mod.ts";

if (import.meta.main) {
  const app = buildApp();
  Deno.serve({ hostname: "127.0.0.1", port: 9009 }, app.fetch);
}
