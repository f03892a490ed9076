/**
 * Byte compatibility with real Prometheus: tests/fixtures/prometheus_chunks/chunks.json holds XOR
 * chunks that Prometheus (Debian 2.42) wrote, with the samples its HTTP API returned for the same
 * series (see make.sh there). Our codec must decode them to those samples and re-encode them to
 * the same bytes.
 */
import { assert, assertEquals } from "../tests/assert.ts";
import { createChunkArena, decodeXorChunk, encodeXorChunk } from "./mod.ts";
import { refEncode } from "./xor_ref.ts";

interface FixtureSeries {
  labels: Record<string, string>;
  minT: number;
  maxT: number;
  chunk: string;
  /** Comma-separated `t v` pairs, t in ms and v as Prometheus's API prints it. */
  samples: string;
}

const fixture: { prometheus: string; series: FixtureSeries[] } = JSON.parse(
  await Deno.readTextFile(
    new URL("../tests/fixtures/prometheus_chunks/chunks.json", import.meta.url),
  ),
);

function unbase64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

/** Parses a value as Prometheus's API prints it (strconv 'f', -1, or NaN/+Inf/-Inf). */
function apiValue(s: string): number {
  if (s === "NaN") return NaN;
  if (s === "+Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  return Number(s);
}

function isStale(v: number): boolean {
  const b = new BigUint64Array(Float64Array.of(v).buffer)[0];
  return b === 0x7ff0000000000002n;
}

function name(s: FixtureSeries): string {
  return JSON.stringify(s.labels);
}

Deno.test("the Prometheus chunk fixture is present and non-trivial", () => {
  assert(fixture.series.length >= 10, "fixture has too few series");
  assert(fixture.series.some((s) => s.samples.split(",").length >= 50), "fixture chunks are short");
});

Deno.test("decodeXorChunk() of Prometheus-written chunks gives the samples Prometheus's API returned", () => {
  for (const s of fixture.series) {
    const bytes = unbase64(s.chunk);
    const d = decodeXorChunk(bytes);
    assertEquals(d.t.length, (bytes[0] << 8) | bytes[1], name(s));
    assertEquals(d.t[0], s.minT, name(s));
    assertEquals(d.t[d.t.length - 1], s.maxT, name(s));
    // The API leaves out staleness markers.
    const t: number[] = [], v: number[] = [];
    d.t.forEach((x, i) => isStale(d.v[i]) ? 0 : (t.push(x), v.push(d.v[i])));
    const api = s.samples.split(",").map((p) => p.split(" "));
    assertEquals(t, api.map(([x]) => Number(x)), name(s));
    assertEquals(v, api.map(([, x]) => apiValue(x)), name(s));
  }
});

Deno.test("re-encoding Prometheus-written chunks reproduces their bytes", () => {
  const a = createChunkArena();
  for (const s of fixture.series) {
    const bytes = unbase64(s.chunk);
    const d = decodeXorChunk(bytes);
    // Prometheus 2.x leaves one extra zero byte after a byte-aligned whole-byte write; 3.x does not.
    const ours = encodeXorChunk(d.t, d.v);
    const extra = bytes.length - ours.length;
    assert(extra === 0 || (extra === 1 && bytes.at(-1) === 0), `${name(s)}: ${extra} extra bytes`);
    assertEquals(Array.from(ours), Array.from(bytes.subarray(0, ours.length)), name(s));
    // The oracle modelling the 2.x writer reproduces the file exactly.
    assertEquals(
      Array.from(refEncode(d.t, d.v, fixture.prometheus.startsWith("2.") ? "v2" : "v3")),
      Array.from(bytes),
      name(s),
    );
    // Re-opening the chunk and appending more continues it as Prometheus would.
    const h = a.openFrom(bytes);
    assertEquals(Array.from(a.bytes(h)), Array.from(ours), name(s));
    a.free(h);
  }
});
