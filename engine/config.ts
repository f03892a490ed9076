/**
 * Service configuration from command-line flags and environment variables. A flag wins over its
 * environment variable, which wins over the default. Every option is listed in OPTIONS, which also
 * renders `--help` and the README table.
 */
import { isLogLevel, type LogLevel } from "./log.ts";
import { WORKSPACES_MAX_DEFAULT } from "./limits.ts";

/** The resolved configuration. */
export interface Config {
  /** Address to listen on. */
  listenHost: string;
  /** Port to listen on (0 picks a free port). */
  listenPort: number;
  /** Deno KV path (a SQLite file), or ":memory:". */
  dataPath: string;
  /** AWS region reported in ARNs and accepted in SigV4 scopes. */
  region: string;
  /** 12-digit account id reported in ARNs. */
  accountId: string;
  /** Per-account workspace quota. */
  workspacesMax: number;
  /** Minimum level of log lines written. */
  logLevel: LogLevel;
  /** External base URL of this server (for prometheusEndpoint); derived from requests when empty. */
  publicUrl: string;
}

/** A configuration value that cannot be used. */
export class ConfigError extends RangeError {
  override name = "ConfigError";
}

interface Option {
  flag: string;
  env: string;
  default: string;
  help: string;
  apply(c: Config, v: string): void;
}

/** Every option: flag, environment variable, default and meaning. */
export const OPTIONS: readonly Option[] = [
  {
    flag: "listen",
    env: "PROMENADE_LISTEN",
    default: "127.0.0.1:9009",
    help: "host:port to serve HTTP on",
    apply(c, v) {
      const m = /^(.*):(\d{1,5})$/.exec(v);
      if (!m || Number(m[2]) > 65535) {
        throw new ConfigError(`invalid listen address ${JSON.stringify(v)}: want host:port`);
      }
      c.listenHost = m[1].replace(/^\[(.*)\]$/, "$1") || "0.0.0.0";
      c.listenPort = Number(m[2]);
    },
  },
  {
    flag: "data",
    env: "PROMENADE_DATA",
    default: "data/promenade.kv",
    help: 'Deno KV path (SQLite file) or ":memory:"',
    apply(c, v) {
      if (v === "") throw new ConfigError("data path must not be empty");
      c.dataPath = v;
    },
  },
  {
    flag: "region",
    env: "PROMENADE_REGION",
    default: "us-east-1",
    help: "AWS region used in ARNs",
    apply(c, v) {
      if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(v)) {
        throw new ConfigError(`invalid region ${JSON.stringify(v)}`);
      }
      c.region = v;
    },
  },
  {
    flag: "account-id",
    env: "PROMENADE_ACCOUNT_ID",
    default: "123456789012",
    help: "12-digit AWS account id used in ARNs",
    apply(c, v) {
      if (!/^\d{12}$/.test(v)) {
        throw new ConfigError(`invalid account id ${JSON.stringify(v)}: want 12 digits`);
      }
      c.accountId = v;
    },
  },
  {
    flag: "workspaces-max",
    env: "PROMENADE_WORKSPACES_MAX",
    default: String(WORKSPACES_MAX_DEFAULT),
    help: "per-account workspace quota",
    apply(c, v) {
      c.workspacesMax = positiveInt("workspaces-max", v);
    },
  },
  {
    flag: "log-level",
    env: "PROMENADE_LOG_LEVEL",
    default: "info",
    help: "debug, info, warn or error",
    apply(c, v) {
      if (!isLogLevel(v)) {
        throw new ConfigError(
          `invalid log level ${JSON.stringify(v)}: want debug, info, warn or error`,
        );
      }
      c.logLevel = v;
    },
  },
  {
    flag: "public-url",
    env: "PROMENADE_PUBLIC_URL",
    default: "",
    help: "external base URL (e.g. https://metrics.example.com); default: from each request",
    apply(c, v) {
      if (v !== "" && !/^https?:\/\/[^/]+/.test(v)) {
        throw new ConfigError(`invalid public url ${JSON.stringify(v)}`);
      }
      c.publicUrl = v.replace(/\/+$/, "");
    },
  },
];

/** Parses flags (`--name=value` or `--name value`) and environment into a Config. */
export function parseConfig(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Config {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) throw new ConfigError(`unexpected argument ${JSON.stringify(a)}`);
    const eq = a.indexOf("=");
    let name: string, value: string;
    if (eq >= 0) {
      name = a.slice(2, eq);
      value = a.slice(eq + 1);
    } else {
      name = a.slice(2);
      if (i + 1 >= args.length) throw new ConfigError(`flag --${name} needs a value`);
      value = args[++i];
    }
    if (!OPTIONS.some((o) => o.flag === name)) throw new ConfigError(`unknown flag --${name}`);
    flags.set(name, value);
  }
  const c = {} as Config;
  for (const o of OPTIONS) o.apply(c, flags.get(o.flag) ?? env[o.env] ?? o.default);
  return c;
}

/** The `--help` text. */
export function usage(): string {
  const lines = ["Usage: promenade [flags]", ""];
  for (const o of OPTIONS) {
    lines.push(
      `  --${o.flag} (env ${o.env}, default ${JSON.stringify(o.default)})`,
      `      ${o.help}`,
    );
  }
  return lines.join("\n");
}

function positiveInt(name: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) {
    throw new ConfigError(`invalid ${name} ${JSON.stringify(v)}: want a positive integer`);
  }
  return Number(v);
}
