import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { create } from "@bufbuild/protobuf";
import type { WriteRequest } from "../model/write.ts";
import { isStaleNaN, STALE_NAN } from "../model/value.ts";
import { RemoteWriteDecoder } from "./decoder.ts";
import { assertWriteRequest } from "./validate.ts";
import { ProtobufDecodeError } from "./errors.ts";
import { LabelCache } from "./label_cache.ts";
import { oracleDecodeV1, oracleDecodeV2 } from "./oracle.ts";
import { encodeV1, encodeV2, randomRequestV1, randomRequestV2 } from "./payloads.ts";
import { WriteRequestSchema } from "./gen/prometheus/remote_pb.ts";
import { RequestSchema } from "./gen/io/prometheus/write/v2/types_pb.ts";

/** A clock advancing 10 minutes per reading: label cache generations rotate, never grow. */
function slowClock(): () => number {
  let now = 0;
  return () => (now += 600_000);
}

/** Compares two requests with bit-exact float columns. */
function assertSameRequest(actual: WriteRequest, expected: WriteRequest, what: string): void {
  assertWriteRequest(actual);
  assertEquals(actual.series.length, expected.series.length, `${what}: series count`);
  for (let i = 0; i < actual.series.length; i++) {
    const a = actual.series[i], e = expected.series[i];
    assertEquals(a.labels, e.labels, `${what}: labels of series ${i}`);
    assertEquals(Array.from(a.t), Array.from(e.t), `${what}: t of series ${i}`);
    const ab = new Uint8Array(a.v.buffer, a.v.byteOffset, a.v.byteLength);
    const eb = new Uint8Array(e.v.buffer, e.v.byteOffset, e.v.byteLength);
    assertEquals(Array.from(ab), Array.from(eb), `${what}: v bits of series ${i}`);
    assertEquals(a.histograms, e.histograms, `${what}: histograms of series ${i}`);
    assertEquals(a.exemplars, e.exemplars, `${what}: exemplars of series ${i}`);
    assertEquals(a.createdT, e.createdT, `${what}: createdT of series ${i}`);
  }
  assertEquals(actual.metadata, expected.metadata, `${what}: metadata`);
}

Deno.test("decodeV1() matches protobuf-es on 300 random edge-case payloads", () => {
  const d = new RemoteWriteDecoder(new LabelCache(8, undefined, { clock: slowClock() })); // small cache: exercises eviction too
  for (let seed = 1; seed <= 300; seed++) {
    const buf = encodeV1(randomRequestV1(seed));
    assertSameRequest(d.decodeV1(buf).request, oracleDecodeV1(buf), `seed ${seed}`);
  }
});

Deno.test("decodeV2() matches protobuf-es on 300 random edge-case payloads", () => {
  const d = new RemoteWriteDecoder(new LabelCache(8, undefined, { clock: slowClock() }));
  // A string table that resets every few strings exercises the mid-request epoch change.
  const tiny = new RemoteWriteDecoder(new LabelCache(8, 5, { clock: slowClock() }));
  for (let seed = 1; seed <= 300; seed++) {
    const buf = encodeV2(randomRequestV2(seed));
    const expected = oracleDecodeV2(buf);
    assertSameRequest(d.decodeV2(buf).request, expected, `seed ${seed}`);
    assertSameRequest(tiny.decodeV2(buf).request, expected, `seed ${seed}, tiny string table`);
  }
});

/** Hand-encodes a 1.0 request with one series `__name__="up"` and raw 64-bit sample values. */
function rawV1(values: [number, number][]): Uint8Array {
  // protobuf-es may quiet signalling NaNs once its encoder is JIT-compiled, so write bits by hand.
  const label = [0x0a, 0x08, ...new TextEncoder().encode("__name__"), 0x12, 0x02, 0x75, 0x70];
  const ts: number[] = [0x0a, label.length, ...label];
  values.forEach(([lo, hi], i) => {
    const b = new Uint8Array(8);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, lo, true);
    dv.setUint32(4, hi, true);
    ts.push(0x12, 11, 0x09, ...b, 0x10, i + 1);
  });
  return new Uint8Array([0x0a, ts.length, ...ts]);
}

Deno.test("decodeV1() preserves NaN payloads, the staleness marker and infinities bit-exactly", () => {
  const bits: [number, number][] = [
    [2, 0x7ff00000], // StaleNaN (signalling)
    [0, 0x7ff80000], // quiet NaN
    [1, 0x7ff80000], // NaN with payload
    [0, 0x7ff00000], // +Inf
    [0, 0xfff00000], // -Inf
  ];
  const d = new RemoteWriteDecoder();
  const body = rawV1(bits);
  // Also after JIT warm-up: V8's optimised code quiets signalling NaNs stored in plain arrays and
  // object fields (StaleNaN 0x7ff0000000000002 -> 0x7ff8000000000002); typed arrays keep them.
  for (let i = 0; i < 3000; i++) d.decodeV1(body);
  const s = d.decodeV1(body).request.series[0];
  const w = new Uint32Array(s.v.buffer, s.v.byteOffset, s.v.length * 2);
  assertEquals(Array.from(w), bits.flat());
  assert(isStaleNaN(STALE_NAN) && Number.isNaN(s.v[1]));
});

Deno.test("decodeV1() keeps negative and > 2^52 timestamps exact and rejects beyond 2^53-1", () => {
  const mk = (ts: bigint[]) =>
    encodeV1(create(WriteRequestSchema, {
      timeseries: [{
        labels: [{ name: "__name__", value: "x" }],
        samples: ts.map((timestamp) => ({ value: 1, timestamp })),
      }],
    }));
  const d = new RemoteWriteDecoder();
  const s =
    d.decodeV1(mk([-(2n ** 53n - 1n), -1n, 2n ** 52n + 7n, 2n ** 53n - 1n])).request.series[0];
  assertEquals(Array.from(s.t), [-(2 ** 53 - 1), -1, 2 ** 52 + 7, 2 ** 53 - 1]);
  assertThrows(() => d.decodeV1(mk([2n ** 53n])), ProtobufDecodeError, "above 2^53-1");
  assertThrows(() => d.decodeV1(mk([-(2n ** 53n)])), ProtobufDecodeError, "below -(2^53-1)");
  assertThrows(() => d.decodeV1(mk([2n ** 63n - 1n])), ProtobufDecodeError);
});

Deno.test("decodeV1() sorts out-of-order samples within a series", () => {
  const buf = encodeV1(create(WriteRequestSchema, {
    timeseries: [{
      labels: [{ name: "__name__", value: "x" }],
      samples: [{ value: 3, timestamp: 30n }, { value: 1, timestamp: 10n }, {
        value: 2,
        timestamp: 20n,
      }],
    }],
  }));
  const s = new RemoteWriteDecoder().decodeV1(buf).request.series[0];
  assertEquals([Array.from(s.t), Array.from(s.v)], [[10, 20, 30], [1, 2, 3]]);
});

Deno.test("decodeV1() drops series that carry nothing and skips unknown fields", () => {
  const base = encodeV1(create(WriteRequestSchema, {
    timeseries: [
      { labels: [{ name: "__name__", value: "empty" }] },
      { labels: [{ name: "__name__", value: "x" }], samples: [{ value: 1, timestamp: 5n }] },
    ],
  }));
  // Append unknown fields of every wire type at the top level: 9 varint, 10 fixed64,
  // 11 bytes, 12 fixed32.
  const extra = [
    0x48,
    0x96,
    0x01,
    0x51,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    0x5a,
    2,
    0xaa,
    0xbb,
    0x65,
    1,
    2,
    3,
    4,
  ];
  const buf = new Uint8Array([...extra, ...base, ...extra]);
  const out = new RemoteWriteDecoder().decodeV1(buf);
  assertEquals(out.request.series.length, 1);
  assertEquals(out.request.series[0].labels, [{ name: "__name__", value: "x" }]);
  assertEquals(out.samples, 1);
});

Deno.test("decodeV1() reports truncated varints and lengths as ProtobufDecodeError", () => {
  const d = new RemoteWriteDecoder();
  assertThrows(
    () => d.decodeV1(new Uint8Array([0x0a, 0x80])),
    ProtobufDecodeError,
    "truncated varint",
  );
  assertThrows(
    () => d.decodeV1(new Uint8Array([0x0a, 0x05, 0x0a])),
    ProtobufDecodeError,
    "truncated",
  );
  assertThrows(() => d.decodeV1(new Uint8Array([0x0f])), ProtobufDecodeError, "wire type");
  const good = encodeV1(randomRequestV1(7));
  for (let cut = 1; cut < good.length; cut++) {
    try {
      d.decodeV1(good.subarray(0, cut));
    } catch (e) {
      assert(e instanceof ProtobufDecodeError, `cut ${cut}: ${e}`);
    }
  }
});

Deno.test("decodeV2() rejects label refs outside the symbol table and odd ref counts", () => {
  const d = new RemoteWriteDecoder();
  const bad = encodeV2(create(RequestSchema, {
    symbols: ["", "__name__", "x"],
    timeseries: [{ labelsRefs: [1, 9], samples: [{ value: 1, timestamp: 1n }] }],
  }));
  assertThrows(() => d.decodeV2(bad), ProtobufDecodeError, "out of range");
  const odd = encodeV2(create(RequestSchema, {
    symbols: ["", "__name__", "x"],
    timeseries: [{ labelsRefs: [1, 2, 1], samples: [{ value: 1, timestamp: 1n }] }],
  }));
  assertThrows(() => d.decodeV2(odd), ProtobufDecodeError, "odd number");
});

Deno.test("the label cache returns the same Labels object for a repeated series", () => {
  const cache = new LabelCache();
  const d = new RemoteWriteDecoder(cache);
  const v1 = encodeV1(create(WriteRequestSchema, {
    timeseries: [{
      labels: [{ name: "__name__", value: "up" }, { name: "job", value: "a" }],
      samples: [{ value: 1, timestamp: 1n }],
    }],
  }));
  const v2 = encodeV2(create(RequestSchema, {
    symbols: ["", "__name__", "up", "job", "a"],
    timeseries: [{ labelsRefs: [1, 2, 3, 4], samples: [{ value: 1, timestamp: 1n }] }],
  }));
  const a = d.decodeV1(v1).request.series[0].labels;
  const b = d.decodeV1(v1).request.series[0].labels;
  const c = d.decodeV2(v2).request.series[0].labels;
  const c2 = d.decodeV2(v2).request.series[0].labels;
  assert(a === b && c === c2, "same object from the cache within a protocol");
  assertEquals(a, c, "equal labels across protocols");
  assertEquals(a[0].name === c[0].name && a[1].value === c[1].value, true);
  assertEquals([cache.misses, cache.hits], [2, 2]);
});

Deno.test("decodeV1() rejects invalid UTF-8 in label values", () => {
  // TimeSeries{labels: Label{name:"a", value: 0xff}} + one sample
  const label = [0x0a, 0x01, 0x61, 0x12, 0x01, 0xff];
  const sample = [0x12, 0x09, 0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f];
  const ts = [0x0a, label.length, ...label, ...sample];
  const buf = new Uint8Array([0x0a, ts.length, ...ts]);
  assertThrows(() => new RemoteWriteDecoder().decodeV1(buf), ProtobufDecodeError, "UTF-8");
});

Deno.test("decodeV2() skips unknown top-level fields and tolerates any field order", () => {
  const req = create(RequestSchema, {
    symbols: ["", "__name__", "up", "job", "a"],
    timeseries: [{ labelsRefs: [1, 2, 3, 4], samples: [{ value: 1.5, timestamp: 7n }] }],
  });
  const base = encodeV2(req);
  const unknown = [0x48, 0x01, 0x5a, 0x01, 0x00, 0x65, 1, 2, 3, 4, 0x51, 1, 2, 3, 4, 5, 6, 7, 8];
  // Timeseries first, then symbols: split the encoding into fields and reverse their order.
  const d = new RemoteWriteDecoder();
  const a = d.decodeV2(new Uint8Array([...unknown, ...base, ...unknown])).request;
  assertEquals(a.series[0].labels, [{ name: "__name__", value: "up" }, {
    name: "job",
    value: "a",
  }]);
  const tsStart = base.indexOf(0x2a); // field 5 (timeseries), length-delimited
  const reordered = new Uint8Array([...base.subarray(tsStart), ...base.subarray(0, tsStart)]);
  const b = d.decodeV2(reordered).request;
  assertEquals(Array.from(b.series[0].v), [1.5]);
  assertEquals(b.series[0].labels, a.series[0].labels);
});

Deno.test("decodeV1() skips unknown fields inside TimeSeries, Label and Sample", () => {
  const name = [...new TextEncoder().encode("__name__")];
  const label = [0x0a, 0x08, ...name, 0x12, 0x02, 0x75, 0x70, 0x18, 0x05]; // + field 3 varint
  const one = [0, 0, 0, 0, 0, 0, 0xf0, 0x3f]; // 1.0
  const sample = [0x09, ...one, 0x10, 0x07, 0x22, 0x00]; // + field 4 empty bytes
  const ts = [
    0x0a,
    label.length,
    ...label,
    0x12,
    sample.length,
    ...sample,
    0x28,
    0x01,
    0x35,
    1,
    2,
    3,
    4,
  ];
  const buf = new Uint8Array([0x0a, ts.length, ...ts]);
  const s = new RemoteWriteDecoder().decodeV1(buf).request.series[0];
  assertEquals(s.labels, [{ name: "__name__", value: "up" }]);
  assertEquals([Array.from(s.t), Array.from(s.v)], [[7], [1]]);
  assertEquals(oracleDecodeV1(buf).series[0].labels, s.labels);
});

Deno.test("decodeV1() handles a 200k-sample request and releases the grown scratch", () => {
  const n = 200_000;
  const label = [0x0a, 0x08, ...new TextEncoder().encode("__name__"), 0x12, 0x01, 0x78];
  const sample = new Uint8Array(2 + 9 + 7); // 12 10 | 09 <f64> | 10 <6-byte varint>
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const t = 1_700_000_000_000 + i;
    sample[0] = 0x12;
    sample[1] = 16;
    sample[2] = 0x09;
    new DataView(sample.buffer).setFloat64(3, i, true);
    sample[11] = 0x10;
    let v = t;
    for (let k = 12; k < 18; k++) {
      sample[k] = (v % 128) | (k < 17 ? 0x80 : 0);
      v = Math.floor(v / 128);
    }
    parts.push(sample.slice());
  }
  const tsLen = 2 + label.length + n * sample.length;
  const lenBytes: number[] = [];
  for (let v = tsLen;; v = Math.floor(v / 128)) {
    if (v < 128) {
      lenBytes.push(v);
      break;
    }
    lenBytes.push((v % 128) | 0x80);
  }
  const buf = new Uint8Array(1 + lenBytes.length + tsLen);
  buf.set([0x0a, ...lenBytes, 0x0a, label.length, ...label]);
  let p = 1 + lenBytes.length + 2 + label.length;
  for (const x of parts) {
    buf.set(x, p);
    p += x.length;
  }
  const d = new RemoteWriteDecoder();
  const out = d.decodeV1(buf);
  assertEquals(out.samples, n);
  const s = out.request.series[0];
  assertEquals([s.t[0], s.t[n - 1], s.v[n - 1]], [
    1_700_000_000_000,
    1_700_000_000_000 + n - 1,
    n - 1,
  ]);
  // The next (small) request still decodes correctly after the scratch was released.
  const small = encodeV1(randomRequestV1(11));
  assertSameRequest(d.decodeV1(small).request, oracleDecodeV1(small), "after a big request");
});

Deno.test("a native histogram staleness marker (sum = StaleNaN) is flagged as stale", () => {
  const name = [...new TextEncoder().encode("__name__")];
  const label = [0x0a, 0x08, ...name, 0x12, 0x01, 0x68];
  const staleSum = [0x19, 2, 0, 0, 0, 0, 0, 0xf0, 0x7f, 0x78, 0x01]; // sum bits, timestamp 1
  const quietSum = [0x19, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f, 0x78, 0x02]; // plain NaN, timestamp 2
  const ts = [
    0x0a,
    label.length,
    ...label,
    0x22,
    staleSum.length,
    ...staleSum,
    0x22,
    quietSum.length,
    ...quietSum,
  ];
  const d = new RemoteWriteDecoder();
  const body = new Uint8Array([0x0a, ts.length, ...ts]);
  for (let i = 0; i < 1000; i++) d.decodeV1(body);
  const hs = d.decodeV1(body).request.series[0].histograms;
  assertEquals(hs.map((h) => [h.t, h.h.stale === true]), [[1, true], [2, false]]);
});
