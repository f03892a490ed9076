/** A remote-write 1.0 client for tests: builds a protobuf WriteRequest, snappy-compresses it, POSTs it. */
import { create, toBinary } from "@bufbuild/protobuf";
import { WriteRequestSchema } from "../engine/ingest/gen/prometheus/remote_pb.ts";
import { snappyEncode } from "../engine/ingest/mod.ts";

/** One series to write: labels (including `__name__`) and samples as [ms, value] pairs. */
export interface TestSeries {
  labels: Record<string, string>;
  samples: [number, number][];
}

/** Encodes series as a snappy-compressed remote write 1.0 body. */
export function encodeWrite(
  series: TestSeries[],
  metadata: { metric: string; type: number; help: string; unit: string }[] = [],
): Uint8Array {
  const req = create(WriteRequestSchema, {
    timeseries: series.map((s) => ({
      labels: Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map((
        [name, value],
      ) => ({ name, value })),
      samples: s.samples.map(([t, v]) => ({ timestamp: BigInt(t), value: v })),
    })),
    metadata: metadata.map((m) => ({
      metricFamilyName: m.metric,
      type: m.type,
      help: m.help,
      unit: m.unit,
    })),
  });
  return snappyEncode(toBinary(WriteRequestSchema, req));
}

/** Headers a Prometheus 1.0 sender uses. */
export const RW1_HEADERS: Record<string, string> = {
  "content-type": "application/x-protobuf",
  "content-encoding": "snappy",
  "x-prometheus-remote-write-version": "0.1.0",
};

/** POSTs series to `url` (a full remote-write URL) with fetch, or through `request` (app.request). */
export async function remoteWrite(
  request: (path: string, init: RequestInit) => Promise<Response>,
  path: string,
  series: TestSeries[],
): Promise<Response> {
  return await request(path, {
    method: "POST",
    headers: RW1_HEADERS,
    body: encodeWrite(series) as Uint8Array<ArrayBuffer>,
  });
}
