/**
 * BENCHMARKS.md's WebGPU lever tables: one case-benchmark result file per lever switched on in turn
 * (bench/results/levers/lavapipe-1.json, all off, … lavapipe-8.json, all on), one table per model, one row per file.
 */
import type { Row } from '../report';

/** What each file of the sequence added, in order (DYNAXX_WEBGPU_OFF taking one lever off the list at a time). */
export const LEVERS = [
  'tfjs 4.22 as shipped (correctness fixes only)',
  '+ fused optimizer update',
  '+ fused gradient norm',
  '+ uploads by writeBuffer, shared scalars',
  '+ uniform buffers kept by content',
  '+ bind-group cache',
  '+ one submit per step',
  '+ fused softmax cross-entropy (all on)',
];

const HEAD = ['change', 'dispatches', 'kernels', 'buffers created', 'bind groups created', 'submits', 'host reads', 'host µs recording', 'ms/step'];

/** One table per model of the first file, captioned "<model>, batch <b> (per training step)". */
export function leverTables(files: Array<{ path: string; rows: Row[] }>): string {
  if (files.length !== LEVERS.length) throw new Error(`the lever tables take ${LEVERS.length} files (one per lever), got ${files.length}`);
  const cases = files[0]!.rows.map((r) => ({ model: r.model, batch: r.batch }));
  return cases.map(({ model, batch }) => {
    const body = files.map((f, i) => {
      const r = f.rows.find((x) => x.model === model && x.batch === batch);
      const c = r?.perStep;
      if (!r || r.error || !c || r.msPerStep === undefined) throw new Error(`${f.path}: no per-step counters for ${model} batch ${batch}${r?.error ? ` (${r.error})` : ''}`);
      const n = (x: number | undefined, digits: number) => (x === undefined ? '–' : x.toFixed(digits));
      return [LEVERS[i]!, n(c.dispatches, 1), n(c.kernels, 1), n(c.buffersCreated, 1), n(c.bindGroups, 1), n(c.submits, 2), n(c.hostReads, 2), n(c.dispatchMicros, 0), r.msPerStep.toFixed(0)];
    });
    const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
    return [`${model}, batch ${batch} (per training step)`, '', line(HEAD), `|---|${HEAD.slice(1).map(() => '---:').join('|')}|`, ...body.map(line)].join('\n');
  }).join('\n\n');
}
