/**
 * The data plane: per-workspace storage (the KV TSDB), ingest pipelines, the query API and the
 * per-workspace request rate limits. Workspaces come from the control plane, plus the built-in
 * `default` workspace that serves Prometheus's own paths.
 */
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";
import type { WorkspaceConfigRecord, WorkspaceStore } from "./control/mod.ts";
import { Tsdb, type Workspace, type WorkspaceOptions } from "./storage/mod.ts";
import { ingestLimits, RateLimiter, REMOTE_WRITE_TPS_MAX, WorkspaceIngest } from "./ingest/mod.ts";
import {
  QueryApi,
  type QueryTarget,
  QueryThrottledError,
  WorkspaceNotFoundError,
} from "./prom_api.ts";
import { RETENTION_DAYS_DEFAULT } from "./limits.ts";

/** The workspace behind Prometheus's own paths (`/api/v1/...`); always exists. */
export const DEFAULT_WORKSPACE = "default";

/** Per-workspace request classes with their own rate limits. */
export type ApiClass = "query" | "metadata" | "remote_write";

/** Everything a remote-write request needs for one workspace. */
export interface IngestTarget {
  ingest: WorkspaceIngest;
  storage: Workspace;
}

/** Storage, ingest and query for every workspace of one service. */
export class DataPlane {
  readonly tsdb: Tsdb;
  readonly queryApi: QueryApi;
  readonly #config: Config;
  readonly #workspaces: WorkspaceStore;
  readonly #log: Logger;
  readonly #ingest = new Map<string, WorkspaceIngest>();
  readonly #throttles = new Map<string, Record<ApiClass, RateLimiter>>();

  constructor(tsdb: Tsdb, workspaces: WorkspaceStore, config: Config, log: Logger) {
    this.tsdb = tsdb;
    this.#workspaces = workspaces;
    this.#config = config;
    this.#log = log;
    this.queryApi = new QueryApi({ timeoutMs: config.queryTimeoutMs });
  }

  /** The workspace's storage, opening (recovering) it on first use; 404 for unknown/deleting ones. */
  async storage(id: string): Promise<Workspace> {
    if (id === DEFAULT_WORKSPACE) {
      return await this.tsdb.workspace(id, this.#storageOptions(id, undefined));
    }
    const meta = await this.#workspaces.find(id);
    if (!meta || meta.status === "DELETING" || meta.status === "CREATION_FAILED") {
      throw new WorkspaceNotFoundError(`workspace ${id} not found`);
    }
    if (this.tsdb.isOpen(id)) return await this.tsdb.workspace(id);
    const cfg = await this.#workspaces.describeConfiguration(id);
    return await this.tsdb.workspace(id, this.#storageOptions(id, cfg));
  }

  /** What the query API reads. */
  queryTarget(id: string): Promise<QueryTarget> {
    return this.storage(id);
  }

  /** Storage plus the workspace's ingest pipeline (label cache, token bucket, HA tracker). */
  async ingestTarget(id: string): Promise<IngestTarget> {
    const storage = await this.storage(id);
    let ingest = this.#ingest.get(id);
    if (!ingest) {
      const c = this.#config;
      const limits = ingestLimits({
        sampleAgeMaxMs: c.sampleAgeMaxMs,
        ingestionRate: c.ingestionRate,
        ingestionBurst: c.ingestionBurst,
      }, () => undefined);
      ingest = new WorkspaceIngest({ limits });
      this.#ingest.set(id, ingest);
    }
    return { ingest, storage };
  }

  /**
   * Applies the workspace's per-second request limit for `cls` (AMP: 300 query, 10 metadata and
   * 3,000 remote write TPS).
   */
  throttle(id: string, cls: ApiClass, nowMs = Date.now()): void {
    let t = this.#throttles.get(id);
    if (!t) {
      const q = this.#config.queryTps, m = this.#config.metadataTps, w = REMOTE_WRITE_TPS_MAX;
      t = {
        query: new RateLimiter({ rate: q, burst: q }, nowMs),
        metadata: new RateLimiter({ rate: m, burst: m }, nowMs),
        remote_write: new RateLimiter({ rate: w, burst: w }, nowMs),
      };
      this.#throttles.set(id, t);
    }
    const limiter = t[cls];
    if (!limiter.allowN(1, nowMs)) {
      throw new QueryThrottledError(limiter.retryAfterSeconds(1, nowMs));
    }
  }

  /** Retention period shown by status/runtimeinfo. */
  async retentionFor(id: string): Promise<string> {
    if (id === DEFAULT_WORKSPACE) return `${RETENTION_DAYS_DEFAULT}d`;
    const cfg = await this.#workspaces.describeConfiguration(id).catch(() => undefined);
    return `${cfg?.retentionPeriodInDays ?? RETENTION_DAYS_DEFAULT}d`;
  }

  /** Called when a workspace's configuration change becomes ACTIVE. */
  configChanged(id: string, cfg: WorkspaceConfigRecord): void {
    if (!this.tsdb.isOpen(id)) return;
    this.tsdb.workspace(id, this.#storageOptions(id, cfg)).catch((e) =>
      this.#log.error("reconfiguring workspace storage failed", { workspaceId: id, error: e })
    );
  }

  /**
   * Drops a deleted workspace's in-memory state and its TSDB keys. Appends already in flight
   * (admitted before the workspace became DELETING) are refused or finish before any key is
   * deleted, so none of their keys can outlive the deletion.
   */
  async deleteData(id: string): Promise<void> {
    this.#ingest.delete(id);
    this.#throttles.delete(id);
    if (this.tsdb.isOpen(id)) {
      const ws = await this.tsdb.workspace(id).catch(() => undefined);
      if (ws) {
        ws.abandon(); // queued appends are refused from here on
        await ws.flush().catch(() => {}); // the batch being committed and its chunks land first
      }
    }
    await this.tsdb.deleteTsdbData(id);
  }

  /** Rebuilds the heads of every workspace from KV (so ready means recovered). */
  async recover(): Promise<void> {
    const ids = [DEFAULT_WORKSPACE, ...await this.#workspaces.activeIds()];
    for (const id of ids) await this.storage(id);
    this.#log.info("storage recovered", { workspaces: ids.length });
  }

  /** Deletes partitions past each workspace's retention period. */
  async applyRetention(nowMs = Date.now()): Promise<void> {
    const ids = [DEFAULT_WORKSPACE, ...await this.#workspaces.activeIds()];
    for (const id of ids) {
      const days = id === DEFAULT_WORKSPACE
        ? RETENTION_DAYS_DEFAULT
        : (await this.#workspaces.describeConfiguration(id)).retentionPeriodInDays;
      const { partitions } = await this.tsdb.applyRetention(id, days, nowMs);
      if (partitions > 0) {
        this.#log.info("retention applied", { workspaceId: id, partitions, days });
      }
    }
  }

  /** Periodic maintenance: close idle chunks, recount active series. */
  async maintain(): Promise<void> {
    await this.tsdb.maintain();
  }

  /** Flushes and checkpoints every open workspace. */
  async close(): Promise<void> {
    await this.tsdb.close({ checkpoint: true });
  }

  #storageOptions(id: string, cfg: WorkspaceConfigRecord | undefined): WorkspaceOptions {
    const c = this.#config;
    const opts: WorkspaceOptions = {
      oooWindowMs: c.oooWindowMs,
      activeSeriesMax: c.activeSeriesMax,
      user: `${c.accountId}_${id}`,
    };
    if (cfg) {
      opts.limitsPerLabelSet = cfg.limitsPerLabelSet.map((l) => ({
        labelSet: l.labelSet,
        limits: { maxSeries: l.limits.maxSeries ?? 0 },
      }));
    }
    return opts;
  }
}
