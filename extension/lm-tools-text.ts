/**
 * The text the language-model tools return (lm-tools.ts): "explain this layer", "summarise this run" and "compare
 * runs", from the DashboardData the trainer serves (`run/dashboard`). Pure functions, no vscode: they only read the
 * data given, say plainly what is missing, round numbers and cap every list ("and N more") so the text stays small.
 */
import { alertLayers, type Alert, type MetricRecord } from '../protocol/run-records';
import type { DashboardData, RunSeries, RunSettings } from '../protocol/webview';

/**
 * What a user can do about an unstable run, in the words of the trainer's divergence alert
 * (trainer/engine/train-metrics.ts DIVERGENCE_REMEDY; test/lm-tools.test.ts checks they agree).
 */
export const DIVERGENCE_REMEDY = 'Lower the learning rate (train.optimizer.lr), enable clipping (train.clipNorm: 1.0) or stabilization (stabilize: auto), or check the data, then start a new run.';

/** Alert kinds about training instability (the kinds the language server offers quick fixes for: server/code-actions.ts). */
const UNSTABLE = new Set(['grad-norm', 'loss-spike', 'nan', 'inf', 'divergence', 'activation-variance', 'update-norm', 'spectral-norm']);
const MAX_ITEMS = 8;
const MAX_ALERTS = 10;

// ---------------------------------------------------------------------------------------------
// Explain a layer

export function explainLayer(data: DashboardData, runId: string, layerId: string): string {
  const run = findRun(data, runId);
  if (!run) return missingRun(data, runId);
  const within = (id: string | undefined) => id !== undefined && (id === layerId || id.startsWith(`${layerId}.`) || id.startsWith(`${layerId}[`));
  const alerts = run.alerts.filter((a) => alertLayers(a).some(within));
  const statIds = [...new Set(run.layerStats.flatMap((r) => r.layers.map((l) => l.layerId)))];
  const own = statIds.includes(layerId) ? [layerId] : statIds.filter(within);
  const out = [`# Layer \`${layerId}\` in run ${run.name} (${run.runId}, ${run.status})`];
  if (alerts.length === 0 && own.length === 0) {
    out.push('', `The run has no statistics or alerts for a layer \`${layerId}\`.`);
    const alerted = [...new Set(run.alerts.flatMap(alertLayers))];
    const others = statIds.filter((id) => !alerted.includes(id));
    const quote = (ids: string[]) => capList(ids.map((k) => `\`${k}\``), 12);
    if (alerted.length > 0) out.push(`Layers with alerts: ${quote(alerted)}.`);
    if (others.length > 0) out.push(`${alerted.length > 0 ? 'Other layers' : 'Layers'} with statistics: ${quote(others)}.`);
    if (alerted.length + others.length === 0) out.push('It recorded no per-layer statistics (train.statsEvery: 0) and no layer alerts.');
    return out.join('\n');
  }

  out.push('', `## Alerts (${alerts.length})`);
  if (alerts.length === 0) out.push('None for this layer.');
  else out.push(...capLines(alerts.map((a) => alertLine(a, within)), MAX_ALERTS));

  out.push('', '## History');
  if (own.length === 0) out.push('No per-layer statistics were recorded for this layer.');
  for (const id of own.slice(0, 3)) {
    if (own.length > 1 || id !== layerId) out.push(`### \`${id}\``);
    for (const [field, label] of [['gradNorm', 'gradient norm'], ['activationVar', 'activation variance'], ['updateNorm', 'update norm'], ['spectralNorm', 'spectral norm (σ before the rescale)']] as const) {
      const series = run.layerStats.flatMap((r) => r.layers.filter((l) => l.layerId === id).map((l) => ({ step: r.step, value: num(l[field]) })));
      const line = seriesLine(series.filter((p) => p.value !== undefined) as Point[]);
      if (line) out.push(`- ${label}: ${line}`);
    }
  }
  if (own.length > 3) out.push(`(${own.length - 3} more sub-layers: ${capList(own.slice(3).map((k) => `\`${k}\``), MAX_ITEMS)})`);

  out.push('', '## Stabilizer', ...stabilizerLines(run, alerts));
  out.push('', '## Suggested fix', ...fixLines(run, alerts));
  return out.join('\n');
}

function stabilizerLines(run: RunSeries, alerts: Alert[]): string[] {
  const s = run.settings?.stabilize;
  if (!run.settings) return ['Not known: the trainer did not send the run\'s settings.'];
  if (!s) return ['The run did not use `stabilize:`.'];
  const out = [`The run used \`stabilize:${s.auto ? ' auto' : ''}\`.`];
  const sp = s.spectral;
  out.push(sp.enabled ? `- Spectral bound: σ of each weight matrix rescaled to at most ${fmt(sp.initial)} → ${fmt(sp.final)} (${sp.schedule}), every ${sp.every} step(s).` : '- Spectral bound: off.');
  const r = s.residual;
  out.push(r.mode === 'off' ? '- Residual scaling: off.' : `- Residual scaling (${r.mode}): α ${fmt(r.initial)} → ${fmt(r.final)}${r.steps > 0 ? ` over ${r.steps} steps` : ' over the warm-up'}.`);
  const warmup = typeof s.lr.warmupSteps === 'number' ? `${s.lr.warmupSteps} steps` : 'auto (from the depth, scaled to the run)';
  const peak = typeof s.lr.peakLr === 'number' ? fmt(s.lr.peakLr) : 'auto (from the depth)';
  out.push(s.lr.enabled ? `- Depth-scaled LR: warm-up ${warmup}, peak ${peak}.` : '- Depth-scaled LR: off (the model\'s own schedule).');
  out.push(`- Safety: clip norm ${fmt(s.safety.clipNorm)}; a loss over ${fmt(s.safety.spikeFactor)}× the recent median cuts the LR ×${fmt(s.safety.lrFactor)} for ${s.safety.lrSteps} steps.`);
  const lr = trainSeries(run, 'lr');
  if (lr.length > 0) out.push(`- Learning rate applied: ${seriesLine(lr)}`);
  const spikes = run.alerts.filter((a) => a.kind === 'loss-spike');
  if (spikes.length > 0) out.push(`- Loss spikes caught: ${spikes.length} (steps ${capList(spikes.map((a) => String(a.step)), MAX_ITEMS)}).`);
  const sigma = alerts.filter((a) => a.kind === 'spectral-norm');
  if (sigma.length > 0) out.push(`- This layer's σ went over its bound ${sigma.length} time(s) right after an update.`);
  if (s.choices.length > 0) out.push('Choices:', ...capLines(s.choices.map((c) => `- ${c}`), 6));
  return out;
}

function fixLines(run: RunSeries, alerts: Alert[]): string[] {
  const unstable = alerts.filter((a) => UNSTABLE.has(a.kind));
  if (unstable.length === 0) return [alerts.length === 0 ? 'No alerts on this layer: nothing to fix from the data.' : 'Its alerts are not about instability; see their messages above.'];
  const st = run.settings;
  const out: string[] = [];
  if (st?.lr !== undefined) out.push(`- Lower the learning rate to ${fmt(Number((st.lr / 10).toPrecision(6)))} (train.optimizer.lr, now ${fmt(st.lr)}).`);
  else out.push('- Lower the learning rate (train.optimizer.lr).');
  if (!st || (!(st.clipNorm! > 0) && !(st.stabilize && st.stabilize.safety.clipNorm > 0))) out.push('- Enable gradient clipping (train.clipNorm: 1.0).');
  if (!st?.stabilize) out.push('- Enable stabilization for this stack (stabilize: auto).');
  if (unstable.some((a) => a.kind === 'activation-variance')) out.push('- Add normalization (layerNorm) to the block.');
  out.push('', `In the trainer's words: ${DIVERGENCE_REMEDY}`, 'The model file offers these as quick fixes on the alert\'s diagnostic.');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Summarise a run

export function summarizeRun(data: DashboardData, runId: string): string {
  const run = findRun(data, runId);
  if (!run) return missingRun(data, runId);
  const st = run.settings;
  const out = [`# Run ${run.name} (${run.runId})`, ''];
  out.push(`- Status: ${run.status}${st?.error ? ` (${st.error})` : ''}`);
  if (st) {
    out.push(`- Backend: ${st.backend} on ${st.device}`, `- Steps: ${st.step} of ${st.totalSteps}`);
    if (st.optimizer !== undefined) out.push(`- Training: ${st.optimizer} lr ${fmt(st.lr!)}, batch ${st.batchSize}, seed ${st.seed}, clip ${st.clipNorm ? fmt(st.clipNorm) : 'off'}, ${st.params} parameters, depth ${st.depth}${st.stabilize ? `, stabilize${st.stabilize.auto ? ': auto' : ''}` : ''}`);
  } else out.push('- Backend, steps and settings: not sent by the trainer.');
  if (run.modelFile) out.push(`- Model file: ${run.modelFile}`);

  out.push('', '## Metrics');
  if (st?.final) out.push(`- Final: ${metricList(st.final)}`);
  if (st?.best) out.push(`- Best: ${metricList(st.best)}`);
  const loss = trainSeries(run, 'loss');
  if (loss.length > 0) out.push(`- Training loss: ${seriesLine(loss)}`, `  at ${samples(loss, 5)}`);
  const val = run.metrics.filter((m) => m.split === 'validation');
  const valAcc = points(val, 'accuracy');
  if (valAcc.length > 0) {
    const best = valAcc.reduce((a, b) => (b.value > a.value ? b : a));
    out.push(`- Validation accuracy: last ${pct(valAcc.at(-1)!.value)} (step ${valAcc.at(-1)!.step}), best ${pct(best.value)} (step ${best.step}), ${valAcc.length} evaluations`);
  }
  if (!st?.final && !st?.best && loss.length === 0 && valAcc.length === 0) out.push('No metrics recorded yet.');

  out.push('', `## Alerts (${run.alerts.length})`);
  if (run.alerts.length === 0) out.push('None.');
  else out.push(...alertGroups(run.alerts));

  out.push('', '## Reports', ...reportLines(data, run));
  return out.join('\n');
}

/** Alerts grouped by kind: count, severity, steps, and the layers (first crossing first). */
function alertGroups(alerts: Alert[]): string[] {
  const byKind = new Map<string, Alert[]>();
  for (const a of alerts) byKind.set(a.kind, [...(byKind.get(a.kind) ?? []), a]);
  return [...byKind].map(([kind, list]) => {
    const steps = list.map((a) => a.step);
    const layers = [...new Set(list.flatMap(alertLayers))];
    const where = layers.length > 0 ? ` on ${layers.length} layer(s): ${capList(layers.map((l) => `\`${l}\``), MAX_ITEMS)}` : ' (whole run)';
    const sev = list.some((a) => a.severity === 'error') ? 'error' : 'warning';
    return `- ${kind} (${sev}) ×${list.length}, steps ${Math.min(...steps)}–${Math.max(...steps)}${where}`;
  });
}

function reportLines(data: DashboardData, run: RunSeries): string[] {
  if (data.runs[0]?.runId !== run.runId) return ['Reports are read for the first run of the data only.'];
  const out: string[] = [];
  const s = data.subnetworks;
  if (s) {
    const kept = s.subnetworks.filter((n) => n.kept).length;
    out.push(`- Subnetworks: k ${s.k}, ${kept} kept, specialization ${fmt(s.specialization)}, NMI ${fmt(s.nmi)}${s.qModularity !== null ? `, Q ${fmt(s.qModularity)}` : ''}${s.hardened ? ', hardened' : ''}; accuracy ${s.accuracy.map(pct).join(' / ')}`);
  }
  const p = data.pareto;
  if (p) {
    const byTarget = new Map<number, (typeof p.points)[number]>();
    for (const pt of p.points) if ((byTarget.get(pt.target)?.accuracyMean ?? -1) < pt.accuracyMean) byTarget.set(pt.target, pt);
    const best = [...byTarget.values()].sort((a, b) => a.target - b.target).map((pt) => `${pt.target}%: ${p.labels?.[pt.criterion] ?? pt.criterion} ${pct(pt.accuracyMean)} (${fmt(pt.speedup)}× speed-up)`);
    out.push(`- Pruning (Pareto, ${p.points.length} points, ${p.split} split): dense ${pct(p.dense.accuracyMean)}; best per FLOP target: ${capList(best, MAX_ITEMS)}`);
  }
  const r = data.routing;
  if (r) {
    const nl = r.noLoss ? `; no-loss point: ${pct(r.noLoss.shareFull)} of inputs to the full model, cost ${fmt(r.noLoss.expectedCost)}, accuracy ${pct(r.noLoss.accuracy)}` : '; no threshold without loss';
    out.push(`- Routing: ${r.label ?? r.criterion} at ${r.target}% on ${r.signal}: full ${pct(r.accuracyFull)}, pruned ${pct(r.accuracyPruned)}${nl}`);
  }
  const d = data.paths;
  if (d) {
    const layers = d.layers.map((l) => `\`${l.layerId}\` ${l.trained.distinctPaths} distinct paths (random init ${l.random.distinctPaths})${l.trained.powerLaw ? `, power-law exponent ${fmt(l.trained.powerLaw.exponent)}` : ''}`);
    out.push(`- Routing paths (dna, step ${d.step}): ${fmt(d.flopsPerSample)} FLOPs/sample of a ${fmt(d.boundFlopsPerSample)} bound; ${capList(layers, 4)}`);
  }
  return out.length > 0 ? out : ['None (no subnetwork, pruning, routing or routing-path report).'];
}

// ---------------------------------------------------------------------------------------------
// Compare runs

export function compareRuns(data: DashboardData, runIds: string[]): string {
  const runs = runIds.map((id) => findRun(data, id));
  const missing = runIds.filter((_, i) => !runs[i]);
  const found = runs.filter((r): r is RunSeries => r !== undefined);
  const out = [`# Comparing ${found.length} run(s)`];
  if (missing.length > 0) out.push('', `Not in the data: ${missing.join(', ')}.`);
  if (found.length === 0) return out.join('\n');
  const shown = found.slice(0, MAX_ITEMS);
  const cols: Array<[string, (r: RunSeries) => string]> = [
    ['run', (r) => `${r.name} (${r.runId})`],
    ['status', (r) => r.status],
    ['steps', (r) => (r.settings ? `${r.settings.step}/${r.settings.totalSteps}` : '?')],
    ['backend', (r) => r.settings?.backend ?? '?'],
    ['lr', (r) => (r.settings?.lr !== undefined ? fmt(r.settings.lr) : '?')],
    ['seed', (r) => (r.settings?.seed !== undefined ? String(r.settings.seed) : '?')],
    ['stabilize', (r) => (!r.settings?.optimizer ? '?' : r.settings.stabilize ? (r.settings.stabilize.auto ? 'auto' : 'on') : 'off')],
    ['val acc', (r) => opt(valAccuracy(r), pct)],
    ['val loss', (r) => opt(valLoss(r), fmt)],
    ['alerts', (r) => String(r.alerts.length)],
  ];
  out.push('', `| ${cols.map((c) => c[0]).join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`);
  for (const r of shown) out.push(`| ${cols.map((c) => c[1](r)).join(' | ')} |`);
  if (found.length > shown.length) out.push(`(${found.length - shown.length} more runs not shown)`);

  out.push('', '## Differences');
  const diffs: string[] = [];
  const differ = (label: string, get: (s: RunSettings) => unknown) => {
    const values = found.map((r) => (r.settings ? get(r.settings) : undefined));
    if (values.some((v) => v === undefined)) return;
    if (new Set(values.map((v) => JSON.stringify(v))).size > 1) diffs.push(`- ${label}: ${found.map((r, i) => `${r.name} ${String(values[i])}`).join(', ')}`);
  };
  const hashes = found.map((r) => r.settings?.modelHash);
  if (hashes.every((h) => h !== undefined)) diffs.push(new Set(hashes).size > 1 ? '- Architecture: the model files differ (input shape or layers).' : '- Architecture: the same (input shape and layers).');
  differ('optimizer', (s) => s.optimizer);
  differ('learning rate', (s) => (s.lr !== undefined ? fmt(s.lr) : undefined));
  differ('seed', (s) => s.seed);
  differ('batch size', (s) => s.batchSize);
  differ('clip norm', (s) => s.clipNorm);
  differ('stabilize', (s) => (s.optimizer === undefined ? undefined : s.stabilize ? (s.stabilize.auto ? 'auto' : 'custom') : 'off'));
  differ('backend', (s) => s.backend);
  if (found.some((r) => !r.settings?.optimizer)) diffs.push('- Settings of some runs were not sent by the trainer: not compared.');
  out.push(...(diffs.length > 0 ? diffs : ['None in the settings compared (optimizer, lr, seed, batch size, clip norm, stabilize, backend).']));

  out.push('', '## Best on validation');
  const acc = found.filter((r) => valAccuracy(r) !== undefined);
  const loss = found.filter((r) => valLoss(r) !== undefined);
  if (acc.length > 0) {
    const best = acc.reduce((a, b) => (valAccuracy(b)! > valAccuracy(a)! ? b : a));
    out.push(`${best.name} (${best.runId}): validation accuracy ${pct(valAccuracy(best)!)}${acc.length < found.length ? ` (${found.length - acc.length} run(s) have none)` : ''}.`);
  } else if (loss.length > 0) {
    const best = loss.reduce((a, b) => (valLoss(b)! < valLoss(a)! ? b : a));
    out.push(`${best.name} (${best.runId}): validation loss ${fmt(valLoss(best)!)} (no validation accuracy recorded).`);
  } else out.push('No run has validation metrics.');
  return out.join('\n');
}

/** Best validation accuracy: run.json's best/final, else the best validation record. */
function valAccuracy(r: RunSeries): number | undefined {
  const s = r.settings;
  const stored = s?.best?.valAccuracy ?? s?.final?.valAccuracy;
  if (stored !== undefined && Number.isFinite(stored)) return stored;
  const v = points(r.metrics.filter((m) => m.split === 'validation'), 'accuracy');
  return v.length > 0 ? Math.max(...v.map((p) => p.value)) : undefined;
}

function valLoss(r: RunSeries): number | undefined {
  const s = r.settings;
  const stored = s?.best?.valLoss ?? s?.final?.valLoss;
  if (stored !== undefined && Number.isFinite(stored)) return stored;
  const v = points(r.metrics.filter((m) => m.split === 'validation'), 'loss');
  return v.length > 0 ? Math.min(...v.map((p) => p.value)) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Shared

interface Point { step: number; value: number }

function findRun(data: DashboardData, runId: string): RunSeries | undefined {
  return data.runs.find((r) => r.runId === runId);
}

function missingRun(data: DashboardData, runId: string): string {
  const known = data.runs.map((r) => r.runId);
  return `Run ${runId} is not in the data the trainer returned${known.length > 0 ? ` (it has: ${capList(known, MAX_ITEMS)})` : ''}.`;
}

/** A stored number: JSON keeps NaN and ±Infinity as strings. */
function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return undefined;
}

function points(records: MetricRecord[], key: string): Point[] {
  return records.flatMap((m) => {
    const v = num(m[key]);
    return v === undefined ? [] : [{ step: m.step, value: v }];
  });
}

function trainSeries(run: RunSeries, key: string): Point[] {
  return points(run.metrics.filter((m) => m.split === 'train'), key);
}

/** first, last, min, max, median of the finite values, the trend, and where it first went non-finite. */
function seriesLine(series: Point[]): string | undefined {
  if (series.length === 0) return undefined;
  const finite = series.filter((p) => Number.isFinite(p.value));
  const bad = series.find((p) => !Number.isFinite(p.value));
  const badText = bad ? `; ${bad.value} from step ${bad.step}` : '';
  if (finite.length === 0) return `never finite (${series.length} reads)${badText}`;
  const first = finite[0]!;
  const last = finite.at(-1)!;
  const min = finite.reduce((a, b) => (b.value < a.value ? b : a));
  const max = finite.reduce((a, b) => (b.value > a.value ? b : a));
  const sorted = finite.map((p) => p.value).sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return `first ${fmt(first.value)} (step ${first.step}), last ${fmt(last.value)} (step ${last.step}), min ${fmt(min.value)}, max ${fmt(max.value)} (step ${max.step}), median ${fmt(median)}; ${trend(first.value, last.value)}${badText}`;
}

function trend(first: number, last: number): string {
  if (first === 0 && last === 0) return 'flat at 0';
  if (last === 0) return 'fell to 0';
  const ratio = Math.abs(first) > 0 ? last / first : Infinity;
  if (ratio > 2) return `rose ${fmt(ratio)}×`;
  if (ratio < 0.5 && ratio >= 0) return `fell to ${fmt(ratio)}× its first value`;
  return 'roughly flat (within 2×)';
}

/** At most `n` evenly spaced points, the first and last kept. */
function samples(series: Point[], n: number): string {
  const idx = series.length <= n ? series.map((_, i) => i) : Array.from({ length: n }, (_, i) => Math.round((i * (series.length - 1)) / (n - 1)));
  return idx.map((i) => `step ${series[i]!.step}: ${fmt(series[i]!.value)}`).join(', ');
}

/**
 * One alert as it concerns the explained layer: an alert grouped on the first layer that crossed (`others`) is shown
 * with the explained layer's own value, naming the first layer and how many more.
 */
function alertLine(a: Alert, mine: (id: string) => boolean): string {
  const other = a.layerId !== undefined && !mine(a.layerId) ? a.others?.find((o) => mine(o.layerId)) : undefined;
  const layer = other?.layerId ?? a.layerId;
  const value = num(other ? other.value : a.value);
  const vt = `${value !== undefined ? ` value ${fmt(value)}` : ''}${a.threshold !== undefined ? `${value !== undefined ? ',' : ''} threshold ${fmt(a.threshold)}` : ''}`;
  const group = (a.others?.length ?? 0) > 0
    ? ` (one alert for ${a.others!.length + 1} layers at this step${other ? `; \`${a.layerId}\` crossed first` : ''})`
    : '';
  return `- step ${a.step}: ${a.kind} (${a.severity})${layer ? ` on \`${layer}\`` : ''}${vt ? ` —${vt}` : ''}${group}. ${clip(a.message, 240)}`;
}

function metricList(m: Record<string, number>): string {
  return Object.entries(m).map(([k, v]) => `${k} ${/accuracy/i.test(k) ? pct(v) : fmt(v)}`).join(', ');
}

/** 3 significant digits; exponent notation for very large or small magnitudes; NaN and ±Infinity by name. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(3)));
}

function pct(v: number): string {
  return Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : String(v);
}

function opt(v: number | undefined, f: (n: number) => string): string {
  return v === undefined ? '–' : f(v);
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function capList(items: string[], n: number): string {
  return items.length <= n ? items.join(', ') : `${items.slice(0, n).join(', ')} and ${items.length - n} more`;
}

function capLines(lines: string[], n: number): string[] {
  return lines.length <= n ? lines : [...lines.slice(0, n), `- … and ${lines.length - n} more`];
}
