/** AMP tagging: TagResource, UntagResource, ListTagsForResource on `/tags/{resourceArn}`. */
import { Hono } from "hono";
import type { Service } from "../../engine/mod.ts";
import { awsError, awsJson, readJsonBody } from "../aws.ts";

/** Routes for `/tags/{resourceArn}` (the ARN arrives percent-encoded as one path segment). */
export function tagRoutes(service: Service): Hono {
  const ws = service.workspaces;
  const app = new Hono();
  app.onError((err, c) => awsError(c, err));

  app.post("/tags/:resourceArn", async (c) => {
    await ws.tagResource(c.req.param("resourceArn"), await readJsonBody(c));
    return awsJson(c, 200, {});
  });

  app.delete("/tags/:resourceArn", async (c) => {
    await ws.untagResource(c.req.param("resourceArn"), c.req.queries("tagKeys") ?? []);
    return awsJson(c, 200, {});
  });

  app.get("/tags/:resourceArn", async (c) => {
    return awsJson(c, 200, { tags: await ws.listTags(c.req.param("resourceArn")) });
  });

  return app;
}
