/**
 * BENCHMARKS.md's before/after table of the training loop split (bench/results/loop-split-wasm-2026-12-04.json):
 * per build, CPU and wall seconds of a plain `dynaxx train` (median [min–max]) and the test accuracy, from the
 * runs of the file's last sitting (the earlier ones are kept for the record).
 */

export interface LoopSplitRun {
  round: number;
  tree: 'before' | 'after';
  wallSeconds: number;
  cpuSeconds?: number;
  trainSeconds: number;
  status: string;
  testAccuracy: number;
}

export interface LoopSplitFile {
  sittings: Array<{ start: string; note: string; runs: LoopSplitRun[] }>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const spread = (xs: number[]) => `${median(xs).toFixed(2)} [${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}]`;

export function loopSplitTable(file: LoopSplitFile): string {
  const sitting = file.sittings.at(-1);
  if (!sitting) throw new Error('no sittings');
  const lines = ['| build | CPU s (user+sys), median [min–max] | wall s, median [min–max] | test accuracy |', '|---|---:|---:|---:|'];
  for (const tree of ['before', 'after'] as const) {
    const runs = sitting.runs.filter((r) => r.tree === tree);
    if (runs.length === 0) throw new Error(`no '${tree}' runs in the last sitting`);
    const cpu = runs.map((r) => r.cpuSeconds);
    if (cpu.some((x) => x === undefined)) throw new Error(`a '${tree}' run of the last sitting has no cpuSeconds`);
    const accuracies = [...new Set(runs.map((r) => r.testAccuracy.toFixed(3)))];
    lines.push(`| ${tree} | ${spread(cpu as number[])} | ${spread(runs.map((r) => r.wallSeconds))} | ${accuracies.join(', ')} |`);
  }
  return lines.join('\n');
}
