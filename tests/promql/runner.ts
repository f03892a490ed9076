/**
 * The promqltest conformance runner: loads `.test` scripts into MemoryStorage, evaluates every
 * `eval` with the Engine, checks results per FORMAT.md section 6 (incl. the range-mode re-check of
 * 6.2) and reports passed / failed / skipped per file.
 *
 * CLI: `./deno run -A tests/promql/runner.ts [file.test[:line] ...] [--verbose] [--no-range-check]
 *      [--no-at-check] [--run-skipped] [--write-baseline] [--write-doc]`. Bare file names are looked up in the corpus, then in testdata/.
 */
import type { FloatHistogram } from "../../engine/model/histogram.ts";
import {
  type Labels,
  labelsFromPairs,
  labelsString,
  labelsWithout,
  METRIC_NAME,
} from "../../engine/model/labels.ts";
import type { Querier } from "../../engine/storage/querier.ts";
import { MemoryStorage } from "../../engine/storage/memory.ts";
import { STALE_NAN } from "../../engine/model/value.ts";
import {
  checkAnnotations,
  checkExpectedFailure,
  compareResult,
  matrixSortError,
  type ResultValue,
} from "./compare.ts";
import { atModifierVariants } from "./at_check.ts";
import { conformanceDoc, loadFailureNotes } from "./report_doc.ts";
import { type EvalCmd, isFail, isOrdered, type LoadCmd, parseTestFile } from "./test_file.ts";

/** What a query returns, structurally identical to `QueryResult` of engine/promql/mod.ts. */
export interface RunnerQueryResult {
  value: ResultValue;
  warnings: string[];
  infos: string[];
}

/** The part of `Engine` the runner uses. */
export interface RunnerEngine {
  instantQuery(q: Querier, expr: string, timeMs: number): Promise<RunnerQueryResult>;
  rangeQuery(
    q: Querier,
    expr: string,
    startMs: number,
    endMs: number,
    stepMs: number,
  ): Promise<RunnerQueryResult>;
}

/** Engine settings the upstream suite assumes (FORMAT.md section 7). */
export const CORPUS_ENGINE_OPTIONS = {
  lookbackDeltaMs: 300_000,
  samplesMax: 10_000,
  timeoutMs: 100_000,
  defaultSubqueryStepMs: 60_000,
};

/** Why an eval was not run. */
export type SkipReason = "native histograms" | "start timestamps" | "ignored";

/** The outcome of one eval. */
export interface EvalOutcome {
  line: number;
  expr: string;
  status: "passed" | "failed" | "skipped";
  /** Failure text or skip reason. */
  reason?: string;
  /** For skipped evals run with `runSkipped`: whether they would pass, or crashed. */
  wouldPass?: boolean;
  crashed?: boolean;
  /** For failures: the eval as written and what the engine returned. */
  source?: string;
  got?: string;
}

/** Per-file totals and outcomes. */
export interface FileReport {
  file: string;
  /** "corpus" for the upstream files, "own" for tests/promql/testdata. */
  source?: "corpus" | "own";
  passed: number;
  failed: number;
  skipped: number;
  /** Skips by reason. */
  skippedBy: Record<string, number>;
  outcomes: EvalOutcome[];
  /** Set when the file could not be parsed (every eval then counts as failed). */
  parseError?: string;
}

/** Runner switches. */
export interface RunOptions {
  /** Run FORMAT.md 6.2's range-mode re-check (default true). */
  rangeCheck?: boolean;
  /** Run upstream's `@` step-invariance re-runs of instant evals (default true). */
  atCheck?: boolean;
  /** Also run native-histogram evals (still counted as skipped) to see what would pass. */
  runSkipped?: boolean;
  /** Only run the evals starting on these lines (loads and clears always run). */
  onlyLines?: ReadonlySet<number>;
}

const RE_QUERY_CONTEXT_FUNCS = /(start|end|range|step)\(\)/;

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

/** Appends a load block; returns the metric names that received native histograms. */
export function loadInto(storage: MemoryStorage, cmd: LoadCmd): Set<string> {
  const names = new Set<string>();
  for (const { labels, values } of cmd.series.values()) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const t = i * cmd.intervalMs;
      if (v.kind === "float") storage.add(labels, t, v.v);
      else if (v.kind === "stale") storage.add(labels, t, STALE_NAN);
      else if (v.kind === "histogram") {
        storage.addHistogram(labels, t, v.h);
        names.add(metricName(labels));
      }
    }
  }
  if (cmd.withNhcb) appendNhcb(storage, cmd, names);
  return names;
}

function metricName(labels: Labels): string {
  return labels.find((l) => l.name === METRIC_NAME)?.value ?? "";
}

/** Converts classic histogram series of a `load_with_nhcb` block into NHCB samples. */
function appendNhcb(storage: MemoryStorage, cmd: LoadCmd, names: Set<string>): void {
  interface Temp {
    buckets: Map<number, number>;
    count?: number;
    sum?: number;
  }
  const groups = new Map<string, { labels: Labels; byT: Map<number, Temp> }>();
  for (const { labels, values } of cmd.series.values()) {
    const name = labels.find((l) => l.name === METRIC_NAME)?.value ?? "";
    const m = /^(.*)_(bucket|count|sum)$/.exec(name);
    if (!m) continue;
    let le = NaN;
    if (m[2] === "bucket") {
      const raw = labels.find((l) => l.name === "le")?.value;
      if (raw === undefined) continue;
      le = raw === "+Inf" ? Infinity : Number(raw);
      if (Number.isNaN(le)) continue;
    }
    const base = labelsFromPairs([
      ...labelsWithout(labels, new Set([METRIC_NAME, "le"])).map((l) => [l.name, l.value] as const),
      [METRIC_NAME, m[1]],
    ]);
    const key = labelsString(base);
    let g = groups.get(key);
    if (!g) groups.set(key, g = { labels: base, byT: new Map() });
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v.kind !== "float") continue;
      const t = i * cmd.intervalMs;
      let tmp = g.byT.get(t);
      if (!tmp) g.byT.set(t, tmp = { buckets: new Map() });
      if (m[2] === "bucket") tmp.buckets.set(le, v.v);
      else if (m[2] === "count") tmp.count = v.v;
      else tmp.sum = v.v;
    }
  }
  for (const g of groups.values()) {
    for (const [t, tmp] of [...g.byT].sort((a, b) => a[0] - b[0])) {
      const bounds = [...tmp.buckets.keys()].sort((a, b) => a - b);
      const customValues = bounds.filter((b) => b !== Infinity);
      const buckets: number[] = [];
      let prev = 0;
      for (const b of bounds) {
        const c = tmp.buckets.get(b)!;
        buckets.push(c - prev);
        prev = c;
      }
      const h: FloatHistogram = {
        schema: -53,
        zeroThreshold: 0,
        zeroCount: 0,
        count: tmp.count ?? prev,
        sum: tmp.sum ?? 0,
        positiveSpans: buckets.length ? [{ offset: 0, length: buckets.length }] : [],
        positiveBuckets: buckets,
        negativeSpans: [],
        negativeBuckets: [],
        customValues,
        counterResetHint: "unknown",
      };
      storage.addHistogram(g.labels, t, h);
      names.add(metricName(g.labels));
    }
  }
}

/** Runs one eval against the loaded storage. */
export async function runEval(
  ev: EvalCmd,
  storage: Querier,
  engine: RunnerEngine,
  opts: RunOptions = {},
): Promise<EvalOutcome> {
  const passed: EvalOutcome = { line: ev.line, expr: ev.expr, status: "passed" };
  if (ev.isRange) {
    const r = await runQuery(ev, ev.expr, ev.evalMs, storage, engine, opts);
    return r ? { line: ev.line, expr: ev.expr, source: ev.source, status: "failed", ...r } : passed;
  }
  const queries = [{ expr: ev.expr, evalMs: ev.evalMs }];
  if (opts.atCheck !== false) queries.push(...atModifierVariants(ev.expr, ev.evalMs));
  for (let i = 0; i < queries.length; i++) {
    const q = queries[i];
    const r = await runQuery(ev, q.expr, q.evalMs, storage, engine, opts);
    if (!r) continue;
    const where = i === 0 ? "" : `@ step-invariance re-run "${q.expr}" at ${q.evalMs}ms: `;
    return {
      line: ev.line,
      expr: ev.expr,
      source: ev.source,
      status: "failed",
      reason: where + r.reason,
      got: r.got,
    };
  }
  return passed;
}

/** Runs one query of an eval (range, or instant at `evalMs`); returns the failure, if any. */
async function runQuery(
  ev: EvalCmd,
  expr: string,
  evalMs: number,
  storage: Querier,
  engine: RunnerEngine,
  opts: RunOptions,
): Promise<{ reason: string; got?: string } | undefined> {
  const fail = (reason: string, got?: string) => ({ reason, got });
  let res: RunnerQueryResult;
  try {
    res = ev.isRange
      ? await engine.rangeQuery(storage, expr, ev.startMs, ev.endMs, ev.stepMs)
      : await engine.instantQuery(storage, expr, evalMs);
  } catch (e) {
    const msg = errorText(e);
    if (isFail(ev)) {
      const err = checkExpectedFailure(ev, msg);
      return err ? fail(err, `error: ${msg}`) : undefined;
    }
    return fail(`error evaluating query: ${msg}`, `error: ${msg}`);
  }
  const got = () => formatResult(res);
  if (isFail(ev)) return fail("expected error evaluating query but got none", got());
  const anno = checkAnnotations(ev, res.warnings, res.infos);
  if (anno) return fail(anno, got());
  const cmp = compareResult(ev, res.value);
  if (cmp) return fail(cmp, got());
  if (ev.isRange || ev.excludeFromRangeQuery || opts.rangeCheck === false) return undefined;
  if (RE_QUERY_CONTEXT_FUNCS.test(expr)) return undefined;
  let rr: RunnerQueryResult;
  try {
    rr = await engine.rangeQuery(storage, expr, evalMs - 60_000, evalMs + 60_000, 60_000);
  } catch (e) {
    return fail(`error evaluating query in range mode: ${errorText(e)}`, got());
  }
  if (isOrdered(ev)) return undefined;
  if (rr.value.type !== "matrix") {
    return fail(`range mode: expected a matrix, got ${rr.value.type}`, formatResult(rr));
  }
  const unsorted = matrixSortError(rr.value.series);
  if (unsorted) return fail(`range mode: ${unsorted}`, formatResult(rr));
  const samples: { labels: Labels; t: number; v?: number; h?: FloatHistogram }[] = [];
  for (const s of rr.value.series) {
    const i = s.t.indexOf(evalMs);
    if (i >= 0) samples.push({ labels: s.labels, t: evalMs, v: s.v[i] });
    const j = s.ht ? s.ht.indexOf(evalMs) : -1;
    if (j >= 0) samples.push({ labels: s.labels, t: evalMs, h: s.h![j] });
  }
  let err: string | undefined;
  if (res.value.type === "scalar") {
    err = samples.length === 0
      ? "no point at the evaluation time for a scalar result"
      : compareResult(ev, { type: "scalar", t: evalMs, v: samples[0].v ?? NaN });
  } else {
    err = compareResult(ev, { type: "vector", samples });
  }
  return err ? fail(`range mode: ${err}`, formatResult(rr)) : undefined;
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const crash = e instanceof TypeError || e instanceof ReferenceError ||
      e.message.startsWith("BUG:");
    return crash ? `${e.name}: ${e.message} [crash]` : e.message;
  }
  return String(e);
}

function fmtNum(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** Text form of a query result, for failure reports. */
export function formatResult(r: RunnerQueryResult): string {
  const lines: string[] = [];
  const v = r.value;
  switch (v.type) {
    case "scalar":
      lines.push(`scalar ${fmtNum(v.v)}`);
      break;
    case "string":
      lines.push(`string ${JSON.stringify(v.v)}`);
      break;
    case "vector":
      lines.push(`vector (${v.samples.length})`);
      for (const s of v.samples) {
        lines.push(`  ${labelsString(s.labels)} ${s.h ? "{{histogram}}" : fmtNum(s.v ?? NaN)}`);
      }
      break;
    case "matrix":
      lines.push(`matrix (${v.series.length})`);
      for (const s of v.series) {
        const pts = s.t.map((t, i) => `${fmtNum(s.v[i])}@${t}`).join(" ");
        const hs = s.ht?.length ? ` +${s.ht.length} histograms` : "";
        lines.push(`  ${labelsString(s.labels)} ${pts}${hs}`);
      }
      break;
  }
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  for (const i of r.infos) lines.push(`  info: ${i}`);
  return lines.join("\n");
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

/** Creates the Engine with the corpus settings, or undefined while engine/promql/mod.ts is absent. */
export async function loadEngine(): Promise<RunnerEngine | undefined> {
  const path = new URL("../../engine/promql/mod.ts", import.meta.url);
  try {
    await Deno.stat(path);
  } catch {
    return undefined;
  }
  const mod = await import(path.href);
  if (typeof mod.Engine !== "function") return undefined;
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
  if (!engine) {
    console.error("engine/promql/mod.ts does not export Engine yet");
    return 2;
  }
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
