/**
 * Everything between an HTTP body and the storage Appender for one workspace, in Cortex's
 * order: negotiate + decompress + decode, HA dedup, validation, rate limit. The route calls
 * `prepare()`, then `append()`s `request` and answers 2xx (with `writtenHeaders()` for 2.0)
 * only after the append resolves; a thrown `IngestError` maps to `status` and `message`.
 */
import type { WriteRequest } from "../model/write.ts";
import { RemoteWriteDecoder, type WriteCounts } from "./decoder.ts";
import { HaTracker } from "./ha_tracker.ts";
import { LabelCache } from "./label_cache.ts";
import {
  assertIngestLimits,
  type IngestLimits,
  ingestLimits,
  LABEL_CACHE_ENTRIES_MAX,
} from "./limits.ts";
import { RateLimiter } from "./rate_limiter.ts";
import { decodeRemoteWrite } from "./remote_write.ts";
import { validateWrite, validateWritePartial } from "./validate.ts";
import type { ValidationError } from "./errors.ts";

/** Options of a `WorkspaceIngest`. */
export interface WorkspaceIngestOptions {
  /** Limits (defaults: AMP quotas and the environment, see `ingestLimits`). */
  limits?: IngestLimits;
  /** Initial entries per generation of the label cache. */
  labelCacheEntriesMax?: number;
  /** Largest generation the label cache grows to (default `LABEL_CACHE_ENTRIES_CAP`). */
  labelCacheEntriesCap?: number;
  /** Wall clock in ms (sample age, token bucket, HA failover); injectable for tests. */
  clock?: () => number;
  /**
   * "reject" (default, the design's all-or-nothing rule): any invalid item rejects the request.
   * "partial" (Cortex/AMP): invalid items are dropped, `PreparedWrite.error` carries the first
   * error; the route stores the rest and then answers 400 with it.
   */
  validation?: "reject" | "partial";
}

/** The outcome of `prepare()`. */
export type PreparedWrite =
  /** Store `request`; `counts` are what it carries (for the 2.0 written headers). */
  | {
    kind: "write";
    version: "1.0" | "2.0";
    request: WriteRequest;
    counts: WriteCounts;
    /** Partial mode only: the first dropped item's error, to answer 400 after storing. */
    error?: ValidationError;
  }
  /** A non-elected HA replica: store nothing and answer `status` (202) with `message`. */
  | { kind: "deduped"; version: "1.0" | "2.0"; status: 202; message: string; counts: WriteCounts };

/** Per-workspace ingest state: label cache, token bucket and HA tracker. */
export class WorkspaceIngest {
  /** Current limits; change them with `configure()`. */
  limits: IngestLimits;
  readonly decoder: RemoteWriteDecoder;
  readonly rateLimiter: RateLimiter;
  readonly haTracker: HaTracker;
  private readonly clock: () => number;
  private readonly partial: boolean;

  constructor(opts: WorkspaceIngestOptions = {}) {
    this.limits = opts.limits ?? ingestLimits();
    this.clock = opts.clock ?? Date.now;
    this.partial = opts.validation === "partial";
    this.decoder = new RemoteWriteDecoder(
      new LabelCache(opts.labelCacheEntriesMax ?? LABEL_CACHE_ENTRIES_MAX, undefined, {
        clock: this.clock,
        entriesCap: opts.labelCacheEntriesCap,
      }),
      { regionIndex: true, clock: this.clock },
    );
    this.rateLimiter = new RateLimiter(
      { rate: this.limits.ingestionRate, burst: this.limits.ingestionBurst },
      this.clock(),
    );
    this.haTracker = new HaTracker({
      clusterLabel: this.limits.haClusterLabel,
      replicaLabel: this.limits.haReplicaLabel,
      failoverTimeoutMs: this.limits.haFailoverTimeoutMs,
      clustersMax: this.limits.haClustersMax,
      clock: this.clock,
    });
  }

  /**
   * Applies new limits (e.g. an adjusted ingestion rate): the token bucket keeps its tokens up
   * to the new burst; label sets are re-validated once under the new object. HA settings are
   * fixed at construction (AMP's are not adjustable).
   */
  configure(limits: IngestLimits): void {
    assertIngestLimits(limits);
    this.limits = limits;
    this.rateLimiter.setLimits(
      { rate: limits.ingestionRate, burst: limits.ingestionBurst },
      this.clock(),
    );
  }

  /**
   * Decodes, de-duplicates, validates and rate-limits one remote-write body. Throws only
   * `IngestError` subclasses for bad input or limits (415/400/429).
   */
  prepare(body: Uint8Array, headers: Headers): PreparedWrite {
    const d = decodeRemoteWrite(body, headers, {
      decoder: this.decoder,
      requestBytesMax: this.limits.requestBytesMax,
      decompressedBytesMax: this.limits.decompressedBytesMax,
    });
    let counts: WriteCounts = {
      samples: d.samples,
      histograms: d.histograms,
      exemplars: d.exemplars,
    };
    const ha = this.haTracker.check(d.request);
    if (ha.kind === "deduped") {
      return {
        kind: "deduped",
        version: d.version,
        status: ha.status,
        message: ha.message,
        counts,
      };
    }
    const now = this.clock();
    let request = ha.request;
    let error: ValidationError | undefined;
    if (this.partial) {
      const v = validateWritePartial(request, this.limits, now);
      request = v.request;
      error = v.error;
      if (error !== undefined) counts = countWrite(request);
    } else {
      validateWrite(request, this.limits, now);
      // As decoded (not relabelled by the HA tracker): the decoder remembers these label sets
      // passed, beside its index.
      if (request === d.request) this.decoder.noteValidated(request.series, this.limits);
    }
    this.rateLimiter.admit({ ...counts, metadata: request.metadata.length }, now);
    return error === undefined
      ? { kind: "write", version: d.version, request, counts }
      : { kind: "write", version: d.version, request, counts, error };
  }
}

/** Samples, histogram samples and exemplars a request carries. */
export function countWrite(req: WriteRequest): WriteCounts {
  let samples = 0, histograms = 0, exemplars = 0;
  for (const s of req.series) {
    samples += s.t.length;
    histograms += s.histograms.length;
    exemplars += s.exemplars.length;
  }
  return { samples, histograms, exemplars };
}
