/**
 * `info(v [, selector])`: enriches each series of v with the data labels of the info series
 * (`target_info` by default) that share its identifying labels (`instance`, `job`). Semantics
 * follow Prometheus's promql/info.go; candidate info series are loaded by prefetch.
 */
import type { Labels } from "../model/mod.ts";
import { labelsGet, labelsKey, labelsString, Matcher, METRIC_NAME } from "../model/mod.ts";
import type { SeriesData } from "../storage/querier.ts";
import type { Call, Expr, VectorSelector } from "./parser/mod.ts";
import { walk } from "./parser/mod.ts";
import { execError } from "./context.ts";
import type { Evaluator } from "./evaluator.ts";
import { lookupInstant } from "./selectors.ts";
import type { Matrix, Vector } from "./value.ts";

const TARGET_INFO = "target_info";
const IDENTIFYING_LABELS = ["instance", "job"];

/** The name matchers of the info selector, made effective (defaults to target_info). */
export function effectiveInfoNameMatchers(nameMatchers: Matcher[]): Matcher[] {
  for (const m of nameMatchers) if (m.type === "=" || m.type === "=~") return nameMatchers;
  if (nameMatchers.length > 0) return [new Matcher("=~", METRIC_NAME, ".+_info"), ...nameMatchers];
  return [new Matcher("=", METRIC_NAME, TARGET_INFO)];
}

/** Name matchers of an info() call's second argument (or the default). */
export function infoNameMatchers(e: Call): Matcher[] {
  if (e.args.length > 1 && e.args[1].kind === "VectorSelector") {
    return effectiveInfoNameMatchers(e.args[1].matchers.filter((m) => m.name === METRIC_NAME));
  }
  return effectiveInfoNameMatchers([]);
}

/** Matchers to load candidate info series with (identifying labels are filtered later). */
export function infoSelectMatchers(e: Call): Matcher[] {
  const data = e.args.length > 1 && e.args[1].kind === "VectorSelector"
    ? e.args[1].matchers.filter((m) => m.name !== METRIC_NAME)
    : [];
  return [...infoNameMatchers(e), ...data];
}

/** The first vector selector in `e` with the path to it (for its time range and offset). */
export function firstSelector(e: Expr): { vs: VectorSelector; path: Expr[] } | undefined {
  let found: { vs: VectorSelector; path: Expr[] } | undefined;
  walk(e, (n, path) => {
    if (found) return false;
    if (n.kind === "VectorSelector") {
      found = { vs: n, path: [...path] };
      return false;
    }
    return true;
  });
  return found;
}

/** Evaluates an info() call. `candidates` are the prefetched info series. */
export function evalInfo(ev: Evaluator, e: Call, candidates: SeriesData[]): Matrix {
  const base = ev.evalMatrix(e.args[0]);
  const dataMatchers = new Map<string, Matcher[]>();
  if (e.args.length > 1 && e.args[1].kind === "VectorSelector") {
    for (const m of e.args[1].matchers) {
      const l = dataMatchers.get(m.name);
      if (l) l.push(m);
      else dataMatchers.set(m.name, [m]);
    }
  }
  const nameMatchers = infoNameMatchers(e);
  const ignore = new Set<string>();
  for (const s of base) {
    const name = labelsGet(s.metric, METRIC_NAME);
    if (nameMatchers.every((m) => m.matches(name))) ignore.add(labelsKey(s.metric));
  }
  const idValues = new Map<string, Set<string>>();
  for (const s of base) {
    if (ignore.has(labelsKey(s.metric))) continue;
    for (const l of IDENTIFYING_LABELS) {
      const v = labelsGet(s.metric, l);
      if (v === "") continue;
      let set = idValues.get(l);
      if (!set) idValues.set(l, set = new Set());
      set.add(v);
    }
  }
  dataMatchers.delete(METRIC_NAME);
  // Info series at each step: value = the sample's own timestamp.
  const infoMat: { metric: Labels; t: Map<number, number> }[] = [];
  if (idValues.size > 0) {
    const fs = firstSelector(e.args[0]);
    const vs = fs?.vs;
    let offset = vs ? ev.ctx.duration(vs, vs.offsetMs, vs.offsetExpr) : 0;
    let at = vs ? ev.atTime(vs.at) : undefined;
    if (fs) {
      for (let i = fs.path.length - 1; at === undefined && i >= 0; i--) {
        const n = fs.path[i];
        if (n.kind !== "SubqueryExpr") continue;
        offset += ev.ctx.duration(n, n.offsetMs, n.offsetExpr);
        at = ev.atTime(n.at);
      }
    }
    for (const sd of candidates) {
      let ok = true;
      for (const [l, vals] of idValues) if (!vals.has(labelsGet(sd.labels, l))) ok = false;
      if (!ok) continue;
      const pts = new Map<number, number>();
      for (let k = 0; k < ev.steps; k++) {
        const ts = ev.ts(k);
        const r = lookupInstant(sd, (at ?? ts) - offset, ev.ctx.lookbackMs);
        if (!r) continue;
        if (r.h) execError("info sample should be float");
        pts.set(ts, r.t);
      }
      if (pts.size > 0) infoMat.push({ metric: sd.labels, t: pts });
    }
  }
  const sigOf = (name: string, l: Labels) => {
    let s = name + "\xfe";
    for (const x of l) {
      if (IDENTIFYING_LABELS.includes(x.name)) s += x.name + "\xff" + x.value + "\xfe";
    }
    return s;
  };
  const infoNames = [...new Set(infoMat.map((s) => labelsGet(s.metric, METRIC_NAME)))];
  const allMatchEmpty = [...dataMatchers.values()].every((ms) => ms.every((m) => m.matches("")));
  return ev.rangeEval([base], (vecs, ts) => {
    const right = new Map<string, { metric: Labels; origT: number }>();
    for (const s of infoMat) {
      const origT = s.t.get(ts);
      if (origT === undefined) continue;
      const sig = sigOf(labelsGet(s.metric, METRIC_NAME), s.metric);
      const ex = right.get(sig);
      if (ex) {
        if (ex.origT > origT) continue;
        if (ex.origT === origT) {
          execError(
            `found duplicate series for info metric: existing ${
              labelsString(ex.metric)
            } @ ${ex.origT}, new ${labelsString(s.metric)} @ ${origT}`,
          );
        }
      }
      right.set(sig, { metric: s.metric, origT });
    }
    const out: Vector = [];
    for (const bs of vecs[0]) {
      if (ignore.has(labelsKey(bs.metric))) {
        out.push(bs);
        continue;
      }
      const baseNames = new Set(bs.metric.map((l) => l.name));
      const add = new Map<string, string>();
      let seen = 0;
      for (const infoName of infoNames) {
        const is = right.get(sigOf(infoName, bs.metric));
        if (!is) continue;
        for (const l of is.metric) {
          if (l.name === METRIC_NAME) continue;
          if (dataMatchers.size > 0 && !dataMatchers.has(l.name)) continue;
          const cur = add.get(l.name);
          if (cur !== undefined && cur !== l.value) execError(`conflicting label: ${l.name}`);
          if (baseNames.has(l.name)) continue;
          add.set(l.name, l.value);
        }
        seen++;
      }
      if (seen === 0 && !allMatchEmpty) continue;
      const map = new Map(bs.metric.map((l) => [l.name, l.value]));
      for (const [k, v] of add) map.set(k, v);
      const metric = [...map].map(([name, value]) => ({ name, value }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      out.push({ ...bs, metric });
    }
    return out;
  });
}
