/**
 * label_replace() and label_join(), plus the series merge that delayed name removal needs when
 * two series end up with the same labels.
 */
import { labelsGet, labelsKey, labelsSet, METRIC_NAME } from "../model/mod.ts";
import { compileAnchoredRegex } from "../model/matcher.ts";
import type { Call } from "./parser/mod.ts";
import { execError } from "./context.ts";
import type { Evaluator } from "./evaluator.ts";
import { unwrapParens } from "./evaluator.ts";
import type { Matrix, Series } from "./value.ts";

export function labelReplace(ev: Evaluator, e: Call): Matrix {
  const str = (i: number) => {
    const a = unwrapParens(e.args[i]);
    return a.kind === "StringLiteral" ? a.value : "";
  };
  const dst = str(1), repl = str(2), src = str(3), regexStr = str(4);
  let re: RegExp;
  try {
    re = compileAnchoredRegex(regexStr);
  } catch {
    execError(`invalid regular expression in label_replace(): ${regexStr}`);
  }
  if (!isValidLabelName(dst)) {
    execError(`invalid destination label name in label_replace(): ${dst}`);
  }
  const m = ev.evalMatrix(e.args[0]);
  for (const s of m) {
    const v = labelsGet(s.metric, src);
    const match = re.exec(v);
    if (!match) continue;
    const res = expandTemplate(repl, match);
    s.metric = labelsSet(s.metric, dst, res);
    if (dst === METRIC_NAME) s.dropName = false;
  }
  return mergeSameLabelset(m);
}

export function labelJoin(ev: Evaluator, e: Call): Matrix {
  const str = (i: number) => {
    const a = unwrapParens(e.args[i]);
    return a.kind === "StringLiteral" ? a.value : "";
  };
  const dst = str(1), sep = str(2);
  const srcs: string[] = [];
  for (let i = 3; i < e.args.length; i++) {
    const s = str(i);
    if (!isValidLabelName(s)) execError(`invalid source label name in label_join(): ${s}`);
    srcs.push(s);
  }
  if (!isValidLabelName(dst)) execError(`invalid destination label name in label_join(): ${dst}`);
  const m = ev.evalMatrix(e.args[0]);
  for (const s of m) {
    const v = srcs.map((n) => labelsGet(s.metric, n)).join(sep);
    s.metric = labelsSet(s.metric, dst, v);
    if (dst === METRIC_NAME) s.dropName = false;
  }
  return mergeSameLabelset(m);
}

/**
 * True when `s` is a valid (UTF-8) label name: non-empty valid text. The parser turns invalid
 * UTF-8 bytes in string literals into U+FFFD, so that character counts as invalid here.
 */
export function isValidLabelName(s: string): boolean {
  return s.length > 0 && s.isWellFormed() && !s.includes("\uFFFD");
}

/** Expands `$1`, `${1}`, `$name`, `${name}` and `$$` in a label_replace replacement (Go rules). */
export function expandTemplate(tmpl: string, m: RegExpExecArray): string {
  let out = "";
  for (let i = 0; i < tmpl.length; i++) {
    const c = tmpl[i];
    if (c !== "$" || i + 1 >= tmpl.length) {
      out += c;
      continue;
    }
    const nx = tmpl[i + 1];
    if (nx === "$") {
      out += "$";
      i++;
      continue;
    }
    let name: string;
    let j: number;
    if (nx === "{") {
      const close = tmpl.indexOf("}", i + 2);
      if (close < 0) {
        out += c;
        continue;
      }
      name = tmpl.slice(i + 2, close);
      if (!/^[A-Za-z0-9_]+$/.test(name)) {
        out += c;
        continue;
      }
      j = close + 1;
    } else {
      const mm = /^[A-Za-z0-9_]+/.exec(tmpl.slice(i + 1));
      if (!mm) {
        out += c;
        continue;
      }
      name = mm[0];
      j = i + 1 + name.length;
    }
    if (/^\d+$/.test(name)) {
      const n = Number(name);
      out += n < m.length ? (m[n] ?? "") : "";
    } else {
      out += m.groups?.[name] ?? "";
    }
    i = j - 1;
  }
  return out;
}

/** Merges series whose labels became equal (delayed name removal); overlap is an error. */
export function mergeSameLabelset(m: Matrix): Matrix {
  if (m.length <= 1) return m;
  const byKey = new Map<string, Series>();
  const out: Matrix = [];
  let dup = false;
  for (const s of m) {
    const k = labelsKey(s.metric);
    const prev = byKey.get(k);
    if (!prev) {
      byKey.set(k, s);
      out.push(s);
      continue;
    }
    dup = true;
    const fts = prev.fT.map((t, i) => [t, prev.fV[i]] as const).concat(
      s.fT.map((t, i) => [t, s.fV[i]] as const),
    );
    fts.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < fts.length; i++) {
      if (fts[i][0] === fts[i - 1][0]) {
        execError("vector cannot contain metrics with the same labelset");
      }
    }
    prev.fT = fts.map((x) => x[0]);
    prev.fV = fts.map((x) => x[1]);
    const hts = prev.hT.map((t, i) => [t, prev.hV[i]] as const).concat(
      s.hT.map((t, i) => [t, s.hV[i]] as const),
    );
    hts.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < hts.length; i++) {
      if (hts[i][0] === hts[i - 1][0]) {
        execError("vector cannot contain metrics with the same labelset");
      }
    }
    prev.hT = hts.map((x) => x[0]);
    prev.hV = hts.map((x) => x[1]);
  }
  return dup ? out : m;
}
