/**
 * Builds the HTTP application: request ids, structured request logs and self metrics around every
 * request; health, readiness and `/metrics`; then the sub-apps (control plane now, Prometheus API and
 * remote write as they land).
 */
import { Hono } from "hono";
import { type Config, logContext, OPTIONS, type Service } from "../engine/mod.ts";

/** The version reported by status/buildinfo. */
export const VERSION = "0.1.0";

function flagValue(config: Config, flag: string): string {
  const key = flag.replace(/-([a-z])/g, (_m, ch: string) => ch.toUpperCase()) as keyof Config;
  const v = config[key];
  return v === undefined ? "" : String(v);
}
import { controlRoutes } from "./control/mod.ts";
import { promRoutes } from "./prom/mod.ts";
import { remoteWriteRoutes } from "./prom/remote_write.ts";

/** Per-request values set by the middleware. */
export type AppEnv = { Variables: { requestId: string } };

/** Creates the Hono app for `service`. */
export function buildApp(service: Service): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use("*", async (c, next) => {
    const started = performance.now();
    const requestId = crypto.randomUUID();
    c.set("requestId", requestId);
    // Set before the handler, so a response it builds with the context carries it; set again
    // only on a response built without the context (which copies that response).
    c.header("x-amzn-RequestId", requestId);
    await logContext.run({ requestId }, next);
    if (c.res.headers.get("x-amzn-RequestId") !== requestId) {
      c.header("x-amzn-RequestId", requestId);
    }
    const route = c.req.routePath || "unmatched";
    const status = c.res.status;
    const seconds = (performance.now() - started) / 1000;
    service.metrics.httpRequests.inc([route, c.req.method, String(status)]);
    service.metrics.httpDuration.observe(seconds, [route]);
    const fields = { requestId, method: c.req.method, path: c.req.path, route, status, seconds };
    if (status >= 500) service.log.warn("request", fields);
    else if (status >= 400) service.log.info("request", fields);
    else service.log.debug("request", fields);
  });

  app.get("/-/healthy", (c) => c.text("Promenade is Healthy.\n"));
  app.get("/-/ready", (c) => {
    if (service.ready) return c.text("Promenade is Ready.\n");
    return c.text("Service Unavailable\n", 503);
  });
  app.get("/metrics", (c) => {
    return c.body(service.metrics.registry.render(), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    });
  });

  // Everything else waits for recovery: clients get a retryable 503 meanwhile.
  app.use("*", async (c, next) => {
    if (!service.ready) {
      return c.text("Service Unavailable: recovering\n", 503, { "retry-after": "1" });
    }
    return await next();
  });

  app.route("/", remoteWriteRoutes(service));
  app.route(
    "/",
    promRoutes({
      queryApi: service.data.queryApi,
      queryTarget: (id) => service.data.queryTarget(id),
      throttle: (id, cls) => service.data.throttle(id, cls),
      status: {
        version: VERSION,
        startTimeMs: Date.now(),
        flags: Object.fromEntries(OPTIONS.map((o) => [o.flag, flagValue(service.config, o.flag)])),
        retentionFor: (id) => service.data.retentionFor(id),
      },
    }),
  );
  app.route("/", controlRoutes(service));

  app.notFound((c) => c.text("404 page not found\n", 404));
  app.onError((err, c) => {
    service.log.error("unhandled error", { requestId: c.get("requestId"), error: err });
    return c.text("Internal Server Error\n", 500);
  });
  return app;
}
