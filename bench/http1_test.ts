import { assertEquals } from "../tests/assert.ts";
import { Http1Connection, http1Post } from "./http1.ts";

Deno.test("http1 sends prebuilt POSTs on one keep-alive connection and reads every kind of answer", async () => {
  const seen: { path: string; type: string | null; body: number[] }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    seen.push({
      path: url.pathname + url.search,
      type: req.headers.get("content-type"),
      body: Array.from(new Uint8Array(await req.arrayBuffer())),
    });
    if (url.pathname === "/empty") return new Response(null, { status: 204 });
    if (url.pathname === "/text") return new Response("bad input\n", { status: 400 });
    if (url.pathname === "/chunked") {
      const parts = ["one ", "two ", "three"];
      return new Response(
        new ReadableStream({
          pull(c) {
            const p = parts.shift();
            if (p === undefined) c.close();
            else c.enqueue(new TextEncoder().encode(p));
          },
        }),
      );
    }
    return new Response("bye", { headers: { connection: "close" } });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const headers = new Headers({ "Content-Type": "application/x-protobuf" });
  const conn = new Http1Connection(new URL(base));
  const big = Uint8Array.from({ length: 200_000 }, (_, i) => i % 251);
  const post = (path: string, body: Uint8Array) =>
    conn.send(http1Post(new URL(base + path), headers, body));
  assertEquals(await post("/empty?x=1", new Uint8Array([1, 2, 3])), { status: 204, text: "" });
  assertEquals(await post("/text", big), { status: 400, text: "bad input\n" });
  assertEquals(await post("/chunked", new Uint8Array(0)), { status: 200, text: "one two three" });
  assertEquals(await post("/close", new Uint8Array([9])), { status: 200, text: "bye" });
  // After `Connection: close`, the next request opens a new connection.
  assertEquals(await post("/empty", new Uint8Array([7])), { status: 204, text: "" });
  assertEquals(seen.map((s) => s.path), ["/empty?x=1", "/text", "/chunked", "/close", "/empty"]);
  assertEquals(seen[0].body, [1, 2, 3]);
  assertEquals(seen[1].body.length, big.length);
  assertEquals(seen[1].body[199_999], 199_999 % 251);
  assertEquals(seen[1].type, "application/x-protobuf");
  conn.close();
  await server.shutdown();
});
