import { assertEquals, assertThrows } from "../tests/assert.ts";
import { ConfigError, parseConfig, usage } from "./config.ts";

Deno.test("parseConfig() uses defaults, then environment, then flags", () => {
  const d = parseConfig([], {});
  assertEquals(d, {
    listenHost: "127.0.0.1",
    listenPort: 9009,
    dataPath: "data/promenade.kv",
    region: "us-east-1",
    accountId: "123456789012",
    workspacesMax: 25,
    logLevel: "info",
    publicUrl: "",
    sampleAgeMaxMs: 3_600_000,
    oooWindowMs: 600_000,
    ingestionRate: 1_666_666,
    ingestionBurst: 1_000_000,
    activeSeriesMax: 50_000_000,
    queryTps: 300,
    metadataTps: 10,
    queryTimeoutMs: 120_000,
  });
  const e = parseConfig([], {
    PROMENADE_LISTEN: "0.0.0.0:8080",
    PROMENADE_DATA: ":memory:",
    PROMENADE_WORKSPACES_MAX: "3",
  });
  assertEquals([e.listenHost, e.listenPort, e.dataPath, e.workspacesMax], [
    "0.0.0.0",
    8080,
    ":memory:",
    3,
  ]);
  const f = parseConfig(["--listen=[::1]:7000", "--region", "eu-west-1", "--log-level=debug"], {
    PROMENADE_LISTEN: "0.0.0.0:8080",
    PROMENADE_REGION: "us-west-2",
  });
  assertEquals([f.listenHost, f.listenPort, f.region, f.logLevel], [
    "::1",
    7000,
    "eu-west-1",
    "debug",
  ]);
});

Deno.test("parseConfig() rejects bad values and unknown flags with a clear message", () => {
  assertThrows(() => parseConfig(["--listen", "nope"], {}), ConfigError, "want host:port");
  assertThrows(() => parseConfig([], { PROMENADE_ACCOUNT_ID: "12" }), ConfigError, "12 digits");
  assertThrows(
    () => parseConfig([], { PROMENADE_WORKSPACES_MAX: "0" }),
    ConfigError,
    "positive integer",
  );
  assertThrows(() => parseConfig([], { PROMENADE_LOG_LEVEL: "loud" }), ConfigError, "log level");
  assertThrows(() => parseConfig(["--bogus=1"], {}), ConfigError, "unknown flag --bogus");
  assertThrows(() => parseConfig(["--data"], {}), ConfigError, "needs a value");
});

Deno.test("usage() lists every environment variable", () => {
  for (
    const v of [
      "PROMENADE_LISTEN",
      "PROMENADE_DATA",
      "PROMENADE_REGION",
      "PROMENADE_ACCOUNT_ID",
      "PROMENADE_WORKSPACES_MAX",
      "PROMENADE_LOG_LEVEL",
    ]
  ) {
    if (!usage().includes(v)) throw new Error(`usage lacks ${v}`);
  }
});
