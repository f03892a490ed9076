import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { RateLimitedError } from "./errors.ts";
import { RateLimiter } from "./rate_limiter.ts";

const none = { histograms: 0, exemplars: 0, metadata: 0 };

Deno.test("RateLimiter starts full and rejects a request one token over, all or nothing", () => {
  const rl = new RateLimiter({ rate: 10, burst: 100 }, 0);
  rl.admit({ samples: 99, ...none }, 0);
  const e = assertThrows(
    () => rl.admit({ samples: 2, ...none }, 0),
    RateLimitedError,
  ) as RateLimitedError;
  assertEquals(
    e.message,
    "ingestion rate limit (10) exceeded while adding 2 samples and 0 metadata",
  );
  assertEquals(rl.available(0), 1, "a rejected request takes nothing");
  rl.admit({ samples: 1, ...none }, 0);
});

Deno.test("RateLimiter refills at the rate, caps at the burst and suggests Retry-After", () => {
  const rl = new RateLimiter({ rate: 1000, burst: 5000 }, 0);
  assert(rl.allowN(5000, 0));
  assert(!rl.allowN(2000, 1000));
  assertEquals(rl.available(1000), 1000);
  assertEquals(rl.retryAfterSeconds(3500, 1000), 3);
  assertEquals(rl.available(60_000), 5000, "capped at burst");
  const e = assertThrows(
    () => rl.admit({ samples: 4000, histograms: 1000, exemplars: 1, metadata: 2 }, 60_000),
    RateLimitedError,
  ) as RateLimitedError;
  assertEquals(e.message.endsWith("adding 5000 samples and 2 metadata"), true);
  assert(e.retryAfterSeconds >= 1);
});

Deno.test("RateLimiter sustains ingestion at exactly the refill rate", () => {
  const rl = new RateLimiter({ rate: 100, burst: 100 }, 0);
  for (let s = 1; s <= 50; s++) rl.admit({ samples: 100, ...none }, s * 1000);
});
