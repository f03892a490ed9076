// Shared by chunk.ts and xor_decode.ts: error codes and the return area.

/** Error codes returned (negated) by the exports. */
export const ERR_HANDLE: i32 = -1;
export const ERR_TIMESTAMP: i32 = -2;
export const ERR_FULL: i32 = -3;
export const ERR_TRUNCATED: i32 = -4;
export const ERR_VARINT: i32 = -5;

/** Return area for multi-value results and failing indexes (see chunk_info), 16-byte aligned. */
export const ret: usize = memory.data(64, 16);
