import { assertEquals } from "../../tests/assert.ts";
import { BenchEncoderV1, benchLabelSets, benchRequestV1, encodeV1 } from "./payloads.ts";

Deno.test("BenchEncoderV1 writes the same bytes as protobuf-es", () => {
  const sets = benchLabelSets(300);
  sets.push([["__name__", "ü€"], ["a", "x".repeat(200)]]); // multi-byte and long values
  const values = Float64Array.from(sets, (_, i) => (i % 7 === 0 ? NaN : i * 1.5 - 100));
  const enc = new BenchEncoderV1(sets);
  for (const [from, to, t] of [[0, 301, 1_795_000_000_123], [10, 20, 5], [300, 301, 1]]) {
    assertEquals(
      enc.encode(from, to, t, values.subarray(from, to)),
      encodeV1(benchRequestV1(sets.slice(from, to), t, 0, values.subarray(from, to))),
    );
  }
  // Per-series timestamps: the same as one series per request.
  const offsets = Float64Array.from(sets, (_, i) => (i % 3) * 7 - 7);
  const got = enc.encode(0, 3, 1_795_000_000_000, values.subarray(0, 3), offsets);
  const want = [0, 1, 2].map((i) =>
    encodeV1(benchRequestV1([sets[i]], 1_795_000_000_000 + offsets[i], 0, [values[i]]))
  );
  assertEquals(got, Uint8Array.from(want.flatMap((b) => [...b])));
});
