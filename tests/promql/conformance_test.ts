/**
 * Runs the upstream PromQL corpus (../shared/conformance/promqltest beside the repository root)
 * and our own tests/promql/testdata/*.test through the Engine and MemoryStorage. Fails when the
 * number of passing non-histogram evals drops below tests/promql/baseline.json.
 */
import { assert } from "../assert.ts";
import {
  type Baseline,
  BASELINE_FILE,
  CORPUS_DIR,
  formatSummary,
  listTestFiles,
  loadEngine,
  OWN_TESTDATA_DIR,
  runFiles,
  summarize,
} from "./runner.ts";

const corpusFiles = await listTestFiles(CORPUS_DIR);
const engine = await loadEngine();

if (corpusFiles.length === 0) console.log("skipped: conformance corpus not found");

Deno.test({
  name: "the PromQL conformance corpus passes at least as many evals as the baseline",
  ignore: corpusFiles.length === 0,
  async fn() {
    const files = [...corpusFiles, ...await listTestFiles(OWN_TESTDATA_DIR)];
    const reports = await runFiles(files, engine);
    console.log(formatSummary(reports));
    const baseline = JSON.parse(await Deno.readTextFile(BASELINE_FILE)) as Baseline;
    const { passed } = summarize(reports);
    const drops: string[] = [];
    for (const r of reports) {
      const was = baseline.files[r.file] ?? 0;
      if (r.passed < was) drops.push(`${r.file}: ${r.passed} < ${was}`);
    }
    if (drops.length > 0) console.log(`files below their baseline: ${drops.join("; ")}`);
    assert(
      passed >= baseline.passed,
      `conformance passes dropped: ${passed} < baseline ${baseline.passed} (${drops.join("; ")})`,
    );
  },
});
