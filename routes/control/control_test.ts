import { assert, assertEquals } from "../../tests/assert.ts";
import { type TestService, testService } from "../../tests/harness.ts";

async function withService(
  fn: (s: TestService) => Promise<void>,
  opts: Parameters<typeof testService>[0] = {},
): Promise<void> {
  const s = await testService(opts);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

function arnPath(arn: string): string {
  return "/tags/" + encodeURIComponent(arn);
}

Deno.test("CreateWorkspace answers 202 CREATING, then DescribeWorkspace shows it ACTIVE with AWS headers", () =>
  withService(async (s) => {
    const created = await s.call("POST", "/workspaces", {
      alias: "  team-a  ",
      tags: { Team: "A" },
    });
    assertEquals(created.status, 202);
    assertEquals(created.json.status, { statusCode: "CREATING" });
    assert(
      /^ws-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(
        created.json.workspaceId,
      ),
    );
    assertEquals(
      created.json.arn,
      `arn:aws:aps:us-east-1:123456789012:workspace/${created.json.workspaceId}`,
    );
    assertEquals(created.json.tags, { Team: "A" });
    assert(created.headers.get("x-amzn-requestid"), "request id header");
    assert(created.headers.get("date"), "date header");
    await s.service.workspaces.idle();
    const d = await s.call("GET", `/workspaces/${created.json.workspaceId}`);
    assertEquals(d.status, 200);
    assertEquals(d.json.workspace.status, { statusCode: "ACTIVE" });
    assertEquals(d.json.workspace.alias, "team-a");
    assertEquals(
      d.json.workspace.prometheusEndpoint,
      `http://localhost/workspaces/${created.json.workspaceId}/`,
    );
    assert(typeof d.json.workspace.createdAt === "number" && d.json.workspace.createdAt > 1.7e9);
  }));

Deno.test("DescribeWorkspace of an unknown id is ResourceNotFoundException and of a malformed id ValidationException", () =>
  withService(async (s) => {
    const r = await s.call("GET", "/workspaces/ws-00000000-0000-4000-8000-000000000000");
    assertEquals(r.status, 404);
    assertEquals(r.headers.get("x-amzn-errortype"), "ResourceNotFoundException");
    assertEquals(r.json.resourceId, "ws-00000000-0000-4000-8000-000000000000");
    assertEquals(r.json.resourceType, "WORKSPACE");
    assert(typeof r.json.message === "string");
    const bad = await s.call("GET", "/workspaces/bad%20id!");
    assertEquals(bad.status, 400);
    assertEquals(bad.headers.get("x-amzn-errortype"), "ValidationException");
    assertEquals(bad.json.reason, "FIELD_VALIDATION_FAILED");
  }));

Deno.test("aliases are validated, trimmed and updated; UpdateWorkspaceAlias answers 204", () =>
  withService(async (s) => {
    const long = await s.call("POST", "/workspaces", { alias: "x".repeat(101) });
    assertEquals(long.status, 400);
    assert(
      long.json.message.includes("Member must have length less than or equal to 100"),
      long.json.message,
    );
    assertEquals((await s.call("POST", "/workspaces", { alias: "   " })).status, 400);
    assertEquals((await s.call("POST", "/workspaces", { alias: 7 })).status, 400);
    const id = (await s.call("POST", "/workspaces", { alias: "old" })).json.workspaceId;
    await s.service.workspaces.idle();
    const up = await s.call("POST", `/workspaces/${id}/alias`, {
      alias: " new ",
      clientToken: "t1",
    });
    assertEquals(up.status, 204);
    assertEquals((await s.call("GET", `/workspaces/${id}`)).json.workspace.alias, "new");
    assertEquals((await s.call("POST", `/workspaces/${id}/alias`, { alias: "" })).status, 400);
    const unknown = await s.call("POST", "/workspaces/ws-nope/alias", { alias: "a" });
    assertEquals(unknown.status, 404);
  }));

Deno.test("ListWorkspaces filters by alias prefix and paginates with an opaque nextToken", () =>
  withService(async (s) => {
    const ids = new Set<string>();
    for (let i = 0; i < 7; i++) {
      ids.add((await s.call("POST", "/workspaces", { alias: `prod-${i}` })).json.workspaceId);
    }
    await s.call("POST", "/workspaces", { alias: "dev-1" });
    await s.call("POST", "/workspaces", {});
    const seen: string[] = [];
    let token: string | undefined;
    const sizes: number[] = [];
    do {
      const q = new URLSearchParams({ alias: " prod", maxResults: "3" });
      if (token) q.set("nextToken", token);
      const page = await s.call("GET", `/workspaces?${q}`);
      assertEquals(page.status, 200);
      sizes.push(page.json.workspaces.length);
      for (const w of page.json.workspaces) {
        assert(w.alias.startsWith("prod"), w.alias);
        assert(!("prometheusEndpoint" in w));
        seen.push(w.workspaceId);
      }
      token = page.json.nextToken;
    } while (token);
    assertEquals(sizes, [3, 3, 1]);
    assertEquals(new Set(seen), ids);
    const all = await s.call("GET", "/workspaces");
    assertEquals(all.json.workspaces.length, 9);
    assertEquals(all.json.nextToken, undefined);
    for (const bad of ["0", "1001", "abc"]) {
      assertEquals(
        (await s.call("GET", `/workspaces?maxResults=${bad}`)).status,
        400,
        `maxResults=${bad}`,
      );
    }
    const badToken = await s.call("GET", "/workspaces?nextToken=garbage");
    assertEquals(badToken.status, 400);
    assertEquals(badToken.headers.get("x-amzn-errortype"), "ValidationException");
  }));

Deno.test("CreateWorkspace is idempotent per clientToken; a reused token with other parameters conflicts", () =>
  withService(async (s) => {
    const a = await s.call("POST", "/workspaces", { alias: "a", clientToken: "tok-1" });
    const b = await s.call("POST", "/workspaces", { alias: "a", clientToken: "tok-1" });
    assertEquals(a.status, 202);
    assertEquals(b.status, 202);
    assertEquals(b.json.workspaceId, a.json.workspaceId);
    assertEquals((await s.call("GET", "/workspaces")).json.workspaces.length, 1);
    const c = await s.call("POST", "/workspaces", { alias: "other", clientToken: "tok-1" });
    assertEquals(c.status, 409);
    assertEquals(c.headers.get("x-amzn-errortype"), "ConflictException");
    assertEquals((await s.call("POST", "/workspaces", { clientToken: "bad token" })).status, 400);
  }));

Deno.test("the workspace quota answers ServiceQuotaExceededException and a deleted workspace frees its slot", () =>
  withService(async (s) => {
    const a = (await s.call("POST", "/workspaces", {})).json.workspaceId;
    await s.call("POST", "/workspaces", {});
    const over = await s.call("POST", "/workspaces", {});
    assertEquals(over.status, 402);
    assertEquals(over.headers.get("x-amzn-errortype"), "ServiceQuotaExceededException");
    assertEquals(over.json.message, "Limit exceeded. Maximum workspaces per account.");
    for (const k of ["resourceId", "resourceType", "serviceCode", "quotaCode"]) {
      assert(k in over.json, k);
    }
    await s.service.workspaces.idle();
    assertEquals((await s.call("DELETE", `/workspaces/${a}`)).status, 202);
    assertEquals((await s.call("POST", "/workspaces", {})).status, 202);
  }, { env: { PROMENADE_WORKSPACES_MAX: "2" } }));

Deno.test("DeleteWorkspace answers 202, shows DELETING, removes every key, then answers ResourceNotFoundException", () =>
  withService(async (s) => {
    const id = (await s.call("POST", "/workspaces", { tags: { a: "b" } })).json.workspaceId;
    await s.service.workspaces.idle();
    await s.service.kv.set(["w", id, "tsdb", "probe"], 1); // data of the workspace
    const del = await s.call("DELETE", `/workspaces/${id}?clientToken=d1`);
    assertEquals(del.status, 202);
    assertEquals((await s.call("GET", `/workspaces/${id}`)).json.workspace.status, {
      statusCode: "DELETING",
    });
    // A retry with the same token while deleting is accepted; a new delete conflicts.
    assertEquals((await s.call("DELETE", `/workspaces/${id}?clientToken=d1`)).status, 202);
    assertEquals((await s.call("DELETE", `/workspaces/${id}?clientToken=d2`)).status, 409);
    assertEquals((await s.call("POST", `/workspaces/${id}/alias`, { alias: "x" })).status, 409);
    await s.service.workspaces.idle();
    const gone = await s.call("GET", `/workspaces/${id}`);
    assertEquals(gone.status, 404);
    assertEquals(gone.headers.get("x-amzn-errortype"), "ResourceNotFoundException");
    const left = [];
    for await (const e of s.service.kv.list({ prefix: ["w", id] })) left.push(e.key);
    assertEquals(left, []);
    assertEquals((await s.call("GET", "/workspaces")).json.workspaces, []);
    assertEquals((await s.call("DELETE", `/workspaces/${id}`)).status, 404);
  }, { transitionDelayMs: 200 }));

Deno.test("workspace configuration defaults to 150 days and validates retention and label-set limits", () =>
  withService(async (s) => {
    const id = (await s.call("POST", "/workspaces", {})).json.workspaceId;
    await s.service.workspaces.idle();
    const d = await s.call("GET", `/workspaces/${id}/configuration`);
    assertEquals(d.status, 200);
    assertEquals(d.json, {
      workspaceConfiguration: {
        status: { statusCode: "ACTIVE" },
        limitsPerLabelSet: [],
        retentionPeriodInDays: 150,
      },
    });
    for (const days of [0, 1096, 1.5, "30"]) {
      const r = await s.call("PATCH", `/workspaces/${id}/configuration`, {
        retentionPeriodInDays: days,
      });
      assertEquals(r.status, 400, `retention ${days}`);
    }
    const bads = [
      [{ labelSet: { "bad-name": "x" }, limits: { maxSeries: 1 } }],
      [{ labelSet: { env: "prod" }, limits: { maxSeries: -1 } }],
      [{ labelSet: { env: " " }, limits: {} }],
      [{ labelSet: { env: "prod" }, limits: {} }, {
        labelSet: { env: "prod" },
        limits: { maxSeries: 3 },
      }],
      [{ labelSet: { env: "prod" } }],
      Array.from({ length: 101 }, (_, i) => ({ labelSet: { n: String(i) }, limits: {} })),
    ];
    for (const limits of bads) {
      const r = await s.call("PATCH", `/workspaces/${id}/configuration`, {
        limitsPerLabelSet: limits,
      });
      assertEquals(r.status, 400, JSON.stringify(limits).slice(0, 80));
    }
    assertEquals((await s.call("PATCH", `/workspaces/${id}/configuration`, {})).status, 400);
    const limits = [{ labelSet: { env: "prod", team: "a" }, limits: { maxSeries: 1000 } }, {
      labelSet: {},
      limits: { maxSeries: 0 },
    }];
    const up = await s.call("PATCH", `/workspaces/${id}/configuration`, {
      retentionPeriodInDays: 30,
      limitsPerLabelSet: limits,
    });
    assertEquals(up.status, 202);
    assertEquals(up.json, { status: { statusCode: "UPDATING" } });
    await s.service.workspaces.idle();
    const after = await s.call("GET", `/workspaces/${id}/configuration`);
    assertEquals(after.json.workspaceConfiguration, {
      status: { statusCode: "ACTIVE" },
      limitsPerLabelSet: limits,
      retentionPeriodInDays: 30,
    });
    await s.call("PATCH", `/workspaces/${id}/configuration`, { retentionPeriodInDays: 1095 });
    await s.service.workspaces.idle();
    const kept =
      (await s.call("GET", `/workspaces/${id}/configuration`)).json.workspaceConfiguration;
    assertEquals(kept.retentionPeriodInDays, 1095);
    assertEquals(kept.limitsPerLabelSet, limits);
    assertEquals((await s.call("GET", "/workspaces/ws-missing/configuration")).status, 404);
  }));

Deno.test("a configuration update while one is in progress conflicts", () =>
  withService(async (s) => {
    const id = (await s.call("POST", "/workspaces", {})).json.workspaceId;
    await s.service.workspaces.idle();
    assertEquals(
      (await s.call("PATCH", `/workspaces/${id}/configuration`, { retentionPeriodInDays: 10 }))
        .status,
      202,
    );
    const second = await s.call("PATCH", `/workspaces/${id}/configuration`, {
      retentionPeriodInDays: 20,
    });
    assertEquals(second.status, 409);
    assertEquals(second.headers.get("x-amzn-errortype"), "ConflictException");
    await s.service.workspaces.idle();
    assertEquals(
      (await s.call("GET", `/workspaces/${id}/configuration`)).json.workspaceConfiguration
        .retentionPeriodInDays,
      10,
    );
  }, { transitionDelayMs: 200 }));

Deno.test("tags round-trip through TagResource, ListTagsForResource and UntagResource with percent-encoded ARNs", () =>
  withService(async (s) => {
    const created = (await s.call("POST", "/workspaces", { tags: { a: "1" } })).json;
    await s.service.workspaces.idle();
    const path = arnPath(created.arn);
    assert(path.includes("%3A") && path.includes("%2F"));
    assertEquals(
      (await s.call("POST", path, { tags: { b: "2", "c d": "x/y:z=@+-_." } })).status,
      200,
    );
    assertEquals((await s.call("GET", path)).json, {
      tags: { a: "1", b: "2", "c d": "x/y:z=@+-_." },
    });
    assertEquals((await s.call("POST", path, { tags: { a: "one" } })).status, 200);
    assertEquals((await s.call("DELETE", `${path}?tagKeys=b&tagKeys=c%20d`)).status, 200);
    assertEquals((await s.call("GET", path)).json, { tags: { a: "one" } });
    assertEquals((await s.call("GET", `/workspaces/${created.workspaceId}`)).json.workspace.tags, {
      a: "one",
    });
    // Reserved prefix, bad characters, too many tags, missing keys.
    assertEquals((await s.call("POST", path, { tags: { "AWS:x": "1" } })).status, 400);
    assertEquals((await s.call("DELETE", `${path}?tagKeys=aws%3Aname`)).status, 400);
    assertEquals((await s.call("POST", path, { tags: { "bad#key": "1" } })).status, 400);
    assertEquals((await s.call("POST", path, { tags: { k: "v".repeat(257) } })).status, 400);
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, "v"]));
    assertEquals((await s.call("POST", path, { tags: many })).status, 400);
    assertEquals((await s.call("POST", path, {})).status, 400);
    assertEquals((await s.call("DELETE", path)).status, 400);
    // Unknown and malformed ARNs.
    const unknown = await s.call(
      "GET",
      arnPath("arn:aws:aps:us-east-1:123456789012:workspace/ws-nope"),
    );
    assertEquals(unknown.status, 404);
    assertEquals(
      (await s.call(
        "GET",
        arnPath("arn:aws:aps:eu-west-1:123456789012:workspace/" + created.workspaceId),
      )).status,
      404,
    );
    assertEquals((await s.call("GET", arnPath("not-an-arn"))).status, 400);
  }));

Deno.test("an unparseable body is ValidationException CANNOT_PARSE", () =>
  withService(async (s) => {
    const r = await s.call("POST", "/workspaces", "{not json");
    assertEquals(r.status, 400);
    assertEquals(r.json.reason, "CANNOT_PARSE");
    assertEquals((await s.call("POST", "/workspaces", "[1]")).status, 400);
  }));

Deno.test("health, readiness and /metrics answer", () =>
  withService(async (s) => {
    assertEquals((await s.call("GET", "/-/healthy")).status, 200);
    assertEquals((await s.call("GET", "/-/ready")).status, 200);
    await s.call("GET", "/workspaces");
    const m = await s.call("GET", "/metrics");
    assertEquals(m.status, 200);
    assert(
      m.json.includes(
        'promenade_http_requests_total{route="/workspaces",method="GET",code="200"} 1',
      ),
      m.json,
    );
    assert(m.json.includes("promenade_http_request_duration_seconds_bucket"), "latency histogram");
    assert(/promenade_kv_operations_total\{op="list"\} \d+/.test(m.json), "kv counts");
  }));
