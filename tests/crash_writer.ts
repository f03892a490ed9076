/**
 * Crash-test writer: opens the TSDB on a KV file and appends batches at full speed, 4 in flight,
 * printing `start <id>` before each append and `ack <id>` after it resolves (synchronous writes,
 * so a line on stdout means the event happened). Killed with SIGKILL by tests/crash_test.ts.
 *
 * Usage: deno run -A tests/crash_writer.ts <kv path> <first batch id>
 */
import { Tsdb } from "../engine/storage/mod.ts";
import { crashBatch } from "./crash_batch.ts";

const [path, first] = Deno.args;
const kv = await Deno.openKv(path);
const db = await Tsdb.open(kv);
// Small checkpoint threshold so kills also land inside checkpoints and WAL truncation.
const ws = await db.workspace("crash", { checkpointWalBytes: 256 * 1024 });
const enc = new TextEncoder();
let next = Number(first);
const line = (s: string) => Deno.stdout.writeSync(enc.encode(s + "\n"));

async function sender(): Promise<void> {
  for (;;) {
    const id = next++;
    line(`start ${id}`);
    await ws.append(crashBatch(id));
    line(`ack ${id}`);
  }
}
await Promise.all([sender(), sender(), sender(), sender()]);
