import { assert, assertEquals } from "../../tests/assert.ts";
import { create } from "@bufbuild/protobuf";
import { alignedWords, equalBytesAligned, mixBytes } from "./bytes_hash.ts";
import { LabelCache } from "./label_cache.ts";
import { RemoteWriteDecoder } from "./decoder.ts";
import { encodeV1, rng } from "./payloads.ts";
import { WriteRequestSchema } from "./gen/prometheus/remote_pb.ts";

Deno.test("mixBytes() depends on content only, not on alignment or trailing bytes", () => {
  const r = rng(5);
  for (let it = 0; it < 500; it++) {
    const len = Math.floor(r() * 40);
    const data = Uint8Array.from({ length: len }, () => Math.floor(r() * 256));
    const hashes = new Set<number>();
    for (let off = 0; off < 4; off++) {
      for (const pad of [0, 1, 5]) {
        const buf = new Uint8Array(off + len + pad).fill(0xaa);
        buf.set(data, off);
        hashes.add(mixBytes(7, buf, alignedWords(buf)!, off, off + len));
      }
    }
    assertEquals(hashes.size, 1, `length ${len}`);
  }
});

Deno.test("equalBytesAligned() agrees with a byte loop at every alignment", () => {
  const r = rng(6);
  for (let it = 0; it < 500; it++) {
    const len = Math.floor(r() * 40);
    const key = Uint8Array.from({ length: len }, () => Math.floor(r() * 4));
    for (let off = 0; off < 4; off++) {
      const buf = new Uint8Array(off + len + Math.floor(r() * 3));
      for (let i = 0; i < len; i++) buf[off + i] = r() < 0.97 ? key[i] : Math.floor(r() * 4);
      let naive = true;
      for (let i = 0; i < len; i++) if (buf[off + i] !== key[i]) naive = false;
      const got = equalBytesAligned(
        buf,
        alignedWords(buf)!,
        off,
        off + len,
        key,
        alignedWords(key)!,
      );
      assertEquals(got, naive, `len ${len} off ${off}`);
    }
  }
});

function series(values: string[]): Uint8Array {
  return encodeV1(create(WriteRequestSchema, {
    timeseries: values.map((v) => ({
      labels: [{ name: "__name__", value: "m" }, { name: "id", value: v }],
      samples: [{ value: 1, timestamp: 1n }],
    })),
  }));
}

Deno.test("the label cache tells apart series whose raw label hashes collide", () => {
  // Find two label values whose raw 1.0 label regions hash alike (30-bit hash: birthday search).
  const cache = new LabelCache();
  const seen = new Map<number, string>();
  let pair: [string, string] | undefined;
  for (let i = 0; pair === undefined && i < 1_000_000; i++) {
    const v = `v${i}`;
    const buf = series([v]);
    // Raw region: from the first label tag (offset 2 inside the TimeSeries) to before the sample.
    const ts = buf.subarray(2);
    // Label field 1 is 15 bytes (0a 0d + 13); field 2 is 0a L 0a 02 "id" 12 len value.
    const end = 15 + 8 + v.length;
    assertEquals(ts[end], 0x12, "the samples field follows the labels");
    const region = ts.slice(0, end);
    const h = cache.hashRaw(region, alignedWords(region)!, 0, region.length);
    const other = seen.get(h);
    if (other !== undefined) pair = [other, v];
    seen.set(h, v);
  }
  assert(pair !== undefined, "found a collision");
  assert(pair[0] !== pair[1] && seen.size > 1000, `a real collision: ${pair}`);
  const d = new RemoteWriteDecoder(cache);
  const a = d.decodeV1(series([pair[0]])).request.series[0].labels;
  const b = d.decodeV1(series([pair[1]])).request.series[0].labels;
  const a2 = d.decodeV1(series([pair[0]])).request.series[0].labels;
  assertEquals(a[1].value, pair[0]);
  assertEquals(b[1].value, pair[1]);
  assert(a2 === a, "the first entry is still found behind the colliding one");
});

Deno.test("the label cache is bounded by two generations and stays correct across evictions", () => {
  let now = 0;
  // Slow churn (10 min per request): generations rotate instead of growing.
  const cache = new LabelCache(100, undefined, { clock: () => (now += 600_000) });
  const d = new RemoteWriteDecoder(cache);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 1000; i += 50) {
      const values = Array.from({ length: 50 }, (_, k) => `s${i + k}`);
      const out = d.decodeV1(series(values)).request.series;
      assertEquals(out.map((s) => s.labels[1].value), values);
      assert(cache.size <= 200, `size ${cache.size}`);
    }
  }
});

Deno.test("the label cache grows when its working set fills a generation quickly", () => {
  const now = 0;
  const cache = new LabelCache(100, undefined, { clock: () => now, entriesCap: 1000 });
  const d = new RemoteWriteDecoder(cache);
  const bodies = Array.from(
    { length: 10 },
    (_, i) => series(Array.from({ length: 50 }, (_, k) => `s${i * 50 + k}`)),
  );
  for (const b of bodies) d.decodeV1(b); // 500 series within one scrape interval
  const misses = cache.misses;
  for (const b of bodies) d.decodeV1(b);
  assertEquals(cache.misses, misses, "the second pass over the working set only hits");
  assertEquals(cache.size, 500);
});

Deno.test("label cache keys spread over many key blocks still hit, and equal pairs share Labels", () => {
  const cache = new LabelCache();
  const d = new RemoteWriteDecoder(cache);
  // ~100-byte keys x 30k series: ~3 MiB of keys, i.e. blocks of 64 KiB doubling to 1 MiB.
  const pad = "x".repeat(80);
  const bodies = Array.from(
    { length: 60 },
    (_, i) => series(Array.from({ length: 500 }, (_, k) => `${pad}-${i * 500 + k}`)),
  );
  const first = bodies.map((b) => d.decodeV1(b).request.series.map((s) => s.labels));
  const misses = cache.misses;
  for (let i = 0; i < bodies.length; i++) {
    const again = d.decodeV1(bodies[i]).request.series.map((s) => s.labels);
    for (let k = 0; k < again.length; k++) {
      assert(again[k] === first[i][k], `series ${i * 500 + k} hit its cached Labels`);
      assertEquals(again[k][1].value, `${pad}-${i * 500 + k}`);
    }
  }
  assertEquals(cache.misses, misses);
  // Every series has __name__="m": one shared Label object.
  assert(first[0][0][0] === first[59][499][0], "the common pair is one object");
  assertEquals(cache.labelPairs.count, 30_001);
});

Deno.test("shared label pairs stay correct while the string table keeps resetting", () => {
  // 40 strings per table epoch: interning resets it every few series, also between a label's
  // name and its value, which invalidates ids taken before the reset.
  const cache = new LabelCache(100_000, 40);
  const d = new RemoteWriteDecoder(cache);
  for (let round = 0; round < 3; round++) {
    const values = Array.from({ length: 300 }, (_, k) => `v${(k * 7 + round) % 300}`);
    const out = d.decodeV1(series(values)).request.series;
    assertEquals(
      out.map((s) => s.labels.map((l) => `${l.name}=${l.value}`).join(",")),
      values.map((v) => `__name__=m,id=${v}`),
    );
  }
  assert(cache.strings.epoch >= 5, `epochs ${cache.strings.epoch}`);
});
