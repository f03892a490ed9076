import { assert, assertEquals } from "../tests/assert.ts";
import { testService } from "../tests/harness.ts";
import { encodeWrite, RW1_HEADERS } from "../tests/rw_client.ts";

Deno.test("every answer carries its own x-amzn-RequestId: built with the context, built without it, and errors", async () => {
  const s = await testService();
  s.app.get("/test/raw", () => new Response("built without the context\n"));
  const seen = new Set<string>();
  const answers: [string, Response][] = [
    [
      "remote write",
      await s.app.request("/api/v1/write", {
        method: "POST",
        headers: RW1_HEADERS,
        body: encodeWrite([{
          labels: { __name__: "m" },
          samples: [[Date.now(), 1]],
        }]) as Uint8Array<ArrayBuffer>,
      }),
    ],
    ["bad remote write", await s.app.request("/api/v1/write", { method: "POST", body: "x" })],
    ["healthy", await s.app.request("/-/healthy")],
    ["metrics", await s.app.request("/metrics")],
    ["unknown path", await s.app.request("/no/such/path")],
    ["query", await s.app.request("/api/v1/query?query=up")],
    ["raw response", await s.app.request("/test/raw")],
  ];
  for (const [what, res] of answers) {
    await res.body?.cancel();
    const id = res.headers.get("x-amzn-requestid");
    assert(id !== null && /^[0-9a-f-]{36}$/.test(id), `${what}: ${id}`);
    assert(!seen.has(id), `${what}: a fresh id`);
    seen.add(id);
  }
  assertEquals(answers[0][1].status, 204);
  await s.close();
});
