/**
 * Remote write 2.0 (`io.prometheus.write.v2.Request`) decoding into a `RemoteWriteDecoder`.
 * Pass 1 indexes the symbol table as byte ranges (no strings) and finds the series, since
 * protobuf allows fields in any order; pass 2 decodes each series, resolving label refs to
 * symbol byte ranges so the label cache works exactly as for 1.0.
 */
import type { Labels } from "../model/labels.ts";
import type { RemoteWriteDecoder } from "./decoder.ts";
import { metricTypeName } from "./decoder.ts";
import { labelsFromRanges } from "./label_cache.ts";
import { SYMBOLS_PER_REQUEST_MAX } from "./limits.ts";
import { decodeUtf8, type WireReader, WT_I64, WT_LEN, WT_VARINT } from "./wire.ts";

let symRanges = new Int32Array(2 * 1024);
let seriesRanges = new Int32Array(2 * 1024);
let refs = new Uint32Array(256);
/** Per request: symbol ref -> string table id (-2 = not looked up yet, -1 = not internable). */
let symIds = new Int32Array(1024);
let idScratch = new Int32Array(256);

function growI32(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const g = new Int32Array(a.length * 2);
  g.set(a);
  return g;
}

/** Decodes a 2.0 request body into `d` (which has been reset onto `buf`). */
export function decodeV2(d: RemoteWriteDecoder, buf: Uint8Array): void {
  const r = d.r;
  const end = buf.length;
  let nSym = 0, nSeries = 0;
  while (r.pos < end) {
    const tag = r.uint32(end);
    const f = tag >>> 3, wt = tag & 7;
    if ((f === 4 || f === 5) && wt === WT_LEN) {
      const e = r.lenEnd(end);
      if (f === 4) {
        if (nSym >= SYMBOLS_PER_REQUEST_MAX) r.fail("too many symbols");
        if (2 * nSym + 2 > symRanges.length) symRanges = growI32(symRanges);
        symRanges[2 * nSym] = r.pos;
        symRanges[2 * nSym + 1] = e;
        nSym++;
      } else {
        if (2 * nSeries + 2 > seriesRanges.length) seriesRanges = growI32(seriesRanges);
        seriesRanges[2 * nSeries] = r.pos;
        seriesRanges[2 * nSeries + 1] = e;
        nSeries++;
      }
      r.pos = e;
    } else if (f === 4 || f === 5) {
      r.fail(`bad wire type ${wt} for field ${f}`);
    } else {
      r.skip(wt, end);
    }
  }
  if (symIds.length < nSym) symIds = new Int32Array(Math.max(nSym, 2 * symIds.length));
  symIds.fill(-2, 0, nSym);
  const ctx: V2Context = { d, r, nSym, symbols: [], seen: new Set() };
  for (let i = 0; i < nSeries; i++) {
    r.pos = seriesRanges[2 * i];
    series(ctx, seriesRanges[2 * i + 1]);
  }
  shrinkScratch();
}

/** Scratch grown by an unusually large request is released, so one request can't pin it. */
const SCRATCH_KEEP = 1 << 16;

function shrinkScratch(): void {
  if (symRanges.length > 2 * SCRATCH_KEEP) symRanges = new Int32Array(2 * 1024);
  if (seriesRanges.length > 2 * SCRATCH_KEEP) seriesRanges = new Int32Array(2 * 1024);
  if (symIds.length > SCRATCH_KEEP) symIds = new Int32Array(1024);
  if (refs.length > SCRATCH_KEEP) refs = new Uint32Array(256);
  if (idScratch.length > SCRATCH_KEEP) idScratch = new Int32Array(256);
}

interface V2Context {
  d: RemoteWriteDecoder;
  r: WireReader;
  nSym: number;
  /** Symbols decoded to strings on first use (help, unit, exemplar labels). */
  symbols: (string | undefined)[];
  /** Metadata already emitted in this request, keyed by its fields. */
  seen: Set<string>;
}

function symbol(ctx: V2Context, ref: number): string {
  let s = ctx.symbols[ref];
  if (s === undefined) {
    s = decodeUtf8(ctx.r.buf, symRanges[2 * ref], symRanges[2 * ref + 1]);
    ctx.symbols[ref] = s;
  }
  return s;
}

/** Reads packed or unpacked uint32 refs into `refs`; returns how many. */
function readRefs(ctx: V2Context, wt: number, end: number, n: number): number {
  const r = ctx.r;
  if (wt === WT_VARINT) {
    if (n === refs.length) refs = growU32(refs);
    refs[n++] = checkRef(ctx, r.uint32(end));
    return n;
  }
  if (wt !== WT_LEN) r.fail(`bad wire type ${wt} for labels_refs`);
  const e = r.lenEnd(end);
  while (r.pos < e) {
    if (n === refs.length) refs = growU32(refs);
    refs[n++] = checkRef(ctx, r.uint32(e));
  }
  return n;
}

function growU32(a: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> {
  const g = new Uint32Array(a.length * 2);
  g.set(a);
  return g;
}

function checkRef(ctx: V2Context, ref: number): number {
  if (ref >= ctx.nSym) ctx.r.fail(`symbol reference ${ref} out of range (${ctx.nSym} symbols)`);
  return ref;
}

function series(ctx: V2Context, end: number): void {
  const { d, r } = ctx;
  d.beginSeries();
  let nRefs = 0, createdT = 0;
  let metaType = 0, helpRef = 0, unitRef = 0, hasMeta = false;
  while (r.pos < end) {
    const tag = r.uint32(end);
    const f = tag >>> 3, wt = tag & 7;
    switch (f) {
      case 1:
        nRefs = readRefs(ctx, wt, end, nRefs);
        break;
      case 2:
      case 3:
      case 4:
      case 5: {
        if (wt !== WT_LEN) r.fail(`bad wire type ${wt} for series field ${f}`);
        const e = r.lenEnd(end);
        if (f === 2) d.sample(e);
        else if (f === 3) d.histogram(e);
        else if (f === 4) exemplar(ctx, e);
        else {
          hasMeta = true;
          while (r.pos < e) {
            const t2 = r.uint32(e);
            const f2 = t2 >>> 3, w2 = t2 & 7;
            if (w2 === WT_VARINT && (f2 === 1 || f2 === 3 || f2 === 4)) {
              const v = r.uint32(e);
              if (f2 === 1) metaType = v;
              else if (f2 === 3) helpRef = checkRef(ctx, v);
              else unitRef = checkRef(ctx, v);
            } else if (f2 === 1 || f2 === 3 || f2 === 4) {
              r.fail(`bad wire type ${w2} for metadata field ${f2}`);
            } else {
              r.skip(w2, e);
            }
          }
        }
        break;
      }
      case 6:
        if (wt !== WT_VARINT) r.fail(`bad wire type ${wt} for created_timestamp`);
        createdT = r.int64(end);
        break;
      default:
        r.skip(wt, end);
    }
  }
  if (nRefs % 2 !== 0) r.fail(`odd number of labels_refs (${nRefs})`);
  let labels: Labels | undefined;
  if (d.hasData()) {
    // Map refs to interned string ids (once per symbol per request); the series is then keyed
    // by small integers, not by its label bytes.
    const strings = d.cache.strings;
    const epoch = strings.epoch;
    if (idScratch.length < nRefs) idScratch = new Int32Array(2 * nRefs);
    let ok = true;
    for (let i = 0; i < nRefs; i++) {
      const ref = refs[i];
      let id = symIds[ref];
      if (id === -2) {
        id = strings.id(r.buf, r.u32, symRanges[2 * ref], symRanges[2 * ref + 1]);
        if (strings.epoch !== epoch) {
          // The table was reset mid-request: earlier ids are stale; redo this series by bytes.
          symIds.fill(-2, 0, ctx.nSym);
          ok = false;
          break;
        }
        symIds[ref] = id;
      }
      if (id < 0) ok = false;
      idScratch[i] = id;
    }
    if (ok) labels = d.endSeriesIds(createdT, idScratch, nRefs / 2);
    else {
      for (let i = 0; i < nRefs; i += 2) {
        const a = refs[i], b = refs[i + 1];
        d.label(symRanges[2 * a], symRanges[2 * a + 1], symRanges[2 * b], symRanges[2 * b + 1]);
      }
      labels = d.endSeries(createdT);
    }
  } else {
    for (let i = 0; i < nRefs; i += 2) {
      const a = refs[i], b = refs[i + 1];
      d.label(symRanges[2 * a], symRanges[2 * a + 1], symRanges[2 * b], symRanges[2 * b + 1]);
    }
  }
  if (hasMeta && (metaType !== 0 || helpRef !== 0 || unitRef !== 0)) {
    const ls: Labels = labels ?? labelsFromRanges(r.buf, d.ranges, d.nLabels);
    let metric = "";
    for (const l of ls) if (l.name === "__name__") metric = l.value;
    const type = metricTypeName(metaType);
    const help = symbol(ctx, helpRef), unit = symbol(ctx, unitRef);
    const key = `${metric}\xff${type}\xff${help}\xff${unit}`;
    if (!ctx.seen.has(key)) {
      ctx.seen.add(key);
      d.metadata.push({ metric, type, help, unit });
    }
  }
}

function exemplar(ctx: V2Context, end: number): void {
  const r = ctx.r;
  let n = 0, value = 0, t = 0;
  // Exemplar refs go after the series refs' slots to keep both; series refs are read first in
  // practice but field order is free, so use a private buffer.
  const own: number[] = [];
  while (r.pos < end) {
    const tag = r.uint32(end);
    const f = tag >>> 3, wt = tag & 7;
    if (f === 1) {
      if (wt === WT_VARINT) own.push(checkRef(ctx, r.uint32(end)));
      else if (wt === WT_LEN) {
        const e = r.lenEnd(end);
        while (r.pos < e) own.push(checkRef(ctx, r.uint32(e)));
      } else r.fail(`bad wire type ${wt} for exemplar labels_refs`);
    } else if (f === 2 && wt === WT_I64) value = r.double(end);
    else if (f === 3 && wt === WT_VARINT) t = r.int64(end);
    else if (f === 2 || f === 3) r.fail(`bad wire type ${wt} for exemplar field ${f}`);
    else r.skip(wt, end);
  }
  n = own.length;
  if (n % 2 !== 0) r.fail(`odd number of exemplar labels_refs (${n})`);
  const rg = new Int32Array(2 * n);
  for (let i = 0; i < n; i += 2) {
    const a = own[i], b = own[i + 1];
    rg[2 * i] = symRanges[2 * a];
    rg[2 * i + 1] = symRanges[2 * a + 1];
    rg[2 * i + 2] = symRanges[2 * b];
    rg[2 * i + 3] = symRanges[2 * b + 1];
  }
  ctx.d.exemplar({ labels: labelsFromRanges(r.buf, rg, n / 2), value, t });
}
