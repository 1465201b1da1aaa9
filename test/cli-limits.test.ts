// Hostile input at the command line: absurd sizes, bad flag values, files that are not model files, names with
// control characters. Each ends at once with exit 2 and a message (file:line:col for model files), never a stack;
// a run that hangs fails through the spawn's time limit.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { blobsModel, CLI, onlyRun, requireBuild, ROOT, tempDir, writeModel } from './helpers';

/** Runs the CLI; a run that outlives the limit is killed and fails the test (a hang, not a slow run). */
function cli(args: string[], env: Record<string, string> = {}) {
  requireBuild();
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL', env: { ...process.env, ...env } });
  assert.equal(r.signal, null, `dynaxx ${args.join(' ')} did not finish (killed by ${r.signal})`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertNoStack(text: string): void {
  assert.doesNotMatch(text, /^\s+at .+/m, `a stack reached the user:\n${text}`);
  assert.doesNotMatch(text, /RangeError|TypeError/);
}

const SIZES: Array<[string, (m: string) => string, RegExp]> = [
  ['units: 1e12', (m) => m.replace('units: 32', 'units: 1e12'), /:6:\d+: error: layer 'hidden' \(dense, units: 1e12\)/],
  ['units: 3e8', (m) => m.replace('units: 32', 'units: 3e8'), /:6:\d+: error: layer 'hidden' \(dense, units: 3e8\)/],
  ['two layers of 2e9 units', (m) => m.replace('units: 32', 'units: 2e9').replace('- { type: dropout, rate: 0.1 }', '- { type: dense, units: 2e9 }'), /:7:\d+: error: layer 'layers\[1\]' \(dense, units: 2e9\) has a weight tensor of 4e18 values/],
  ['samples: 1e12', (m) => m.replace('samples: 2048', 'samples: 1e12'), /:2:\d+: error: the dataset is one array of 1\.6e13 values/],
];

for (const [what, edit, message] of SIZES) {
  test(`${what}: check and train exit 2 at the position, with the numbers, nothing written`, () => {
    const dir = tempDir();
    const file = writeModel(dir, 'big.dynaxx.yaml', edit(blobsModel()));
    for (const args of [['check', file], ['train', file, '--runs-dir', join(dir, 'runs'), '--quiet']]) {
      const r = cli(args);
      assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assertNoStack(r.stderr + r.stdout);
    }
    assert.equal(existsSync(join(dir, 'runs')), false);
  });
}

test('kernelSize: 100000: check exits 2 naming the kernel', () => {
  const dir = tempDir();
  const file = writeModel(dir, 'conv.dynaxx.yaml', `name: conv
data: { source: synthetic, kind: blobs, samples: 256, classes: 4, features: 784, shape: [28, 28, 1] }
model:
  input: [28, 28, 1]
  layers:
    - { type: conv2d, filters: 8, kernelSize: 100000, padding: same }
    - { type: flatten }
    - { type: dense, units: 4 }
train: { steps: 5, batchSize: 32, backend: cpu }
`);
  const r = cli(['check', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /conv\.dynaxx\.yaml:6:\d+: error: .*kernelSize: 100000.* 8e10 values/);
  assertNoStack(r.stderr);
});

test('check prints the estimate for the backend and the flags; a normal example passes', () => {
  const r = cli(['check', join(ROOT, 'examples', 'fashion-mlp.dynaxx.yaml'), '--backend', 'wasm', '--batch-size', '256']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^resources on wasm: 535818 parameters; about .* per training step .*batch 256/m);
  const json = JSON.parse(cli(['check', join(ROOT, 'examples', 'fashion-mlp.dynaxx.yaml'), '--backend', 'cpu', '--json']).stdout);
  assert.equal(json.resources.backend, 'cpu');
  assert.equal(json.resources.bytes.params, 535818 * 4);
});

test('flags follow the model file rules: exit 2 naming the flag, the value and the rule; nothing written', () => {
  const dir = tempDir();
  const file = writeModel(dir, 'm.dynaxx.yaml', blobsModel());
  const runs = join(dir, 'runs');
  const cases: Array<[string[], RegExp]> = [
    [['--batch-size', '0'], /^--batch-size 0: train\.batchSize must be a positive integer$/m],
    [['--batch-size', 'abc'], /^--batch-size 'abc': train\.batchSize must be a positive integer$/m],
    [['--batch-size', '1.5'], /^--batch-size 1\.5: train\.batchSize/m],
    [['--epochs=-1'], /^--epochs -1: train\.epochs must be a positive integer$/m],
    [['--steps', 'NaN'], /^--steps 'NaN': train\.steps must be an integer >= 0$/m],
    [['--lr', '0'], /^--lr 0: train\.optimizer\.lr must be a number > 0$/m],
    [['--limit', '0'], /^--limit 0: data\.limit must be a positive integer$/m],
    [['--seed', '1e400'], /^--seed '1e400': train\.seed must be an integer$/m],
    [['--log-every', '0'], /^--log-every 0: must be a positive integer$/m],
    [['--backend', 'gpu'], /--backend 'gpu': train\.backend must be one of .* \(did you mean 'cpu'\?\)/],
  ];
  for (const [flags, message] of cases) {
    const r = cli(['train', file, '--runs-dir', runs, '--quiet', ...flags]);
    assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assertNoStack(r.stderr);
  }
  assert.equal(cli(['check', file, '--batch-size', '0']).code, 2);
  for (const flags of [['--targets', '25,100'], ['--seeds', '0'], ['--schedule', 'sometimes'], ['--criteria', 'l1,nope']]) {
    const r = cli(['prune', file, '--runs-dir', runs, '--quiet', ...flags]);
    assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^${flags[0]}`, 'm'));
  }
  assert.match(cli(['serve', '--port', '70000', '--insecure']).stderr, /^--port 70000: must be an integer in \[0, 65535\]$/m);
  assert.equal(existsSync(runs), false);
});

test('a directory, a missing file, a device, a FIFO and an oversized file: exit 2 with a message, no hang', () => {
  const dir = tempDir();
  const fifo = join(dir, 'pipe.dynaxx.yaml');
  const fifoMade = spawnSync('mkfifo', [fifo]).status === 0;
  const targets: Array<[string, RegExp]> = [
    [dir, /is a directory/],
    [join(dir, 'nowhere.dynaxx.yaml'), /does not exist/],
    ['/dev/zero', /not a model file|not a regular file/],
    ...(fifoMade ? [[fifo, /pipe|not a regular file/] as [string, RegExp]] : []),
  ];
  for (const [target, message] of targets) {
    for (const command of ['check', 'train']) {
      const r = cli([command, target, '--runs-dir', join(dir, 'runs')]);
      assert.equal(r.code, 2, `${command} ${target}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assertNoStack(r.stderr);
    }
  }
  const file = writeModel(dir, 'm.dynaxx.yaml', blobsModel());
  const r = cli(['check', file], { DYNAXX_MAX_MODEL_BYTES: '100' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /DYNAXX_MAX_MODEL_BYTES/);
});

test('NUL and U+202E in what the CLI prints are escaped', () => {
  const dir = tempDir();
  const file = writeModel(dir, 'odd\u202eyaml.dynaxx.yaml', blobsModel().replace('units: 32', 'unts: 32'));
  const r = cli(['check', file]);
  assert.equal(r.code, 2);
  assert.ok(!r.stderr.includes('\u202e'), r.stderr);
  assert.match(r.stderr, /odd\\u202eyaml/);

  // a run whose stored note carries them (run.json written by anything): `dynaxx runs` shows them escaped
  const runs = join(dir, 'runs');
  const ok = writeModel(dir, 'ok.dynaxx.yaml', blobsModel({ steps: 2 }));
  assert.equal(cli(['train', ok, '--runs-dir', runs, '--quiet']).code, 0);
  const meta = join(onlyRun(runs), 'run.json');
  writeFileSync(meta, JSON.stringify({ ...JSON.parse(readFileSync(meta, 'utf8')), error: 'bad\u202eevil\u0000x' }));
  const list = cli(['runs', '--runs-dir', runs]);
  assert.equal(list.code, 0);
  assert.ok(!/[\u202e\u0000]/.test(list.stdout), list.stdout);
  assert.match(list.stdout, /bad\\u202eevil\\u0000x/);
});

test('file-system errors are said in words; an unexpected error is one line, its stack only with DYNAXX_DEBUG=1', () => {
  const dir = tempDir();
  const runs = join(dir, 'runs');
  const ok = writeModel(dir, 'ok.dynaxx.yaml', blobsModel({ steps: 2 }));
  assert.equal(cli(['train', ok, '--runs-dir', runs, '--quiet']).code, 0);
  const run = onlyRun(runs);
  const id = run.split('/').pop()!;
  const out = join(dir, 'report-here');
  mkdirSync(out);
  const r = cli(['report', id, '--runs-dir', runs, '--out', out]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /report-here: is a directory/);
  assertNoStack(r.stderr);

  // a damaged spec.json: a message naming the file, or at worst the internal-error line; never a stack
  writeFileSync(join(run, 'spec.json'), 'garbage');
  const e = cli(['eval', id, '--runs-dir', runs]);
  assert.ok(e.code === 1 || e.code === 2, e.stderr);
  assertNoStack(e.stderr);
  if (e.code === 1) {
    assert.match(e.stderr, /^dynaxx: .*\n\(internal error; rerun with DYNAXX_DEBUG=1 for details\)\n$/);
    assert.match(cli(['eval', id, '--runs-dir', runs], { DYNAXX_DEBUG: '1' }).stderr, /^\s+at /m);
  }
});
