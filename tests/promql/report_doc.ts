/**
 * Renders docs/promql-conformance.md from runner reports: how to run, pass counts per file and
 * every remaining failure with its reason. Hand-written explanations live in
 * tests/promql/failure_notes.json (`"file:line": "why"`) and are shown beside the runner's text.
 */
import type { FileReport } from "./runner.ts";

function summarize(reports: readonly FileReport[]) {
  let passed = 0, failed = 0, skipped = 0;
  for (const r of reports) passed += r.passed, failed += r.failed, skipped += r.skipped;
  return { passed, failed, skipped };
}

/** Where the hand-written failure explanations live. */
export const FAILURE_NOTES_FILE = new URL("./failure_notes.json", import.meta.url);

/** Loads failure notes; {} when the file does not exist. */
export async function loadFailureNotes(): Promise<Record<string, string>> {
  try {
    return JSON.parse(await Deno.readTextFile(FAILURE_NOTES_FILE));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw e;
  }
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** The whole markdown document. */
export function conformanceDoc(
  reports: readonly FileReport[],
  notes: Readonly<Record<string, string>>,
  generatedAt: string,
): string {
  const t = summarize(reports);
  const run = t.passed + t.failed;
  const pct = run === 0 ? "0.0" : ((100 * t.passed) / run).toFixed(1);
  const out: string[] = [];
  out.push("# PromQL conformance");
  out.push("");
  out.push(
    "The upstream Prometheus PromQL test corpus (`../shared/conformance/promqltest/*.test`, " +
      "Prometheus 3.14.0; format in `../shared/conformance/FORMAT.md`) and our own " +
      "`tests/promql/testdata/*.test` run in-process against `Engine` (engine/promql) over " +
      "`MemoryStorage` (engine/storage/memory.ts) with the corpus' engine settings: lookback 5m, " +
      "max 10000 samples per query, default subquery step 1m, 100s timeout.",
  );
  out.push("");
  out.push("## How to run");
  out.push("");
  out.push("```sh");
  out.push(
    "./deno test -A tests/promql/conformance_test.ts   # fails if passes drop below baseline",
  );
  out.push("./deno run -A tests/promql/runner.ts              # every file, failures + summary");
  out.push("./deno run -A tests/promql/runner.ts functions.test --verbose  # expected vs got");
  out.push("./deno run -A tests/promql/runner.ts functions.test:523 --verbose  # one eval");
  out.push("./deno run -A tests/promql/runner.ts --write-baseline --write-doc  # refresh records");
  out.push("```");
  out.push("");
  out.push(
    "Flags: `--verbose` prints each failing eval as written plus what the engine returned; " +
      "`--no-range-check` / `--no-at-check` turn off the extra checks of FORMAT.md section 6. " +
      "Bare file names are " +
      "looked up in the corpus, then in tests/promql/testdata/. When the corpus directory is " +
      'missing the test prints "skipped: conformance corpus not found" and is ignored.',
  );
  out.push("");
  out.push(
    "What the runner checks, per FORMAT.md section 6: expected errors (exact, regex, " +
      "legacy `eval_fail` forms), warnings/infos (two-way match of `expect warn|info` lines, " +
      "`no_warn`/`no_info`, legacy `eval_warn`/`eval_info`), vector/matrix/scalar/string results " +
      "with the 1e-6 relative float tolerance, `ordered`, matrix sorting, the matrix point grid, " +
      "and for instant evals the range-mode re-check (t-1m..t+1m step 1m must yield the same " +
      "point at t). Not implemented: upstream's `@` step-invariance re-runs (FORMAT.md 6.1).",
  );
  out.push("");
  out.push(
    "Skipped (counted separately, never as passed): evals that expect native histograms or " +
      "whose expression names a metric holding native histograms in the current load segment " +
      "(or uses a selector without a metric name in such a segment), and evals on metrics with " +
      "`@st` start timestamps (MemoryStorage has no start timestamps). That leaves 1266 of the " +
      "2214 upstream evals, the same split as FORMAT.md section 8.",
  );
  out.push("");
  out.push(`## Results (generated ${generatedAt})`);
  out.push("");
  const c = summarize(reports.filter((r) => r.source !== "own"));
  const cRun = c.passed + c.failed;
  const cPct = cRun === 0 ? "0.0" : ((100 * c.passed) / cRun).toFixed(1);
  out.push(
    `**Upstream corpus: ${c.passed} of ${cRun} non-histogram evals pass (${cPct}%), ${c.failed} ` +
      `fail, ${c.skipped} skipped.** With our own files: ${t.passed} passed, ${t.failed} failed, ` +
      `${t.skipped} skipped (${pct}%).`,
  );
  out.push("");
  out.push("| file | passed | failed | skipped | pass rate | skipped NH evals that would pass |");
  out.push("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const r of reports) {
    const n = r.passed + r.failed;
    const own = r.source === "own" ? " (own)" : "";
    const rate = n === 0 ? "–" : `${((100 * r.passed) / n).toFixed(1)}%`;
    const by = Object.entries(r.skippedBy).map(([k, v]) => `${k} ${v}`).join(", ");
    const ran = r.outcomes.filter((o) => o.wouldPass !== undefined);
    const would = ran.length === 0 ? "–" : `${ran.filter((o) => o.wouldPass).length}/${ran.length}`;
    out.push(
      `| ${r.file}${own} | ${r.passed} | ${r.failed} | ${r.skipped}${
        by ? ` (${by})` : ""
      } | ${rate} | ${would} |`,
    );
  }
  const allRan = reports.flatMap((r) => r.outcomes.filter((o) => o.wouldPass !== undefined));
  const allWould = allRan.filter((o) => o.wouldPass).length;
  const crashed = allRan.filter((o) => o.crashed).length;
  out.push(
    `| **total** | **${t.passed}** | **${t.failed}** | **${t.skipped}** | **${pct}%** | ` +
      `**${allWould}/${allRan.length}** |`,
  );
  out.push("");
  out.push(
    "The last column is informational: native-histogram evals stay skipped, but `--write-doc` " +
      "(or `--run-skipped`) runs them anyway with full histogram comparison (schema, count, " +
      "sum, zero bucket, compacted spans and buckets, custom bounds, explicit counter-reset " +
      `hints). ${crashed} of them crashed the engine.`,
  );
  out.push("");
  out.push("## Remaining failures");
  out.push("");
  if (t.failed === 0) out.push("None.");
  for (const r of reports) {
    const failed = r.outcomes.filter((o) => o.status === "failed");
    if (failed.length === 0) continue;
    out.push(`### ${r.file} (${failed.length})`);
    out.push("");
    out.push("| line | expression | reason |");
    out.push("| ---: | --- | --- |");
    for (const o of failed) {
      const note = notes[`${r.file}:${o.line}`];
      const reason = note ? `${note} — runner: ${o.reason ?? ""}` : o.reason ?? "";
      const short = reason.length > 400 ? reason.slice(0, 400) + "…" : reason;
      out.push(`| ${o.line} | \`${cell(o.expr)}\` | ${cell(short)} |`);
    }
    out.push("");
  }
  const nhFailures = reports.flatMap((r) =>
    r.outcomes.filter((o) => o.wouldPass === false).map((o) => ({ file: r.file, o }))
  );
  if (nhFailures.length > 0) {
    out.push("## Native-histogram evals that would fail (informational, counted as skipped)");
    out.push("");
    out.push("| eval | expression | reason |");
    out.push("| --- | --- | --- |");
    for (const { file, o } of nhFailures) {
      const reason = o.got ?? "";
      const short = reason.length > 240 ? reason.slice(0, 240) + "…" : reason;
      out.push(`| ${file}:${o.line} | \`${cell(o.expr)}\` | ${cell(short)} |`);
    }
    out.push("");
  }
  return out.join("\n") + "\n";
}
