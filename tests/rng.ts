/** A small seeded PRNG (mulberry32) for tests: floats in [0, 1), the same sequence per seed. */
export { rng } from "../engine/ingest/payloads.ts";
