import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import {
  BodyTooLargeError,
  IngestError,
  ProtobufDecodeError,
  SnappyDecodeError,
  UnsupportedMediaTypeError,
} from "./errors.ts";
import { decodeRemoteWrite, writtenHeaders } from "./remote_write.ts";
import { snappyDecode, snappyDecodedLength, snappyEncode } from "./snappy.ts";
import { encodeV1, encodeV2, randomRequestV1, randomRequestV2 } from "./payloads.ts";

const V1 = { "Content-Type": "application/x-protobuf", "Content-Encoding": "snappy" };
const V2 = {
  "Content-Type": "application/x-protobuf;proto=io.prometheus.write.v2.Request",
  "Content-Encoding": "snappy",
  "X-Prometheus-Remote-Write-Version": "2.0.0",
};

function status(fn: () => unknown): [number, string] {
  try {
    fn();
  } catch (e) {
    assert(e instanceof IngestError, `expected an IngestError, got ${e}`);
    return [e.status, e.message];
  }
  return [0, ""];
}

Deno.test("decodeRemoteWrite() negotiates 1.0 with and without proto= and 2.0 by Content-Type", () => {
  const b1 = snappyEncode(encodeV1(randomRequestV1(3)));
  const b2 = snappyEncode(encodeV2(randomRequestV2(3)));
  assertEquals(decodeRemoteWrite(b1, new Headers(V1)).version, "1.0");
  assertEquals(
    decodeRemoteWrite(
      b1,
      new Headers({
        ...V1,
        "Content-Type": "application/x-protobuf;proto=prometheus.WriteRequest",
      }),
    ).version,
    "1.0",
  );
  assertEquals(decodeRemoteWrite(b1, new Headers()).version, "1.0", "no headers: 1.0 + snappy");
  const spaced = "Application/X-Protobuf; proto=io.prometheus.write.v2.Request";
  assertEquals(decodeRemoteWrite(b2, new Headers({ "Content-Type": spaced })).version, "2.0");
  const d2 = decodeRemoteWrite(b2, new Headers(V2));
  assertEquals([d2.version, d2.protocol.versionHeader], ["2.0", "2.0.0"]);
});

Deno.test("unsupported content types and encodings get 415 with Prometheus's wording", () => {
  const b = snappyEncode(encodeV1(randomRequestV1(1)));
  assertEquals(
    status(() => decodeRemoteWrite(b, new Headers({ ...V1, "Content-Type": "application/json" }))),
    [
      415,
      "expected application/x-protobuf as the first (media) part, got application/json content-type",
    ],
  );
  assertEquals(
    status(() =>
      decodeRemoteWrite(
        b,
        new Headers({ ...V1, "Content-Type": "application/x-protobuf;proto=foo.Bar" }),
      )
    ),
    [
      415,
      "got application/x-protobuf;proto=foo.Bar content type; unknown remote write protobuf message foo.Bar, supported: prometheus.WriteRequest, io.prometheus.write.v2.Request",
    ],
  );
  assertEquals(
    status(() =>
      decodeRemoteWrite(b, new Headers({ ...V1, "Content-Type": "application/x-protobuf;x" }))
    ),
    [
      415,
      "as per https://www.rfc-editor.org/rfc/rfc9110#parameter expected parameters to be key-values, got x in application/x-protobuf;x content-type",
    ],
  );
  assertEquals(
    status(() => decodeRemoteWrite(b, new Headers({ ...V1, "Content-Encoding": "gzip" }))),
    [
      415,
      "gzip encoding (compression) is not accepted by this server; only snappy is acceptable",
    ],
  );
  assertThrows(
    () => decodeRemoteWrite(b, new Headers({ "Content-Type": "text/plain" })),
    UnsupportedMediaTypeError,
  );
});

Deno.test("bodies over 1 MB and lying length headers get 400 before decompression", () => {
  const big = new Uint8Array(1024 * 1024 + 1);
  assertEquals(status(() => decodeRemoteWrite(big, new Headers(V1))), [
    400,
    "received message larger than max (1048577 vs 1048576)",
  ]);
  // A header declaring 2^32-1 bytes: would trap snappy-wasm; must be refused up front.
  const lying = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x01]);
  assertEquals(status(() => decodeRemoteWrite(lying, new Headers(V1))), [
    400,
    "received message larger than max (4294967295 vs 16777216)",
  ]);
  assertThrows(() => snappyDecode(lying, 1 << 20), BodyTooLargeError);
  // A header declaring less than the data holds.
  const real = snappyEncode(new Uint8Array(1000).fill(7));
  const fake = new Uint8Array([0x0a, ...real.subarray(snappyDecodedLength(real) < 128 ? 1 : 2)]);
  assertThrows(() => snappyDecode(fake, 1 << 20), SnappyDecodeError);
  // A header that never ends.
  assertThrows(() => snappyDecode(new Uint8Array([0x80, 0x80]), 1 << 20), SnappyDecodeError);
  assertThrows(() => snappyDecode(new Uint8Array([]), 1 << 20), SnappyDecodeError);
});

Deno.test("truncated and corrupt snappy gives SnappyDecodeError 400 and later calls still work", () => {
  const good = snappyEncode(encodeV1(randomRequestV1(9)));
  for (let cut = 0; cut < good.length; cut += 3) {
    const [code] = status(() => decodeRemoteWrite(good.subarray(0, cut), new Headers(V1)));
    assertEquals(code, 400, `cut ${cut}`);
  }
  const corrupt = good.slice();
  for (let i = 3; i < corrupt.length; i += 7) corrupt[i] ^= 0x5a;
  const [code] = status(() => decodeRemoteWrite(corrupt, new Headers(V1)));
  assert(code === 400 || code === 0, "corrupt input is a 400 or happens to decode");
  assertEquals(decodeRemoteWrite(good, new Headers(V1)).version, "1.0");
});

Deno.test("malformed protobuf inside valid snappy gives ProtobufDecodeError 400", () => {
  const body = snappyEncode(new Uint8Array([0x0a, 0x10, 0x0a, 0x02]));
  const e = assertThrows(() => decodeRemoteWrite(body, new Headers(V1)), ProtobufDecodeError);
  assertEquals((e as ProtobufDecodeError).status, 400);
  assertThrows(() => decodeRemoteWrite(body, new Headers(V2)), ProtobufDecodeError);
});

Deno.test("writtenHeaders() gives the three 2.0 response headers", () => {
  assertEquals(writtenHeaders({ samples: 10, histograms: 2, exemplars: 1 }), {
    "X-Prometheus-Remote-Write-Samples-Written": "10",
    "X-Prometheus-Remote-Write-Histograms-Written": "2",
    "X-Prometheus-Remote-Write-Exemplars-Written": "1",
  });
});
