import { assert, assertEquals } from "../../tests/assert.ts";
import { create } from "@bufbuild/protobuf";
import type { Labels } from "../model/labels.ts";
import type { WriteRequest } from "../model/write.ts";
import { ingestBuffer } from "../../wasm/mod.ts";
import { RemoteWriteDecoder } from "./decoder.ts";
import { LabelCache } from "./label_cache.ts";
import { oracleDecodeV1 } from "./oracle.ts";
import { benchLabelSets, benchRequestV1, encodeV1, randomRequestV1, rng } from "./payloads.ts";
import { WriteRequestSchema } from "./gen/prometheus/remote_pb.ts";

/** A clock advancing 10 minutes per reading: generations rotate, never grow. */
function slowClock(): () => number {
  let now = 0;
  return () => (now += 600_000);
}

/** The decoder WorkspaceIngest uses (1.0 label regions looked up in WASM). */
function indexed(cache = new LabelCache(), clock: () => number = Date.now): RemoteWriteDecoder {
  return new RemoteWriteDecoder(cache, { regionIndex: true, clock });
}

function sameLabels(actual: WriteRequest, expected: WriteRequest, what: string): void {
  assertEquals(actual.series.length, expected.series.length, `${what}: series count`);
  for (let i = 0; i < actual.series.length; i++) {
    assertEquals(actual.series[i].labels, expected.series[i].labels, `${what}: series ${i}`);
    assertEquals(Array.from(actual.series[i].t), Array.from(expected.series[i].t), what);
  }
  assertEquals(actual.metadata, expected.metadata, `${what}: metadata`);
}

/** A 1.0 request of series `{__name__="m", id="<value>"}`, one sample each. */
function series(values: string[]): Uint8Array {
  return encodeV1(create(WriteRequestSchema, {
    timeseries: values.map((v) => ({
      labels: [{ name: "__name__", value: "m" }, { name: "id", value: v }],
      samples: [{ value: 1, timestamp: 1n }],
    })),
  }));
}

Deno.test("decoding through the region index matches protobuf-es on random payloads, with a tiny rotating index", () => {
  const big = indexed();
  // 8 entries per generation and a clock that never lets it grow: rotations happen inside
  // requests, between the lookup and the use of its results.
  const tiny = indexed(new LabelCache(8, undefined, { clock: slowClock() }), slowClock());
  for (let round = 0; round < 2; round++) {
    for (let seed = 1; seed <= 300; seed++) {
      const buf = encodeV1(randomRequestV1(seed));
      const expected = oracleDecodeV1(buf);
      sameLabels(big.decodeV1(buf).request, expected, `seed ${seed} round ${round}`);
      sameLabels(tiny.decodeV1(buf).request, expected, `seed ${seed} round ${round}, tiny`);
    }
  }
  assert(big.cache.hits > 0, "the second round hits");
});

Deno.test("a recurring series gets the same Labels object through the index, across requests", () => {
  const d = indexed();
  const sets = benchLabelSets(3000);
  const a = d.decodeV1(encodeV1(benchRequestV1(sets, 1_700_000_000_000, 1))).request.series;
  const misses = d.cache.misses;
  const b = d.decodeV1(encodeV1(benchRequestV1(sets, 1_700_000_015_000, 2))).request.series;
  assertEquals(d.cache.misses, misses, "no label set is built twice");
  assertEquals(d.regionIndexSize, 3000);
  for (let i = 0; i < a.length; i++) assert(a[i].labels === b[i].labels, `series ${i}`);
});

Deno.test("the region index stays bounded by two generations and correct across rotations", () => {
  const d = indexed(new LabelCache(100, undefined, { clock: slowClock() }), slowClock());
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 1000; i += 50) {
      const values = Array.from({ length: 50 }, (_, k) => `s${i + k}`);
      const out = d.decodeV1(series(values)).request.series;
      assertEquals(out.map((s) => s.labels[1].value), values);
      assert(d.regionIndexSize <= 200, `size ${d.regionIndexSize}`);
    }
  }
});

Deno.test("the region index grows when its working set fills a generation quickly", () => {
  const d = indexed(new LabelCache(100, undefined, { entriesCap: 1000 }), () => 0);
  const bodies = Array.from(
    { length: 10 },
    (_, i) => series(Array.from({ length: 50 }, (_, k) => `s${i * 50 + k}`)),
  );
  for (const b of bodies) d.decodeV1(b);
  const misses = d.cache.misses;
  for (const b of bodies) d.decodeV1(b);
  assertEquals(d.cache.misses, misses, "the second pass over the working set only hits");
  assertEquals(d.regionIndexSize, 500);
});

Deno.test("colliding hashes of different label regions both resolve to their own labels", () => {
  // Find two label regions of the same length with the same 30-bit hash (birthday bound: ~2^15
  // tries), so that only comparing the bytes tells them apart.
  const buf = ingestBuffer();
  const seen = new Map<number, string>();
  let pair: [string, string] | undefined;
  for (let i = 0; pair === undefined && i < 400_000; i++) {
    const v = `v${String(i).padStart(7, "0")}`;
    const one = series([v]);
    // The region: TimeSeries tag, length, then the labels up to the samples field (0x12).
    const ts = one.subarray(2);
    let end = 0;
    while (ts[end] === 0x0a) end += 2 + ts[end + 1];
    const view = buf.adopt(ts.slice(0, end));
    const h = buf.hash(view, 0, end);
    const other = seen.get(h);
    if (other !== undefined) pair = [other, v];
    seen.set(h, v);
  }
  assert(pair !== undefined, "found a collision");
  const d = indexed();
  const a = d.decodeV1(series([pair[0]])).request.series[0].labels;
  const b = d.decodeV1(series([pair[1]])).request.series[0].labels;
  const a2 = d.decodeV1(series([pair[0]])).request.series[0].labels;
  const b2 = d.decodeV1(series([pair[1]])).request.series[0].labels;
  assertEquals(a[1].value, pair[0]);
  assertEquals(b[1].value, pair[1]);
  assert(a2 === a && b2 === b, "both entries are found behind each other");
});

Deno.test("mutated payloads fail with the same error, or decode the same, with and without the index", () => {
  const r = rng(99);
  const plain = new RemoteWriteDecoder(new LabelCache(16, undefined, { clock: slowClock() }));
  const withIndex = indexed(new LabelCache(16, undefined, { clock: slowClock() }), slowClock());
  const seeds = Array.from({ length: 20 }, (_, i) => encodeV1(randomRequestV1(i + 1)));
  let failures = 0;
  for (let it = 0; it < 2000; it++) {
    const b = Array.from(seeds[it % seeds.length]);
    for (let k = 0; k < 1 + Math.floor(r() * 3); k++) {
      const i = Math.floor(r() * b.length);
      if (r() < 0.5) b[i] ^= 1 << Math.floor(r() * 8);
      else b.splice(i, 1);
    }
    const buf = new Uint8Array(b);
    const run = (d: RemoteWriteDecoder) => {
      try {
        return d.decodeV1(buf).request;
      } catch (e) {
        return e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
      }
    };
    const want = run(plain), got = run(withIndex);
    if (typeof want === "string") {
      failures++;
      assertEquals(got, want, `mutation ${it}`);
    } else {
      assert(typeof got !== "string", `mutation ${it}: ${got}`);
      sameLabels(got, want, `mutation ${it}`);
    }
  }
  assert(failures > 200, `mutations produce errors (${failures})`);
});

Deno.test("series sent in insertion order, out of it, and with prefixes of known keys all resolve to their own labels", () => {
  const d = indexed();
  const values = Array.from({ length: 300 }, (_, i) => `v${i}`);
  const first = d.decodeV1(series(values)).request.series.map((s) => s.labels);
  const misses = d.cache.misses;
  const same = (got: Labels[], want: string[], what: string) => {
    assertEquals(got.map((l) => l[1].value), want, what);
    for (let i = 0; i < got.length; i++) {
      const j = values.indexOf(want[i]);
      if (j >= 0) assert(got[i] === first[j], `${what}: series ${want[i]} is the known object`);
    }
  };
  const labelsOf = (vs: string[]) => d.decodeV1(series(vs)).request.series.map((s) => s.labels);
  // In order, from the middle, reversed, every other one, shuffled (past the 32 guesses after
  // which a request out of order is looked up in batch).
  const orders = [
    values,
    values.slice(150).concat(values.slice(0, 150)),
    values.slice().reverse(),
    values.filter((_, i) => i % 2 === 0),
  ];
  const rand = rng(3);
  const shuffled = values.slice();
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  orders.push(shuffled);
  for (const [i, o] of orders.entries()) same(labelsOf(o), o, `order ${i}`);
  assertEquals(d.cache.misses, misses, "no known label set is built again");
  // Values that share a prefix with the guessed entry's (v2x after v1, v after v2x, v31 after
  // v30 = the entry after v1 is v2) are not taken for it.
  const near = ["v1", "v2x", "v", "v30", "v31x", "v4"];
  same(labelsOf(near), near, "near keys");
  assertEquals(d.cache.misses, misses + 3, "v2x, v and v31x are new; v1, v30 and v4 are known");
  assertEquals(d.regionIndexSize, 303);
});

Deno.test("a series found by following the insertion order is moved forward under its own hash when the index rotates", () => {
  // Generations of 2 entries: R2's new series N rotates the index before B, found by following
  // the order (so without its hash), is moved forward.
  const d = indexed(new LabelCache(2, undefined, { clock: slowClock() }), slowClock());
  const [a, b] = d.decodeV1(series(["A", "B"])).request.series.map((s) => s.labels);
  const r2 = d.decodeV1(series(["A", "N", "B"])).request.series.map((s) => s.labels);
  assert(r2[0] === a && r2[2] === b, "A and B are the known objects");
  assertEquals(d.regionIndexSize, 4, "current: N, B; previous: A, B");
  // B must now be found in the current generation under its hash; a wrong hash would miss it
  // there, move it forward again and rotate (size 3).
  const r3 = d.decodeV1(series(["B"])).request.series.map((s) => s.labels);
  assert(r3[0] === b, "B is the known object");
  assertEquals(d.regionIndexSize, 4);
});

Deno.test("validation marks live beside index entries and move with them across rotations", () => {
  // Generations of 2 entries, as above: R2's new series N rotates the index before B moves on.
  const d = indexed(new LabelCache(2, undefined, { clock: slowClock() }), slowClock());
  const X = { limits: "x" }, Y = { limits: "y" };
  const decode = (vs: string[]) => d.decodeV1(series(vs)).request.series;
  const marks = (s: readonly unknown[]) => s.map((x) => (x as { validFor?: unknown }).validFor);
  d.noteValidated(decode(["A", "B"]), X);
  const r2 = decode(["A", "N", "B"]);
  assertEquals(marks(r2), [X, undefined, X], "A (current), N (new), B (moved on)");
  d.noteValidated(r2, Y); // current: N, B; previous: A, B
  assertEquals(marks(decode(["B"])), [Y], "B, moved forward with its mark");
  // A moves forward from the previous generation, which that rotates away: its mark goes with
  // it (not the mark of whatever entry now has its number: N's Y).
  assertEquals(marks(decode(["A"])), [undefined]);
  // Only the last request's own series can be marked.
  const stale = decode(["P", "Q"]);
  decode(["P"]);
  d.noteValidated(stale, X);
  assertEquals(marks(decode(["P", "Q"])), [undefined, undefined]);
});
