/**
 * Decode cost per sample: hand-written decoder vs protobuf-es, on bench-like requests
 * (2000 series × 1 sample, 8-12 labels each) and denser ones (200 series × 10 samples).
 * ns/sample = reported time / 2000. Run: `./deno bench -A engine/ingest/decode_bench.ts`.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { RemoteWriteDecoder } from "./decoder.ts";
import { LabelCache } from "./label_cache.ts";
import { benchLabelSets, benchRequestV1, benchRequestV2, encodeV1, encodeV2 } from "./payloads.ts";
import { snappyDecode, snappyEncode } from "./snappy.ts";
import { validateWrite } from "./validate.ts";
import { DEFAULT_INGEST_LIMITS } from "./limits.ts";
import { WriteRequestSchema } from "./gen/prometheus/remote_pb.ts";
import { RequestSchema } from "./gen/io/prometheus/write/v2/types_pb.ts";
import { create } from "@bufbuild/protobuf";

const T = 1_700_000_000_000;
const sets = benchLabelSets(2000);
const v1 = encodeV1(benchRequestV1(sets, T, 1));
const v2 = encodeV2(benchRequestV2(sets, T, 1));
const v1z = snappyEncode(v1);
const dense = encodeV1(create(WriteRequestSchema, {
  timeseries: sets.slice(0, 200).map((ls) => ({
    labels: ls.map(([name, value]) => ({ name, value })).sort((a, b) => a.name < b.name ? -1 : 1),
    samples: Array.from(
      { length: 10 },
      (_, i) => ({ value: i * 1.5, timestamp: BigInt(T + i * 15000) }),
    ),
  })),
}));

const warm = new RemoteWriteDecoder(new LabelCache());
warm.decodeV1(v1);
const limits = { ...DEFAULT_INGEST_LIMITS, sampleAgeMaxMs: 0 };
console.log(
  `payload: 1.0 ${v1.length} B (${v1z.length} B snappy), 2.0 ${v2.length} B; 2000 samples`,
);

Deno.bench("protobuf-es fromBinary 1.0", { group: "v1 2000x1", baseline: true }, () => {
  fromBinary(WriteRequestSchema, v1);
});
Deno.bench("fast decodeV1, warm label cache", { group: "v1 2000x1" }, () => {
  warm.decodeV1(v1);
});
Deno.bench("fast decodeV1, warm cache + validateWrite", { group: "v1 2000x1" }, () => {
  validateWrite(warm.decodeV1(v1).request, limits, T);
});
Deno.bench("fast decodeV1, cold (all series new)", { group: "v1 2000x1" }, () => {
  new RemoteWriteDecoder(new LabelCache()).decodeV1(v1);
});
Deno.bench("snappy decompress 1.0 body", { group: "v1 2000x1" }, () => {
  snappyDecode(v1z, 1 << 24);
});

Deno.bench("protobuf-es fromBinary 2.0", { group: "v2 2000x1", baseline: true }, () => {
  fromBinary(RequestSchema, v2);
});
Deno.bench("fast decodeV2, warm label cache", { group: "v2 2000x1" }, () => {
  warm.decodeV2(v2);
});
Deno.bench("fast decodeV2, cold (all series new)", { group: "v2 2000x1" }, () => {
  new RemoteWriteDecoder(new LabelCache()).decodeV2(v2);
});

Deno.bench("protobuf-es fromBinary 1.0", { group: "v1 200x10", baseline: true }, () => {
  fromBinary(WriteRequestSchema, dense);
});
Deno.bench("fast decodeV1, warm label cache", { group: "v1 200x10" }, () => {
  warm.decodeV1(dense);
});
