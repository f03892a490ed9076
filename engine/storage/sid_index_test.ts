import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { SidIndex } from "./sid_index.ts";

Deno.test("SidIndex finds every id under its hash through growth, collisions and deletes", () => {
  const idx = new SidIndex();
  const model = new Map<number, number>(); // sid -> hash
  let seed = 11;
  const rnd = (n: number) => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
  // Few distinct hashes (many collisions), some above 2^31 to check sign handling.
  const hashOf = (sid: number) => (sid % 37) * 0x0badf00d;
  for (let step = 0; step < 20000; step++) {
    const sid = 1 + rnd(3000);
    if (model.has(sid)) {
      if (rnd(2) === 0) {
        assertEquals(idx.delete(hashOf(sid), sid), true);
        model.delete(sid);
      }
    } else {
      idx.add(hashOf(sid), sid);
      model.set(sid, hashOf(sid));
    }
  }
  assertEquals(idx.size, model.size);
  for (let sid = 1; sid <= 3000; sid++) {
    const found = idx.find(hashOf(sid), (x) => x === sid);
    assertEquals(found, model.has(sid) ? sid : 0, `sid ${sid}`);
  }
  assertEquals(idx.delete(hashOf(5000), 5000), false);
  assertThrows(() => idx.add(1, 0), RangeError);
});
