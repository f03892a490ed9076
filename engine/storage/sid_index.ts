/**
 * Series ids by label hash, for the head's lookup of a series by its labels when the caller's
 * Labels object carries no id (new series, recovery, recording rules). Open addressing with
 * linear probing (load <= 1/2) in one Int32Array of (hash, sid) pairs: ~16-32 bytes per series,
 * where a `Map<number, number | number[]>` cost ~70 (entry, bucket, a heap number for each hash
 * above 2^30, arrays for collisions). Equal hashes simply occupy consecutive slots; the caller
 * verifies candidates against the labels.
 */

/** The index. sid 0 is never stored (it means "none"). */
export class SidIndex {
  /** Slot i: slots[2i] = sid (0 = empty), slots[2i + 1] = hash. */
  #slots = new Int32Array(2 * 1024);
  #mask = 1023;
  #size = 0;

  /** Series held. */
  get size(): number {
    return this.#size;
  }

  /** Adds `sid` under `hash` (no duplicate check). */
  add(hash: number, sid: number): void {
    if (!(sid > 0)) throw new RangeError(`BUG: SidIndex sid ${sid}`);
    if ((this.#size + 1) * 2 > this.#mask + 1) this.#grow();
    this.#put(hash | 0, sid);
    this.#size++;
  }

  #put(hash: number, sid: number): void {
    const s = this.#slots, mask = this.#mask;
    let i = hash & mask;
    while (s[2 * i] !== 0) i = (i + 1) & mask;
    s[2 * i] = sid;
    s[2 * i + 1] = hash;
  }

  /**
   * The first sid under `hash` for which `match(sid)` is true, or 0. `match` is called only for
   * candidates with an equal hash.
   */
  find(hash: number, match: (sid: number) => boolean): number {
    const s = this.#slots, mask = this.#mask, h = hash | 0;
    for (let i = h & mask, sid = s[2 * i]; sid !== 0; i = (i + 1) & mask, sid = s[2 * i]) {
      if (s[2 * i + 1] === h && match(sid)) return sid;
    }
    return 0;
  }

  /** Removes `sid` stored under `hash`; false when absent. */
  delete(hash: number, sid: number): boolean {
    const s = this.#slots, mask = this.#mask, h = hash | 0;
    let i = h & mask;
    for (; s[2 * i] !== 0; i = (i + 1) & mask) {
      if (s[2 * i] === sid && s[2 * i + 1] === h) break;
    }
    if (s[2 * i] === 0) return false;
    // Backward-shift deletion: move later entries of the run into the hole when their home slot
    // does not lie cyclically in (hole, j].
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      if (s[2 * j] === 0) break;
      const home = s[2 * j + 1] & mask;
      const between = i <= j ? i < home && home <= j : i < home || home <= j;
      if (between) continue;
      s[2 * i] = s[2 * j];
      s[2 * i + 1] = s[2 * j + 1];
      i = j;
    }
    s[2 * i] = 0;
    s[2 * i + 1] = 0;
    this.#size--;
    return true;
  }

  #grow(): void {
    const old = this.#slots, oldCap = this.#mask + 1;
    this.#slots = new Int32Array(4 * oldCap);
    this.#mask = 2 * oldCap - 1;
    for (let i = 0; i < oldCap; i++) if (old[2 * i] !== 0) this.#put(old[2 * i + 1], old[2 * i]);
  }
}
