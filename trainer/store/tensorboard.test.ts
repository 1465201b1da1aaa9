import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { maskedCrc32c } from './crc32c';
import { decodeEvent, encodeEvent, EventWriter, FILE_VERSION, frameRecord, listEventFiles, readEventFile } from './tensorboard';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dynaxx-tb-'));

test('an Event encodes to the bytes derived by hand from the protobuf spec', () => {
  // Event { wall_time: 1.5, step: 3, summary { value { tag: "loss", simple_value: 0.25 } } }
  const expected = Buffer.from([
    0x09, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, // field 1, wire 1 (64-bit): 1.5 = 0x3FF8000000000000 LE
    0x10, 0x03, //                         field 2, wire 0 (varint): 3
    0x2a, 0x0d, //                         field 5, wire 2, 13 bytes: Summary
    0x0a, 0x0b, //                           field 1, wire 2, 11 bytes: Value
    0x0a, 0x04, 0x6c, 0x6f, 0x73, 0x73, //     field 1, wire 2: "loss"
    0x15, 0, 0, 0x80, 0x3e, //                 field 2, wire 5 (32-bit): 0.25 = 0x3E800000 LE
  ]);
  const bytes = encodeEvent({ wallTime: 1.5, step: 3, scalars: [{ tag: 'loss', value: 0.25 }] });
  assert.equal(Buffer.from(bytes).toString('hex'), expected.toString('hex'));
  // step 300 needs a two-byte varint: 300 = 0b10_0101100 -> ac 02
  const big = encodeEvent({ wallTime: 1.5, step: 300, scalars: [] });
  assert.equal(Buffer.from(big).subarray(9, 12).toString('hex'), '10ac02');
});

test('the file_version record is 24 bytes and framed like every real tfevents file', () => {
  const rec = Buffer.from(frameRecord(encodeEvent({ wallTime: 1700000000.25, step: 0, fileVersion: FILE_VERSION, scalars: [] })));
  assert.equal(rec.length, 8 + 4 + 24 + 4);
  assert.equal(rec.subarray(0, 12).toString('hex'), '1800000000000000a37f4b22');
  assert.equal(rec.subarray(21, 36).toString('latin1'), '\x1a\x0dbrain.Event:2');
});

test('EventWriter writes a file that parses with valid CRCs and holds the scalars', () => {
  const dir = path.join(tmp(), 'tb', 'train');
  const w = new EventWriter(dir);
  w.scalar('loss', 0.5, 1, 1000.5);
  w.scalar('accuracy', 0.75, 1, 1000.5);
  w.scalar('loss', Number.NaN, 2);
  w.scalar('loss', 0.125, 123456789, 1001);
  w.close();
  const files = listEventFiles(dir);
  assert.equal(files.length, 1);
  assert.match(path.basename(files[0]), new RegExp(`^events\\.out\\.tfevents\\.\\d{10}\\.${os.hostname().replace(/[.]/g, '\\.')}$`));
  const events = readEventFile(files[0]);
  assert.equal(events[0].fileVersion, FILE_VERSION);
  assert.deepEqual(events[1], { wallTime: 1000.5, step: 1, scalars: [{ tag: 'loss', value: 0.5 }] });
  assert.deepEqual(events[2].scalars, [{ tag: 'accuracy', value: 0.75 }]);
  assert.ok(Number.isNaN(events[3].scalars[0].value));
  assert.deepEqual(events[4], { wallTime: 1001, step: 123456789, scalars: [{ tag: 'loss', value: 0.125 }] });
});

test('EventWriter buffers until flush', () => {
  const dir = tmp();
  const w = new EventWriter(dir, 60_000);
  const file = listEventFiles(dir)[0];
  const header = fs.statSync(file).size;
  w.scalar('loss', 1, 1);
  assert.equal(fs.statSync(file).size, header);
  w.flush();
  assert.ok(fs.statSync(file).size > header);
  w.close();
  assert.equal(readEventFile(file).length, 2);
});

test('a corrupted CRC is detected and the offset named', () => {
  const good = Buffer.from(frameRecord(encodeEvent({ wallTime: 2, step: 7, scalars: [{ tag: 'a', value: 1 }] })));
  const dir = tmp();
  // Hand-built sequence: one good record, then one whose data CRC is off by one.
  const bad = Buffer.from(good);
  bad.writeUInt32LE((bad.readUInt32LE(bad.length - 4) + 1) >>> 0, bad.length - 4);
  fs.writeFileSync(path.join(dir, 'f1'), Buffer.concat([good, bad]));
  assert.throws(() => readEventFile(path.join(dir, 'f1')), new RegExp(`data CRC mismatch in record at offset ${good.length}`));
  // A flipped payload byte is caught by the data CRC too.
  const flipped = Buffer.from(good);
  flipped[14] ^= 0x01;
  fs.writeFileSync(path.join(dir, 'f2'), flipped);
  assert.throws(() => readEventFile(path.join(dir, 'f2')), /data CRC mismatch in record at offset 0/);
  // A damaged length is caught by the length CRC.
  const len = Buffer.from(good);
  len[0] ^= 0x02;
  fs.writeFileSync(path.join(dir, 'f3'), len);
  assert.throws(() => readEventFile(path.join(dir, 'f3')), /length CRC mismatch in record at offset 0/);
  // A truncated tail is an error unless tolerated.
  fs.writeFileSync(path.join(dir, 'f4'), Buffer.concat([good, good.subarray(0, 20)]));
  assert.throws(() => readEventFile(path.join(dir, 'f4')), new RegExp(`truncated record at offset ${good.length}`));
  assert.equal(readEventFile(path.join(dir, 'f4'), { tolerateTruncatedTail: true }).length, 1);
});

test('the decoder skips unknown fields of every wire type', () => {
  const known = encodeEvent({ wallTime: 3, step: 5, scalars: [{ tag: 'x', value: 2 }] });
  const unknown = Buffer.from([
    0x30, 0x96, 0x01, //             field 6 varint 150
    0x39, 1, 2, 3, 4, 5, 6, 7, 8, // field 7 64-bit
    0x42, 0x03, 0x61, 0x62, 0x63, // field 8 length-delimited "abc"
    0x4d, 1, 2, 3, 4, //             field 9 32-bit
  ]);
  const payload = Buffer.concat([unknown, known, unknown]);
  const rec = frameRecord(payload);
  const dv = Buffer.from(rec);
  assert.equal(dv.readUInt32LE(dv.length - 4), maskedCrc32c(payload));
  assert.deepEqual(decodeEvent(payload), { wallTime: 3, step: 5, scalars: [{ tag: 'x', value: 2 }] });
});
