/**
 * The engine: opens Deno KV and wires the services (control plane now; storage, ingest and PromQL
 * as they land). Never imports routes/ or hono.
 */
import type { Config } from "./config.ts";
import { Logger } from "./log.ts";
import { SelfMetrics } from "./self_metrics.ts";
import { instrumentKv } from "./kv_instrumented.ts";
import { WorkspaceStore } from "./control/mod.ts";
import { Tsdb } from "./storage/mod.ts";
import { DataPlane } from "./data_plane.ts";

export * as model from "./model/mod.ts";
export * from "./control/mod.ts";
export { ConfigError, OPTIONS, parseConfig, usage } from "./config.ts";
export type { Config } from "./config.ts";
export { logContext, Logger } from "./log.ts";
export type { LogLevel } from "./log.ts";
export { SelfMetrics } from "./self_metrics.ts";
export { type ApiClass, DataPlane, DEFAULT_WORKSPACE, type IngestTarget } from "./data_plane.ts";
export * from "./prom_api.ts";

/** Options for opening the engine beyond the config (tests use them). */
export interface OpenOptions {
  log?: Logger;
  /** Delay of CREATING->ACTIVE and UPDATING->ACTIVE (tests lengthen it to observe the states). */
  transitionDelayMs?: number;
}

/** The running service: every service the routes call, plus readiness and shutdown. */
export class Service {
  #ready = false;

  constructor(
    readonly config: Config,
    readonly kv: Deno.Kv,
    readonly log: Logger,
    readonly metrics: SelfMetrics,
    readonly workspaces: WorkspaceStore,
    readonly data: DataPlane,
  ) {}

  /** True once recovery has finished and requests can be served. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Finishes work a previous process left (workspace transitions, deletions); then marks ready. */
  async recover(): Promise<void> {
    await this.workspaces.recover();
    await this.data.recover();
    this.#ready = true;
    this.log.info("recovery done");
  }

  /** Waits for background work and closes KV. */
  async close(): Promise<void> {
    this.#ready = false;
    await this.workspaces.close();
    await this.data.close();
    this.kv.close();
  }
}

/** Opens KV at `config.dataPath` (creating its folder) and builds the service; call `recover()` next. */
export async function openService(config: Config, opts: OpenOptions = {}): Promise<Service> {
  const log = opts.log ?? new Logger(config.logLevel);
  const metrics = new SelfMetrics();
  if (config.dataPath !== ":memory:") {
    const dir = config.dataPath.replace(/[^/]*$/, "");
    if (dir !== "") await Deno.mkdir(dir, { recursive: true });
  }
  const kv = instrumentKv(await Deno.openKv(config.dataPath), metrics);
  const tsdb = await Tsdb.open(kv);
  const workspaces: WorkspaceStore = new WorkspaceStore(kv, {
    region: config.region,
    accountId: config.accountId,
    workspacesMax: config.workspacesMax,
    log,
    transitionDelayMs: opts.transitionDelayMs,
    // The hooks run after construction, when `data` exists.
    onDeleteData: (id): Promise<void> => data.deleteData(id),
    onConfigChange: (id, cfg): void => data.configChanged(id, cfg),
  });
  const data: DataPlane = new DataPlane(tsdb, workspaces, config, log);
  log.info("kv opened", { path: config.dataPath });
  return new Service(config, kv, log, metrics, workspaces, data);
}
