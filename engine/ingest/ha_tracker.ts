/**
 * HA-pair de-duplication (AMP "High-availability deduplication", Cortex's HA tracker): requests
 * whose first series carries both `cluster` and `__replica__` are HA. Per cluster one replica is
 * the elected leader; its samples are accepted with `__replica__` removed from every series, the
 * other replicas' requests are dropped with a success answer. A leader silent for the failover
 * timeout (30 s) loses the election to the next replica that sends. At most `clustersMax`
 * clusters are tracked per workspace; clusters idle for `clusterIdleMs` are forgotten.
 */
import type { Labels } from "../model/labels.ts";
import type { WriteRequest } from "../model/write.ts";
import { ColumnSeries } from "../model/write.ts";
import { TooManyHaClustersError } from "./errors.ts";
import { HA_CLUSTERS_MAX, HA_FAILOVER_TIMEOUT_MS } from "./limits.ts";

/** Options of an `HaTracker`. */
export interface HaTrackerOptions {
  clusterLabel?: string;
  replicaLabel?: string;
  failoverTimeoutMs?: number;
  clustersMax?: number;
  /** Clusters with no request for this long are dropped (default 1 h). */
  clusterIdleMs?: number;
  /** Wall clock in ms; injectable for tests. */
  clock?: () => number;
}

/** The tracker's verdict on one request. */
export type HaDecision =
  /** Not an HA request (a label missing): store it unchanged. */
  | { kind: "not_ha"; request: WriteRequest }
  /** From the elected replica: store `request` (replica label removed). */
  | { kind: "accept"; request: WriteRequest; cluster: string; replica: string }
  /** From a non-elected replica: store nothing, answer success (Cortex: 202 with `message`). */
  | { kind: "deduped"; status: 202; message: string; cluster: string; replica: string };

interface Election {
  replica: string;
  /** Last time the elected replica sent, ms. */
  receivedAtMs: number;
  /** Last time any replica of the cluster sent, ms. */
  seenAtMs: number;
}

/** One per workspace. */
export class HaTracker {
  readonly clusterLabel: string;
  readonly replicaLabel: string;
  readonly failoverTimeoutMs: number;
  readonly clustersMax: number;
  readonly clusterIdleMs: number;
  private readonly clock: () => number;
  private readonly elections = new Map<string, Election>();
  /** Labels without the replica label, per cached Labels object (no per-request rebuild). */
  private readonly stripped = new WeakMap<Labels, Labels>();

  constructor(opts: HaTrackerOptions = {}) {
    this.clusterLabel = opts.clusterLabel ?? "cluster";
    this.replicaLabel = opts.replicaLabel ?? "__replica__";
    this.failoverTimeoutMs = opts.failoverTimeoutMs ?? HA_FAILOVER_TIMEOUT_MS;
    this.clustersMax = opts.clustersMax ?? HA_CLUSTERS_MAX;
    this.clusterIdleMs = opts.clusterIdleMs ?? 60 * 60 * 1000;
    this.clock = opts.clock ?? Date.now;
    if (!(this.failoverTimeoutMs > 0) || !(this.clustersMax > 0)) {
      throw new RangeError("BUG: HaTracker needs failoverTimeoutMs > 0 and clustersMax > 0");
    }
  }

  /** Clusters currently tracked. */
  get clusters(): number {
    return this.elections.size;
  }

  /** The elected replica of `cluster`, or undefined. */
  leader(cluster: string): string | undefined {
    return this.elections.get(cluster)?.replica;
  }

  /**
   * Decides what to do with a request. Throws `TooManyHaClustersError` (400) when a new cluster
   * would exceed `clustersMax`.
   */
  check(req: WriteRequest): HaDecision {
    if (req.series.length === 0) return { kind: "not_ha", request: req };
    let cluster = "", replica = "";
    for (const l of req.series[0].labels) {
      if (l.name === this.clusterLabel) cluster = l.value;
      else if (l.name === this.replicaLabel) replica = l.value;
    }
    if (cluster === "" || replica === "") return { kind: "not_ha", request: req };
    const now = this.clock();
    let e = this.elections.get(cluster);
    if (e === undefined) {
      if (this.elections.size >= this.clustersMax) this.sweep(now);
      if (this.elections.size >= this.clustersMax) {
        throw new TooManyHaClustersError(this.clustersMax);
      }
      e = { replica, receivedAtMs: now, seenAtMs: now };
      this.elections.set(cluster, e);
    } else if (e.replica !== replica) {
      e.seenAtMs = now;
      if (now - e.receivedAtMs < this.failoverTimeoutMs) {
        return {
          kind: "deduped",
          status: 202,
          message:
            `replicas did not match, rejecting sample: replica=${replica}, elected=${e.replica}`,
          cluster,
          replica,
        };
      }
      e.replica = replica; // failover
    }
    e.receivedAtMs = now;
    e.seenAtMs = now;
    return { kind: "accept", request: this.removeReplica(req), cluster, replica };
  }

  private removeReplica(req: WriteRequest): WriteRequest {
    const series = req.series.map((s) => {
      let ls = this.stripped.get(s.labels);
      if (ls === undefined) {
        ls = s.labels.filter((l) => l.name !== this.replicaLabel);
        if (ls.length === s.labels.length) ls = s.labels;
        this.stripped.set(s.labels, ls);
      }
      if (ls === s.labels) return s;
      // A spread would drop ColumnSeries' accessors (t, v): copy explicitly.
      if (s instanceof ColumnSeries) return s.withLabels(ls);
      return {
        labels: ls,
        t: s.t,
        v: s.v,
        histograms: s.histograms,
        exemplars: s.exemplars,
        createdT: s.createdT,
      };
    });
    return { series, metadata: req.metadata };
  }

  private sweep(now: number): void {
    for (const [cluster, e] of this.elections) {
      if (now - e.seenAtMs >= this.clusterIdleMs) this.elections.delete(cluster);
    }
  }
}
