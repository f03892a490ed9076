/** Workspaces, configuration and tags survive a process restart on the same KV file. */
import { assertEquals } from "./assert.ts";
import { startServer } from "./server.ts";
import { testService } from "./harness.ts";

// deno-lint-ignore no-explicit-any -- parsed JSON of any shape
async function json(url: string, init?: RequestInit): Promise<any> {
  const r = await fetch(url, init);
  const text = await r.text();
  return text ? JSON.parse(text) : undefined;
}

Deno.test({
  name: "workspaces, configuration and tags survive a restart of the server process",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "promenade-restart-" });
    const dataPath = `${tmp}/kv.sqlite`;
    let server = await startServer(dataPath);
    try {
      const post = (path: string, body: unknown, method = "POST") =>
        json(`${server.url}${path}`, {
          method,
          body: JSON.stringify(body),
          headers: { "content-type": "application/json" },
        });
      const a = await post("/workspaces", { alias: "alpha", tags: { env: "prod" } });
      const b = await post("/workspaces", { alias: "beta" });
      await post(`/tags/${encodeURIComponent(b.arn)}`, { tags: { team: "x" } });
      await post(`/workspaces/${a.workspaceId}/configuration`, {
        retentionPeriodInDays: 42,
        limitsPerLabelSet: [{ labelSet: { env: "prod" }, limits: { maxSeries: 7 } }],
      }, "PATCH");
      await new Promise((r) => setTimeout(r, 200)); // let UPDATING become ACTIVE
      const before = {
        list: await json(`${server.url}/workspaces`),
        a: await json(`${server.url}/workspaces/${a.workspaceId}`),
        cfg: await json(`${server.url}/workspaces/${a.workspaceId}/configuration`),
        tags: await json(`${server.url}/tags/${encodeURIComponent(b.arn)}`),
      };
      assertEquals((await server.stop()).code, 0);

      server = await startServer(dataPath, { port: server.port });
      const after = {
        list: await json(`${server.url}/workspaces`),
        a: await json(`${server.url}/workspaces/${a.workspaceId}`),
        cfg: await json(`${server.url}/workspaces/${a.workspaceId}/configuration`),
        tags: await json(`${server.url}/tags/${encodeURIComponent(b.arn)}`),
      };
      assertEquals(after, before);
      assertEquals(after.cfg.workspaceConfiguration.retentionPeriodInDays, 42);
      assertEquals(after.tags.tags, { team: "x" });
    } finally {
      await server.stop();
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test("recovery finishes a deletion and a creation that a previous process left half done", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "promenade-recover-" });
  const dataPath = `${tmp}/kv.sqlite`;
  try {
    let s = await testService({ dataPath });
    const del = (await s.call("POST", "/workspaces", { alias: "doomed" })).json.workspaceId;
    const keep = (await s.call("POST", "/workspaces", { alias: "kept" })).json.workspaceId;
    await s.service.workspaces.idle();
    // Simulate a crash: the first is marked DELETING with data left behind, the second stuck in CREATING.
    const meta = (await s.service.kv.get<Record<string, unknown>>(["w", del, "meta"])).value!;
    await s.service.kv.set(["w", del, "meta"], { ...meta, status: "DELETING" });
    await s.service.kv.set(["w", del, "tsdb", "x"], 1);
    const meta2 = (await s.service.kv.get<Record<string, unknown>>(["w", keep, "meta"])).value!;
    await s.service.kv.set(["w", keep, "meta"], { ...meta2, status: "CREATING" });
    await s.close();

    s = await testService({ dataPath });
    await s.service.workspaces.idle();
    assertEquals((await s.call("GET", `/workspaces/${del}`)).status, 404);
    const left = [];
    for await (const e of s.service.kv.list({ prefix: ["w", del] })) left.push(e.key);
    assertEquals(left, []);
    assertEquals(
      (await s.call("GET", `/workspaces/${keep}`)).json.workspace.status.statusCode,
      "ACTIVE",
    );
    await s.close();
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
