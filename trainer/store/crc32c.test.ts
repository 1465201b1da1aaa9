import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c, maskCrc, maskedCrc32c } from './crc32c';

test('crc32c matches the standard check vectors', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43); // RFC 3720 B.4
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e); // RFC 3720 B.4
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

test('crc32c can be computed in pieces, at every split point', () => {
  const data = Buffer.from('The quick brown fox jumps over the lazy dog, 0123456789 times.');
  const whole = crc32c(data);
  for (let i = 0; i <= data.length; i++) assert.equal(crc32c(data.subarray(i), crc32c(data.subarray(0, i))), whole);
});

test('masked CRC of a 24-byte TFRecord length is the well-known tfevents header a3 7f 4b 22', () => {
  // Every TensorBoard event file starts with the 24-byte file_version record:
  // 18 00 00 00 00 00 00 00 a3 7f 4b 22 ...
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(24n);
  const out = Buffer.alloc(4);
  out.writeUInt32LE(maskedCrc32c(len));
  assert.equal(out.toString('hex'), 'a37f4b22');
  assert.equal(maskCrc(0), 0xa282ead8);
});
