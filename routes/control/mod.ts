/** The AMP control plane's HTTP routes. */
import { Hono } from "hono";
import type { Engine } from "../../engine/mod.ts";
import { workspaceRoutes } from "./workspaces.ts";
import { tagRoutes } from "./tags.ts";

/** All control-plane routes. */
export function controlRoutes(engine: Engine): Hono {
  const app = new Hono();
  app.route("/", workspaceRoutes(engine));
  app.route("/", tagRoutes(engine));
  return app;
}
