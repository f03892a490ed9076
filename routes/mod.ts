/** Builds the HTTP application from the route sub-apps. */
import { Hono } from "hono";

/** Creates the Hono app. */
export function buildApp(): Hono {
  const app = new Hono();
  app.get("/-/healthy", (c) => c.text("Promenade is Healthy.\n"));
  return app;
}
