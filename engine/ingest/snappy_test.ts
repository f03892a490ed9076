import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { BodyTooLargeError, SnappyDecodeError } from "./errors.ts";
import { snappyDecode, snappyDecodeReference, snappyDecodeView, snappyEncode } from "./snappy.ts";
import { benchLabelSets, benchRequestV1, encodeV1 } from "./payloads.ts";
import { rng } from "../../tests/rng.ts";

function sample(r: () => number, n: number, alphabet: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    // Runs and repeats so that every copy form (offsets 1..7 included) appears.
    if (i > 8 && r() < 0.3) out[i] = out[i - 1 - Math.floor(r() * 8)];
    else out[i] = Math.floor(r() * alphabet);
  }
  return out;
}

/** Our result for a block, or "error". */
function ours(block: Uint8Array): Uint8Array | "error" {
  try {
    return snappyDecode(block, 1 << 24);
  } catch (e) {
    if (e instanceof SnappyDecodeError || e instanceof BodyTooLargeError) return "error";
    throw e;
  }
}

function reference(block: Uint8Array): Uint8Array | "error" {
  try {
    return snappyDecodeReference(block);
  } catch {
    return "error";
  }
}

Deno.test("snappy decoding gives back what snappy-wasm compressed, for many shapes and sizes", () => {
  const r = rng(1);
  const sizes = [0, 1, 7, 15, 16, 17, 59, 60, 61, 255, 256, 257, 4096, 65535, 65536, 70000, 300000];
  for (const n of sizes) {
    for (const alphabet of [1, 2, 4, 16, 256]) {
      const data = sample(r, n, alphabet);
      const block = snappyEncode(data);
      assertEquals(snappyDecode(block, 1 << 24), data, `n=${n} alphabet=${alphabet}`);
    }
  }
  const payload = encodeV1(benchRequestV1(benchLabelSets(2000), 1_700_000_000_000, 7));
  assertEquals(snappyDecode(snappyEncode(payload), 1 << 24), payload);
});

Deno.test("hand-made blocks with every literal and copy form decode like snappy-wasm", () => {
  const cases: number[][] = [
    // literal of 3 (tag 0b000010_00), then copy-1 length 4 offset 1 (overlapping run)
    [7, 0x08, 1, 2, 3, 0x01, 0x01],
    // literal with a 1-byte length (tag 60): 61 bytes
    [61, 60 << 2, 60, ...new Array(61).fill(9)],
    // literal with a 2-byte length (tag 61): 300 bytes
    [0xac, 0x02, 61 << 2, 0x2b, 0x01, ...new Array(300).fill(5)],
    // copy-2 (length 10, offset 3) and copy-4 (length 5, offset 2) after a 3-byte literal
    [18, 0x08, 1, 2, 3, ((10 - 1) << 2) | 2, 3, 0, ((5 - 1) << 2) | 3, 2, 0, 0, 0],
    // copy-1 with offset 8 exactly and length 11
    [19, 0x1c, 1, 2, 3, 4, 5, 6, 7, 8, ((11 - 4) << 2) | 1, 8],
  ];
  for (const c of cases) {
    const block = new Uint8Array(c);
    const want = reference(block);
    assert(want !== "error", `case ${c.slice(0, 4)} is valid`);
    assertEquals(ours(block), want);
  }
});

Deno.test("corrupt and mutated blocks fail exactly when snappy-wasm fails, and decode the same otherwise", () => {
  const r = rng(2);
  const base = [
    snappyEncode(sample(r, 3000, 4)),
    snappyEncode(sample(r, 500, 256)),
    snappyEncode(encodeV1(benchRequestV1(benchLabelSets(20), 1_700_000_000_000, 1))),
  ];
  let failures = 0;
  for (let i = 0; i < 3000; i++) {
    const b = base[i % base.length].slice();
    const edits = 1 + Math.floor(r() * 3);
    for (let k = 0; k < edits; k++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
    const cut = r() < 0.2 ? b.subarray(0, Math.floor(r() * b.length)) : b;
    const want = reference(cut);
    const got = ours(cut);
    if (want === "error") failures++;
    assertEquals(got, want, `mutation ${i}`);
  }
  assert(failures > 100, `the mutations must produce corrupt blocks (${failures})`);
  for (
    const bad of [
      [],
      [0x80],
      [5, 0x00], // literal of 1, but 5 declared
      [4, 0x0c, 1, 2, 3], // literal of 4 with 3 bytes of input
      [4, 0x01, 0x00], // copy before any output
      [4, 0x00, 1, 0x01, 0x02], // copy offset 2 with 1 byte of output
      [3, 0x08, 1, 2, 3, 0x00, 9], // trailing literal beyond the declared length
      [2, 0xf0, 0xff, 0xff, 0xff, 0xff], // 4-byte literal length 2^32
    ]
  ) {
    assertThrows(() => snappyDecode(new Uint8Array(bad), 1 << 20), SnappyDecodeError);
    assertEquals(reference(new Uint8Array(bad)), "error");
  }
});

Deno.test("the view is the decoded bytes in place, 4-aligned, and the declared length is checked first", () => {
  const data = sample(rng(3), 10000, 8);
  const block = snappyEncode(data);
  const view = snappyDecodeView(block, 1 << 20);
  assertEquals(view.byteOffset % 4, 0);
  assertEquals(view.slice(), data);
  assertThrows(() => snappyDecodeView(block, 9999), BodyTooLargeError);
  // A large block grows the buffer; the next small one still decodes.
  const big = sample(rng(4), 9 << 20, 3);
  assertEquals(snappyDecode(snappyEncode(big), 16 << 20).length, big.length);
  assertEquals(snappyDecodeView(block, 1 << 20).slice(), data);
});
