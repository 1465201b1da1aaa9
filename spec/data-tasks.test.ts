/** data: multi-task, parts, taskSeeds and the tasks selection: checks, positions, expected logits. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectedLogits } from './data-spec';
import { errors, parse } from './test-helpers';

const model = (data: string, units: number, input = 12) => `
  data: ${data}
  model:
    input: [${input}]
    layers:
      - { type: dense, units: ${units} }
`;

test('multi-task: parts defaults to 3 and the model needs parts × classes logits', () => {
  const res = parse(model('{ source: synthetic, kind: multi-task, classes: 4, features: 12 }', 12));
  assert.deepEqual(res.diagnostics, []);
  assert.equal(res.model?.data.parts, 3);
  assert.equal(expectedLogits(res.model!.data), 12);
  const five = parse(model('{ source: synthetic, kind: multi-task, parts: 5, classes: 2, features: 10, taskSeeds: [1, 2, 3, 4, 5] }', 10, 10));
  assert.deepEqual(five.diagnostics, []);
  assert.deepEqual(five.model?.data.taskSeeds, [1, 2, 3, 4, 5]);
  const wrong = parse(model('{ source: synthetic, kind: multi-task, classes: 4, features: 12 }', 8));
  assert.match(wrong.diagnostics.find((d) => d.code === 'output-shape')?.message ?? '', /needs \[12\] logits/);
});

test('data.tasks: the expected logits follow the selection', () => {
  const two = parse(model('{ source: synthetic, kind: multi-task, classes: 4, features: 12, tasks: [t3, t1] }', 8));
  assert.deepEqual(two.diagnostics, []);
  assert.deepEqual(two.model?.data.tasks, ['t3', 't1']);
  assert.equal(expectedLogits(two.model!.data), 8);
  const full = parse(model('{ source: synthetic, kind: multi-task, classes: 4, features: 12, tasks: [t3, t1] }', 12));
  assert.match(full.diagnostics.find((d) => d.code === 'output-shape')?.message ?? '', /needs \[8\] logits/);
  const left = parse(model('{ source: synthetic, kind: two-task, classes: 3, tasks: [right] }', 3));
  assert.deepEqual(left.diagnostics, []);
  assert.equal(expectedLogits(left.model!.data), 3);
  const mnist = parse(model('{ source: mnist, tasks: [label] }', 10, 784));
  assert.deepEqual(errors(mnist), []);
  assert.equal(expectedLogits(mnist.model!.data), 10);
});

test('an unknown task name is an error at its list item, with a did-you-mean', () => {
  const res = parse(`
    data:
      source: synthetic
      kind: two-task
      tasks: [left, rigth]
    model:
      input: [32]
      layers:
        - { type: dense, units: 8 }
  `);
  assert.equal(res.model, undefined);
  const [d] = errors(res);
  assert.equal(d?.code, 'unknown-value');
  assert.equal(d?.suggestion, 'right');
  assert.match(d?.message ?? '', /unknown task 'rigth'; synthetic two-task has tasks left, right/);
  assert.deepEqual([d!.range.line, d!.range.col, d!.range.endLine, d!.range.endCol], [4, 17, 4, 22]);
  const multi = parse(model('{ source: synthetic, kind: multi-task, parts: 4, features: 12, tasks: [t5, T2] }', 8));
  const names = errors(multi).map((e) => [e.message, e.suggestion]);
  assert.equal(names.length, 2);
  assert.match(String(names[0]![0]), /unknown task 't5'; synthetic multi-task has tasks t1, t2, t3, t4/);
  assert.match(String(names[1]![0]), /unknown task 'T2'/);
  assert.equal(names[1]![1], 't2');
  // csv task names come from the file: checked at load time, not here
  assert.deepEqual(errors(parse(model('{ source: csv, path: x.csv, tasks: [species] }', 3))), []);
  // duplicates and non-names are type errors
  const dup = errors(parse(model('{ source: synthetic, kind: two-task, tasks: [left, left] }', 4)));
  assert.match(dup[0]?.message ?? '', /'left' is listed twice/);
  const bad = errors(parse(model('{ source: synthetic, kind: two-task, tasks: [] }', 4)));
  assert.match(bad[0]?.message ?? '', /a non-empty list of distinct names/);
});

test('parts, taskSeeds and features are checked against the kind', () => {
  const cases: [string, string, RegExp][] = [
    ['{ source: synthetic, kind: two-task, parts: 3 }', 'not-applicable', /'parts' applies to synthetic kind multi-task only \(this data is synthetic two-task\)/],
    ['{ source: synthetic, kind: blobs, taskSeeds: [1] }', 'not-applicable', /'taskSeeds' applies to synthetic kinds two-task and multi-task only/],
    ['{ source: csv, path: x.csv, taskSeeds: [1] }', 'not-applicable', /this data is csv/],
    ['{ source: synthetic, kind: two-task, taskSeeds: [1, 2, 3] }', 'type', /taskSeeds has 3 seeds, but synthetic two-task has 2 tasks \(left, right\)/],
    ['{ source: synthetic, kind: multi-task, taskSeeds: [1, 2] }', 'type', /has 3 tasks \(t1, t2, t3\)/],
    ['{ source: synthetic, kind: multi-task, features: 32 }', 'type', /data\.features \(32\) must be divisible by data\.parts \(3\)/],
    ['{ source: synthetic, kind: two-task, taskSeeds: [1, x] }', 'type', /'taskSeeds' must be a non-empty list of integers/],
    ['{ source: synthetic, kind: multi-task, parts: 1 }', 'type', /'parts' must be an integer >= 2/],
  ];
  for (const [data, code, message] of cases) {
    const errs = errors(parse(model(data, 4)));
    assert.equal(errs.length, 1, `${data}: ${JSON.stringify(errs)}`);
    assert.equal(errs[0]!.code, code, data);
    assert.match(errs[0]!.message, message, data);
  }
});
