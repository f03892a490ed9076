/**
 * AMP workspaces on Deno KV: create, describe, list, alias updates, deletion, configuration and
 * tags. Key layout (docs/format_kv.md):
 *
 *   ["ctl", "ws", id]                  -> { createdAt }        listing index, one per workspace
 *   ["ctl", "wscount"]                 -> number               workspaces counted against the quota
 *   ["ctl", "token", op, clientToken]  -> TokenRecord          account-level idempotency (expires)
 *   ["w", id, "meta"]                  -> WorkspaceRecord
 *   ["w", id, "config"]                -> WorkspaceConfigRecord
 *   ["w", id, "token", op, clientToken]-> TokenRecord          workspace-level idempotency (expires)
 *
 * Every workspace-scoped key starts with ["w", id], so deleting a workspace deletes that prefix.
 * Mutations that must be consistent are single `kv.atomic()` commits with versionstamp checks,
 * retried a bounded number of times on contention.
 */
import {
  ConflictException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  ValidationException,
} from "./errors.ts";
import * as V from "./validate.ts";
import type { LimitsPerLabelSet } from "./validate.ts";
import {
  CLIENT_TOKEN_TTL_MS,
  KV_DELETE_BATCH,
  RETENTION_DAYS_DEFAULT,
  TAGS_PER_RESOURCE_MAX,
} from "../limits.ts";
import type { Logger } from "../log.ts";

/** AMP WorkspaceStatusCode. */
export type WorkspaceStatusCode =
  | "CREATING"
  | "ACTIVE"
  | "UPDATING"
  | "DELETING"
  | "CREATION_FAILED";

/** A workspace as stored. `createdAt` is epoch seconds (with millisecond fraction). */
export interface WorkspaceRecord {
  workspaceId: string;
  alias?: string;
  arn: string;
  status: WorkspaceStatusCode;
  createdAt: number;
  tags: Record<string, string>;
  kmsKeyArn?: string;
}

/** A workspace's configuration as stored. */
export interface WorkspaceConfigRecord {
  statusCode: "ACTIVE" | "UPDATING" | "UPDATE_FAILED";
  retentionPeriodInDays: number;
  limitsPerLabelSet: LimitsPerLabelSet[];
  modifiedAt: number;
}

interface TokenRecord {
  params: string;
  workspaceId?: string;
}

/** Options of the store. */
export interface WorkspaceStoreOptions {
  region: string;
  accountId: string;
  workspacesMax: number;
  log: Logger;
  /** Delay before status transitions and background deletion start (tests lengthen it). */
  transitionDelayMs?: number;
  /** Called before a deleted workspace's keys are removed, to drop its in-memory state. */
  onDeleteData?: (workspaceId: string) => Promise<void>;
  /** Called after a configuration change becomes ACTIVE. */
  onConfigChange?: (workspaceId: string, config: WorkspaceConfigRecord) => void;
}

const COMMIT_ATTEMPTS_MAX = 8;
const RESOURCE_TYPE = "WORKSPACE";
const ARN_RE = /^arn:aws[-a-z]*:aps:([-a-z0-9]+):([0-9]{12}):workspace\/(.+)$/;

/** The control plane's workspace state, on Deno KV. */
export class WorkspaceStore {
  readonly #kv: Deno.Kv;
  readonly #opts: WorkspaceStoreOptions;
  readonly #pending = new Set<Promise<void>>();
  #closed = false;

  constructor(kv: Deno.Kv, opts: WorkspaceStoreOptions) {
    this.#kv = kv;
    this.#opts = opts;
  }

  /** The ARN of workspace `id`. */
  arnOf(id: string): string {
    return `arn:aws:aps:${this.#opts.region}:${this.#opts.accountId}:workspace/${id}`;
  }

  /** CreateWorkspace. Idempotent per clientToken; enforces the per-account quota. */
  async create(body: unknown): Promise<WorkspaceRecord> {
    const b = V.bodyObject(body);
    const alias = V.alias(b.alias);
    const tags = V.tagMap(b.tags) ?? {};
    const kmsKeyArn = V.kmsKeyArn(b.kmsKeyArn);
    const token = V.clientToken(b.clientToken);
    const params = JSON.stringify([alias ?? null, sortedEntries(tags), kmsKeyArn ?? null]);
    const tokenKey = token ? ["ctl", "token", "CreateWorkspace", token] : undefined;
    for (let attempt = 0; attempt < COMMIT_ATTEMPTS_MAX; attempt++) {
      if (tokenKey) {
        const prior = await this.#kv.get<TokenRecord>(tokenKey);
        if (prior.value) {
          if (prior.value.params !== params) throw tokenMismatch(token!);
          const rec = await this.#kv.get<WorkspaceRecord>(["w", prior.value.workspaceId!, "meta"]);
          if (rec.value) return rec.value;
          throw new ResourceNotFoundException(
            `Workspace ${prior.value.workspaceId} not found`,
            prior.value.workspaceId!,
            RESOURCE_TYPE,
          );
        }
      }
      const count = await this.#kv.get<number>(["ctl", "wscount"]);
      const n = count.value ?? 0;
      if (n >= this.#opts.workspacesMax) {
        throw new ServiceQuotaExceededException(
          "Limit exceeded. Maximum workspaces per account.",
          "",
          RESOURCE_TYPE,
          "aps",
          "workspaces-per-account",
        );
      }
      const id = `ws-${crypto.randomUUID()}`;
      const now = Date.now() / 1000;
      const rec: WorkspaceRecord = {
        workspaceId: id,
        arn: this.arnOf(id),
        status: "CREATING",
        createdAt: now,
        tags,
      };
      if (alias !== undefined) rec.alias = alias;
      if (kmsKeyArn !== undefined) rec.kmsKeyArn = kmsKeyArn;
      const config: WorkspaceConfigRecord = {
        statusCode: "ACTIVE",
        retentionPeriodInDays: RETENTION_DAYS_DEFAULT,
        limitsPerLabelSet: [],
        modifiedAt: now,
      };
      const op = this.#kv.atomic()
        .check(count)
        .check({ key: ["w", id, "meta"], versionstamp: null })
        .set(["ctl", "wscount"], n + 1)
        .set(["ctl", "ws", id], { createdAt: now })
        .set(["w", id, "meta"], rec)
        .set(["w", id, "config"], config);
      if (tokenKey) {
        op.check({ key: tokenKey, versionstamp: null })
          .set(tokenKey, { params, workspaceId: id } satisfies TokenRecord, {
            expireIn: CLIENT_TOKEN_TTL_MS,
          });
      }
      if ((await op.commit()).ok) {
        this.#opts.log.info("workspace created", { workspaceId: id });
        this.#background(() => this.#transition(id, "CREATING", "ACTIVE"));
        return rec;
      }
    }
    throw new ConflictException("Concurrent modification, please retry", "", RESOURCE_TYPE);
  }

  /** DescribeWorkspace. */
  async describe(id: string): Promise<WorkspaceRecord> {
    V.workspaceId(id);
    return (await this.#getMeta(id)).value;
  }

  /** Looks a workspace up without throwing: undefined when absent. */
  async find(id: string): Promise<WorkspaceRecord | undefined> {
    return (await this.#kv.get<WorkspaceRecord>(["w", id, "meta"])).value ?? undefined;
  }

  /** ListWorkspaces with an alias prefix filter, `maxResults` and an opaque `nextToken`. */
  async list(query: { alias?: string; maxResults?: string; nextToken?: string }): Promise<
    { workspaces: WorkspaceRecord[]; nextToken?: string }
  > {
    const prefix = query.alias === undefined ? undefined : V.alias(query.alias);
    const max = V.maxResults(query.maxResults);
    const after = decodeNextToken(V.paginationToken(query.nextToken));
    const out: WorkspaceRecord[] = [];
    const iter = this.#kv.list<{ createdAt: number }>(
      after === undefined
        ? { prefix: ["ctl", "ws"] }
        : { prefix: ["ctl", "ws"], start: ["ctl", "ws", after + "\0"] },
    );
    let ids: string[] = [];
    const flush = async (): Promise<boolean> => {
      const metas = await this.#kv.getMany<WorkspaceRecord[]>(ids.map((id) => ["w", id, "meta"]));
      ids = [];
      for (const m of metas) {
        if (!m.value) continue;
        if (prefix !== undefined && !(m.value.alias ?? "").startsWith(prefix)) continue;
        if (out.length === max) return true; // one more match exists: there is a next page
        out.push(m.value);
      }
      return false;
    };
    for await (const e of iter) {
      ids.push(e.key[2] as string);
      if (ids.length === 10 && await flush()) {
        return { workspaces: out, nextToken: encodeNextToken(out[out.length - 1].workspaceId) };
      }
    }
    if (ids.length > 0 && await flush()) {
      return { workspaces: out, nextToken: encodeNextToken(out[out.length - 1].workspaceId) };
    }
    return { workspaces: out };
  }

  /** UpdateWorkspaceAlias. */
  async updateAlias(id: string, body: unknown): Promise<void> {
    V.workspaceId(id);
    const b = V.bodyObject(body);
    const alias = V.alias(b.alias);
    const token = V.clientToken(b.clientToken);
    await this.#mutate(
      id,
      "UpdateWorkspaceAlias",
      token,
      JSON.stringify([alias ?? null]),
      (rec, op) => {
        requireActive(rec);
        const next = { ...rec };
        if (alias === undefined) delete next.alias;
        else next.alias = alias;
        op.set(["w", id, "meta"], next);
      },
    );
  }

  /** DeleteWorkspace: marks it DELETING, releases its quota slot, and removes its data in the background. */
  async delete(id: string, query: { clientToken?: string }): Promise<void> {
    V.workspaceId(id);
    const token = V.clientToken(query.clientToken);
    const applied = await this.#mutate(id, "DeleteWorkspace", token, "[]", async (rec, op) => {
      if (rec.status === "DELETING") {
        throw new ConflictException(`Workspace ${id} is already being deleted`, id, RESOURCE_TYPE);
      }
      const count = await this.#kv.get<number>(["ctl", "wscount"]);
      op.check(count).set(["ctl", "wscount"], Math.max(0, (count.value ?? 1) - 1));
      op.set(["w", id, "meta"], { ...rec, status: "DELETING" } satisfies WorkspaceRecord);
    });
    if (applied) {
      this.#opts.log.info("workspace deletion started", { workspaceId: id });
      this.#background(() => this.#purge(id));
    }
  }

  /** DescribeWorkspaceConfiguration. */
  async describeConfiguration(id: string): Promise<WorkspaceConfigRecord> {
    V.workspaceId(id);
    await this.#getMeta(id);
    const cfg = await this.#kv.get<WorkspaceConfigRecord>(["w", id, "config"]);
    if (!cfg.value) throw notFound(id);
    return cfg.value;
  }

  /** UpdateWorkspaceConfiguration: needs at least one of retentionPeriodInDays and limitsPerLabelSet. */
  async updateConfiguration(
    id: string,
    body: unknown,
  ): Promise<WorkspaceConfigRecord["statusCode"]> {
    V.workspaceId(id);
    const b = V.bodyObject(body);
    const retention = V.retentionPeriodInDays(b.retentionPeriodInDays);
    const limits = V.limitsPerLabelSet(b.limitsPerLabelSet);
    const token = V.clientToken(b.clientToken);
    if (retention === undefined && limits === undefined) {
      throw new ValidationException(
        "At least one of retentionPeriodInDays and limitsPerLabelSet must be provided",
        "OTHER",
      );
    }
    const params = JSON.stringify([retention ?? null, limits ?? null]);
    const applied = await this.#mutate(
      id,
      "UpdateWorkspaceConfiguration",
      token,
      params,
      async (rec, op) => {
        requireActive(rec);
        const cfg = await this.#kv.get<WorkspaceConfigRecord>(["w", id, "config"]);
        if (!cfg.value) throw notFound(id);
        if (cfg.value.statusCode === "UPDATING") {
          throw new ConflictException(
            `Workspace configuration of ${id} is already being updated`,
            id,
            RESOURCE_TYPE,
          );
        }
        const next: WorkspaceConfigRecord = {
          statusCode: "UPDATING",
          retentionPeriodInDays: retention ?? cfg.value.retentionPeriodInDays,
          limitsPerLabelSet: limits ?? cfg.value.limitsPerLabelSet,
          modifiedAt: Date.now() / 1000,
        };
        op.check(cfg).set(["w", id, "config"], next);
      },
    );
    if (applied) this.#background(() => this.#activateConfig(id));
    return "UPDATING";
  }

  /** TagResource: merges tags into the workspace named by `arn`. */
  async tagResource(arn: string, body: unknown): Promise<void> {
    const id = this.#parseArn(arn);
    const b = V.bodyObject(body);
    if (b.tags === undefined || b.tags === null) {
      throw ValidationException.field("tags", null, "Member must not be null");
    }
    const tags = V.tagMap(b.tags)!;
    await this.#mutate(id, "", undefined, "", (rec, op) => {
      if (rec.status === "DELETING") {
        throw new ConflictException(`Workspace ${id} is being deleted`, id, RESOURCE_TYPE);
      }
      const merged = { ...rec.tags, ...tags };
      if (Object.keys(merged).length > TAGS_PER_RESOURCE_MAX) {
        throw new ValidationException(
          `A resource can have at most ${TAGS_PER_RESOURCE_MAX} tags`,
          "OTHER",
        );
      }
      op.set(["w", id, "meta"], { ...rec, tags: merged });
    });
  }

  /** UntagResource: removes the given keys. */
  async untagResource(arn: string, tagKeys: string[]): Promise<void> {
    const id = this.#parseArn(arn);
    if (tagKeys.length === 0) {
      throw ValidationException.field("tagKeys", null, "Member must not be null");
    }
    const keys = tagKeys.map((k) => V.tagKey(k));
    await this.#mutate(id, "", undefined, "", (rec, op) => {
      if (rec.status === "DELETING") {
        throw new ConflictException(`Workspace ${id} is being deleted`, id, RESOURCE_TYPE);
      }
      const tags = { ...rec.tags };
      for (const k of keys) delete tags[k];
      op.set(["w", id, "meta"], { ...rec, tags });
    });
  }

  /** ListTagsForResource. */
  async listTags(arn: string): Promise<Record<string, string>> {
    const id = this.#parseArn(arn);
    return (await this.#getMeta(id)).value.tags;
  }

  /** Finishes work interrupted by a restart: CREATING becomes ACTIVE, DELETING resumes removal. */
  async recover(): Promise<void> {
    for await (const e of this.#kv.list({ prefix: ["ctl", "ws"] })) {
      const id = e.key[2] as string;
      const meta = await this.#kv.get<WorkspaceRecord>(["w", id, "meta"]);
      if (!meta.value) {
        await this.#kv.delete(e.key);
      } else if (meta.value.status === "CREATING") {
        await this.#transition(id, "CREATING", "ACTIVE");
      } else if (meta.value.status === "DELETING") {
        this.#background(() => this.#purge(id));
      }
      const cfg = await this.#kv.get<WorkspaceConfigRecord>(["w", id, "config"]);
      if (cfg.value?.statusCode === "UPDATING") await this.#activateConfig(id);
    }
  }

  /** Resolves when all background transitions and deletions have finished. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** Stops scheduling background work and waits for what is running. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.idle();
  }

  /** Ids of all workspaces that are not being deleted (for schedulers such as retention). */
  async activeIds(): Promise<string[]> {
    const ids: string[] = [];
    for await (const e of this.#kv.list({ prefix: ["ctl", "ws"] })) {
      const meta = await this.#kv.get<WorkspaceRecord>(["w", e.key[2] as string, "meta"]);
      if (meta.value && meta.value.status !== "DELETING") ids.push(meta.value.workspaceId);
    }
    return ids;
  }

  #parseArn(arn: string): string {
    const m = ARN_RE.exec(arn);
    if (!m) {
      throw ValidationException.field(
        "resourceArn",
        arn,
        "Member must satisfy regular expression pattern: arn:aws[-a-z]*:aps:[-a-z0-9]+:[0-9]{12}:workspace/.+",
      );
    }
    if (
      m[1] !== this.#opts.region || m[2] !== this.#opts.accountId ||
      !/^[0-9A-Za-z][-.0-9A-Z_a-z]*$/.test(m[3])
    ) {
      throw new ResourceNotFoundException(`Resource ${arn} not found`, arn, RESOURCE_TYPE);
    }
    return m[3];
  }

  async #getMeta(id: string): Promise<Deno.KvEntry<WorkspaceRecord>> {
    const meta = await this.#kv.get<WorkspaceRecord>(["w", id, "meta"]);
    if (!meta.value) throw notFound(id);
    return meta as Deno.KvEntry<WorkspaceRecord>;
  }

  /**
   * Applies `change` to workspace `id` in one atomic commit checked against the record it read,
   * recording `token` for idempotent retries. Returns false when a retry of the same token found
   * the change already applied.
   */
  async #mutate(
    id: string,
    op: string,
    token: string | undefined,
    params: string,
    change: (rec: WorkspaceRecord, op: Deno.AtomicOperation) => void | Promise<void>,
  ): Promise<boolean> {
    const tokenKey = token ? ["w", id, "token", op, token] : undefined;
    for (let attempt = 0; attempt < COMMIT_ATTEMPTS_MAX; attempt++) {
      if (tokenKey) {
        const prior = await this.#kv.get<TokenRecord>(tokenKey);
        if (prior.value) {
          if (prior.value.params !== params) throw tokenMismatch(token!);
          return false;
        }
      }
      const meta = await this.#getMeta(id);
      const atomic = this.#kv.atomic().check(meta);
      await change(meta.value, atomic);
      if (tokenKey) {
        atomic.check({ key: tokenKey, versionstamp: null })
          .set(tokenKey, { params } satisfies TokenRecord, { expireIn: CLIENT_TOKEN_TTL_MS });
      }
      if ((await atomic.commit()).ok) return true;
    }
    throw new ConflictException(
      `Concurrent modification of workspace ${id}, please retry`,
      id,
      RESOURCE_TYPE,
    );
  }

  async #transition(id: string, from: WorkspaceStatusCode, to: WorkspaceStatusCode): Promise<void> {
    await this.#delay();
    for (let attempt = 0; attempt < COMMIT_ATTEMPTS_MAX; attempt++) {
      const meta = await this.#kv.get<WorkspaceRecord>(["w", id, "meta"]);
      if (!meta.value || meta.value.status !== from) return;
      const res = await this.#kv.atomic().check(meta).set(["w", id, "meta"], {
        ...meta.value,
        status: to,
      }).commit();
      if (res.ok) return;
    }
  }

  async #activateConfig(id: string): Promise<void> {
    await this.#delay();
    for (let attempt = 0; attempt < COMMIT_ATTEMPTS_MAX; attempt++) {
      const cfg = await this.#kv.get<WorkspaceConfigRecord>(["w", id, "config"]);
      if (!cfg.value || cfg.value.statusCode !== "UPDATING") return;
      const next: WorkspaceConfigRecord = { ...cfg.value, statusCode: "ACTIVE" };
      if ((await this.#kv.atomic().check(cfg).set(["w", id, "config"], next).commit()).ok) {
        this.#opts.onConfigChange?.(id, next);
        return;
      }
    }
  }

  /** Removes every key of a DELETING workspace, the metadata last so Describe answers DELETING until done. */
  async #purge(id: string): Promise<void> {
    await this.#delay();
    await this.#opts.onDeleteData?.(id);
    let batch: Deno.KvKey[] = [];
    const flush = async () => {
      const op = this.#kv.atomic();
      for (const k of batch) op.delete(k);
      await op.commit();
      batch = [];
    };
    for await (const e of this.#kv.list({ prefix: ["w", id] })) {
      if (e.key.length === 3 && e.key[2] === "meta") continue;
      batch.push(e.key);
      if (batch.length >= KV_DELETE_BATCH) await flush();
    }
    if (batch.length > 0) await flush();
    await this.#kv.atomic().delete(["w", id, "meta"]).delete(["ctl", "ws", id]).commit();
    this.#opts.log.info("workspace deleted", { workspaceId: id });
  }

  #background(task: () => Promise<void>): void {
    if (this.#closed) return;
    const p = task().catch((e) => this.#opts.log.error("background task failed", { error: e }))
      .finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  #delay(): Promise<void> {
    const ms = this.#opts.transitionDelayMs ?? 0;
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

function notFound(id: string): ResourceNotFoundException {
  return new ResourceNotFoundException(`Workspace not found: ${id}`, id, RESOURCE_TYPE);
}

function requireActive(rec: WorkspaceRecord): void {
  if (rec.status !== "ACTIVE") {
    throw new ConflictException(
      `Workspace ${rec.workspaceId} is in status ${rec.status}; it must be ACTIVE`,
      rec.workspaceId,
      RESOURCE_TYPE,
    );
  }
}

function tokenMismatch(token: string): ConflictException {
  return new ConflictException(
    `The client token ${token} was already used for a request with different parameters`,
    token,
    "CLIENT_TOKEN",
  );
}

function sortedEntries(r: Record<string, string>): [string, string][] {
  return Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function encodeNextToken(lastId: string): string {
  return btoa(JSON.stringify({ v: 1, after: lastId }));
}

function decodeNextToken(token: string | undefined): string | undefined {
  if (token === undefined || token === "") return undefined;
  try {
    const parsed = JSON.parse(atob(token));
    if (parsed?.v === 1 && typeof parsed.after === "string") return parsed.after;
  } catch {
    // fall through to the validation error
  }
  throw new ValidationException("Invalid pagination token", "OTHER", [{
    name: "nextToken",
    message: "Invalid token",
  }]);
}
