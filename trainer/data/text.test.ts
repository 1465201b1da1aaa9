import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { allocBatch, gatherBatch } from './batches';
import { loadDataset } from './load';
import { labelWidth } from './positions';
import { dataSpec, scratchDir } from './test-util';
import { charName, encodeText } from './text';

const dir = scratchDir('text');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A small generated corpus: 200 lines of words from a tiny vocabulary (deterministic). */
function corpus(): string {
  const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'é'];
  const lines: string[] = [];
  let s = 7;
  for (let i = 0; i < 200; i++) {
    const line: string[] = [];
    for (let w = 0; w < 5; w++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      line.push(words[s % words.length]!);
    }
    lines.push(line.join(' '));
  }
  return `${lines.join('\n')}\n`;
}

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text, 'utf8');
  return file;
}

const decode = (ids: ArrayLike<number>, vocab: string[]) => Array.from(ids, (i) => vocab[i]!).join('');

test('vocabulary: the sorted distinct code points of the whole file; ids index it', () => {
  const { vocabulary, ids } = encodeText('bab\n😀a');
  assert.deepEqual(vocabulary, ['\n', 'a', 'b', '😀']);
  assert.deepEqual(Array.from(ids), [2, 1, 2, 0, 3, 1]);
  assert.deepEqual(['\n', ' ', '\t', 'x', '\u0007'].map(charName), ['\\n', '␣', '\\t', 'x', 'U+0007']);
});

test('text: windows of context+1 characters with stride context, labels shifted by one, held-out tail as test', () => {
  const text = corpus();
  write('corpus.txt', text);
  const chars = Array.from(text);
  const T = 16;
  const ds = loadDataset(dataSpec({ source: 'text', path: 'corpus.txt', context: T, validation: 0 }), { baseDir: dir, seed: 1 });
  const vocab = ds.vocabulary!;
  assert.deepEqual(vocab, [...new Set(chars)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
  assert.deepEqual(ds.sampleShape, [T]);
  assert.equal(ds.tasks.length, 1);
  const task = ds.tasks[0]!;
  assert.deepEqual({ name: task.name, classes: task.classes, positions: task.positions }, { name: 'next-char', classes: vocab.length, positions: T });
  assert.deepEqual(task.labels, vocab.map(charName));
  assert.ok(task.labels!.includes('␣') && task.labels!.includes('\\n') && task.labels!.includes('é'));

  const nTest = Math.round(chars.length * 0.1);
  const nTrain = chars.length - nTest;
  assert.equal(ds.train.n, Math.floor((nTrain - 1) / T));
  assert.equal(ds.train.y.length, ds.train.n * T);
  assert.equal(ds.test!.n, Math.floor((nTest - 1) / T));
  for (const i of [0, 1, ds.train.n - 1]) {
    const x = ds.train.x.subarray(i * T, (i + 1) * T);
    const y = ds.train.y.subarray(i * T, (i + 1) * T);
    assert.equal(decode(x, vocab), chars.slice(i * T, i * T + T).join(''), `window ${i} input`);
    assert.equal(decode(y, vocab), chars.slice(i * T + 1, i * T + T + 1).join(''), `window ${i} labels: the input shifted by one`);
    assert.ok(Number.isInteger(x[3]!), 'inputs are whole ids (normalize stays 1)');
  }
  // the test split is the end of the file, never seen in training
  const t0 = ds.test!;
  assert.equal(decode(t0.x.subarray(0, T), vocab), chars.slice(nTrain, nTrain + T).join(''));
  assert.equal(decode(t0.y.subarray(0, T), vocab), chars.slice(nTrain + 1, nTrain + T + 1).join(''));
  const last = (ds.train.n - 1) * T + T;
  assert.ok(last <= nTrain - 1, 'the last training label is before the held-out tail');

  // batches carry T label columns per sample
  assert.equal(labelWidth(ds.tasks), T);
  const b = gatherBatch(ds.train, [2, 0], allocBatch(ds.train, 2));
  assert.deepEqual(Array.from(b.y.subarray(0, T)), Array.from(ds.train.y.subarray(2 * T, 3 * T)));
  assert.deepEqual(Array.from(b.y.subarray(T, 2 * T)), Array.from(ds.train.y.subarray(0, T)));
});

test('text: validation is a random split of the training windows; testFraction 0 leaves no test split; tasks: [next-char] works', () => {
  write('corpus.txt', corpus());
  const ds = loadDataset(dataSpec({ source: 'text', path: 'corpus.txt', context: 8, validation: 0.2, testFraction: 0, tasks: ['next-char'] }), { baseDir: dir, seed: 3 });
  const chars = Array.from(corpus()).length;
  const windows = Math.floor((chars - 1) / 8);
  assert.equal(ds.train.n + ds.validation.n, windows);
  assert.equal(ds.validation.n, Math.round(windows * 0.2));
  assert.equal(ds.validation.y.length, ds.validation.n * 8);
  assert.equal(ds.test, undefined);
});

test('text errors: missing file, empty file, too short for one window, short held-out tail, bad options', () => {
  const load = (over: Parameters<typeof dataSpec>[0]) => loadDataset(dataSpec({ source: 'text', ...over }), { baseDir: dir });
  assert.throws(() => load({ path: 'nope.txt', context: 4 }), (e: Error) => {
    assert.equal(e.name, 'DataError');
    assert.ok(e.message.includes(path.join(dir, 'nope.txt')), e.message);
    assert.match(e.message, /not found.*data\.path/);
    return true;
  });
  assert.throws(() => load({ context: 4 }), /needs data\.path/);
  write('empty.txt', '');
  assert.throws(() => load({ path: 'empty.txt', context: 4 }), /empty\.txt is empty/);
  write('short.txt', 'abcd');
  assert.throws(() => load({ path: 'short.txt', context: 4, testFraction: 0 }), (e: Error) => {
    assert.ok(e.message.includes(path.join(dir, 'short.txt')), e.message);
    assert.match(e.message, /4 characters.*too short for one sample of data\.context \+ 1 = 5 characters.*smaller data\.context/);
    return true;
  });
  write('tail.txt', 'abcdefghijklmnopqrst'); // 20 chars: the 10% tail (2 chars) is shorter than one window of 5
  assert.throws(() => load({ path: 'tail.txt', context: 4 }), /held-out test text \(the last 2 of 20 characters.*testFraction: 0/);
  assert.equal(load({ path: 'tail.txt', context: 4, testFraction: 0.5 }).test!.n, 2);
  assert.throws(() => load({ path: 'tail.txt', context: 1 }), /data\.context must be an integer ≥ 2/);
  assert.throws(() => load({ path: 'tail.txt', context: 4, normalize: 255 }), /normalize.*character ids/);
  fs.writeFileSync(path.join(dir, 'latin1.txt'), Buffer.from([0x61, 0xe9, 0x62, 0x63, 0x64, 0x65, 0x66]));
  assert.throws(() => load({ path: 'latin1.txt', context: 2 }), /not valid UTF-8/);
});
