/**
 * A minimal HTTP/1.1 client for load generation over plain TCP: one keep-alive connection per
 * sender, each request written as prebuilt bytes (request line, headers and body in one buffer),
 * each response parsed just enough to check it (status line, `Content-Length` or chunked body,
 * `Connection: close`). It costs the shared cores a fraction of what `fetch` does per request
 * (which builds Request and Headers objects and streams the body), so a load generator on the
 * server's own machine takes less CPU from the server it measures. No TLS, no redirects, no
 * 100-continue: for `http://` URLs of a server under test only.
 * @module
 */

const CRLF2 = [13, 10, 13, 10];
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** A parsed response: status and the body as text. */
export interface Http1Response {
  status: number;
  text: string;
}

/** The bytes of a `POST` of `body` to `url` with `headers` (Host and Content-Length are added). */
export function http1Post(url: URL, headers: Headers, body: Uint8Array): Uint8Array {
  if (url.protocol !== "http:") throw new Error(`http1: only http:// URLs, not ${url.protocol}`);
  let head = `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  for (const [k, v] of headers) {
    if (k === "host" || k === "content-length") continue;
    head += `${k}: ${v}\r\n`;
  }
  head += `Content-Length: ${body.length}\r\n\r\n`;
  const h = encoder.encode(head);
  const out = new Uint8Array(h.length + body.length);
  out.set(h);
  out.set(body, h.length);
  return out;
}

/** One keep-alive HTTP/1.1 connection; `send` calls must not overlap. */
export class Http1Connection {
  readonly #url: URL;
  #conn: Deno.TcpConn | undefined;
  #buf = new Uint8Array(1 << 16);
  #start = 0;
  #end = 0;

  constructor(url: URL) {
    if (url.protocol !== "http:") throw new Error(`http1: only http:// URLs, not ${url.protocol}`);
    this.#url = url;
  }

  /** Writes prebuilt request bytes (`http1Post`) and reads the response. */
  async send(request: Uint8Array): Promise<Http1Response> {
    const conn = this.#conn ??= await Deno.connect({
      hostname: this.#url.hostname,
      port: Number(this.#url.port || 80),
    });
    conn.setNoDelay(true);
    for (let off = 0; off < request.length;) off += await conn.write(request.subarray(off));
    return await this.#response();
  }

  /** Closes the connection (a later `send` opens a new one). */
  close(): void {
    this.#conn?.close();
    this.#conn = undefined;
    this.#start = this.#end = 0;
  }

  async #response(): Promise<Http1Response> {
    let headEnd: number;
    while ((headEnd = this.#find(CRLF2)) < 0) await this.#fill();
    const head = decoder.decode(this.#buf.subarray(this.#start, headEnd));
    this.#start = headEnd + 4;
    const lines = head.split("\r\n");
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
    if (m === null) throw new Error(`http1: bad status line ${JSON.stringify(lines[0])}`);
    const status = Number(m[1]);
    let length = -1, chunked = false, close = false;
    for (let i = 1; i < lines.length; i++) {
      const c = lines[i].indexOf(":");
      const name = lines[i].slice(0, c).trim().toLowerCase();
      const value = lines[i].slice(c + 1).trim().toLowerCase();
      if (name === "content-length") length = Number(value);
      else if (name === "transfer-encoding") chunked = value.includes("chunked");
      else if (name === "connection") close = value === "close";
    }
    let text = "";
    if (chunked) {
      for (;;) {
        let lineEnd: number;
        while ((lineEnd = this.#find([13, 10])) < 0) await this.#fill();
        const size = parseInt(decoder.decode(this.#buf.subarray(this.#start, lineEnd)), 16);
        this.#start = lineEnd + 2;
        if (!(size >= 0)) throw new Error("http1: bad chunk size");
        text += await this.#take(size);
        await this.#take(2); // the chunk's CRLF
        if (size === 0) break;
      }
    } else if (length > 0) {
      text = await this.#take(length);
    } else if (length < 0 && status !== 204 && status !== 304) {
      throw new Error("http1: a response without a length");
    }
    if (close) this.close();
    return { status, text };
  }

  /** Reads `n` bytes of body as text. */
  async #take(n: number): Promise<string> {
    while (this.#end - this.#start < n) await this.#fill();
    const s = decoder.decode(this.#buf.subarray(this.#start, this.#start + n));
    this.#start += n;
    return s;
  }

  /** Index of `pat` in the buffered bytes, or -1. */
  #find(pat: number[]): number {
    const b = this.#buf;
    for (let i = this.#start; i + pat.length <= this.#end; i++) {
      let k = 0;
      while (k < pat.length && b[i + k] === pat[k]) k++;
      if (k === pat.length) return i;
    }
    return -1;
  }

  /** Reads more bytes (compacting or growing the buffer first). */
  async #fill(): Promise<void> {
    if (this.#start > 0) {
      this.#buf.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    if (this.#end === this.#buf.length) {
      const g = new Uint8Array(this.#buf.length * 2);
      g.set(this.#buf);
      this.#buf = g;
    }
    const n = await this.#conn!.read(this.#buf.subarray(this.#end));
    if (n === null) throw new Error("http1: connection closed by the server");
    this.#end += n;
  }
}
