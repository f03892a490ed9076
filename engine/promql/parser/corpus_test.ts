/**
 * Every `eval` expression of the upstream promqltest corpus parses (upstream parses them all at
 * file-load time, even the `expect fail` ones) and survives print -> parse -> print unchanged.
 */

import { assert, assertEquals } from "../../../tests/assert.ts";
import { formatExpr, parseExpr, PromQLParseError } from "./mod.ts";

const CORPUS = new URL("../../../../shared/conformance/promqltest/", import.meta.url);

const INSTANT = /^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$/;
const RANGE =
  /^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$/;

function corpusFiles(): string[] {
  try {
    return [...Deno.readDirSync(CORPUS)]
      .filter((e) => e.isFile && e.name.endsWith(".test"))
      .map((e) => e.name)
      .sort();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

/** The query of every eval line in a .test file. */
function evalQueries(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line.toLowerCase().startsWith("eval")) continue;
    const m = INSTANT.exec(line);
    if (m) {
      out.push(m[3]);
      continue;
    }
    const r = RANGE.exec(line);
    if (r) out.push(r[5]);
  }
  return out;
}

const files = corpusFiles();
if (files.length === 0) console.log("skipped: conformance corpus not found");

Deno.test({
  name: "every eval expression of the upstream corpus parses and round-trips",
  ignore: files.length === 0,
  fn() {
    let total = 0;
    const failures: string[] = [];
    for (const f of files) {
      for (const q of evalQueries(Deno.readTextFileSync(new URL(f, CORPUS)))) {
        total++;
        try {
          const printed = formatExpr(parseExpr(q));
          const again = formatExpr(parseExpr(printed));
          if (again !== printed) failures.push(`${f}: ${q}: printed ${printed} then ${again}`);
        } catch (e) {
          if (!(e instanceof PromQLParseError)) throw e;
          failures.push(`${f}: ${q}: ${e.message}`);
        }
      }
    }
    console.log(
      `corpus: ${total} eval expressions, ${total - failures.length} parsed and round-tripped`,
    );
    // FORMAT.md section 8 counts 2214 evals; a smaller number means the extraction broke.
    assert(total >= 2214, `only ${total} eval lines found`);
    assertEquals(failures, []);
  },
});
