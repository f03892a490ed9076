import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { ColumnSeries, sampleCount, type WriteRequest } from "../model/write.ts";
import { labelsFromRecord } from "../model/labels.ts";
import { TooManyHaClustersError } from "./errors.ts";
import { HaTracker } from "./ha_tracker.ts";

function req(cluster: string, replica: string): WriteRequest {
  const labels = labelsFromRecord({ __name__: "up", cluster, __replica__: replica });
  return {
    series: [{
      labels,
      t: new Float64Array([1]),
      v: new Float64Array([1]),
      histograms: [],
      exemplars: [],
      createdT: 0,
    }],
    metadata: [],
  };
}

Deno.test("HaTracker elects the first replica, drops the other and strips __replica__", () => {
  let now = 0;
  const ha = new HaTracker({ clock: () => now });
  const a = ha.check(req("c1", "r1"));
  assertEquals(a.kind, "accept");
  if (a.kind !== "accept") return;
  assertEquals(a.request.series[0].labels, labelsFromRecord({ __name__: "up", cluster: "c1" }));
  now = 10_000;
  const b = ha.check(req("c1", "r2"));
  assertEquals(b.kind, "deduped");
  if (b.kind === "deduped") {
    assertEquals(b.status, 202);
    assertEquals(b.message, "replicas did not match, rejecting sample: replica=r2, elected=r1");
  }
  assertEquals(ha.leader("c1"), "r1");
});

Deno.test("HaTracker fails over after 30 s without samples from the leader", () => {
  let now = 0;
  const ha = new HaTracker({ clock: () => now });
  ha.check(req("c1", "r1"));
  now = 29_999;
  assertEquals(ha.check(req("c1", "r2")).kind, "deduped");
  now = 30_000;
  assertEquals(ha.check(req("c1", "r2")).kind, "accept");
  assertEquals(ha.leader("c1"), "r2");
  now = 35_000;
  assertEquals(ha.check(req("c1", "r1")).kind, "deduped");
});

Deno.test("HaTracker keeps a leader that keeps sending", () => {
  let now = 0;
  const ha = new HaTracker({ clock: () => now });
  for (now = 0; now < 120_000; now += 15_000) {
    assertEquals(ha.check(req("c1", "r1")).kind, "accept");
    assertEquals(ha.check(req("c1", "r2")).kind, "deduped");
  }
});

Deno.test("HaTracker passes requests without both labels unchanged", () => {
  const ha = new HaTracker();
  const r = req("c1", "");
  const d = ha.check(r);
  assertEquals(d.kind, "not_ha");
  assert(d.kind === "not_ha" && d.request === r);
  assertEquals(ha.clusters, 0);
});

Deno.test("HaTracker tracks at most clustersMax clusters and forgets idle ones", () => {
  let now = 0;
  const ha = new HaTracker({ clock: () => now, clustersMax: 500, clusterIdleMs: 3_600_000 });
  for (let i = 0; i < 500; i++) ha.check(req(`c${i}`, "r1"));
  const e = assertThrows(
    () => ha.check(req("c500", "r1")),
    TooManyHaClustersError,
  ) as TooManyHaClustersError;
  assertEquals(e.message, "too many HA replicaGroups (limit: 500)");
  assertEquals(e.status, 400);
  assertEquals(ha.check(req("c1", "r1")).kind, "accept", "known clusters still work");
  now = 3_600_001;
  assertEquals(ha.check(req("c500", "r1")).kind, "accept");
});

Deno.test("HA replica stripping keeps the samples of column series", () => {
  const ha = new HaTracker({ clock: () => 0 });
  const s = new ColumnSeries(
    labelsFromRecord({ __name__: "up", cluster: "c", __replica__: "r1" }),
    2,
    4,
    [],
    [],
    0,
  );
  s.T = new Float64Array([10, 20, 30, 40]);
  s.V = new Float64Array([1, 2, 3, 4]);
  const out = ha.check({ series: [s], metadata: [] });
  assertEquals(out.kind, "accept");
  if (out.kind !== "accept") return;
  const got = out.request.series[0];
  assertEquals(got.labels, labelsFromRecord({ __name__: "up", cluster: "c" }));
  assertEquals(Array.from(got.t), [30, 40]);
  assertEquals(Array.from(got.v), [3, 4]);
  assertEquals(sampleCount(got), 2);
});
