// Entry point of wasm/promenade.wasm: the exports documented in wasm/README.md.
export {
  chunk_bytes,
  chunk_decode,
  chunk_free,
  chunk_info,
  chunk_open,
  chunk_open_from,
  chunks_append,
  chunks_bytes,
  chunks_free,
  chunks_last,
  chunks_live,
  io_reserve,
  ret_ptr,
} from "./chunk";
export { xor_decode, xor_decode_many } from "./xor_decode";
export { allocFree as alloc_free_bytes, allocHighWater as alloc_high_water, allocInUse as alloc_in_use } from "./alloc";
export { kernel_error_value, range_kernel } from "./range_kernels";
export { hash_bytes, snappy_decode } from "./snappy";
export {
  lx_count,
  lx_create,
  lx_destroy,
  lx_insert,
  lx_io,
  lx_key_bytes,
  lx_lookup_many,
  lx_promote,
  lx_rotate,
} from "./label_index";
export { rw1_out, rw1_walk } from "./rw1_walk";
