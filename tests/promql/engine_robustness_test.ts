/**
 * Every expression of the corpus and our own .test files, evaluated at times and grids the files
 * never use (negative times, odd offsets, single-step and ragged ranges), including the
 * native-histogram ones: the engine may answer or fail with its typed query errors, but must
 * never crash (TypeError, ReferenceError, `BUG:` assertions, bare Errors).
 */
import { assert } from "../assert.ts";
import { MemoryStorage } from "../../engine/storage/memory.ts";
import { loadInto } from "./load.ts";
import { CORPUS_DIR, listTestFiles, loadEngine, OWN_TESTDATA_DIR } from "./runner.ts";
import { parseTestFile } from "./test_file.ts";

const corpusFiles = await listTestFiles(CORPUS_DIR);
const engine = corpusFiles.length > 0 ? await loadEngine() : undefined;
if (corpusFiles.length === 0) console.log("skipped: conformance corpus not found");

function isCrash(e: unknown): boolean {
  if (!(e instanceof Error)) return true;
  return e instanceof TypeError || e instanceof ReferenceError || e.constructor === Error ||
    e.message.startsWith("BUG");
}

Deno.test({
  name: "corpus expressions at unusual times and grids never crash the engine",
  ignore: !engine,
  async fn() {
    const crashes: string[] = [];
    const files = [...corpusFiles, ...await listTestFiles(OWN_TESTDATA_DIR)];
    for (const f of files) {
      const storage = new MemoryStorage();
      for (const c of parseTestFile(await Deno.readTextFile(f))) {
        if (c.kind === "clear") storage.clear();
        else if (c.kind === "load") loadInto(storage, c);
        else if (c.kind === "eval") {
          const runs: (() => Promise<unknown>)[] = [
            () => engine!.instantQuery(storage, c.expr, -60_000),
            () => engine!.instantQuery(storage, c.expr, 7 * 60_000 + 13),
            () => engine!.instantQuery(storage, c.expr, 3_600_000),
            () => engine!.rangeQuery(storage, c.expr, 0, 600_000, 17_000),
            () => engine!.rangeQuery(storage, c.expr, -120_000, 120_000, 60_000),
            () => engine!.rangeQuery(storage, c.expr, 5_000, 5_000, 1),
          ];
          for (const run of runs) {
            try {
              await run();
            } catch (e) {
              if (isCrash(e)) {
                const where = `${f.pathname.slice(f.pathname.lastIndexOf("/") + 1)}:${c.line}`;
                crashes.push(`${where} ${c.expr}: ${(e as Error)?.stack ?? e}`);
              }
            }
          }
        }
      }
    }
    assert(crashes.length === 0, `${crashes.length} crashes:\n${crashes.slice(0, 10).join("\n")}`);
  },
});
