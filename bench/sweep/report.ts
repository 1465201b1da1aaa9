/**
 * BENCHMARKS.md's sweep-executor table (bench/sweep/main.ts writes the file): per executor and worker count, the
 * sweep's wall time and throughput, a point's run time in its child process, and the executor's own costs:
 * the gap between a worker finishing one point and starting the next (queue: BullMQ's fetch of the next job), the
 * wait of the first points from enqueue to start, and the delay from a point's end on the worker to the driver.
 */

export interface SweepBenchConfig {
  executor: 'local' | 'queue';
  workers: number;
  points: number;
  wallS: number;
  pointsPerMin: number;
  runMs: { median: number; mean: number };
  /** Next start − previous end on the same worker, ms. */
  pickupMs: { median: number; max: number; n: number };
  /** Enqueue (or pool start) → start of the first point on each worker, ms. */
  firstStartMs: { median: number; max: number };
  /** End on the worker → the driver has it, ms. */
  resultToDriverMs: { median: number; max: number };
  completed: number;
}

export interface SweepBenchFile {
  date: string;
  machine: { host: string; cpu: string; cores: number; node: string; redis: string };
  model: string;
  stepsPerRun: number;
  /** Every round runs the four configurations one after the other (local ×1, ×2, queue ×1, ×2). */
  rounds: SweepBenchConfig[][];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Per configuration, medians over the rounds: wall time and throughput; the cost of a point beyond its run (wall ×
 * workers / points − the run's own time: the child process, the hand-over, the driver); and the medians of the
 * per-point times of each round (their max over rounds for the max columns).
 */
export function sweepBenchTable(doc: SweepBenchFile): string {
  const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)}`;
  const keys = doc.rounds[0]!.map((c) => `${c.executor}:${c.workers}`);
  const rows = keys.map((k) => {
    const cs = doc.rounds.map((r) => r.find((c) => `${c.executor}:${c.workers}` === k)!);
    const c0 = cs[0]!;
    const wall = median(cs.map((c) => c.wallS));
    const run = median(cs.map((c) => c.runMs.median));
    const perPoint = (wall * 1000 * c0.workers) / c0.points;
    const done = cs.map((c) => `${c.completed}`).every((n) => n === `${c0.points}`) ? `${c0.points}` : cs.map((c) => c.completed).join('/');
    return `| ${c0.executor === 'local' ? 'local pool' : 'BullMQ queue'} | ${c0.workers} | ${done} | ${wall.toFixed(2)} | ${median(cs.map((c) => c.pointsPerMin)).toFixed(0)} | ${ms(run)} | ${ms(perPoint - run)} | ${ms(median(cs.map((c) => c.pickupMs.median)))} / ${ms(Math.max(...cs.map((c) => c.pickupMs.max)))} | ${ms(median(cs.map((c) => c.firstStartMs.median)))} | ${ms(median(cs.map((c) => c.resultToDriverMs.median)))} / ${ms(Math.max(...cs.map((c) => c.resultToDriverMs.max)))} |`;
  });
  return [
    `${doc.rounds.length} rounds, ${doc.rounds[0]![0]!.points} points of ${doc.stepsPerRun} steps each (${doc.model}); ${doc.machine.cpu}, ${doc.machine.cores} cores, node ${doc.machine.node}, ${doc.machine.redis.split(' ').slice(0, 3).join(' ')}, ${doc.date}.`,
    '',
    '| executor | workers | points | wall s | points/min | run ms | beyond the run, ms/point | pickup gap ms (median / max) | enqueue → first start ms | result → driver ms (median / max) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}
