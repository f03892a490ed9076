/**
 * The per-workspace ingestion token bucket (AMP "Ingestion throttling", spec/amp-features-2.md
 * §9.2): capacity = burst, refill = rate tokens per second, starting full. A request is admitted
 * whole or rejected whole with a 429 and a `Retry-After`. Tokens are counted as Cortex's
 * distributor does: one per float sample, histogram sample, exemplar and metadata entry.
 */
import { RateLimitedError } from "./errors.ts";

/** Options of a `RateLimiter`. */
export interface RateLimiterOptions {
  /** Refill in tokens (samples) per second. */
  rate: number;
  /** Bucket capacity in tokens. */
  burst: number;
}

/** What one request asks the bucket for. */
export interface IngestCost {
  samples: number;
  histograms: number;
  exemplars: number;
  metadata: number;
}

/** A token bucket; one per workspace. Time is passed in (ms) so tests control it. */
export class RateLimiter {
  private rate: number;
  private burst: number;
  private tokens: number;
  private lastMs: number;

  constructor(opts: RateLimiterOptions, nowMs: number = Date.now()) {
    assertOptions(opts);
    this.rate = opts.rate;
    this.burst = opts.burst;
    this.tokens = opts.burst;
    this.lastMs = nowMs;
  }

  /** The configured refill rate (tokens per second), as shown in the 429 text. */
  get limit(): number {
    return this.rate;
  }

  /** Changes rate and burst, keeping the tokens held (capped at the new burst). */
  setLimits(opts: RateLimiterOptions, nowMs: number = Date.now()): void {
    assertOptions(opts);
    this.refill(nowMs);
    this.rate = opts.rate;
    this.burst = opts.burst;
    this.tokens = Math.min(this.tokens, this.burst);
  }

  /** Tokens available at `nowMs`. */
  available(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }

  /** Takes `n` tokens if all are available; otherwise takes none and returns false. */
  allowN(n: number, nowMs: number): boolean {
    this.refill(nowMs);
    if (n > this.tokens) return false;
    this.tokens -= n;
    return true;
  }

  /** Whole seconds until `n` tokens could be available (at least 1). */
  retryAfterSeconds(n: number, nowMs: number): number {
    this.refill(nowMs);
    const need = Math.min(n, this.burst) - this.tokens;
    return Math.max(1, Math.ceil(need / this.rate));
  }

  /**
   * Admits a request or throws `RateLimitedError` (429) with AMP's text
   * `ingestion rate limit (<rate>) exceeded while adding <n> samples and <m> metadata`.
   */
  admit(cost: IngestCost, nowMs: number): void {
    const n = cost.samples + cost.histograms + cost.exemplars + cost.metadata;
    if (this.allowN(n, nowMs)) return;
    throw new RateLimitedError(
      this.rate,
      cost.samples + cost.histograms,
      cost.metadata,
      this.retryAfterSeconds(n, nowMs),
    );
  }

  private refill(nowMs: number): void {
    if (nowMs > this.lastMs) {
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastMs) / 1000) * this.rate);
      this.lastMs = nowMs;
    }
  }
}

function assertOptions(o: RateLimiterOptions): void {
  if (!(o.rate > 0) || !(o.burst > 0)) {
    throw new RangeError(
      `BUG: rate limiter needs rate > 0 and burst > 0, got ${o.rate}/${o.burst}`,
    );
  }
}
