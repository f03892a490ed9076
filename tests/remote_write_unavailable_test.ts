/** Remote write while storage is closed (shutdown, or another instance holds the writer lease). */
import { assertEquals } from "./assert.ts";
import { testService } from "./harness.ts";
import { remoteWrite } from "./rw_client.ts";

Deno.test("remote write answers a retryable 503 when storage is closed", async () => {
  const s = await testService({ env: { PROMENADE_SAMPLE_AGE_MAX: "0" } });
  try {
    await s.service.data.tsdb.close();
    const r = await remoteWrite((p, i) => Promise.resolve(s.app.request(p, i)), "/api/v1/write", [
      { labels: { __name__: "m" }, samples: [[1_700_000_000_000, 1]] },
    ]);
    assertEquals(r.status, 503);
    assertEquals(r.headers.get("retry-after"), "1");
    await r.body?.cancel();
  } finally {
    await s.close();
  }
});
