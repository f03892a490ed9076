import { assertEquals } from "../../tests/assert.ts";
import { xxhash64 } from "./xxhash.ts";

const enc = new TextEncoder();

Deno.test("xxhash64() matches the reference vectors", () => {
  assertEquals(xxhash64(new Uint8Array()), 0xef46db3751d8e999n);
  assertEquals(xxhash64(enc.encode("a")), 0xd24ec4f1a98c6e5bn);
  assertEquals(xxhash64(enc.encode("abc")), 0x44bc2cf5ad770999n);
  assertEquals(
    xxhash64(enc.encode("Nobody inspects the spammish repetition")),
    0xfbcea83c8a378bf1n,
  );
});
