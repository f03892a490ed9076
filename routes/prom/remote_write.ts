/**
 * Remote write 1.0 and 2.0 into a workspace: `POST /workspaces/{id}/api/v1/remote_write` (AMP) and
 * `POST /api/v1/write` (Prometheus, the built-in default workspace). The answer is 2xx only after
 * the samples are committed to KV; a rejected request changes nothing.
 */
import { type Context, Hono } from "hono";
import { DEFAULT_WORKSPACE, type Service, WorkspaceNotFoundError } from "../../engine/mod.ts";
import { QueryThrottledError } from "../../engine/prom_api.ts";
import {
  BodyTooLargeError,
  DEFAULT_INGEST_LIMITS,
  IngestError,
  negotiateRemoteWrite,
  ProtobufDecodeError,
  SnappyDecodeError,
  UnsupportedMediaTypeError,
  writtenHeaders,
} from "../../engine/ingest/mod.ts";
import { StorageClosedError, StorageWriteError } from "../../engine/storage/mod.ts";

/** Remote-write routes. */
export function remoteWriteRoutes(service: Service): Hono {
  const app = new Hono();
  const limit = DEFAULT_INGEST_LIMITS.requestBytesMax;

  const handle = async (c: Context, workspaceId: string, okStatus: 200 | 204) => {
    let v2 = false;
    try {
      const target = await service.data.ingestTarget(workspaceId);
      // AMP's per-workspace request rate (3,000 TPS), checked before the body is read.
      service.data.throttle(workspaceId, "remote_write");
      const body = await readBody(c, limit);
      const prepared = target.ingest.prepare(body, c.req.raw.headers);
      v2 = prepared.version === "2.0";
      if (prepared.kind === "deduped") {
        service.metrics.dedupedSamples.inc([], prepared.counts.samples);
        // Cortex answers with http.Error, which ends the text with a newline.
        return c.text(
          prepared.message + "\n",
          prepared.status,
          v2 ? writtenHeaders(prepared.counts) : {},
        );
      }
      const res = await target.storage.append(prepared.request);
      service.metrics.ingestedSamples.inc([], res.samples + res.histograms);
      return c.body(null, okStatus, v2 ? writtenHeaders(res) : {});
    } catch (e) {
      // Prometheus sets the 2.0 written counts on every answer to a decoded 2.0 request, so a
      // request rejected after decoding (validation, limits) says it wrote nothing.
      if (!v2 && e instanceof IngestError && !decodeFailure(e)) {
        v2 = negotiatedV2(c.req.raw.headers);
      }
      const zero = v2 ? writtenHeaders({ samples: 0, histograms: 0, exemplars: 0 }) : {};
      if (e instanceof IngestError || e instanceof StorageWriteError) {
        service.metrics.rejectedWrites.inc([e.reason || String(e.status)]);
        const headers: Record<string, string> = { ...zero };
        const retry = (e as { retryAfterSeconds?: number }).retryAfterSeconds;
        if (e.status === 429 && retry !== undefined) headers["retry-after"] = String(retry);
        return c.text(e.message + "\n", e.status as 400, headers);
      }
      if (e instanceof WorkspaceNotFoundError) return c.text(e.message + "\n", 404, zero);
      if (e instanceof QueryThrottledError) {
        // AMP's API gateway: a JSON body, as in `{"message":"Rate exceeded"}`.
        service.metrics.rejectedWrites.inc(["throttled"]);
        return c.body(JSON.stringify({ message: e.message }), 429, {
          "content-type": "application/json",
          "retry-after": String(e.retryAfterSeconds),
        });
      }
      // The workspace's storage closed under the request (shutdown, or the workspace is being
      // deleted): nothing was acknowledged, the client may retry.
      if (e instanceof StorageClosedError) {
        return c.text(`${e.message}\n`, 503, { ...zero, "retry-after": "1" });
      }
      throw e;
    }
  };

  app.post(
    "/workspaces/:workspaceId/api/v1/remote_write",
    (c) => handle(c, c.req.param("workspaceId"), 200),
  );
  app.post("/api/v1/write", (c) => handle(c, DEFAULT_WORKSPACE, 204));
  return app;
}

/** True for errors that happen before the request is decoded. */
function decodeFailure(e: IngestError): boolean {
  return e instanceof UnsupportedMediaTypeError || e instanceof BodyTooLargeError ||
    e instanceof SnappyDecodeError || e instanceof ProtobufDecodeError;
}

/** True when the headers negotiate remote write 2.0. */
function negotiatedV2(headers: Headers): boolean {
  try {
    return negotiateRemoteWrite(headers).version === "2.0";
  } catch {
    return false;
  }
}

/** Reads the body, refusing more than `max` bytes (by Content-Length first, then while streaming). */
async function readBody(c: Context, max: number): Promise<Uint8Array> {
  const declared = Number(c.req.header("content-length") ?? "-1");
  if (declared > max) throw new BodyTooLargeError(declared, max);
  const stream = c.req.raw.body;
  if (!stream) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const part of stream) {
    n += part.byteLength;
    if (n > max) throw new BodyTooLargeError(n, max);
    parts.push(part);
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}
