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
});
