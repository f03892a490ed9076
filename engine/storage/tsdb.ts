/**
 * The TSDB on Deno KV: opens workspaces (recovering each head from KV on first use), deletes a
 * workspace's data by prefix and applies retention by whole partitions.
 */
import type { ChunkArena } from "./chunk_arena.ts";
import { WasmChunkArena } from "./chunk_arena.ts";
import { StorageClosedError } from "./errors.ts";
import { tsdbPrefix, workspacePrefix } from "./keys.ts";
import { PARTITION_MS, RETENTION_DAYS_MAX, RETENTION_DAYS_MIN } from "./limits.ts";
import { deleteRange } from "./kv_delete.ts";
import { Workspace, type WorkspaceOptions } from "./workspace.ts";

/** Store-wide options. */
export interface TsdbOptions {
  /** Makes the open-chunk arena of a workspace (default: the TypeScript arena). */
  arena?: () => ChunkArena;
  /** Partition length, ms (default 2 h). Fixed for the life of a store. */
  partitionMs?: number;
  /** Defaults applied to every workspace. */
  workspaceDefaults?: WorkspaceOptions;
}

/** All workspaces of one KV store. */
export class Tsdb {
  readonly kv: Deno.Kv;
  readonly #opts: TsdbOptions;
  readonly #open = new Map<string, Promise<Workspace>>();
  #closed = false;

  private constructor(kv: Deno.Kv, opts: TsdbOptions) {
    this.kv = kv;
    this.#opts = opts;
  }

  /** Opens the TSDB; workspaces are recovered lazily by workspace(). */
  static open(kv: Deno.Kv, opts: TsdbOptions = {}): Promise<Tsdb> {
    const P = opts.partitionMs ?? PARTITION_MS;
    if (!Number.isSafeInteger(P) || P <= 0) throw new RangeError(`invalid partition length ${P}`);
    return Promise.resolve(new Tsdb(kv, opts));
  }

  /** The workspace's TSDB, recovered from KV on first use; `opts` reconfigure it. */
  async workspace(id: string, opts: WorkspaceOptions = {}): Promise<Workspace> {
    if (this.#closed) throw new StorageClosedError("storage is closed");
    let p = this.#open.get(id);
    if (p === undefined) {
      p = Workspace.open(
        this.kv,
        id,
        {
          ...this.#opts.workspaceDefaults,
          ...opts,
          partitionMs: this.#opts.partitionMs ?? PARTITION_MS,
        },
        this.#opts.arena?.() ?? new WasmChunkArena(),
      );
      this.#open.set(id, p);
      p.catch(() => this.#open.delete(id));
      return await p;
    }
    const ws = await p;
    if (ws.closed) {
      // Its append loop failed: recover a fresh head from KV.
      this.#open.delete(id);
      return await this.workspace(id, opts);
    }
    if (Object.keys(opts).length > 0) ws.configure(opts);
    return ws;
  }

  /** True when workspace `id` is open (recovered) in this process. */
  isOpen(id: string): boolean {
    return this.#open.has(id);
  }

  /**
   * Deletes every key under `["w", id]` (TSDB and control-plane data alike) and forgets the
   * open head. Lists only that prefix.
   */
  async deleteWorkspaceData(id: string): Promise<number> {
    const p = this.#open.get(id);
    this.#open.delete(id);
    if (p !== undefined) {
      const ws = await p.catch(() => undefined);
      if (ws) {
        ws.abandon(); // new appends are refused from here on
        await ws.quiesce().catch(() => {});
      }
    }
    return await deleteRange(this.kv, { prefix: workspacePrefix(id) });
  }

  /** Deletes only the TSDB keys of a workspace (`["w", id, "tsdb"]`). */
  async deleteTsdbData(id: string): Promise<number> {
    const p = this.#open.get(id);
    this.#open.delete(id);
    if (p !== undefined) {
      const ws = await p.catch(() => undefined);
      if (ws) {
        ws.abandon();
        await ws.quiesce().catch(() => {});
      }
    }
    return await deleteRange(this.kv, { prefix: tsdbPrefix(id) });
  }

  /** Deletes the workspace's partitions older than `days` before `nowMs` (whole partitions). */
  async applyRetention(
    id: string,
    days: number,
    nowMs: number,
  ): Promise<{ partitions: number }> {
    if (!Number.isInteger(days) || days < RETENTION_DAYS_MIN || days > RETENTION_DAYS_MAX) {
      throw new RangeError(
        `retention must be between ${RETENTION_DAYS_MIN} and ${RETENTION_DAYS_MAX} days`,
      );
    }
    const ws = await this.workspace(id);
    return await ws.applyRetention(days, nowMs);
  }

  /**
   * Runs maintenance on every open workspace: closes idle chunks, recounts active series and
   * moves long-idle series out of memory. Call every minute or so.
   */
  async maintain(): Promise<void> {
    for (const p of this.#open.values()) {
      const ws = await p.catch(() => undefined);
      if (ws && !ws.closed) await ws.maintain();
    }
  }

  /** Drains and checkpoints every open workspace; the KV handle stays open (caller owns it). */
  async close(opts: { checkpoint?: boolean } = {}): Promise<void> {
    this.#closed = true;
    for (const p of this.#open.values()) {
      const ws = await p.catch(() => undefined);
      if (ws) await ws.close(opts);
    }
    this.#open.clear();
  }
}
