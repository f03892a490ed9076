/**
 * End-to-end: the real server driven by the real AWS CLI (`aws amp ... --endpoint-url`). When the
 * installed CLI's bundled model lacks the workspace-configuration operations (Debian's 2.9.19), the
 * test adds our own service description (tests/fixtures/amp_model) with `aws configure add-model`.
 */
import { assert, assertEquals } from "./assert.ts";
import { hasCommand } from "./harness.ts";
import { startServer } from "./server.ts";

const haveAws = await hasCommand("aws");
if (!haveAws) console.log("skipped: aws not installed");

Deno.test({
  name:
    "the AWS CLI drives the workspace lifecycle, tags and configuration, and sees AWS error codes",
  ignore: !haveAws,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "promenade-aws-" });
    const server = await startServer(`${tmp}/kv.sqlite`);
    const env: Record<string, string> = {
      HOME: tmp,
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_CONFIG_FILE: `${tmp}/config`,
      AWS_SHARED_CREDENTIALS_FILE: `${tmp}/credentials`,
      AWS_PAGER: "",
      AWS_RETRY_MODE: "standard",
      AWS_MAX_ATTEMPTS: "2",
    };
    const aws = async (...args: string[]) => {
      const out = await new Deno.Command("aws", {
        args: ["amp", ...args, "--endpoint-url", server.url, "--output", "json"],
        env,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      const stderr = new TextDecoder().decode(out.stderr);
      return {
        code: out.code,
        stdout,
        stderr,
        json: stdout.trim() ? JSON.parse(stdout) : undefined,
      };
    };
    const ok = async (...args: string[]) => {
      const r = await aws(...args);
      assertEquals(r.code, 0, `aws amp ${args.join(" ")} failed: ${r.stderr}`);
      return r.json;
    };
    try {
      const probe = await aws("describe-workspace-configuration", "--workspace-id", "ws-probe");
      if (probe.stderr.includes("Invalid choice")) {
        const model = new URL("./fixtures/amp_model/service-2.json", import.meta.url).pathname;
        const add = await new Deno.Command("aws", {
          args: [
            "configure",
            "add-model",
            "--service-model",
            `file://${model}`,
            "--service-name",
            "amp",
          ],
          env,
        }).output();
        assert(add.success, "aws configure add-model failed");
      }

      const created = await ok("create-workspace", "--alias", "e2e-test", "--tags", "k=v,team=a");
      const id: string = created.workspaceId;
      assert(id.startsWith("ws-"), id);
      assertEquals(created.status.statusCode, "CREATING");
      const arn: string = created.arn;
      await ok("wait", "workspace-active", "--workspace-id", id);

      const d = (await ok("describe-workspace", "--workspace-id", id)).workspace;
      assertEquals(d.status.statusCode, "ACTIVE");
      assertEquals(d.alias, "e2e-test");
      assertEquals(d.arn, `arn:aws:aps:us-east-1:123456789012:workspace/${id}`);
      assertEquals(d.prometheusEndpoint, `${server.url}/workspaces/${id}/`);
      assertEquals(d.tags, { k: "v", team: "a" });
      assert(d.createdAt !== undefined, "createdAt");

      // A second workspace, then list with a page size of 1 so the CLI follows nextToken.
      const other = (await ok("create-workspace", "--alias", "e2e-other")).workspaceId;
      await ok("create-workspace", "--alias", "unrelated");
      const listed = await ok("list-workspaces", "--alias", "e2e", "--page-size", "1");
      assertEquals(
        new Set(listed.workspaces.map((w: { workspaceId: string }) => w.workspaceId)),
        new Set([id, other]),
      );

      assertEquals(
        await ok("update-workspace-alias", "--workspace-id", id, "--alias", "e2e-renamed"),
        undefined,
      );
      assertEquals(
        (await ok("describe-workspace", "--workspace-id", id)).workspace.alias,
        "e2e-renamed",
      );

      await ok("tag-resource", "--resource-arn", arn, "--tags", "extra=1");
      assertEquals((await ok("list-tags-for-resource", "--resource-arn", arn)).tags, {
        k: "v",
        team: "a",
        extra: "1",
      });
      await ok("untag-resource", "--resource-arn", arn, "--tag-keys", "team");
      assertEquals((await ok("list-tags-for-resource", "--resource-arn", arn)).tags, {
        k: "v",
        extra: "1",
      });

      const cfg =
        (await ok("describe-workspace-configuration", "--workspace-id", id)).workspaceConfiguration;
      assertEquals(cfg.retentionPeriodInDays, 150);
      assertEquals(cfg.status.statusCode, "ACTIVE");
      const upd = await ok(
        "update-workspace-configuration",
        "--workspace-id",
        id,
        "--retention-period-in-days",
        "30",
        "--limits-per-label-set",
        '[{"labelSet":{"env":"prod"},"limits":{"maxSeries":1000}}]',
      );
      assertEquals(upd.status.statusCode, "UPDATING");
      let after;
      for (let i = 0; i < 50; i++) {
        after = (await ok("describe-workspace-configuration", "--workspace-id", id))
          .workspaceConfiguration;
        if (after.status.statusCode === "ACTIVE") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assertEquals(after.retentionPeriodInDays, 30);
      assertEquals(after.limitsPerLabelSet, [{
        labelSet: { env: "prod" },
        limits: { maxSeries: 1000 },
      }]);

      const missing = await aws(
        "describe-workspace",
        "--workspace-id",
        "ws-00000000-0000-4000-8000-000000000000",
      );
      assert(missing.code !== 0, "describe of a missing workspace must fail");
      assert(missing.stderr.includes("(ResourceNotFoundException)"), missing.stderr);
      const invalid = await aws(
        "update-workspace-configuration",
        "--workspace-id",
        id,
        "--retention-period-in-days",
        "5000",
      );
      assert(invalid.code !== 0);
      assert(invalid.stderr.includes("(ValidationException)"), invalid.stderr);

      assertEquals(await ok("delete-workspace", "--workspace-id", id), undefined);
      await ok("wait", "workspace-deleted", "--workspace-id", id);
      const gone = await aws("describe-workspace", "--workspace-id", id);
      assert(gone.stderr.includes("(ResourceNotFoundException)"), gone.stderr);
    } finally {
      await server.stop();
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
