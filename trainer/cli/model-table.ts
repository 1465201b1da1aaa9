/** `dynaxx check`: the per-layer table of a model file (shapes, parameters, FLOPs), then the stabilize choices. */
import type { LayerNode, ModelFile } from '../../spec/types';
import { formatNumber, printable, table } from './progress';

/** The table (or, with `json`, the model as JSON plus `extra`). */
export function printModel(model: ModelFile, json: boolean, extra: Record<string, unknown> = {}): string {
  const rows: Array<Array<string | number>> = [];
  const walk = (nodes: LayerNode[], depth: number) => {
    for (const n of nodes) {
      rows.push([`${'  '.repeat(depth)}${n.id}`, n.type, `[${n.outputShape.join(', ')}]`, n.params, n.flops, `${n.range.line}:${n.range.col}`]);
      if (n.body && rows.length < 400) walk(n.body, depth + 1);
    }
  };
  walk(model.layers, 0);
  if (json) {
    const stabilize = model.stabilize ? { stabilize: model.stabilize } : {};
    const modularity = model.modularity ? { modularity: model.modularity } : {};
    return `${JSON.stringify({ name: model.name, input: model.inputShape, params: model.params, flops: model.flops, depth: model.depth, ...stabilize, ...modularity, ...extra, layers: model.layers })}\n`;
  }
  const m = model.modularity;
  const choices = (model.stabilize
    ? `\nstabilize${model.stabilize.auto ? ' (auto)' : ''}:\n${model.stabilize.choices.map((c) => `  - ${c}\n`).join('')}`
    : '') + (m
    ? `\nmodularity: ${m.layers.map((id) => `${id} ${m.baseUnits[id]} -> ${model.layers.find((l) => l.id === id)?.outputShape.at(-1)} units`).join(', ')} (×${m.overparameterize}${m.groups > 1 ? `, ${m.groups} groups` : ''}); `
      + `k = ${m.subnetworks} subnetworks (band ${m.band[0]}–${m.band[1]}), ${m.clustering} clustering every ${m.clusterEvery} steps; `
      + `masks after ${Math.round(100 * m.warmup)}% of the steps, hard for the last ${Math.round(100 * m.finetune)}%\n`
    : '');
  const routed = rows.filter((r) => r[1] === 'dna' || r[1] === 'moe').map((r) => String(r[0]).trim());
  const routing = routed.length > 0
    ? `\nrouted layers (${routed.join(', ')}): their FLOPs are the static bound (every hop running its k most expensive modules on every token); a run measures the average (metric flopsPerSample, \`dynaxx paths <run>\`)\n`
    : '';
  const head = `${printable(model.name)}: input [${model.inputShape.join(', ')}], ${formatNumber(model.params)} parameters, ${formatNumber(model.flops)} FLOPs per sample (forward), depth ${model.depth}\n\n`;
  return `${head}${table(['layer', 'type', 'output', 'params', 'FLOPs', 'line:col'], rows.slice(0, 400))}\n${rows.length >= 400 ? '… (truncated)\n' : ''}${routing}${choices}`;
}
