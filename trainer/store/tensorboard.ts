/**
 * TensorBoard event files, written by hand (no TensorFlow, no protobuf library).
 *
 * A file is a sequence of TFRecords: uint64 length (LE), uint32 masked CRC-32C of those 8 bytes,
 * the payload, uint32 masked CRC-32C of the payload. Each payload is a serialized `Event`:
 *
 *   message Event   { double wall_time = 1; int64 step = 2;
 *                     oneof what { string file_version = 3; Summary summary = 5; } }
 *   message Summary { repeated Value value = 1; }
 *   message Value   { string tag = 1; oneof value { float simple_value = 2; } }
 *
 * The first record is `file_version: "brain.Event:2"`. One writer per split directory
 * (`tb/train`, `tb/validation`) makes TensorBoard show the splits as separate runs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeAllSync } from './atomic';
import { maskedCrc32c } from './crc32c';

export const FILE_VERSION = 'brain.Event:2';

// ---------------------------------------------------------------- protobuf encoding

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

class ProtoWriter {
  private readonly parts: number[] = [];

  private key(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }
  private varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.parts.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.parts.push(Number(x));
  }
  double(field: number, v: number): void {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    this.key(field, WIRE_I64);
    this.parts.push(...b);
  }
  float(field: number, v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.key(field, WIRE_I32);
    this.parts.push(...b);
  }
  int64(field: number, v: number): void {
    this.key(field, WIRE_VARINT);
    this.varint(BigInt(Math.trunc(v)));
  }
  bytes(field: number, data: Uint8Array): void {
    this.key(field, WIRE_LEN);
    this.varint(BigInt(data.length));
    for (const x of data) this.parts.push(x);
  }
  string(field: number, s: string): void {
    this.bytes(field, Buffer.from(s, 'utf8'));
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export interface EventData {
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars: { tag: string; value: number }[];
}

/**
 * Serialize one Event. Proto3 rules: `wall_time` and `step` are omitted when zero; a scalar's
 * `simple_value` sits in a oneof, so it is always written.
 */
export function encodeEvent(e: EventData): Uint8Array {
  const w = new ProtoWriter();
  if (e.wallTime !== 0) w.double(1, e.wallTime);
  if (e.step !== 0) w.int64(2, e.step);
  if (e.fileVersion !== undefined) {
    w.string(3, e.fileVersion);
  } else {
    const summary = new ProtoWriter();
    for (const s of e.scalars) {
      const value = new ProtoWriter();
      value.string(1, s.tag);
      value.float(2, s.value);
      summary.bytes(1, value.finish());
    }
    w.bytes(5, summary.finish());
  }
  return w.finish();
}

/** Frame a payload as one TFRecord. */
export function frameRecord(payload: Uint8Array): Uint8Array {
  const out = Buffer.alloc(12 + payload.length + 4);
  out.writeBigUInt64LE(BigInt(payload.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(payload, 12);
  out.writeUInt32LE(maskedCrc32c(payload), 12 + payload.length);
  return out;
}

// ---------------------------------------------------------------- writer

/** Buffered event-file writer for one TensorBoard run directory. */
export class EventWriter {
  readonly path: string;
  private fd: number | undefined;
  private pending: Uint8Array[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastFlush = Date.now();

  constructor(readonly dir: string, private readonly flushIntervalMs = 2000) {
    fs.mkdirSync(dir, { recursive: true });
    const base = `events.out.tfevents.${Math.floor(Date.now() / 1000)}.${os.hostname()}`;
    let file = path.join(dir, base);
    for (let i = 1; fs.existsSync(file); i++) file = path.join(dir, `${base}.${i}`);
    this.path = file;
    this.fd = fs.openSync(file, 'wx');
    this.pending.push(frameRecord(encodeEvent({ wallTime: Date.now() / 1000, step: 0, fileVersion: FILE_VERSION, scalars: [] })));
    this.flush();
  }

  /** Record one scalar. `wallTime` is in seconds since the epoch (default: now). */
  scalar(tag: string, value: number, step: number, wallTime = Date.now() / 1000): void {
    if (this.fd === undefined) throw new Error(`EventWriter for ${this.dir} is closed`);
    this.pending.push(frameRecord(encodeEvent({ wallTime, step, scalars: [{ tag, value }] })));
    if (Date.now() - this.lastFlush >= this.flushIntervalMs) this.flush();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Write buffered records to disk. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.lastFlush = Date.now();
    if (this.fd === undefined || this.pending.length === 0) return;
    writeAllSync(this.fd, Buffer.concat(this.pending));
    this.pending = [];
    fs.fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

// ---------------------------------------------------------------- reader

class ProtoReader {
  pos = 0;
  constructor(private readonly buf: Buffer, private readonly what: string) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error(`${this.what}: truncated field at byte ${this.pos}`);
  }
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      this.need(1);
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return BigInt.asUintN(64, result);
    }
    throw new Error(`${this.what}: varint too long at byte ${this.pos}`);
  }
  key(): { field: number; wire: number } {
    const k = Number(this.varint());
    return { field: k >>> 3, wire: k & 7 };
  }
  double(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  float(): number {
    this.need(4);
    const v = this.buf.readFloatLE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(): Buffer {
    const n = Number(this.varint());
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** Skip a field we do not know, by its wire type. */
  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_I64) this.double();
    else if (wire === WIRE_LEN) this.bytes();
    else if (wire === WIRE_I32) this.float();
    else throw new Error(`${this.what}: unsupported wire type ${wire} at byte ${this.pos}`);
  }
}

/** Decode one serialized Event (unknown fields are skipped). */
export function decodeEvent(payload: Uint8Array): EventData {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const r = new ProtoReader(buf, 'Event');
  const e: EventData = { wallTime: 0, step: 0, scalars: [] };
  while (!r.done) {
    const { field, wire } = r.key();
    if (field === 1 && wire === WIRE_I64) e.wallTime = r.double();
    else if (field === 2 && wire === WIRE_VARINT) e.step = Number(BigInt.asIntN(64, r.varint()));
    else if (field === 3 && wire === WIRE_LEN) e.fileVersion = r.bytes().toString('utf8');
    else if (field === 5 && wire === WIRE_LEN) e.scalars.push(...decodeSummary(r.bytes()));
    else r.skip(wire);
  }
  return e;
}

function decodeSummary(buf: Buffer): { tag: string; value: number }[] {
  const r = new ProtoReader(buf, 'Summary');
  const out: { tag: string; value: number }[] = [];
  while (!r.done) {
    const { field, wire } = r.key();
    if (field !== 1 || wire !== WIRE_LEN) {
      r.skip(wire);
      continue;
    }
    const v = new ProtoReader(r.bytes(), 'Summary.Value');
    let tag = '';
    let value: number | undefined;
    while (!v.done) {
      const k = v.key();
      if (k.field === 1 && k.wire === WIRE_LEN) tag = v.bytes().toString('utf8');
      else if (k.field === 2 && k.wire === WIRE_I32) value = v.float();
      else v.skip(k.wire);
    }
    if (value !== undefined) out.push({ tag, value }); // non-scalar values (images, tensors) are skipped
  }
  return out;
}

/**
 * Read an event file, verifying both CRCs of every record; throws naming the offset of the first
 * bad record. With `tolerateTruncatedTail`, an incomplete final record (a writer still running or
 * killed mid-write) is ignored instead of being an error.
 */
export function readEventFile(file: string, opts: { tolerateTruncatedTail?: boolean } = {}): EventData[] {
  const buf = fs.readFileSync(file);
  const out: EventData[] = [];
  let off = 0;
  while (off < buf.length) {
    if (off + 12 > buf.length) {
      if (opts.tolerateTruncatedTail) break;
      throw new Error(`${file}: truncated record header at offset ${off}`);
    }
    const lenCrc = buf.readUInt32LE(off + 8);
    if (maskedCrc32c(buf.subarray(off, off + 8)) !== lenCrc) throw new Error(`${file}: length CRC mismatch in record at offset ${off}`);
    const len = Number(buf.readBigUInt64LE(off));
    if (off + 12 + len + 4 > buf.length) {
      if (opts.tolerateTruncatedTail) break;
      throw new Error(`${file}: truncated record at offset ${off} (needs ${len} payload bytes)`);
    }
    const payload = buf.subarray(off + 12, off + 12 + len);
    if (maskedCrc32c(payload) !== buf.readUInt32LE(off + 12 + len)) throw new Error(`${file}: data CRC mismatch in record at offset ${off}`);
    try {
      out.push(decodeEvent(payload));
    } catch (e) {
      throw new Error(`${file}: record at offset ${off}: ${(e as Error).message}`);
    }
    off += 12 + len + 4;
  }
  return out;
}

/** Event files in a directory, oldest first (TensorBoard reads them all). */
export function listEventFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((n) => n.includes('tfevents')).sort().map((n) => path.join(dir, n));
}
