/**
 * Result checks of the promqltest format (FORMAT.md section 6): float tolerance, vector / matrix /
 * scalar / string comparison, matrix sorting, annotation matching and expected failures.
 */
import type { FloatHistogram } from "../../engine/model/histogram.ts";
import { type Labels, labelsCompare, labelsKey, labelsString } from "../../engine/model/labels.ts";
import { isStaleNaN, STALE_NAN } from "../../engine/model/value.ts";
import { describeExpected, type EvalCmd, type ExpectMatcher, isOrdered } from "./test_file.ts";

/** The engine's result value, structurally identical to `QueryValue` of engine/promql/mod.ts. */
export type ResultValue =
  | { type: "scalar"; t: number; v: number }
  | { type: "string"; t: number; v: string }
  | {
    type: "vector";
    samples: { labels: Labels; t: number; v?: number; h?: FloatHistogram }[];
  }
  | {
    type: "matrix";
    series: { labels: Labels; t: number[]; v: number[]; ht?: number[]; h?: FloatHistogram[] }[];
  };

const EPSILON = 1e-6;
const MIN_NORMAL = 2.2250738585072014e-308;

/** Prometheus `util/almost.Equal` with the test suite's epsilon. */
export function almostEqual(a: number, b: number, epsilon = EPSILON): boolean {
  const aStale = isStaleNaN(a), bStale = isStaleNaN(b);
  if (aStale || bStale) return aStale && bStale;
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

/** Absolute bucket index -> count, empty buckets dropped (what Go's Compact(0) leaves). */
function compactBuckets(
  spans: readonly { offset: number; length: number }[],
  buckets: readonly number[],
): Map<number, number> {
  const out = new Map<number, number>();
  let idx = 0, k = 0;
  for (const sp of spans) {
    idx += sp.offset;
    for (let j = 0; j < sp.length; j++, idx++, k++) if (buckets[k] !== 0) out.set(idx, buckets[k]);
  }
  return out;
}

function bucketsMatch(a: Map<number, number>, b: Map<number, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [i, c] of a) {
    const d = b.get(i);
    if (d === undefined || !almostEqual(c, d)) return false;
  }
  return true;
}

/** Upstream's compareNativeHistogram on compacted histograms. */
export function histogramsMatch(
  exp: FloatHistogram,
  cur: FloatHistogram,
  hintSet: boolean,
): boolean {
  if (exp.schema !== cur.schema || !almostEqual(exp.count, cur.count)) return false;
  if (!almostEqual(exp.sum, cur.sum)) return false;
  if (exp.schema === -53) {
    const a = exp.customValues ?? [], b = cur.customValues ?? [];
    if (a.length !== b.length || a.some((x, i) => x !== b[i])) return false;
  }
  if (exp.zeroThreshold !== cur.zeroThreshold || !almostEqual(exp.zeroCount, cur.zeroCount)) {
    return false;
  }
  if (
    !bucketsMatch(
      compactBuckets(exp.negativeSpans, exp.negativeBuckets),
      compactBuckets(cur.negativeSpans, cur.negativeBuckets),
    ) ||
    !bucketsMatch(
      compactBuckets(exp.positiveSpans, exp.positiveBuckets),
      compactBuckets(cur.positiveSpans, cur.positiveBuckets),
    )
  ) return false;
  return !hintSet || exp.counterResetHint === cur.counterResetHint;
}

function fmtH(h: FloatHistogram): string {
  return `{{schema:${h.schema} count:${h.count} sum:${h.sum} z_bucket:${h.zeroCount} buckets:[${
    h.positiveBuckets.join(" ")
  }] n_buckets:[${h.negativeBuckets.join(" ")}]}}`;
}

/** Go's %v of a float, close enough for messages. */
function fmtF(v: number | undefined): string {
  if (v === undefined) return "<none>";
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** Returns an error text when the matrix is not sorted by labels. */
export function matrixSortError(
  series: readonly { labels: Labels }[],
): string | undefined {
  for (let i = 0; i + 1 < series.length; i++) {
    if (labelsCompare(series[i].labels, series[i + 1].labels) > 0) {
      return `matrix results should always be sorted by labels, but matrix is not sorted: series at index ${
        i + 1
      } with labels ${
        labelsString(series[i + 1].labels)
      } sorts before series at index ${i} with labels ${labelsString(series[i].labels)}`;
    }
  }
  return undefined;
}

/** Compares a result with the eval's expectation; returns an error text or undefined. */
export function compareResult(ev: EvalCmd, val: ResultValue): string | undefined {
  const scalarExpected = ev.expectScalar !== undefined;
  switch (val.type) {
    case "matrix": {
      if (isOrdered(ev)) return "expected ordered result, but query returned a matrix";
      if (scalarExpected) return "expected scalar result, but got matrix";
      const unsorted = matrixSortError(val.series);
      if (unsorted) return unsorted;
      const seen = new Set<string>();
      for (const s of val.series) {
        const key = labelsKey(s.labels);
        const exp = ev.expected.get(key);
        if (exp === undefined) {
          return `unexpected metric ${labelsString(s.labels)} in result, has ${
            formatSeries(s.t, s.v, s.ht)
          }`;
        }
        seen.add(key);
        const expT: number[] = [], expHT: number[] = [];
        const expH: { h: FloatHistogram; hintSet: boolean }[] = [];
        // A Float64Array keeps STALE_NAN's payload (number[] would canonicalise it).
        const expV = new Float64Array(exp.values.length);
        for (let i = 0; i < exp.values.length; i++) {
          const t = ev.startMs + i * ev.stepMs;
          if (t > ev.endMs) {
            return `expected ${exp.values.length} points for ${
              labelsString(exp.labels)
            }, but query time range cannot return this many points`;
          }
          const e = exp.values[i];
          if (e.kind === "histogram") expHT.push(t), expH.push(e);
          else if (e.kind === "float") expV[expT.length] = e.v, expT.push(t);
          else if (e.kind === "stale") expV[expT.length] = STALE_NAN, expT.push(t);
        }
        const gotH = s.ht?.length ?? 0;
        if (expT.length !== s.t.length || expHT.length !== gotH) {
          return `expected ${expT.length} float points and ${expHT.length} histogram points for ${
            labelsString(exp.labels)
          }, but got ${formatSeries(s.t, s.v, s.ht)}`;
        }
        for (let i = 0; i < expT.length; i++) {
          if (expT[i] !== s.t[i]) {
            return `expected float value at index ${i} for ${
              labelsString(exp.labels)
            } to have timestamp ${expT[i]}, but it had timestamp ${s.t[i]} (result has ${
              formatSeries(s.t, s.v, s.ht)
            })`;
          }
          if (!almostEqual(s.v[i], expV[i])) {
            return `expected float value at index ${i} (t=${s.t[i]}) for ${
              labelsString(exp.labels)
            } to be ${fmtF(expV[i])}, but got ${fmtF(s.v[i])} (result has ${
              formatSeries(s.t, s.v, s.ht)
            })`;
          }
        }
        for (let i = 0; i < expHT.length; i++) {
          if (expHT[i] !== s.ht![i]) {
            return `expected histogram value at index ${i} to have timestamp ${
              expHT[i]
            }, but it had timestamp ${s.ht![i]}`;
          }
          const got = s.h?.[i];
          if (!got || !histogramsMatch(expH[i].h, got, expH[i].hintSet)) {
            return `expected histogram value at index ${i} (t=${expHT[i]}) for ${
              labelsString(exp.labels)
            } to be ${fmtH(expH[i].h)}, but got ${got ? fmtH(got) : "nothing"}`;
          }
        }
      }
      for (const [key, exp] of ev.expected) {
        if (!seen.has(key)) return `expected metric ${labelsString(exp.labels)} not found`;
      }
      return undefined;
    }
    case "vector": {
      if (scalarExpected) return "expected scalar result, but got vector";
      const seen = new Set<string>();
      for (let pos = 0; pos < val.samples.length; pos++) {
        const smp = val.samples[pos];
        const key = labelsKey(smp.labels);
        const exp = ev.expected.get(key);
        if (exp === undefined) {
          return `unexpected metric ${labelsString(smp.labels)} in result, has value ${
            smp.h ? "{{histogram}}" : fmtF(smp.v)
          }`;
        }
        if (isOrdered(ev) && exp.pos !== pos + 1) {
          return `expected metric ${labelsString(smp.labels)} with ${
            describeExpected(exp)
          } at position ${exp.pos} but was at ${pos + 1}`;
        }
        // An omitted expectation compares like the float 0, as upstream's zero SequenceValue does.
        const x0 = exp.values[0];
        const e0 = x0?.kind === "histogram" ? x0 : {
          kind: "float" as const,
          v: x0?.kind === "float" ? x0.v : x0?.kind === "stale" ? STALE_NAN : 0,
        };
        if (e0.kind === "float" && smp.h !== undefined) {
          return `expected float value ${fmtF(e0.v)} for ${
            labelsString(smp.labels)
          } but got histogram`;
        }
        if (
          e0.kind === "histogram" && smp.h !== undefined &&
          !histogramsMatch(e0.h, smp.h, e0.hintSet)
        ) {
          return `expected ${fmtH(e0.h)} for ${labelsString(smp.labels)} but got ${fmtH(smp.h)}`;
        }
        if (e0.kind === "histogram" && smp.h === undefined) {
          return `expected histogram for ${labelsString(smp.labels)} but got float value ${
            fmtF(smp.v)
          }`;
        }
        if (e0.kind === "float" && !almostEqual(e0.v, smp.v ?? 0)) {
          return `expected ${fmtF(e0.v)} for ${labelsString(smp.labels)} but got ${fmtF(smp.v)}`;
        }
        seen.add(key);
      }
      for (const [key, exp] of ev.expected) {
        if (!seen.has(key)) {
          return `expected metric ${labelsString(exp.labels)} with ${
            describeExpected(exp)
          } not found`;
        }
      }
      return undefined;
    }
    case "scalar":
      if (!scalarExpected) {
        return `expected vector or matrix result, but got scalar ${fmtF(val.v)}`;
      }
      if (!almostEqual(ev.expectScalar!, val.v)) {
        return `expected scalar ${fmtF(ev.expectScalar)} but got ${fmtF(val.v)}`;
      }
      return undefined;
    case "string":
      if (ev.expectedString !== val.v) {
        return `expected string "${ev.expectedString}" but got "${val.v}"`;
      }
      return undefined;
  }
}

function formatSeries(t: readonly number[], v: readonly number[], ht?: readonly number[]): string {
  const pts = t.map((x, i) => `${fmtF(v[i])} @[${x}]`);
  const hs = ht?.length ? ` and ${ht.length} histogram points` : "";
  return `${t.length} float point${t.length === 1 ? "" : "s"} [${pts.join(" ")}]${hs}`;
}

function matchesOne(m: ExpectMatcher, s: string): boolean {
  if (m.regex) return m.regex.test(s);
  return m.message === s;
}

function checkKind(
  kind: string,
  expected: ExpectMatcher[],
  actual: readonly string[],
): string | undefined {
  if (expected.length === 0) return undefined;
  if (actual.length === 0) return `expected ${kind} annotations but none were found`;
  for (const e of expected) {
    if (!actual.some((a) => matchesOne(e, a))) {
      return `expected ${kind} annotation matching ${
        e.regex ? "pattern " + e.regex.source : "message " + JSON.stringify(e.message)
      } but no matching annotation was found, found: ${JSON.stringify(actual)}`;
    }
  }
  for (const a of actual) {
    if (!expected.some((e) => matchesOne(e, a))) {
      return `unexpected ${kind} annotation ${JSON.stringify(a)} found`;
    }
  }
  return undefined;
}

/** Drops the HTTP API's "N more ... annotations omitted" summary entries. */
function realAnnotations(list: readonly string[]): string[] {
  return list.filter((s) => !/^\d+ more (?:warning|info) annotations omitted/.test(s));
}

/** Checks warnings/infos against the eval's annotation expectations. */
export function checkAnnotations(
  ev: EvalCmd,
  warningsIn: readonly string[],
  infosIn: readonly string[],
): string | undefined {
  const warnings = realAnnotations(warningsIn), infos = realAnnotations(infosIn);
  if (ev.warn && warnings.length === 0) return "expected warnings but got none";
  if (ev.info && infos.length === 0) return "expected info annotations but got none";
  const w = checkKind("warn", ev.expectWarn, warnings);
  if (w) return w;
  const i = checkKind("info", ev.expectInfo, infos);
  if (i) return i;
  if (ev.noWarn && warnings.length > 0) {
    return `unexpected warning annotations: ${JSON.stringify(warnings)}`;
  }
  if (ev.noInfo && infos.length > 0) {
    return `unexpected info annotations: ${JSON.stringify(infos)}`;
  }
  return undefined;
}

/** Checks an error against the eval's failure expectations; returns an error text or undefined. */
export function checkExpectedFailure(ev: EvalCmd, message: string): string | undefined {
  const candidates = [message];
  const prefix = 'invalid parameter "query": ';
  if (message.startsWith(prefix)) candidates.push(message.slice(prefix.length));
  const ok = (test: (m: string) => boolean) => candidates.some(test);
  if (ev.expectedFailMessage !== undefined && ev.expectedFailMessage !== "") {
    if (!ok((m) => m === ev.expectedFailMessage)) {
      return `expected error ${JSON.stringify(ev.expectedFailMessage)}, but got: ${message}`;
    }
  }
  if (ev.expectedFailRegexp && !ok((m) => ev.expectedFailRegexp!.test(m))) {
    return `expected error matching pattern ${ev.expectedFailRegexp.source}, but got: ${message}`;
  }
  const first = ev.expectFail[0];
  if (first && !ok((m) => matchesOne(first, m))) {
    return `expected error matching ${
      first.regex ? first.regex.source : JSON.stringify(first.message)
    }, but got: ${message}`;
  }
  return undefined;
}
