/**
 * Fuzzing with a fixed seed: grammar-generated and byte-mutated queries never make the parser
 * throw anything but PromQLParseError, and whatever parses prints to text that parses back to
 * the same text.
 */

import { assertEquals } from "../../../tests/assert.ts";
import { formatExpr, parseExpr, PromQLParseError } from "./mod.ts";
import { rng } from "../../../tests/rng.ts";

const SEEDS = [
  `sum by (job) (rate(http_requests_total{code=~"5..",job!="x"}[5m] offset 1h))`,
  `histogram_quantile(0.9, sum(rate(h_bucket[5m:30s] @ start())) by (le))`,
  `a / on(x) group_left(y) b > bool 1 unless c`,
  `topk(3, -x ^ 2 % 3) or vector(time())`,
  `x[5m+step():1m] offset -(1m) anchored`,
  `{"my.metric", "la.bel"='v', l=~"a|b"}[1h] smoothed`,
  `a + fill_left(1) fill_right(-2) b`,
  `label_replace(up, "a", "$1", "b", "(.*)") * 0x1F + 1e-3 - Inf`,
  `count_values("v", x) # comment\n + ignoring() y`,
  `quantile_over_time(0.5, x[10m] @ 123.5 offset 5m)`,
];

const ATOMS = ["x", "up", `y{a="b"}`, `{__name__="z"}`, "1", "0.5", "2h", `"s"`, "time()", "NaN"];
const BINOPS = [
  "+",
  "-",
  "*",
  "/",
  "%",
  "^",
  "==",
  "!=",
  ">",
  "<",
  ">=",
  "<=",
  "and",
  "or",
  "unless",
  "atan2",
];
const FUNCS = [
  "rate",
  "abs",
  "sum_over_time",
  "vector",
  "scalar",
  "clamp_max",
  "round",
  "label_join",
];
const AGGS = ["sum", "avg", "topk", "quantile", "count_values", "limitk", "group", "stddev"];
const ALPHABET = `abcxyz_09.:{}[]()"'\`,=!~<>+-*/%^@# \n\\` + "é☺";

function genExpr(r: () => number, depth: number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  if (depth <= 0) return pick(ATOMS);
  switch (Math.floor(r() * 9)) {
    case 0: {
      const mods = ["", " bool", " on(a)", " ignoring(a,b)", " on(a) group_left(c)", " fill(0)"];
      return `${genExpr(r, depth - 1)} ${pick(BINOPS)}${pick(mods)} ${genExpr(r, depth - 1)}`;
    }
    case 1:
      return `${pick(["-", "+"])}${genExpr(r, depth - 1)}`;
    case 2:
      return `(${genExpr(r, depth - 1)})`;
    case 3:
      return `${pick(FUNCS)}(${genExpr(r, depth - 1)}${
        r() < 0.3 ? ", " + genExpr(r, depth - 1) : ""
      })`;
    case 4: {
      const g = pick(["", " by (a)", " without (b, c)"]);
      const param = r() < 0.4 ? genExpr(r, 0) + ", " : "";
      return r() < 0.5
        ? `${pick(AGGS)}${g}(${param}${genExpr(r, depth - 1)})`
        : `${pick(AGGS)}(${param}${genExpr(r, depth - 1)})${g}`;
    }
    case 5:
      return `${pick(["x", "up", `y{a=~"b.*"}`])}[${
        pick(["5m", "1h30m", "90", "5m+1m", "step()"])
      }]`;
    case 6:
      return `${genExpr(r, depth - 1)}[${pick(["1h", "30m"])}:${pick(["", "1m", "step()*2"])}]`;
    case 7:
      return `${genExpr(r, depth - 1)} offset ${pick(["5m", "-1h", "(1m+step())", "30"])}`;
    default:
      return `${genExpr(r, depth - 1)} @ ${pick(["100", "-5.5", "start()", "end()", "1m"])}`;
  }
}

function mutate(r: () => number, s: string): string {
  const chars = Array.from(s);
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (chars.length + 1));
    const c = ALPHABET[Math.floor(r() * ALPHABET.length)];
    switch (Math.floor(r() * 4)) {
      case 0:
        chars.splice(at, 0, c);
        break;
      case 1:
        chars.splice(at, 1);
        break;
      case 2:
        chars[at] = c;
        break;
      default:
        chars.length = Math.min(chars.length, at);
    }
  }
  return chars.join("");
}

/** Parses `q`; returns "error" for parse errors, rethrows anything else with the query. */
function tryParse(q: string): string {
  let printed: string;
  try {
    printed = formatExpr(parseExpr(q));
  } catch (e) {
    if (e instanceof PromQLParseError) return "error";
    throw new Error(`parser threw ${(e as Error)?.name} on ${JSON.stringify(q)}: ${e}`);
  }
  let again: string;
  try {
    again = formatExpr(parseExpr(printed));
  } catch (e) {
    throw new Error(`printed form of ${JSON.stringify(q)} does not parse: ${printed}: ${e}`);
  }
  assertEquals(again, printed, `round trip of ${JSON.stringify(q)}`);
  return "ok";
}

Deno.test("grammar-generated queries parse or fail only with PromQLParseError", () => {
  const r = rng(20261121);
  const counts = { ok: 0, error: 0 };
  for (let i = 0; i < 8000; i++) counts[tryParse(genExpr(r, 1 + Math.floor(r() * 4))) as "ok"]++;
  // The generator mostly produces valid queries; make sure the test exercises both paths.
  if (counts.ok < 500 || counts.error < 100) throw new Error(`poor mix: ${JSON.stringify(counts)}`);
});

Deno.test("mutated queries parse or fail only with PromQLParseError", () => {
  const r = rng(7);
  const counts = { ok: 0, error: 0 };
  for (let i = 0; i < 15000; i++) {
    const seed = SEEDS[i % SEEDS.length];
    counts[tryParse(mutate(r, seed)) as "ok"]++;
  }
  if (counts.ok < 200 || counts.error < 1000) {
    throw new Error(`poor mix: ${JSON.stringify(counts)}`);
  }
});

Deno.test("random byte strings fail only with PromQLParseError", () => {
  const r = rng(99);
  for (let i = 0; i < 3000; i++) {
    const len = Math.floor(r() * 24);
    let s = "";
    for (let j = 0; j < len; j++) s += ALPHABET[Math.floor(r() * ALPHABET.length)];
    tryParse(s);
  }
});
