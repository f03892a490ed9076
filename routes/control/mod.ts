/** The AMP control plane's HTTP routes. */
import { Hono } from "hono";
import type { Service } from "../../engine/mod.ts";
import { workspaceRoutes } from "./workspaces.ts";
import { tagRoutes } from "./tags.ts";

/** All control-plane routes. */
export function controlRoutes(service: Service): Hono {
  const app = new Hono();
  app.route("/", workspaceRoutes(service));
  app.route("/", tagRoutes(service));
  return app;
}
