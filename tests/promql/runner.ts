/**
 * The promqltest conformance runner: loads `.test` scripts into MemoryStorage, evaluates every
 * `eval` with the Engine, checks results per FORMAT.md section 6 (incl. the range-mode re-check of
 * 6.2) and reports passed / failed / skipped per file.
 *
 * CLI: `./deno run -A tests/promql/runner.ts [file.test[:line] ...] [--verbose] [--no-range-check]
 *      [--no-at-check] [--run-skipped] [--write-baseline] [--write-doc]`. Bare file names are looked up in the corpus, then in testdata/.
 */
import { MemoryStorage } from "../../engine/storage/memory.ts";
import { loadInto } from "./load.ts";
import { conformanceDoc, loadFailureNotes } from "./report_doc.ts";
import {
  CORPUS_ENGINE_OPTIONS,
  type EvalOutcome,
  type FileReport,
  runEval,
  type RunnerEngine,
  type RunOptions,
} from "./run_eval.ts";
import { type EvalCmd, parseTestFile } from "./test_file.ts";

export type {
  EvalOutcome,
  FileReport,
  RunnerEngine,
  RunnerQueryResult,
  RunOptions,
  SkipReason,
} from "./run_eval.ts";
export { CORPUS_ENGINE_OPTIONS, formatResult, runEval } from "./run_eval.ts";
export { loadInto } from "./load.ts";

/** Runs one script's text. */
export async function runTestText(
  file: string,
  text: string,
  engine: RunnerEngine,
  opts: RunOptions = {},
): Promise<FileReport> {
  const report: FileReport = {
    file,
    passed: 0,
    failed: 0,
    skipped: 0,
    skippedBy: {},
    outcomes: [],
  };
  let cmds;
  try {
    cmds = parseTestFile(text);
  } catch (e) {
    report.parseError = (e as Error).message;
    report.failed = 1;
    report.outcomes.push({ line: 0, expr: "", status: "failed", reason: report.parseError });
    return report;
  }
  const storage = new MemoryStorage();
  let histogramMetrics = new Set<string>();
  let stMetrics = new Set<string>();
  let ignoring = false;
  for (const cmd of cmds) {
    switch (cmd.kind) {
      case "clear":
        storage.clear();
        histogramMetrics = new Set();
        stMetrics = new Set();
        break;
      case "ignore":
        ignoring = true;
        break;
      case "resume":
        ignoring = false;
        break;
      case "load":
        for (const m of loadInto(storage, cmd)) histogramMetrics.add(m);
        for (const m of cmd.startTimestampMetrics) stMetrics.add(m);
        break;
      case "eval": {
        if (opts.onlyLines && !opts.onlyLines.has(cmd.line)) break;
        const skip = ignoring
          ? "ignored"
          : expectsHistograms(cmd) || mentionsAny(cmd.expr, histogramMetrics) ||
              (histogramMetrics.size > 0 && hasNamelessSelector(cmd.expr))
          ? "native histograms"
          : mentionsAny(cmd.expr, stMetrics)
          ? "start timestamps"
          : undefined;
        if (skip) {
          report.skipped++;
          report.skippedBy[skip] = (report.skippedBy[skip] ?? 0) + 1;
          const o: EvalOutcome = {
            line: cmd.line,
            expr: cmd.expr,
            status: "skipped",
            reason: skip,
          };
          if (opts.runSkipped && skip === "native histograms") {
            // Informational only: the eval still counts as skipped.
            const r = await runEval(cmd, storage, engine, opts);
            o.wouldPass = r.status === "passed";
            o.crashed = (r.reason ?? "").includes("[crash]");
            if (!o.wouldPass) o.got = r.reason;
          }
          report.outcomes.push(o);
          break;
        }
        const out = await runEval(cmd, storage, engine, opts);
        if (out.status === "passed") report.passed++;
        else report.failed++;
        report.outcomes.push(out);
        break;
      }
    }
  }
  return report;
}

function expectsHistograms(ev: EvalCmd): boolean {
  for (const e of ev.expected.values()) {
    if (e.values.some((v) => v.kind === "histogram")) return true;
  }
  return false;
}

/** True when the expression has a selector without a metric name (`{job="x"}`, `{__name__=~..}`). */
function hasNamelessSelector(expr: string): boolean {
  return /(^|[^A-Za-z0-9_:"'`\]])\s*\{/.test(expr) || expr.includes("__name__");
}

function mentionsAny(expr: string, names: ReadonlySet<string>): boolean {
  for (const n of names) {
    if (
      new RegExp(`(^|[^A-Za-z0-9_:])${n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^A-Za-z0-9_:])`)
        .test(expr)
    ) {
      return true;
    }
  }
  return false;
}

/** Directory of the upstream corpus: `../shared/conformance/promqltest` beside the repo root. */
export const CORPUS_DIR = new URL("../../../shared/conformance/promqltest/", import.meta.url);
/** Our own `.test` files. */
export const OWN_TESTDATA_DIR = new URL("./testdata/", import.meta.url);

/** Sorted `.test` files in a directory; [] when it does not exist. */
export async function listTestFiles(dir: URL): Promise<URL[]> {
  const out: URL[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && e.name.endsWith(".test")) out.push(new URL(e.name, dir));
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  return out.sort((a, b) => a.pathname < b.pathname ? -1 : 1);
}

/** Creates the Engine of engine/promql/mod.ts with the corpus settings. */
export async function loadEngine(): Promise<RunnerEngine> {
  const mod = await import(new URL("../../engine/promql/mod.ts", import.meta.url).href);
  if (typeof mod.Engine !== "function") {
    throw new Error("BUG: engine/promql/mod.ts does not export Engine");
  }
  return new mod.Engine(CORPUS_ENGINE_OPTIONS) as RunnerEngine;
}

/** Totals over several reports. */
export function summarize(reports: readonly FileReport[]): {
  passed: number;
  failed: number;
  skipped: number;
} {
  let passed = 0, failed = 0, skipped = 0;
  for (const r of reports) passed += r.passed, failed += r.failed, skipped += r.skipped;
  return { passed, failed, skipped };
}

/** One summary line per file plus a total. */
export function formatSummary(reports: readonly FileReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    const by = Object.entries(r.skippedBy).map(([k, n]) => `${k} ${n}`).join(", ");
    lines.push(
      `${r.file.padEnd(28)} passed ${String(r.passed).padStart(4)}  failed ${
        String(r.failed).padStart(4)
      }  skipped ${String(r.skipped).padStart(4)}${by ? ` (${by})` : ""}`,
    );
  }
  const total = (label: string, rs: readonly FileReport[]) => {
    const t = summarize(rs);
    const run = t.passed + t.failed;
    const pct = run === 0 ? 0 : (100 * t.passed) / run;
    lines.push(
      `${label.padEnd(28)} passed ${String(t.passed).padStart(4)}  failed ${
        String(t.failed).padStart(4)
      }  skipped ${String(t.skipped).padStart(4)}  (${pct.toFixed(1)}% of run evals)`,
    );
  };
  const corpus = reports.filter((r) => r.source !== "own");
  if (corpus.length > 0 && corpus.length !== reports.length) total("corpus total", corpus);
  total("total", reports);
  return lines.join("\n");
}

function fileName(u: URL): string {
  return u.pathname.slice(u.pathname.lastIndexOf("/") + 1);
}

/** Runs every file and returns the reports. */
export async function runFiles(
  files: readonly URL[],
  engine: RunnerEngine,
  opts: RunOptions = {},
): Promise<FileReport[]> {
  const reports: FileReport[] = [];
  for (const f of files) {
    const r = await runTestText(fileName(f), await Deno.readTextFile(f), engine, opts);
    r.source = f.href.startsWith(OWN_TESTDATA_DIR.href) ? "own" : "corpus";
    reports.push(r);
  }
  return reports;
}

async function resolveArg(arg: string): Promise<URL> {
  const candidates = [
    new URL(arg, `file://${Deno.cwd()}/`),
    new URL(arg, CORPUS_DIR),
    new URL(arg, OWN_TESTDATA_DIR),
  ];
  for (const c of candidates) {
    try {
      if ((await Deno.stat(c)).isFile) return c;
    } catch { /* try the next */ }
  }
  throw new Error(`no such test file: ${arg}`);
}

async function main(args: string[]): Promise<number> {
  const verbose = args.includes("--verbose");
  const rangeCheck = !args.includes("--no-range-check");
  const atCheck = !args.includes("--no-at-check");
  const runSkipped = args.includes("--run-skipped") || args.includes("--write-doc");
  const writeBaseline = args.includes("--write-baseline");
  const writeDoc = args.includes("--write-doc");
  const names = args.filter((a) => !a.startsWith("--"));
  const engine = await loadEngine();
  const corpus = names.length === 0;
  const lines = new Set<number>();
  for (const n of names) {
    const m = /:(\d+)$/.exec(n);
    if (m) lines.add(Number(m[1]));
  }
  const files = corpus
    ? [...await listTestFiles(CORPUS_DIR), ...await listTestFiles(OWN_TESTDATA_DIR)]
    : await Promise.all(names.map((n) => resolveArg(n.replace(/:\d+$/, ""))));
  const reports = await runFiles(files, engine, {
    rangeCheck,
    atCheck,
    runSkipped,
    onlyLines: lines.size > 0 ? lines : undefined,
  });
  for (const r of reports) {
    for (const o of r.outcomes) {
      if (o.status !== "failed") continue;
      if (!verbose) {
        console.log(`FAIL ${r.file}:${o.line}: ${o.expr}\n     ${o.reason}`);
        continue;
      }
      console.log(`--- FAIL ${r.file}:${o.line}\n${o.source ?? o.expr}\n>>> ${o.reason}`);
      if (o.got !== undefined) console.log(`>>> got:\n${o.got}`);
    }
  }
  console.log(formatSummary(reports));
  if (runSkipped) {
    let would = 0, crashed = 0, ran = 0;
    for (const r of reports) {
      for (const o of r.outcomes) {
        if (o.wouldPass === undefined) continue;
        ran++;
        if (o.wouldPass) would++;
        if (o.crashed) {
          crashed++;
          console.log(`CRASH ${r.file}:${o.line}: ${o.expr}\n     ${o.got}`);
        }
      }
    }
    console.log(
      `native-histogram evals (skipped, run for information): ${ran} run, ${would} ` +
        `would pass, ${crashed} crashed`,
    );
  }
  if (writeBaseline && corpus) {
    await Deno.writeTextFile(BASELINE_FILE, JSON.stringify(baselineOf(reports), null, 2) + "\n");
    console.log(`wrote ${BASELINE_FILE.pathname}`);
  }
  if (writeDoc && corpus) {
    const doc = conformanceDoc(reports, await loadFailureNotes(), new Date().toISOString());
    await Deno.mkdir(new URL("./", DOC_FILE), { recursive: true });
    await Deno.writeTextFile(DOC_FILE, doc);
    console.log(`wrote ${DOC_FILE.pathname}`);
  }
  return reports.some((r) => r.failed > 0) ? 1 : 0;
}

/** The generated conformance report. */
export const DOC_FILE = new URL("../../docs/promql-conformance.md", import.meta.url);

/** The recorded pass counts the conformance test must not drop below. */
export const BASELINE_FILE = new URL("./baseline.json", import.meta.url);

/** Baseline record: total passes of non-histogram evals and per-file passes. */
export interface Baseline {
  passed: number;
  files: Record<string, number>;
}

/** Builds a baseline record from reports. */
export function baselineOf(reports: readonly FileReport[]): Baseline {
  const files: Record<string, number> = {};
  for (const r of reports) files[r.file] = r.passed;
  return { passed: summarize(reports).passed, files };
}

if (import.meta.main) Deno.exit(await main(Deno.args));
