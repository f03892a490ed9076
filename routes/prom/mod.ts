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
import { formatFloatF } from "../../engine/model/go_format.ts";
import {
  atoi,
  decodeLabelName,
  durationParam,
  Form,
  limitParam,
  matchParam,
  metadataLimitParam,
  parseDuration,
  parseTime,
  timeParam,
  wrapParam,
} from "./params.ts";
import { failure, metricJson, queryDataJson, statsWarnings, success, ts } from "./respond.ts";
import { astToJson } from "../../engine/promql/parser/mod.ts";
import { DEFAULT_WORKSPACE } from "../../engine/mod.ts";

import type { ApiClass } from "../../engine/mod.ts";

/** Prometheus's largest `limit` for `status/tsdb`. */
const TSDB_STATUS_LIMIT_MAX = 10_000;

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

/** AMP's query samples processed thresholds: a non-negative integer, 0 (or absent) for none. */
function thresholdParam(form: Form, name: string): number {
  const s = form.get(name);
  if (s === "") return 0;
  return wrapParam(name, () => {
    const n = atoi(s);
    if (n < 0) throw new RangeError(`${name} must be non-negative`);
    return n;
  });
}

/** `t` rounded down to a multiple of `step` (both ms). */
export function alignToStep(t: number, step: number): number {
  return Math.floor(t / step) * step;
}

/** Routes for both path layouts. */
export function promRoutes(deps: PromApiDeps): Hono {
  const app = new Hono();
  // Like Prometheus's compression handler: gzip or deflate as accepted, whatever the size.
  app.use("/api/v1/*", compress({ threshold: 0 }));
  app.use("/workspaces/:workspaceId/api/v1/*", compress({ threshold: 0 }));
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

  /** timeout and lookback_delta, checked in Prometheus's order after the times. */
  const queryOptions = (c: Context, form: Form) => {
    const timeoutMs = durationParam(form, "timeout");
    let lookbackDeltaMs: number | undefined;
    const lb = form.get("lookback_delta");
    if (lb !== "") {
      try {
        lookbackDeltaMs = parseDuration(lb);
      } catch (e) {
        throw new BadDataError(`error parsing lookback delta duration: ${(e as Error).message}`);
      }
    }
    return {
      timeoutMs,
      lookbackDeltaMs,
      samplesWarningThreshold: thresholdParam(form, "max_samples_processed_warning_threshold"),
      samplesErrorThreshold: thresholdParam(form, "max_samples_processed_error_threshold"),
      signal: c.req.raw.signal,
      // Per-step sample counts cost a pass over every window: only when `stats` asks.
      stats: form.get("stats") !== "",
    };
  };

  const query = async (c: Context) => {
    const { target, form } = await begin(c, "query");
    const limit = limitParam(form);
    const timeMs = timeParam(form, "time", Date.now());
    const out = await api.instantQuery(target, form.get("query"), timeMs, {
      ...queryOptions(c, form),
      limit,
    });
    const stats = form.get("stats");
    return success(c, queryDataJson(out, stats), statsWarnings(out.warnings, stats), out.infos);
  };
  app.get("/query", query);
  app.post("/query", query);

  const queryRange = async (c: Context) => {
    const { target, form } = await begin(c, "query");
    const limit = limitParam(form);
    const start = wrapParam("start", () => parseTime(form.get("start")));
    const end = wrapParam("end", () => parseTime(form.get("end")));
    if (end < start) {
      throw new BadDataError(
        'invalid parameter "end": end timestamp must not be before start time',
      );
    }
    const step = wrapParam("step", () => parseDuration(form.get("step")));
    if (step <= 0) {
      throw new BadDataError(
        'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
      );
    }
    if (Math.floor((end - start) / step) > api.limits.pointsPerSeriesMax) {
      throw new BadDataError(
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
      );
    }
    // AMP's query frontend aligns start and end down to multiples of the step (Cortex's step
    // alignment), so results and per-step stats sit on the step grid.
    const out = await api.rangeQuery(
      target,
      form.get("query"),
      alignToStep(start, step),
      alignToStep(end, step),
      step,
      {
        ...queryOptions(c, form),
        limit,
      },
    );
    const stats = form.get("stats");
    return success(c, queryDataJson(out, stats), statsWarnings(out.warnings, stats), out.infos);
  };
  app.get("/query_range", queryRange);
  app.post("/query_range", queryRange);

  /** Resolves the workspace only (404 when unknown); for endpoints AMP does not throttle. */
  const known = async (c: Context): Promise<Form> => {
    await deps.queryTarget(wsOf(c));
    return await Form.read(c);
  };

  const formatQuery = async (c: Context) => {
    const form = await known(c);
    return success(c, JSON.stringify(api.formatQuery(form.get("query"))));
  };
  app.get("/format_query", formatQuery);
  app.post("/format_query", formatQuery);

  const parseQuery = async (c: Context) => {
    const form = await known(c);
    return success(c, JSON.stringify(astToJson(parseQueryParam(form.get("query")))));
  };
  app.get("/parse_query", parseQuery);
  app.post("/parse_query", parseQuery);

  const series = async (c: Context) => {
    const { target, form } = await begin(c, "metadata");
    if (form.all("match[]").length === 0) throw new BadDataError("no match[] parameter provided");
    const limit = limitParam(form);
    const start = timeParam(form, "start", MIN_TIME_MS);
    const end = timeParam(form, "end", MAX_TIME_MS);
    const matchers = wrapParam("match[]", () => matchParam(form));
    const out = await api.series(target, matchers, start, end, limit);
    return success(c, `[${out.series.map(metricJson).join(",")}]`, out.warnings);
  };
  app.get("/series", series);
  app.post("/series", series);

  const labels = async (c: Context) => {
    const { target, form } = await begin(c, "metadata");
    const limit = limitParam(form);
    const start = timeParam(form, "start", MIN_TIME_MS);
    const end = timeParam(form, "end", MAX_TIME_MS);
    const out = await api.labelNames(target, matchParam(form), start, end, limit);
    return success(c, JSON.stringify(out.values), out.warnings);
  };
  app.get("/labels", labels);
  app.post("/labels", labels);

  app.get("/label/:name/values", async (c) => {
    const { target, form } = await begin(c, "metadata");
    const name = decodeLabelName(c.req.param("name"));
    const limit = limitParam(form);
    const start = timeParam(form, "start", MIN_TIME_MS);
    const end = timeParam(form, "end", MAX_TIME_MS);
    const out = await api.labelValues(target, name, matchParam(form), start, end, limit);
    return success(c, JSON.stringify(out.values), out.warnings);
  });

  app.get("/metadata", async (c) => {
    const { target, form } = await begin(c, "metadata");
    const limit = metadataLimitParam(form, "limit");
    const perMetric = metadataLimitParam(form, "limit_per_metric");
    const md = target.metadata(
      form.get("metric") || undefined,
      limit < 0 ? Infinity : limit,
      perMetric <= 0 ? Infinity : perMetric,
    );
    return success(c, JSON.stringify(md));
  });

  const exemplars = async (c: Context) => {
    const { target, form } = await begin(c, "query");
    const start = timeParam(form, "start", MIN_TIME_MS);
    const end = timeParam(form, "end", MAX_TIME_MS);
    const out = api.exemplars(target, form.get("query"), start, end);
    // Prometheus answers `null` data when the query has no selectors (e.g. `1`).
    if (out === null) return success(c, "null");
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

  app.get("/status/buildinfo", async (c) => {
    await deps.queryTarget(wsOf(c));
    return success(
      c,
      JSON.stringify({
        version: deps.status.version,
        revision: "",
        branch: "",
        buildUser: "",
        buildDate: "",
        goVersion: `deno${Deno.version.deno}`,
      }),
    );
  });
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
  app.get("/status/flags", async (c) => {
    await deps.queryTarget(wsOf(c));
    return success(c, JSON.stringify(deps.status.flags));
  });
  app.get("/status/config", async (c) => {
    await deps.queryTarget(wsOf(c));
    return success(c, JSON.stringify({ yaml: "global: {}\n" }));
  });
  app.get("/status/tsdb", async (c) => {
    const { target, form } = await begin(c, "metadata");
    let limit = 10;
    if (form.get("limit") !== "") {
      limit = NaN;
      try {
        limit = atoi(form.get("limit"));
      } catch { /* reported below */ }
      if (!(limit >= 1)) throw new BadDataError("limit must be a positive number");
      if (limit > TSDB_STATUS_LIMIT_MAX) {
        throw new BadDataError(`limit must not exceed ${TSDB_STATUS_LIMIT_MAX}`);
      }
    }
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
