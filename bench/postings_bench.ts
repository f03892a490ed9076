/**
 * Postings at 100k series (bench/ingest.ts's label sets): building the index and the matcher
 * shapes queries use. `./deno bench -A bench/postings_bench.ts`
 */
import { labelsFromPairs } from "../engine/model/labels.ts";
import { Matcher } from "../engine/model/matcher.ts";
import { benchLabelSets } from "../engine/ingest/payloads.ts";
import { MemPostings } from "../engine/storage/postings.ts";

const sets = benchLabelSets(100_000).map((s) => labelsFromPairs(s));
const p = new MemPostings();
for (let i = 0; i < sets.length; i++) p.add(i + 1, sets[i]);

Deno.bench("add 100k series", { group: "build" }, () => {
  const q = new MemPostings();
  for (let i = 0; i < sets.length; i++) q.add(i + 1, sets[i]);
});

const cases: [string, Matcher[]][] = [
  ["metric name (50k series)", [
    new Matcher("=", "__name__", "http_request_duration_seconds_bucket"),
  ]],
  ["name and job and code (~17k)", [
    new Matcher("=", "__name__", "http_request_duration_seconds_bucket"),
    new Matcher("=", "job", "api"),
    new Matcher("=", "code", "500"),
  ]],
  ["one instance (1-2 series)", [new Matcher("=", "instance", "ip-10-0-1-7.ec2.internal:9100")]],
  ["instance regex over 65k values", [new Matcher("=~", "instance", "ip-10-0-1-.*")]],
  ["name and mode != idle", [
    new Matcher("=", "__name__", "node_cpu_seconds_total"),
    new Matcher("!=", "mode", "idle"),
  ]],
];
for (const [name, ms] of cases) {
  Deno.bench(`select: ${name}`, { group: "select" }, () => {
    p.select(ms);
  });
}
