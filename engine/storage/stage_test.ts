import { assert, assertEquals } from "../../tests/assert.ts";
import { isStaleNaN, STALE_NAN } from "../model/value.ts";
import { Stage } from "./stage.ts";

Deno.test("a rolled-back request restores the staged last samples bit-exactly", () => {
  const st = new Stage();
  st.begin(1, 0);
  st.mark();
  st.set(3, 1000, STALE_NAN);
  st.set(5, 1000, -0);
  const m = st.mark();
  // A later request of the same batch touches the same series (more than the initial log size)
  // and is rejected.
  for (let i = 0; i < 3000; i++) st.set(3 + (i % 2) * 2, 2000 + i, i);
  st.set(7, 2000, 1);
  st.rollback(m);
  assert(st.has(3) && st.has(5));
  assert(!st.has(7), "series first staged by the rejected request is not staged");
  assertEquals(st.lastT(3), 1000);
  assert(isStaleNaN(st.lastV(3)), "the staleness marker survives the rollback");
  assertEquals(Object.is(st.lastV(5), -0), true);
});
