import { assert, assertEquals } from "../../tests/assert.ts";
import { alignedWords, equalBytesAligned, mixBytes } from "./bytes_hash.ts";

/** `content` placed at byte offset `at` of a buffer ending `tail` bytes after it. */
function placed(content: Uint8Array, at: number, tail: number) {
  const buf = new Uint8Array(at + content.length + tail);
  buf.set(content, at);
  return { buf, u32: alignedWords(buf)!, s: at, e: at + content.length };
}

Deno.test("mixBytes depends only on content, at every alignment and at the buffer's end", () => {
  for (let len = 0; len < 40; len++) {
    const content = Uint8Array.from({ length: len }, (_, i) => (i * 37 + len) & 255);
    const want = (() => {
      const p = placed(content, 0, 8);
      return mixBytes(7, p.buf, p.u32, p.s, p.e);
    })();
    for (let at = 0; at < 8; at++) {
      for (const tail of [0, 1, 3, 8]) {
        const p = placed(content, at, tail);
        assertEquals(mixBytes(7, p.buf, p.u32, p.s, p.e), want, `len ${len} at ${at} tail ${tail}`);
      }
    }
  }
});

Deno.test("mixBytes changes when any word changes, odd and even word positions alike", () => {
  const base = Uint8Array.from({ length: 64 }, (_, i) => i);
  const p0 = placed(base, 1, 0);
  const h0 = mixBytes(7, p0.buf, p0.u32, p0.s, p0.e);
  for (let i = 0; i < base.length; i++) {
    const c = base.slice();
    c[i] ^= 0x40;
    const p = placed(c, 1, 0);
    assert(mixBytes(7, p.buf, p.u32, p.s, p.e) !== h0, `byte ${i}`);
    const k = new Uint8Array(64);
    k.set(base);
    assert(!equalBytesAligned(p.buf, p.u32, p.s, p.e, k, alignedWords(k)!, 0), `equal ${i}`);
  }
});
