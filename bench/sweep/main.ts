/**
 * `npm run bench:sweep`: what the queue costs. One sweep of small runs (a synthetic-blobs MLP, a few seconds
 * each) is run four ways side by side in one sitting: the local pool with 1 and 2 workers, and a BullMQ queue on a
 * real redis-server (started here, random port) with 1 and 2 `dynaxx worker` processes. Everything goes through
 * the built CLI (dist/) as real processes. The times come from the sweep's stored record (protocol/sweep.ts:
 * startedAt/finishedAt on the worker, seenAt on the driver; one machine, one clock).
 * Rounds repeat the four, interleaved, so that a slow moment of the machine hits all of them alike.
 *   --points N (16)  --steps N (40)  --rounds N (3)  --out FILE (bench/results/sweep-queue-<host>-<date>.json)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PointResult, SweepRecord } from '../../protocol/sweep';
import { RedisServer } from './redis-server';
import { sweepBenchTable, type SweepBenchConfig, type SweepBenchFile } from './report';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'dynaxx');

function model(steps: number): string {
  return `name: bench-blobs
data: { source: synthetic, kind: blobs, samples: 2048, classes: 4, features: 16 }
model:
  input: [16]
  layers:
    - { type: dense, name: hidden, units: 32, activation: relu }
    - { type: dense, name: logits, units: 4 }
train:
  steps: ${steps}
  batchSize: 32
  optimizer: { type: adam, lr: 0.01 }
  evalEvery: ${steps}
  seed: 7
  backend: cpu
`;
}

const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function runCli(args: string[]): Promise<{ code: number | null; wallS: number; stderr: string }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    p.on('exit', (code) => resolve({ code, wallS: (performance.now() - t0) / 1000, stderr }));
  });
}

function startWorker(url: string, runs: string, dataDir: string): Promise<ChildProcess> {
  const p = spawn(process.execPath, [CLI, 'worker', '--queue', url, '--runs-dir', runs, '--data-dir', dataDir], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    p.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (/serving/.test(err)) resolve(p);
    });
    p.on('exit', (code) => reject(new Error(`worker exited with ${code}: ${err}`)));
  });
}

function stored(runs: string): SweepRecord {
  const ids = readdirSync(join(runs, '.sweeps'));
  return JSON.parse(readFileSync(join(runs, '.sweeps', ids[ids.length - 1]!, 'sweep.json'), 'utf8')) as SweepRecord;
}

function measure(rec: SweepRecord, executor: 'local' | 'queue', workers: number, wallS: number): SweepBenchConfig {
  const done = rec.results.filter((r): r is PointResult & { startedAt: number; finishedAt: number } => r.startedAt !== undefined && r.finishedAt !== undefined);
  const byWorker = new Map<string, typeof done>();
  for (const r of done) byWorker.set(r.worker ?? '?', [...(byWorker.get(r.worker ?? '?') ?? []), r]);
  const gaps: number[] = [];
  const firsts: number[] = [];
  for (const rs of byWorker.values()) {
    rs.sort((a, b) => a.startedAt - b.startedAt);
    firsts.push(rs[0]!.queueMs ?? NaN);
    for (let i = 1; i < rs.length; i++) gaps.push(rs[i]!.startedAt - rs[i - 1]!.finishedAt);
  }
  const toDriver = done.filter((r) => r.seenAt !== undefined).map((r) => r.seenAt! - r.finishedAt);
  const runMs = done.map((r) => r.runMs ?? r.finishedAt - r.startedAt);
  return {
    executor, workers, points: rec.def.points.length, wallS, pointsPerMin: (done.length / wallS) * 60,
    runMs: { median: median(runMs), mean: mean(runMs) },
    pickupMs: { median: median(gaps), max: Math.max(...gaps), n: gaps.length },
    firstStartMs: { median: median(firsts), max: Math.max(...firsts) },
    resultToDriverMs: { median: median(toDriver), max: Math.max(...toDriver) },
    completed: rec.results.filter((r) => r.status === 'completed').length,
  };
}

async function main(): Promise<void> {
  const { values: o } = parseArgs({ options: { points: { type: 'string' }, steps: { type: 'string' }, rounds: { type: 'string' }, out: { type: 'string' } } });
  const nRounds = Number(o.rounds ?? 3);
  const points = Number(o.points ?? 16);
  const steps = Number(o.steps ?? 40);
  const dir = mkdtempSync(join(tmpdir(), 'dynaxx-bench-sweep-'));
  writeFileSync(join(dir, 'blobs.dynaxx.yaml'), model(steps));
  const sweep = join(dir, 'bench.sweep.yaml');
  writeFileSync(sweep, `name: bench\nmodel: blobs.dynaxx.yaml\naxes:\n  train.seed: [${Array.from({ length: points }, (_, i) => i + 1).join(', ')}]\nmetric: { name: valAccuracy, goal: max }\n`);
  const redis = await RedisServer.start();
  const rounds: SweepBenchConfig[][] = [];
  try {
    for (let round = 1; round <= nRounds; round++) {
      const configs: SweepBenchConfig[] = [];
      rounds.push(configs);
      for (const workers of [1, 2]) {
        const runs = join(dir, `r${round}-local-${workers}`);
        const r = await runCli(['sweep', sweep, '--runs-dir', runs, '--workers', String(workers), '--quiet']);
        if (r.code !== 0) throw new Error(`local sweep failed: ${r.stderr}`);
        configs.push(measure(stored(runs), 'local', workers, r.wallS));
        process.stderr.write(`round ${round}: local ×${workers}: ${r.wallS.toFixed(1)} s\n`);
      }
      for (const workers of [1, 2]) {
        const runs = join(dir, `r${round}-queue-${workers}`);
        const ws = await Promise.all(Array.from({ length: workers }, () => startWorker(redis.url(), runs, dir)));
        try {
          const r = await runCli(['sweep', sweep, '--runs-dir', runs, '--queue', redis.url(), '--quiet']);
          if (r.code !== 0) throw new Error(`queue sweep failed: ${r.stderr}`);
          configs.push(measure(stored(runs), 'queue', workers, r.wallS));
          process.stderr.write(`round ${round}: queue ×${workers}: ${r.wallS.toFixed(1)} s\n`);
        } finally {
          for (const w of ws) w.kill('SIGTERM');
          await Promise.all(ws.map((w) => new Promise((res) => (w.exitCode !== null ? res(null) : w.on('exit', res)))));
        }
      }
    }
  } finally {
    await redis.stop();
  }
  const date = new Date().toISOString().slice(0, 10);
  const doc: SweepBenchFile = {
    date,
    machine: { host: hostname(), cpu: cpus()[0]?.model ?? '?', cores: cpus().length, node: process.version, redis: execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim() },
    model: 'synthetic blobs 16-32-4 MLP, cpu backend', stepsPerRun: steps, rounds,
  };
  const out = o.out ?? join(ROOT, 'bench', 'results', `sweep-queue-${hostname()}-${date}.json`);
  writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
  process.stdout.write(`${sweepBenchTable(doc)}\n\nresult file: ${out}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench:sweep: ${(e as Error).message}\n`);
  process.exit(1);
});
