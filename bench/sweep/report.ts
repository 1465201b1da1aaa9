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
  configs: SweepBenchConfig[];
}

export function sweepBenchTable(doc: SweepBenchFile): string {
  const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)}`;
  return [
    '| executor | workers | points | wall s | points/min | run ms (median) | pickup gap ms (median / max) | enqueue → first start ms (median) | result → driver ms (median / max) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...doc.configs.map((c) => `| ${c.executor === 'local' ? 'local pool' : 'BullMQ queue'} | ${c.workers} | ${c.completed}/${c.points} | ${c.wallS.toFixed(1)} | ${c.pointsPerMin.toFixed(1)} | ${ms(c.runMs.median)} | ${ms(c.pickupMs.median)} / ${ms(c.pickupMs.max)} | ${ms(c.firstStartMs.median)} | ${ms(c.resultToDriverMs.median)} / ${ms(c.resultToDriverMs.max)} |`),
  ].join('\n');
}
