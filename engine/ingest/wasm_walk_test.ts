import { assert, assertEquals } from "../../tests/assert.ts";
import { create } from "@bufbuild/protobuf";
import type { WriteRequest } from "../model/write.ts";
import { STALE_NAN } from "../model/value.ts";
import { ingestBuffer } from "../../wasm/mod.ts";
import { type DecodedWrite, RemoteWriteDecoder } from "./decoder.ts";
import { LabelCache } from "./label_cache.ts";
import {
  benchLabelSets,
  benchRequestV1,
  encodeV1,
  mutateBytes,
  randomPlainRequestV1,
  randomRequestV1,
  rng,
} from "./payloads.ts";
import { WriteRequestSchema } from "./gen/prometheus/remote_pb.ts";

/** The decoder WorkspaceIngest uses, with the WASM walk on or off. */
function decoder(wasmWalk: boolean): RemoteWriteDecoder {
  return new RemoteWriteDecoder(new LabelCache(), { regionIndex: true, wasmWalk });
}

/** The bits of every value (NaN payloads included). */
function bits(v: Float64Array): number[] {
  return Array.from(new Uint32Array(Float64Array.from(v).buffer));
}

function sameRequest(a: WriteRequest, b: WriteRequest, what: string): void {
  assertEquals(a.series.length, b.series.length, `${what}: series count`);
  for (let i = 0; i < a.series.length; i++) {
    const x = a.series[i], y = b.series[i];
    assertEquals(x.labels, y.labels, `${what}: series ${i} labels`);
    assertEquals(Array.from(x.t), Array.from(y.t), `${what}: series ${i} timestamps`);
    assertEquals(bits(x.v), bits(y.v), `${what}: series ${i} values`);
    assertEquals(x.histograms, y.histograms, `${what}: series ${i} histograms`);
    assertEquals(x.exemplars, y.exemplars, `${what}: series ${i} exemplars`);
    assertEquals(x.createdT, y.createdT, `${what}: series ${i} created`);
  }
  assertEquals(a.metadata, b.metadata, `${what}: metadata`);
}

type Outcome = { ok: DecodedWrite } | { error: string };

function outcome(d: RemoteWriteDecoder, body: Uint8Array): Outcome {
  try {
    return { ok: d.decodeV1(body) };
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

/** Decodes `body` with both walks and checks they agree; true when it decoded. */
function agree(w: RemoteWriteDecoder, j: RemoteWriteDecoder, body: Uint8Array, what: string) {
  const a = outcome(w, body), b = outcome(j, body);
  if ("error" in a || "error" in b) {
    assertEquals(a, b, `${what}: same error`);
    return false;
  }
  sameRequest(a.ok.request, b.ok.request, what);
  assertEquals(
    [a.ok.samples, a.ok.histograms, a.ok.exemplars],
    [b.ok.samples, b.ok.histograms, b.ok.exemplars],
    `${what}: counts`,
  );
  return true;
}

/** True when the WASM walk takes `body` (rather than leaving it to the general walk). */
function walked(body: Uint8Array): boolean {
  const buf = ingestBuffer();
  return buf.walkV1(buf.adopt(body), 1_000_000) !== undefined;
}

Deno.test("the WASM walk gives what the general walk gives on plain, mixed and bench requests", () => {
  const w = decoder(true), j = decoder(false);
  let taken = 0;
  for (let seed = 1; seed <= 300; seed++) {
    const plain = encodeV1(randomPlainRequestV1(seed));
    assert(walked(plain), `plain request ${seed} is walked in WASM`);
    agree(w, j, plain, `plain ${seed}`);
    const mixed = encodeV1(randomRequestV1(seed));
    if (walked(mixed)) taken++;
    agree(w, j, mixed, `mixed ${seed}`);
  }
  assert(taken > 0 && taken < 300, `some mixed requests need the general walk (${taken} walked)`);
  const sets = benchLabelSets(3000);
  for (let round = 0; round < 2; round++) {
    const body = encodeV1(benchRequestV1(sets, 1_700_000_000_000 + round * 15_000, round));
    assert(walked(body));
    agree(w, j, body, `bench round ${round}`);
  }
});

Deno.test("the WASM walk and the general walk agree on mutated requests: same result or same error", () => {
  const w = decoder(true), j = decoder(false);
  const r = rng(11);
  const seeds = Array.from({ length: 30 }, (_, i) => encodeV1(randomPlainRequestV1(1000 + i)));
  let decoded = 0;
  for (let it = 0; it < 3000; it++) {
    if (agree(w, j, mutateBytes(r, seeds[it % seeds.length]), `mutation ${it}`)) decoded++;
  }
  assert(decoded > 100 && decoded < 2900, `${decoded} of 3000 mutated requests decoded`);
});

Deno.test("edge cases the WASM walk takes or leaves, with the general walk's answer either way", () => {
  const w = decoder(true), j = decoder(false);
  const req = (
    series: { labels: [string, string][]; samples: [number, bigint][] }[],
  ): Uint8Array =>
    encodeV1(create(WriteRequestSchema, {
      timeseries: series.map((s) => ({
        labels: s.labels.map(([name, value]) => ({ name, value })),
        samples: s.samples.map(([value, timestamp]) => ({ value, timestamp })),
      })),
    }));
  const m: [string, string][] = [["__name__", "m"]];
  const cases: [string, Uint8Array, boolean][] = [
    ["empty request", new Uint8Array(0), true],
    [
      "largest exact timestamps",
      req([{ labels: m, samples: [[1, -(2n ** 53n - 1n)], [2, 2n ** 53n - 1n]] }]),
      true,
    ],
    ["timestamp 2^53", req([{ labels: m, samples: [[1, 2n ** 53n]] }]), false],
    ["timestamp -2^53", req([{ labels: m, samples: [[1, -(2n ** 53n)]] }]), false],
    [
      "stale marker and NaN payloads",
      req([{ labels: m, samples: [[STALE_NAN, 1n], [NaN, 2n], [-0, 3n]] }]),
      true,
    ],
    [
      "series without samples dropped",
      req([{ labels: m, samples: [] }, { labels: m, samples: [[1, 1n]] }]),
      true,
    ],
    ["series without labels", req([{ labels: [], samples: [[1, 1n]] }]), true],
    ["samples out of time order", req([{ labels: m, samples: [[1, 5n], [2, 3n]] }]), false],
    ["equal timestamps", req([{ labels: m, samples: [[1, 5n], [2, 5n]] }]), true],
    [
      "a 300-byte label value",
      req([{ labels: [["__name__", "m"], ["a", "x".repeat(300)]], samples: [[1, 1n]] }]),
      true,
    ],
  ];
  // Label fields after a sample (not one region): the general walk rescans the series.
  cases.push([
    "labels around a sample",
    new Uint8Array([
      ...[0x0a, 0x1c], // series, 28 bytes
      ...[0x0a, 0x0d, 0x0a, 0x08, ...new TextEncoder().encode("__name__"), 0x12, 0x01, 0x6d],
      ...[0x12, 0x02, 0x10, 0x07], // sample t=7
      ...[0x0a, 0x07, 0x0a, 0x01, 0x61, 0x12, 0x02, 0x62, 0x63], // a="bc"
    ]),
    false,
  ]);
  for (const [what, body, wasm] of cases) {
    assertEquals(walked(body), wasm, `${what}: walked in WASM`);
    agree(w, j, body, what);
  }
  const labelsAround = outcome(w, cases.at(-1)![1]);
  assert("ok" in labelsAround, JSON.stringify(labelsAround));
  assertEquals(labelsAround.ok.request.series[0].labels, [
    { name: "__name__", value: "m" },
    { name: "a", value: "bc" },
  ]);
});

Deno.test("the WASM walk leaves a request with more series than allowed to the general walk", () => {
  const buf = ingestBuffer();
  const body = encodeV1(randomPlainRequestV1(5));
  const n = buf.walkV1(buf.adopt(body), 1_000_000)!.series;
  assert(n >= 2, `${n} series`);
  assertEquals(buf.walkV1(buf.adopt(body), n)?.series, n);
  assertEquals(buf.walkV1(buf.adopt(body), n - 1), undefined);
});

Deno.test("a request the WASM walk gives up on after growing the memory still decodes in full", () => {
  // 300k samples (more than the walk's scratch ever held in this process) and then a histogram,
  // which the WASM walk leaves to the general walk: the request's view must be re-made.
  const buf = ingestBuffer();
  const before = buf.memory.buffer.byteLength;
  const n = 300_000;
  const samples = Array.from({ length: n }, (_, i) => ({ value: i, timestamp: BigInt(i) }));
  const body = encodeV1(create(WriteRequestSchema, {
    timeseries: [
      { labels: [{ name: "__name__", value: "m" }], samples },
      {
        labels: [{ name: "__name__", value: "h" }],
        histograms: [{ count: { case: "countInt", value: 1n }, timestamp: 5n }],
      },
    ],
  }));
  // As decodeRemoteWrite passes it: a view of the decode buffer, which the growth detaches.
  const got = decoder(true).decodeV1(buf.adopt(body));
  assert(buf.memory.buffer.byteLength > before, "the memory grew");
  assertEquals(got.samples, n);
  assertEquals(got.histograms, 1);
  assertEquals(got.request.series[0].t[n - 1], n - 1);
  agree(decoder(true), decoder(false), body, "large request with a histogram");
});
