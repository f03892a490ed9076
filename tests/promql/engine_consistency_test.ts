/**
 * A property upstream only checks at each eval's own time: for every expression of the corpus and
 * our .test files, an instant query at T and a range query around T (step 1m) must agree at T.
 * Here T is a few times the files never use. Expressions whose value depends on the query grid
 * (`start()`, `end()`, `step()`, `range()`) and the order-dependent `limitk`/`limit_ratio` are
 * left out.
 */
import { assert } from "../assert.ts";
import { labelsKey } from "../../engine/model/labels.ts";
import { MemoryStorage } from "../../engine/storage/memory.ts";
import { almostEqual } from "./compare.ts";
import { loadInto } from "./load.ts";
import { CORPUS_DIR, listTestFiles, loadEngine, OWN_TESTDATA_DIR } from "./runner.ts";
import { parseTestFile } from "./test_file.ts";

const corpusFiles = await listTestFiles(CORPUS_DIR);
const engine = corpusFiles.length > 0 ? await loadEngine() : undefined;
if (corpusFiles.length === 0) console.log("skipped: conformance corpus not found");

const GRID_DEPENDENT = /(start|end|range|step)\s*\(\s*\)|limitk|limit_ratio/i;

Deno.test({
  name: "instant and range evaluation agree at the same time for every corpus expression",
  ignore: !engine,
  async fn() {
    const bad: string[] = [];
    let checked = 0;
    const files = [...corpusFiles, ...await listTestFiles(OWN_TESTDATA_DIR)];
    for (const f of files) {
      const storage = new MemoryStorage();
      for (const c of parseTestFile(await Deno.readTextFile(f))) {
        if (c.kind === "clear") storage.clear();
        else if (c.kind === "load") loadInto(storage, c);
        if (c.kind !== "eval" || GRID_DEPENDENT.test(c.expr)) continue;
        for (const t of [90_000, 437_000, 3_000_000]) {
          let inst, range;
          try {
            inst = await engine!.instantQuery(storage, c.expr, t);
            range = await engine!.rangeQuery(storage, c.expr, t - 120_000, t + 120_000, 60_000);
          } catch {
            continue; // Failing queries are the conformance runner's business.
          }
          if (inst.value.type !== "vector" && inst.value.type !== "scalar") continue;
          if (range.value.type !== "matrix") {
            bad.push(`${c.expr}: range query returned ${range.value.type}`);
            continue;
          }
          checked++;
          const want = new Map<string, number>();
          if (inst.value.type === "scalar") want.set(labelsKey([]), inst.value.v);
          else {
            for (const s of inst.value.samples) {
              if (s.v !== undefined) want.set(labelsKey(s.labels), s.v);
            }
          }
          const got = new Map<string, number>();
          for (const s of range.value.series) {
            const i = s.t.indexOf(t);
            if (i >= 0) got.set(labelsKey(s.labels), s.v[i]);
          }
          let same = want.size === got.size;
          for (const [k, v] of want) if (!got.has(k) || !almostEqual(v, got.get(k)!)) same = false;
          if (!same) {
            const name = f.pathname.slice(f.pathname.lastIndexOf("/") + 1);
            bad.push(`${name}:${c.line} at ${t}ms: ${c.expr}`);
          }
        }
      }
    }
    assert(checked > 1000, `only ${checked} comparisons ran`);
    assert(bad.length === 0, `${bad.length} disagreements:\n${bad.slice(0, 10).join("\n")}`);
  },
});
