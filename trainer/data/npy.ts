/**
 * NumPy `.npy` files (format versions 1, 2 and 3): features from `data.path`, labels from
 * `data.labels`. Shape [N, ...rest] → sampleShape = rest. C order only.
 * Dtypes: f4 f8 i1 i2 i4 i8 u1 u2 u4 b1, little- or big-endian (`<f4`, `|u1`, `>i4`, …).
 */
import * as fs from 'node:fs';
import type { DataSpec } from '../../spec/types';
import { DataError, resolveDataPath } from './errors';
import type { LoadContext, RawData } from './loader';
import type { TaskInfo } from './types';
import { countClasses, toClassIndices } from './validate';

export type NpyData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

export interface NpyArray {
  descr: string;
  shape: number[];
  /** Values in their own type; 64-bit integers arrive as Float64Array (exact up to 2^53). */
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface Kind { bytes: number; create: (n: number) => NpyData; read: (v: DataView, o: number, le: boolean) => number }

const KINDS: Record<string, Kind> = {
  f4: { bytes: 4, create: (n) => new Float32Array(n), read: (v, o, le) => v.getFloat32(o, le) },
  f8: { bytes: 8, create: (n) => new Float64Array(n), read: (v, o, le) => v.getFloat64(o, le) },
  i1: { bytes: 1, create: (n) => new Int8Array(n), read: (v, o) => v.getInt8(o) },
  i2: { bytes: 2, create: (n) => new Int16Array(n), read: (v, o, le) => v.getInt16(o, le) },
  i4: { bytes: 4, create: (n) => new Int32Array(n), read: (v, o, le) => v.getInt32(o, le) },
  i8: { bytes: 8, create: (n) => new Float64Array(n), read: (v, o, le) => Number(v.getBigInt64(o, le)) },
  u1: { bytes: 1, create: (n) => new Uint8Array(n), read: (v, o) => v.getUint8(o) },
  u2: { bytes: 2, create: (n) => new Uint16Array(n), read: (v, o, le) => v.getUint16(o, le) },
  u4: { bytes: 4, create: (n) => new Uint32Array(n), read: (v, o, le) => v.getUint32(o, le) },
  b1: { bytes: 1, create: (n) => new Uint8Array(n), read: (v, o) => (v.getUint8(o) ? 1 : 0) },
};

/** Parses an `.npy` buffer. `file` names the source in errors. */
export function parseNpy(buf: Uint8Array, file: string): NpyArray {
  if (buf.length < 10 || MAGIC.some((b, i) => buf[i] !== b)) {
    throw new DataError(`${file}: not a .npy file (missing the \\x93NUMPY magic). Save arrays with numpy.save().`);
  }
  const major = buf[6];
  if (major < 1 || major > 3) throw new DataError(`${file}: unsupported .npy format version ${major}.${buf[7]} (1, 2 and 3 are supported).`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (buf.length < 8 + lenBytes) throw new DataError(`${file}: truncated .npy header.`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (buf.length < start + headerLen) {
    throw new DataError(`${file}: truncated .npy file: the header needs ${start + headerLen} bytes, the file has ${buf.length} bytes.`);
  }
  const header = Buffer.from(buf.buffer, buf.byteOffset + start, headerLen).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DataError(`${file}: cannot read the .npy header ${JSON.stringify(header.trim())}.`);
  }
  if (fortran === 'True') {
    throw new DataError(
      `${file}: the array is stored in Fortran (column-major) order, which is not supported. ` +
        'Save it in C order: numpy.save(path, numpy.ascontiguousarray(a)).',
    );
  }
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new DataError(`${file}: bad shape (${shapeText}) in the .npy header.`);
  const m = /^([<>|=])([a-z])(\d+)$/.exec(descr);
  const kind = m ? KINDS[`${m[2]}${m[3]}`] : undefined;
  if (!m || !kind) {
    throw new DataError(
      `${file}: unsupported dtype '${descr}'. Supported: <f4 <f8 <i2 <i4 <i8 |i1 |u1 <u2 <u4 |b1 (and big-endian). ` +
        "Convert with a.astype('float32') before saving.",
    );
  }
  const littleEndian = m[1] !== '>';
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const expected = dataStart + count * kind.bytes;
  if (buf.length < expected) {
    throw new DataError(
      `${file}: truncated .npy file: shape (${shape.join(', ')}) of ${descr} needs ${expected} bytes, the file has ${buf.length} bytes.`,
    );
  }
  const data = kind.create(count);
  for (let i = 0, o = dataStart; i < count; i++, o += kind.bytes) data[i] = kind.read(view, o, littleEndian);
  return { descr, shape, data };
}

export function readNpy(file: string): NpyArray {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(code === 'ENOENT' ? `${file}: .npy file not found.` : `${file}: cannot read (${(e as Error).message}).`);
  }
  return parseNpy(buf, file);
}

/** Encodes a C-order array as `.npy` version 1.0 (header padded to 64 bytes), for tests and tools. */
export function encodeNpy(shape: number[], descr: string, values: ArrayLike<number>): Buffer {
  const m = /^([<>|=])([a-z])(\d+)$/.exec(descr);
  const kind = m ? KINDS[`${m[2]}${m[3]}`] : undefined;
  if (!m || !kind) throw new Error(`encodeNpy: unsupported dtype ${descr}`);
  const le = m[1] !== '>';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const count = values.length;
  const out = Buffer.alloc(10 + header.length + count * kind.bytes);
  MAGIC.forEach((b, i) => (out[i] = b));
  out[6] = 1;
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const key = `${m[2]}${m[3]}`;
  for (let i = 0, o = 10 + header.length; i < count; i++, o += kind.bytes) {
    const x = values[i];
    switch (key) {
      case 'f4': v.setFloat32(o, x, le); break;
      case 'f8': v.setFloat64(o, x, le); break;
      case 'i1': v.setInt8(o, x); break;
      case 'i2': v.setInt16(o, x, le); break;
      case 'i4': v.setInt32(o, x, le); break;
      case 'i8': v.setBigInt64(o, BigInt(x), le); break;
      case 'u2': v.setUint16(o, x, le); break;
      case 'u4': v.setUint32(o, x, le); break;
      default: v.setUint8(o, x ? (key === 'b1' ? 1 : x) : 0);
    }
  }
  return out;
}

/** The `npy` source: features from `data.path`, labels from `data.labels` ([N] or [N, tasks]). */
export function loadNpy(spec: DataSpec, ctx: LoadContext): RawData {
  if (spec.path === undefined) throw new DataError("data.source 'npy' needs data.path: the features .npy file.");
  if (spec.labels === undefined) throw new DataError("data.source 'npy' needs data.labels: the labels .npy file.");
  const xFile = resolveDataPath(spec.path, ctx.baseDir);
  const yFile = resolveDataPath(spec.labels, ctx.baseDir);
  const xs = readNpy(xFile);
  const ys = readNpy(yFile);
  if (xs.shape.length === 0) throw new DataError(`${xFile}: expected an array of shape [N, ...], got a scalar.`);
  const n = xs.shape[0];
  const t = ys.shape.length === 1 ? 1 : ys.shape.length === 2 ? ys.shape[1] : -1;
  if (ys.shape[0] !== n || t < 1) {
    throw new DataError(
      `${yFile}: labels have shape (${ys.shape.join(', ')}) but ${xFile} has ${n} samples; expected (${n},) or (${n}, tasks).`,
    );
  }
  const y = toClassIndices(ys.data, yFile);
  const tasks: TaskInfo[] = [];
  for (let k = 0; k < t; k++) {
    const col = t === 1 ? y : y.filter((_, i) => i % t === k);
    tasks.push({ name: t === 1 ? 'label' : `task${k}`, classes: spec.classes ?? countClasses(col) });
  }
  const sampleShape = xs.shape.length === 1 ? [1] : xs.shape.slice(1);
  return {
    name: `npy (${xFile})`,
    sampleShape,
    tasks,
    train: { x: new Float32Array(xs.data), y, n, origin: xFile, labelOrigin: yFile },
    autoScale: 1,
  };
}
