/** The committed promenade.wasm must be exactly what the AssemblyScript sources build to. */
import { assertEquals } from "../tests/assert.ts";

const wasmDir = new URL("./", import.meta.url);
const asc = new URL("../tools/node_modules/.bin/asc", import.meta.url);
const ascPresent = (() => {
  try {
    return Deno.statSync(asc).isFile;
  } catch {
    return false;
  }
})();
if (!ascPresent) console.log("skipped: asc not installed (tools/node_modules/.bin/asc)");

/** The build flags of the `build:wasm` task in deno.json, read from there so they cannot drift. */
function buildArgs(outFile: string): string[] {
  const cfg = JSON.parse(Deno.readTextFileSync(new URL("../deno.json", import.meta.url)));
  const task: string = cfg.tasks["build:wasm"];
  const cmd = task.slice(task.indexOf("asc ") + 4).split(/\s+/);
  const i = cmd.indexOf("--outFile");
  cmd[i + 1] = outFile;
  return cmd;
}

Deno.test({
  name: "the committed promenade.wasm equals a fresh build of wasm/assembly/",
  ignore: !ascPresent,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const out = `${dir}/fresh.wasm`;
      const res = await new Deno.Command(asc.pathname, {
        args: buildArgs(out),
        cwd: wasmDir.pathname,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(res.code, 0, new TextDecoder().decode(res.stderr));
      const fresh = await Deno.readFile(out);
      const committed = await Deno.readFile(new URL("promenade.wasm", wasmDir));
      assertEquals(
        committed.length === fresh.length && committed.every((b, i) => b === fresh[i]),
        true,
        "wasm/promenade.wasm is stale: run `./deno task build:wasm` and commit it",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
