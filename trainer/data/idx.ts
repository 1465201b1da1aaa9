/**
 * IDX files (the MNIST family): a 4-byte magic `00 00 <dtype> <ndims>`, then `ndims` big-endian
 * uint32 dimensions, then the values, big-endian, row-major. Gzipped files (`1f 8b`) are inflated.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { DataError } from './errors';

export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dtype: IdxDtype;
  /** All dimensions, the first being the sample count. */
  dims: number[];
  data: IdxData;
}

interface DtypeInfo { code: number; bytes: number; create: (n: number) => IdxData; read: (v: DataView, off: number) => number }

const DTYPES: Record<IdxDtype, DtypeInfo> = {
  uint8: { code: 0x08, bytes: 1, create: (n) => new Uint8Array(n), read: (v, o) => v.getUint8(o) },
  int8: { code: 0x09, bytes: 1, create: (n) => new Int8Array(n), read: (v, o) => v.getInt8(o) },
  int16: { code: 0x0b, bytes: 2, create: (n) => new Int16Array(n), read: (v, o) => v.getInt16(o, false) },
  int32: { code: 0x0c, bytes: 4, create: (n) => new Int32Array(n), read: (v, o) => v.getInt32(o, false) },
  float32: { code: 0x0d, bytes: 4, create: (n) => new Float32Array(n), read: (v, o) => v.getFloat32(o, false) },
  float64: { code: 0x0e, bytes: 8, create: (n) => new Float64Array(n), read: (v, o) => v.getFloat64(o, false) },
};

function dtypeOfCode(code: number): IdxDtype | undefined {
  return (Object.keys(DTYPES) as IdxDtype[]).find((k) => DTYPES[k].code === code);
}

export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Reads a file, inflating it when it starts with the gzip magic bytes. */
export function readMaybeGzip(file: string): Buffer {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (e) {
    throw new DataError(`${file}: cannot read data file (${(e as Error).message}).`);
  }
  if (!isGzip(raw)) return raw;
  try {
    return zlib.gunzipSync(raw);
  } catch (e) {
    throw new DataError(
      `${file}: the gzip stream is truncated or corrupt (${(e as Error).message}); download the file again.`,
    );
  }
}

/** Parses an IDX buffer (already inflated). `file` only names the source in errors. */
export function parseIdx(buf: Uint8Array, file: string): IdxArray {
  if (buf.length < 4) {
    throw new DataError(`${file}: truncated IDX file: expected at least 4 header bytes, got ${buf.length} bytes.`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dtype = dtypeOfCode(buf[2]);
  if (buf[0] !== 0 || buf[1] !== 0 || dtype === undefined || buf[3] === 0) {
    const magic = Array.from(buf.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DataError(
      `${file}: not an IDX file (magic bytes ${magic}; expected 00 00 <dtype 08|09|0b|0c|0d|0e> <ndims>). ` +
        'Check that data.path points at the MNIST-format files.',
    );
  }
  const ndims = buf[3];
  const headerBytes = 4 + 4 * ndims;
  if (buf.length < headerBytes) {
    throw new DataError(
      `${file}: truncated IDX file: the header needs ${headerBytes} bytes for ${ndims} dimensions, the file has ${buf.length} bytes.`,
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const info = DTYPES[dtype];
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * info.bytes;
  if (buf.length !== expected) {
    const what = buf.length < expected ? 'truncated IDX file' : 'IDX file has trailing bytes';
    throw new DataError(
      `${file}: ${what}: the header declares ${dims.join('×')} ${dtype} values, so ${expected} bytes are expected, ` +
        `but the file has ${buf.length} bytes. Download the file again.`,
    );
  }
  const data = info.create(count);
  if (info.bytes === 1) {
    (data as Uint8Array | Int8Array).set(dtype === 'uint8' ? buf.subarray(headerBytes) : new Int8Array(buf.buffer, buf.byteOffset + headerBytes, count));
  } else {
    for (let i = 0, off = headerBytes; i < count; i++, off += info.bytes) data[i] = info.read(view, off);
  }
  return { dtype, dims, data };
}

/** Reads an IDX file from disk, gzipped or not. */
export function readIdx(file: string): IdxArray {
  return parseIdx(readMaybeGzip(file), file);
}

/** Encodes values as an IDX buffer (big-endian), for tests and tools. */
export function encodeIdx(dims: number[], dtype: IdxDtype, values: ArrayLike<number>): Buffer {
  const info = DTYPES[dtype];
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw new Error(`encodeIdx: ${values.length} values for dims ${dims.join('×')}`);
  const headerBytes = 4 + 4 * dims.length;
  const out = Buffer.alloc(headerBytes + count * info.bytes);
  out[2] = info.code;
  out[3] = dims.length;
  dims.forEach((d, i) => out.writeUInt32BE(d, 4 + 4 * i));
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0, off = headerBytes; i < count; i++, off += info.bytes) {
    const v = values[i];
    switch (dtype) {
      case 'uint8': view.setUint8(off, v); break;
      case 'int8': view.setInt8(off, v); break;
      case 'int16': view.setInt16(off, v, false); break;
      case 'int32': view.setInt32(off, v, false); break;
      case 'float32': view.setFloat32(off, v, false); break;
      case 'float64': view.setFloat64(off, v, false); break;
    }
  }
  return out;
}

/** Writes an IDX file; `gzip: true` compresses it (as the MNIST downloads are). */
export function writeIdx(file: string, dims: number[], dtype: IdxDtype, values: ArrayLike<number>, opts: { gzip?: boolean } = {}): void {
  const buf = encodeIdx(dims, dtype, values);
  fs.writeFileSync(file, opts.gzip ? zlib.gzipSync(buf) : buf);
}
