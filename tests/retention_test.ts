/** Retention: the scheduled pass deletes whole partitions older than each workspace's retention. */
import { assertEquals } from "./assert.ts";
import { testService } from "./harness.ts";
import { remoteWrite } from "./rw_client.ts";

Deno.test("applyRetention() deletes data older than the workspace's retentionPeriodInDays and keeps the rest", async () => {
  const s = await testService({ env: { PROMENADE_SAMPLE_AGE_MAX: "0" } });
  try {
    const id = (await s.call("POST", "/workspaces", {})).json.workspaceId;
    await s.service.workspaces.idle();
    await s.call("PATCH", `/workspaces/${id}/configuration`, { retentionPeriodInDays: 2 });
    await s.service.workspaces.idle();
    const day = 86_400_000;
    const now = Date.now();
    const oldT = now - 5 * day, newT = now - 3600_000;
    const write = (t: number, job: string) =>
      remoteWrite(
        (p, i) => Promise.resolve(s.app.request(p, i)),
        `/workspaces/${id}/api/v1/remote_write`,
        [
          { labels: { __name__: "m", job }, samples: [[t, 1], [t + 15_000, 2]] },
        ],
      );
    assertEquals((await write(oldT, "old")).status, 200);
    assertEquals((await write(newT, "new")).status, 200);
    const count = async (t: number) => {
      const r = await s.call(
        "GET",
        `/workspaces/${id}/api/v1/query?query=count_over_time(m[1m])&time=${(t + 30_000) / 1000}`,
      );
      return r.json.data.result.length;
    };
    assertEquals(await count(oldT), 1);
    assertEquals(await count(newT), 1);
    await s.service.data.applyRetention(now);
    assertEquals(await count(oldT), 0, "data older than 2 days is gone");
    assertEquals(await count(newT), 1, "recent data stays");
  } finally {
    await s.close();
  }
});
