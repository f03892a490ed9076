import { assertEquals } from "../../tests/assert.ts";
import { rng } from "../../tests/rng.ts";
import { ByteReader, ByteWriter } from "./byte_buffer.ts";

/** The bytes ByteWriter.str must write: varint UTF-8 length, then TextEncoder's bytes. */
function reference(s: string): number[] {
  const b = new TextEncoder().encode(s);
  const out: number[] = [];
  let x = b.length;
  while (x >= 0x80) {
    out.push((x & 0x7f) | 0x80);
    x >>>= 7;
  }
  out.push(x);
  return [...out, ...b];
}

const PIECES = [
  "a",
  "node_cpu_seconds_total",
  "ü",
  "€",
  "😀",
  "\ud800",
  "\udc00x",
  "\x7f",
  "\x80",
  "é",
];

function randomString(r: () => number): string {
  const parts: string[] = [];
  const n = r() < 0.2 ? Math.floor(r() * 400) : Math.floor(r() * 12);
  for (let i = 0; i < n; i++) {
    parts.push(
      r() < 0.9
        ? String.fromCharCode(32 + Math.floor(r() * 95))
        : PIECES[Math.floor(r() * PIECES.length)],
    );
  }
  return parts.join("");
}

Deno.test("ByteWriter.str() writes TextEncoder's bytes with a varint length, ASCII or not", () => {
  const r = rng(42);
  const w = new ByteWriter(4);
  for (let i = 0; i < 2000; i++) {
    const s = randomString(r);
    w.reset();
    w.u8(9);
    w.str(s);
    assertEquals(Array.from(w.view()), [9, ...reference(s)], JSON.stringify(s));
  }
});

Deno.test("ByteReader.str() reads back what ByteWriter.str() wrote", () => {
  const r = rng(7);
  const w = new ByteWriter(4);
  const strings: string[] = [];
  for (let i = 0; i < 500; i++) {
    const s = randomString(r).replace(/[\ud800-\udfff]/g, "?"); // lone surrogates become U+FFFD
    strings.push(s);
    w.str(s);
  }
  const rd = new ByteReader(w.view());
  for (const s of strings) assertEquals(rd.str(), s);
  assertEquals(rd.done(), true);
});
