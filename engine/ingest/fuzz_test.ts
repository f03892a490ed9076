import { assert } from "../../tests/assert.ts";
import { IngestError } from "./errors.ts";
import { DEFAULT_INGEST_LIMITS } from "./limits.ts";
import {
  encodeV1,
  encodeV2,
  mutateBytes as mutate,
  randomRequestV1,
  randomRequestV2,
  rng,
} from "./payloads.ts";
import { RemoteWriteDecoder } from "./decoder.ts";
import { LabelCache } from "./label_cache.ts";
import { decodeRemoteWrite } from "./remote_write.ts";
import { snappyEncode } from "./snappy.ts";
import { validateWrite } from "./validate.ts";
import { WorkspaceIngest } from "./workspace_ingest.ts";

const ITERATIONS = 4000;
let tick = 0;

function onlyIngestErrors(fn: () => void, what: string): void {
  try {
    fn();
  } catch (e) {
    assert(e instanceof IngestError, `${what}: threw ${e instanceof Error ? e.stack : e}`);
  }
}

Deno.test("fuzz: mutated protobuf payloads only ever throw typed ingest errors", () => {
  const r = rng(42);
  const d = new RemoteWriteDecoder(
    new LabelCache(64, undefined, { clock: () => (tick += 600_000) }),
  );
  const limits = { ...DEFAULT_INGEST_LIMITS, sampleAgeMaxMs: 0 };
  const seeds1 = Array.from({ length: 20 }, (_, i) => encodeV1(randomRequestV1(i + 1)));
  const seeds2 = Array.from({ length: 20 }, (_, i) => encodeV2(randomRequestV2(i + 1)));
  for (let it = 0; it < ITERATIONS; it++) {
    const v2 = it % 2 === 1;
    const src = (v2 ? seeds2 : seeds1)[it % 20];
    const buf = mutate(r, src);
    onlyIngestErrors(() => {
      const out = v2 ? d.decodeV2(buf) : d.decodeV1(buf);
      validateWrite(out.request, limits, Date.now());
    }, `iteration ${it}`);
    // Any version's decoder must survive the other version's bytes too.
    onlyIngestErrors(() => void (v2 ? d.decodeV1(buf) : d.decodeV2(buf)), `cross ${it}`);
  }
});

Deno.test("fuzz: mutated snappy bodies through decodeRemoteWrite and prepare() only throw ingest errors", () => {
  const r = rng(7);
  const ws = new WorkspaceIngest();
  const headers1 = new Headers({ "Content-Type": "application/x-protobuf" });
  const headers2 = new Headers({
    "Content-Type": "application/x-protobuf;proto=io.prometheus.write.v2.Request",
  });
  const bodies = [
    ...Array.from({ length: 10 }, (_, i) => snappyEncode(encodeV1(randomRequestV1(i + 100)))),
    ...Array.from({ length: 10 }, (_, i) => snappyEncode(encodeV2(randomRequestV2(i + 100)))),
  ];
  for (let it = 0; it < ITERATIONS / 2; it++) {
    const i = it % bodies.length;
    const body = mutate(r, bodies[i]);
    const headers = i < 10 ? headers1 : headers2;
    onlyIngestErrors(() => void decodeRemoteWrite(body, headers), `snappy ${it}`);
    onlyIngestErrors(() => void ws.prepare(body, headers), `prepare ${it}`);
  }
  // Pure random garbage.
  for (let it = 0; it < 500; it++) {
    const body = Uint8Array.from({ length: Math.floor(r() * 200) }, () => Math.floor(r() * 256));
    onlyIngestErrors(() => void decodeRemoteWrite(body, headers1), `garbage ${it}`);
    onlyIngestErrors(() => void decodeRemoteWrite(body, headers2), `garbage2 ${it}`);
  }
});
