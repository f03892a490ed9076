/**
 * The Prometheus HTTP API per workspace, at AMP's paths (`/workspaces/{id}/api/v1/...`) and, for the
 * built-in `default` workspace, at Prometheus's own (`/api/v1/...`), so Grafana, promtool and AMP
 * clients work with a base URL and nothing else. Responses are gzip-compressed when accepted.
 */
import { type Context, Hono } from "hono";
import { compress } from "hono/compress";
import {
  BadDataError,
  MAX_TIME_MS,
  MIN_TIME_MS,
  parseQueryParam,
  type QueryApi,
  type QueryTarget,
} from "../../engine/prom_api.ts";
import { labelsToRecord } from "../../engine/model/mod.ts";
import { formatFloatF } from "../../engine/promql/format_float.ts";
import {
  durationParam,
  Form,
  limitParam,
  matchParam,
  parseDuration,
  parseTime,
  timeParam,
  wrapParam,
} from "./params.ts";
import { failure, metricJson, queryDataJson, success, ts } from "./respond.ts";
import { astJson } from "./ast_json.ts";
import { DEFAULT_WORKSPACE } from "../../engine/mod.ts";

import type { ApiClass } from "../../engine/mod.ts";

/** What the Prometheus API routes need from the service. */
export interface PromApiDeps {
  queryApi: QueryApi;
  /** The workspace's store; throws WorkspaceNotFoundError for unknown or deleting workspaces. */
  queryTarget(workspaceId: string): Promise<QueryTarget>;
  /** Throws QueryThrottledError when the workspace exceeds its request rate for `cls`. */
  throttle(workspaceId: string, cls: ApiClass): void;
  /** Values for status/buildinfo, status/flags, status/runtimeinfo and status/config. */
  status: {
    version: string;
    startTimeMs: number;
    flags: Record<string, string>;
    retentionFor(workspaceId: string): Promise<string>;
  };
}

/** Routes for both path layouts. */
export function promRoutes(deps: PromApiDeps): Hono {
  const app = new Hono();
  app.use("/api/v1/*", compress());
  app.use("/workspaces/:workspaceId/api/v1/*", compress());
  app.route("/api/v1", apiV1(deps, () => DEFAULT_WORKSPACE));
  app.route(
    "/workspaces/:workspaceId/api/v1",
    apiV1(deps, (c) => c.req.param("workspaceId") ?? ""),
  );
  return app;
}

function apiV1(deps: PromApiDeps, wsOf: (c: Context) => string): Hono {
  const api = deps.queryApi;
  const app = new Hono();
  app.onError((err, c) => failure(c, err));

  /** Resolves the workspace, applies its rate limit and reads the form. */
  const begin = async (
    c: Context,
    cls: ApiClass,
  ): Promise<{ target: QueryTarget; form: Form; ws: string }> => {
    const ws = wsOf(c);
    const target = await deps.queryTarget(ws);
    deps.throttle(ws, cls);
    return { target, form: await Form.read(c), ws };
  };

  const query = async (c: Context) => {
    const { target, form } = await begin(c, "query");
    const timeMs = timeParam(form, "time", Date.now());
    const out = await api.instantQuery(target, form.get("query"), timeMs, {
      timeoutMs: durationParam(form, "timeout"),
      lookbackDeltaMs: durationParam(form, "lookback_delta"),
      limit: limitParam(form, "limit", 0),
      signal: c.req.raw.signal,
    });
    return success(c, queryDataJson(out, form.get("stats") !== ""), out.warnings, out.infos);
  };
  app.get("/query", query);
  app.post("/query", query);

  const queryRange = async (c: Context) => {
    const { target, form } = await begin(c, "query");
    const start = wrapParam("start", () => parseTime(form.get("start")));
    const end = wrapParam("end", () => parseTime(form.get("end")));
    if (end < start) {
      throw new BadDataError(
        'invalid parameter "end": end timestamp must not be before start time',
      );
    }
    const step = wrapParam("step", () => parseDuration(form.get("step")));
    const out = await api.rangeQuery(target, form.get("query"), start, end, step, {
      timeoutMs: durationParam(form, "timeout"),
      lookbackDeltaMs: durationParam(form, "lookback_delta"),
      limit: limitParam(form, "limit", 0),
      signal: c.req.raw.signal,
    });
    return success(c, queryDataJson(out, form.get("stats") !== ""), out.warnings, out.infos);
  };
  app.get("/query_range", queryRange);
  app.post("/query_range", queryRange);

  const formatQuery = async (c: Context) => {
    const form = await Form.read(c);
    return success(c, JSON.stringify(api.formatQuery(form.get("query"))));
  };
  app.get("/format_query", formatQuery);
  app.post("/format_query", formatQuery);

  const parseQuery = async (c: Context) => {
    const form = await Form.read(c);
    return success(c, JSON.stringify(astJson(parseQueryParam(form.get("query")))));
  };
  app.get("/parse_query", parseQuery);
  app.post("/parse_query", parseQuery);

  const series = async (c: Context) => {
    const { target, form } = await begin(c, "metadata");
    const matchers = matchParam(form, true);
    const start = timeParam(form, "start", MIN_TIME_MS);
    const end = timeParam(form, "end", MAX_TIME_MS);
    const out = await api.series(target, matchers, start, end, limitParam(form, "limit", 0));
    return success(c, `[${out.series.map(metricJson).join(",")}]`, out.warnings);
  };
  app.get("/series", series);
  app.post("/series", series);

  const labels = async (c: Context) => {
    const { target, form } = await begin(c, "metadata");
    const out = await api.labelNames(
      target,
      matchParam(form, false),
      timeParam(form, "start", MIN_TIME_MS),
      timeParam(form, "end", MAX_TIME_MS),
      limitParam(form, "limit", 0),
    );
    return success(c, JSON.stringify(out.values), out.warnings);
  };
  app.get("/labels", labels);
  app.post("/labels", labels);

  app.get("/label/:name/values", async (c) => {
    const { target, form } = await begin(c, "metadata");
    const name = c.req.param("name");
    if (name === "") throw new BadDataError(`invalid label name: ""`);
    const out = await api.labelValues(
      target,
      name,
      matchParam(form, false),
      timeParam(form, "start", MIN_TIME_MS),
      timeParam(form, "end", MAX_TIME_MS),
      limitParam(form, "limit", 0),
    );
    return success(c, JSON.stringify(out.values), out.warnings);
  });

  app.get("/metadata", async (c) => {
    const { target, form } = await begin(c, "metadata");
    const limit = limitParam(form, "limit", -1, true);
    const perMetric = limitParam(form, "limit_per_metric", -1, true);
    const md = target.metadata(
      form.get("metric") || undefined,
      limit < 0 ? Infinity : limit,
      perMetric < 0 ? Infinity : perMetric,
    );
    return success(c, JSON.stringify(md));
  });

  const exemplars = async (c: Context) => {
    const { target, form } = await begin(c, "query");
    const start = timeParam(form, "start", MIN_TIME_MS);
    const end = timeParam(form, "end", MAX_TIME_MS);
    const out = api.exemplars(target, form.get("query"), start, end);
    const parts = out.map((s) =>
      `{"seriesLabels":${metricJson(s.seriesLabels)},"exemplars":[${
        s.exemplars.map((e) =>
          `{"labels":${JSON.stringify(labelsToRecord(e.labels))},"value":"${
            formatFloatF(e.value)
          }","timestamp":${ts(e.t)}}`
        ).join(",")
      }]}`
    );
    return success(c, `[${parts.join(",")}]`);
  };
  app.get("/query_exemplars", exemplars);
  app.post("/query_exemplars", exemplars);

  app.get("/status/buildinfo", (c) =>
    success(
      c,
      JSON.stringify({
        version: deps.status.version,
        revision: "",
        branch: "",
        buildUser: "",
        buildDate: "",
        goVersion: `deno${Deno.version.deno}`,
      }),
    ));
  app.get("/status/runtimeinfo", async (c) => {
    const ws = wsOf(c);
    await deps.queryTarget(ws);
    const mem = Deno.memoryUsage();
    return success(
      c,
      JSON.stringify({
        startTime: new Date(deps.status.startTimeMs).toISOString(),
        CWD: "/",
        reloadConfigSuccess: true,
        lastConfigTime: new Date(deps.status.startTimeMs).toISOString(),
        corruptionCount: 0,
        goroutineCount: 0,
        GOMAXPROCS: navigator.hardwareConcurrency,
        GOMEMLIMIT: mem.rss,
        GOGC: "",
        GODEBUG: "",
        storageRetention: await deps.status.retentionFor(ws),
      }),
    );
  });
  app.get("/status/flags", (c) => success(c, JSON.stringify(deps.status.flags)));
  app.get("/status/config", (c) => success(c, JSON.stringify({ yaml: "global: {}\n" })));
  app.get("/status/tsdb", async (c) => {
    const { target, form } = await begin(c, "metadata");
    const limit = limitParam(form, "limit", 10);
    if (limit < 1) throw new BadDataError("limit must be a positive number");
    const s = target.stats(limit);
    return success(
      c,
      JSON.stringify({
        headStats: {
          numSeries: s.numSeries,
          numLabelPairs: s.numLabelPairs,
          chunkCount: s.chunkCount,
          minTime: s.minTime,
          maxTime: s.maxTime,
        },
        seriesCountByMetricName: s.seriesCountByMetricName,
        labelValueCountByLabelName: s.labelValueCountByLabelName,
        memoryInBytesByLabelName: s.memoryInBytesByLabelName,
        seriesCountByLabelValuePair: s.seriesCountByLabelValuePair,
      }),
    );
  });
  app.get("/targets", async (c) => {
    await deps.queryTarget(wsOf(c));
    return success(
      c,
      JSON.stringify({ activeTargets: [], droppedTargets: [], droppedTargetCounts: {} }),
    );
  });
  app.get("/alertmanagers", async (c) => {
    await deps.queryTarget(wsOf(c));
    return success(c, JSON.stringify({ activeAlertmanagers: [], droppedAlertmanagers: [] }));
  });
  app.notFound((c) => c.text("404 page not found\n", 404));
  return app;
}
