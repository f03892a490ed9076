/**
 * HTTP crash-test writer: remote-writes deterministic batches to a server at full speed with a few
 * concurrent senders, retrying each batch until it gets a 2xx (as Prometheus does; a retry of a
 * committed batch must be accepted as a same-value duplicate). Prints `start <id>` before the first
 * attempt, `ack <id>` after a 2xx and `reject <id> <status> <text>` after a 4xx, synchronously, so a
 * line on stdout means the event happened. Killed by tests/http_crash_test.ts.
 *
 * Usage: deno run -A tests/http_crash_writer.ts <remote write url>
 */
import { RW1_HEADERS } from "./rw_client.ts";
import { httpCrashBody } from "./http_crash_batch.ts";

const [url] = Deno.args;
const SENDERS = 3;
const enc = new TextEncoder();
const line = (s: string) => Deno.stdout.writeSync(enc.encode(s + "\n"));
let next = 0;

async function sender(): Promise<void> {
  for (;;) {
    const id = next++;
    const body = httpCrashBody(id) as Uint8Array<ArrayBuffer>;
    line(`start ${id}`);
    for (;;) {
      let status = 0, text = "";
      try {
        const res = await fetch(url, { method: "POST", headers: RW1_HEADERS, body });
        status = res.status;
        text = await res.text();
      } catch {
        // connection refused or reset: the server is down; retry
      }
      if (status >= 200 && status < 300) {
        line(`ack ${id}`);
        break;
      }
      if (status >= 400 && status < 500 && status !== 429) {
        line(`reject ${id} ${status} ${JSON.stringify(text)}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

await Promise.all(Array.from({ length: SENDERS }, sender));
