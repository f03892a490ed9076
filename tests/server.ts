/** Starts the real server (main.ts) as a child process on a free loopback port, for end-to-end tests. */
import { freePort } from "./harness.ts";

const root = new URL("../", import.meta.url).pathname;

/** A running server process. */
export interface ServerProcess {
  url: string;
  port: number;
  dataPath: string;
  child: Deno.ChildProcess;
  /** SIGTERM and wait (graceful shutdown). */
  stop(): Promise<Deno.CommandStatus>;
  /** SIGKILL and wait. */
  kill(): Promise<Deno.CommandStatus>;
}

/** Starts `main.ts` with `dataPath` and extra env; resolves once `/-/ready` answers 200. */
export async function startServer(
  dataPath: string,
  opts: { env?: Record<string, string>; port?: number; logLevel?: string } = {},
): Promise<ServerProcess> {
  const port = opts.port ?? freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", "--listen", `127.0.0.1:${port}`, "--data", dataPath],
    cwd: root,
    env: { PROMENADE_LOG_LEVEL: opts.logLevel ?? "warn", ...opts.env },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/-/ready`);
      await r.body?.cancel();
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      await child.status;
      throw new Error(`server on ${url} did not become ready`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  let done: Promise<Deno.CommandStatus> | undefined;
  return {
    url,
    port,
    dataPath,
    child,
    stop() {
      if (!done) {
        child.kill("SIGTERM");
        done = child.status;
      }
      return done;
    },
    kill() {
      if (!done) {
        child.kill("SIGKILL");
        done = child.status;
      }
      return done;
    },
  };
}
