import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { alignedWords } from "./bytes_hash.ts";
import { ProtobufDecodeError } from "./errors.ts";
import { StringTable } from "./string_table.ts";

function bytes(s: string, offset = 0): [Uint8Array, Uint32Array, number, number] {
  const b = new TextEncoder().encode(s);
  const buf = new Uint8Array(offset + b.length + 3);
  buf.set(b, offset);
  return [buf, alignedWords(buf)!, offset, offset + b.length];
}

Deno.test("StringTable interns equal bytes at any alignment to one string and id", () => {
  const t = new StringTable();
  const ids = new Set<number>();
  const strs = new Set<string>();
  for (let off = 0; off < 8; off++) {
    const [buf, u32, s, e] = bytes("node_cpu_seconds_total", off);
    ids.add(t.id(buf, u32, s, e));
    strs.add(t.get(buf, u32, s, e));
  }
  assertEquals([ids.size, [...strs]], [1, ["node_cpu_seconds_total"]]);
  assertEquals(t.intern("ünï€"), "ünï€");
  assertEquals(t.size, 2);
});

Deno.test("StringTable keeps distinct strings distinct across growth", () => {
  const t = new StringTable();
  const got: string[] = [];
  for (let i = 0; i < 20000; i++) {
    const [buf, u32, s, e] = bytes(`v${i}`, i % 4);
    got.push(t.get(buf, u32, s, e));
  }
  for (let i = 0; i < 20000; i++) assert(got[i] === `v${i}`, `entry ${i}`);
  assertEquals(t.size, 20000);
  const [buf, u32, s, e] = bytes("v123");
  assertEquals(t.id(buf, u32, s, e), 123);
});

Deno.test("StringTable rejects invalid UTF-8 with ProtobufDecodeError", () => {
  const buf = new Uint8Array([0x61, 0xff, 0x62, 0]);
  assertThrows(() => new StringTable().get(buf, alignedWords(buf)!, 0, 3), ProtobufDecodeError);
});
