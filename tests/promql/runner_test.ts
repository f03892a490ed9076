import { assert, assertEquals } from "../assert.ts";
import { labelsFromRecord } from "../../engine/model/labels.ts";
import type { Matcher } from "../../engine/model/matcher.ts";
import { Matcher as M } from "../../engine/model/matcher.ts";
import type { Querier } from "../../engine/storage/querier.ts";
import type { ResultValue } from "./compare.ts";
import { type RunnerEngine, type RunnerQueryResult, runTestText } from "./runner.ts";

/**
 * A tiny engine for testing the runner: it only evaluates a bare metric name, returning the last
 * sample within 5m (left-open) at each step, or the number literal `1`.
 */
class BareSelectorEngine implements RunnerEngine {
  calls: string[] = [];

  async #at(q: Querier, expr: string, t: number) {
    const matchers: Matcher[] = [new M("=", "__name__", expr)];
    const out: { labels: ReturnType<typeof labelsFromRecord>; v: number }[] = [];
    for (const s of await q.select(matchers, { minT: t - 299_999, maxT: t })) {
      if (s.t.length > 0) out.push({ labels: s.labels, v: s.v[s.t.length - 1] });
    }
    return out;
  }

  async instantQuery(q: Querier, expr: string, t: number): Promise<RunnerQueryResult> {
    this.calls.push(`instant ${expr} ${t}`);
    if (expr === "1") return { value: { type: "scalar", t, v: 1 }, warnings: [], infos: [] };
    if (expr === "boom") throw new Error("boom");
    const samples = (await this.#at(q, expr, t)).map((s) => ({ labels: s.labels, t, v: s.v }));
    return { value: { type: "vector", samples }, warnings: ["PromQL warning: w (1:1)"], infos: [] };
  }

  async rangeQuery(
    q: Querier,
    expr: string,
    start: number,
    end: number,
    step: number,
  ): Promise<RunnerQueryResult> {
    this.calls.push(`range ${expr} ${start} ${end} ${step}`);
    const bySeries = new Map<string, { labels: never; t: number[]; v: number[] }>();
    for (let t = start; t <= end; t += step) {
      if (expr === "1") {
        const s = bySeries.get("") ?? { labels: [] as never, t: [], v: [] };
        bySeries.set("", s);
        s.t.push(t);
        s.v.push(1);
        continue;
      }
      for (const x of await this.#at(q, expr, t)) {
        const k = JSON.stringify(x.labels);
        const s = bySeries.get(k) ?? { labels: x.labels as never, t: [], v: [] };
        bySeries.set(k, s);
        s.t.push(t);
        s.v.push(x.v);
      }
    }
    const value: ResultValue = { type: "matrix", series: [...bySeries.values()] };
    return { value, warnings: [], infos: [] };
  }
}

const SCRIPT = `
load 1m
  m{a="1"} 0+1x5
  m{a="2"} 10 _ 12
  h {{schema:0 count:1}}

eval instant at 2m m
  m{a="1"} 2
  m{a="2"} 12

eval instant at 2m m
  m{a="1"} 2

eval range from 0 to 2m step 1m m
  m{a="1"} 0 1 2
  m{a="2"} 10 10 12

eval instant at 0 1
  1

eval instant at 0 boom
  expect fail msg: boom

eval instant at 0 boom
  expect fail msg: other

eval instant at 1m m
  expect warn regex: w \\(1:1\\)
  m{a="1"} 1
  m{a="2"} 10

eval instant at 1m h

eval instant at 1m m
  expect range vector from 0 to 1m step 1m
  m{a="1"} 0 1
`;

Deno.test("runTestText() checks evals, counts histogram evals as skipped and re-checks in range mode", async () => {
  const engine = new BareSelectorEngine();
  const r = await runTestText("x.test", SCRIPT, engine, { atCheck: false });
  assertEquals(
    r.outcomes.map((o) => `${o.line}:${o.status}`),
    [
      "7:passed",
      "11:failed",
      "14:passed",
      "18:passed",
      "21:passed",
      "24:failed",
      "27:passed",
      "32:skipped",
      "34:failed",
    ],
  );
  assertEquals([r.passed, r.failed, r.skipped], [5, 3, 1]);
  assertEquals(r.skippedBy, { "native histograms": 1 });
  assert(engine.calls.includes("range m 60000 180000 60000"), "range-mode re-check ran");
  assert(!engine.calls.some((c) => c.startsWith("range 1 ") && c.includes("0 0")));
  const failed = r.outcomes.find((o) => o.line === 11)!;
  assert(failed.reason!.includes("unexpected metric"));
  assert(failed.got!.includes('{__name__="m", a="2"} 12'));
});

Deno.test("runTestText() reports a parse error of the script as one failure", async () => {
  const r = await runTestText("bad.test", "bogus\n", new BareSelectorEngine());
  assertEquals([r.passed, r.failed], [0, 1]);
  assert(r.parseError!.includes("invalid command"));
});

Deno.test("runTestText() skips evals between ignore and resume and evals on @st metrics", async () => {
  const text = "load 1m\n  c@st _ -1m\n  c 1 2\n\nignore\neval instant at 0 m\n\nresume\n" +
    "eval instant at 1m rate(c[1m])\n";
  const r = await runTestText("st.test", text, new BareSelectorEngine());
  assertEquals(r.skippedBy, { ignored: 1, "start timestamps": 1 });
});
