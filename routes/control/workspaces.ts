/** AMP workspace operations: Create/Describe/List/UpdateAlias/Delete and the workspace configuration. */
import { Hono } from "hono";
import type { Service, WorkspaceConfigRecord, WorkspaceRecord } from "../../engine/mod.ts";
import { awsError, awsJson, baseUrl, readJsonBody } from "../aws.ts";

/** Routes for `/workspaces...` control-plane operations. */
export function workspaceRoutes(service: Service): Hono {
  const ws = service.workspaces;
  const app = new Hono();
  app.onError((err, c) => awsError(c, err));

  app.post("/workspaces", async (c) => {
    const rec = await ws.create(await readJsonBody(c));
    const out: Record<string, unknown> = {
      workspaceId: rec.workspaceId,
      arn: rec.arn,
      status: { statusCode: rec.status },
      tags: rec.tags,
    };
    if (rec.kmsKeyArn) out.kmsKeyArn = rec.kmsKeyArn;
    return awsJson(c, 202, out);
  });

  app.get("/workspaces", async (c) => {
    const { workspaces, nextToken } = await ws.list({
      alias: c.req.query("alias"),
      maxResults: c.req.query("maxResults"),
      nextToken: c.req.query("nextToken"),
    });
    const out: Record<string, unknown> = { workspaces: workspaces.map(summary) };
    if (nextToken) out.nextToken = nextToken;
    return awsJson(c, 200, out);
  });

  app.get("/workspaces/:workspaceId", async (c) => {
    const rec = await ws.describe(c.req.param("workspaceId"));
    const endpoint = `${baseUrl(c, service.config.publicUrl)}/workspaces/${rec.workspaceId}/`;
    return awsJson(c, 200, { workspace: { ...summary(rec), prometheusEndpoint: endpoint } });
  });

  app.post("/workspaces/:workspaceId/alias", async (c) => {
    await ws.updateAlias(c.req.param("workspaceId"), await readJsonBody(c));
    return awsJson(c, 204);
  });

  app.delete("/workspaces/:workspaceId", async (c) => {
    await ws.delete(c.req.param("workspaceId"), { clientToken: c.req.query("clientToken") });
    return awsJson(c, 202);
  });

  app.get("/workspaces/:workspaceId/configuration", async (c) => {
    const cfg = await ws.describeConfiguration(c.req.param("workspaceId"));
    return awsJson(c, 200, { workspaceConfiguration: configDescription(cfg) });
  });

  app.patch("/workspaces/:workspaceId/configuration", async (c) => {
    const statusCode = await ws.updateConfiguration(
      c.req.param("workspaceId"),
      await readJsonBody(c),
    );
    return awsJson(c, 202, { status: { statusCode } });
  });

  return app;
}

function summary(rec: WorkspaceRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    workspaceId: rec.workspaceId,
    arn: rec.arn,
    status: { statusCode: rec.status },
    createdAt: rec.createdAt,
    tags: rec.tags,
  };
  if (rec.alias !== undefined) out.alias = rec.alias;
  if (rec.kmsKeyArn !== undefined) out.kmsKeyArn = rec.kmsKeyArn;
  return out;
}

function configDescription(cfg: WorkspaceConfigRecord): Record<string, unknown> {
  return {
    status: { statusCode: cfg.statusCode },
    limitsPerLabelSet: cfg.limitsPerLabelSet,
    retentionPeriodInDays: cfg.retentionPeriodInDays,
  };
}
