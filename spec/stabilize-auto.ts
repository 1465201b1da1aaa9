/**
 * Resolves a checked `stabilize:` block against the model: the depth formulas of seed 001, the
 * `auto` derivations, the clip-norm rule, and `choices`, one line per setting in effect. The formulas
 * are exported so the trainer computes `'auto'` values the same way.
 */
import type { Reporter } from './report';
import type { StabilizeDraft } from './stabilize-spec';
import type {
  DepthLrSpec, LayerNode, ResidualScaleSpec, SafetySpec, SpectralSpec, StabilizeSpec, TrainSpec,
} from './types';
import { walkLayers } from './walk';

/** Warm-up steps for depth D: max(2000, (D−100)//100·500) (floor division, as in the seed). */
export function autoWarmupSteps(depth: number): number {
  return Math.max(2000, Math.floor((depth - 100) / 100) * 500);
}

/** The peak-LR factor (100/D)^0.5, never above 1 (shallow models keep the base LR). */
export function depthLrFactor(depth: number): number {
  return Math.min(1, Math.sqrt(100 / Math.max(1, depth)));
}

/** Peak LR for depth D: base·(100/D)^0.5, not above base. */
export function autoPeakLr(baseLr: number, depth: number): number {
  return baseLr * depthLrFactor(depth);
}

/** Spectral re-estimation interval under `auto`: every step up to 100 layers, every 5 beyond. */
export function autoSpectralEvery(depth: number): number {
  return depth <= 100 ? 1 : 5;
}

/** Monitor interval under `auto`: 10 up to 100 layers, 25 up to 500, 50 beyond. */
export function autoMonitorEvery(depth: number): number {
  return depth <= 100 ? 10 : depth <= 500 ? 25 : 50;
}

/** The seed's batch size: 64 + 8 per full 100 layers. */
export function suggestedBatchSize(depth: number): number {
  return 64 + 8 * Math.floor(depth / 100);
}

export interface StabilizeContext {
  depth: number;
  layers: LayerNode[];
  train: TrainSpec;
  /** The file writes `train.clipNorm` itself (not the default). */
  trainClipNormSet: boolean;
}

/** The resolved block; `safety.clipNorm` is the clip norm in effect (see the clip rule). */
export function resolveStabilize(d: StabilizeDraft, ctx: StabilizeContext, r: Reporter): StabilizeSpec {
  const D = ctx.depth;
  const auto = d.auto;
  const nodes = [...walkLayers(ctx.layers)];
  const residualBlocks = nodes.filter((n) => n.type === 'residual').length;
  const transformers = nodes.filter((n) => n.type === 'transformer').length;
  const hasAttention = transformers > 0 || nodes.some((n) => n.type === 'attention');
  const hasBatchNorm = nodes.some((n) => n.type === 'batchNorm');
  const derive = (block: { written: Set<string> }, key: string): boolean => auto && !block.written.has(key);
  const choices: string[] = [];
  const why = (s: string): string => (s ? ` (${s})` : '');

  choices.push(`depth ${D} trainable layers${auto ? ' (stabilize: auto derives the settings below from it)' : ''}`);

  // Learning rate: warm-up, peak, decay.
  const lr = { ...d.lr.values } as unknown as DepthLrSpec;
  const base = ctx.train.optimizer.lr;
  const warm = autoWarmupSteps(D);
  if (lr.enabled) {
    const wFormula = `max(2000, (${D}−100)//100·500) = ${warm}`;
    choices.push(lr.warmupSteps === 'auto'
      ? `warm-up: ${wFormula} steps (scaled to the run length by the trainer when shorter)`
      : `warm-up: ${lr.warmupSteps} steps (set; the formula gives ${warm})`);
    const f = depthLrFactor(D);
    const pFormula = f < 1 ? `base·(100/D)^0.5 = ${num(base)}·${num(f)} = ${num(base * f)}` : `base = ${num(base)} (D ≤ 100: not scaled down)`;
    if (derive(d.lr, 'peakLr') && f < 1 && sgdWithAlpha(d, ctx, residualBlocks + transformers)) {
      lr.peakLr = base;
      choices.push(`peak LR: base = ${num(base)}, not ${pFormula.replace(/^base·/, 'the seed\'s base·')}: with plain SGD and residual α the depth-scaled peak trained slower at D = 300 and 1000 (npm run bench:stability, BENCHMARKS.md); write lr: { peakLr: auto } for the seed's rule`);
    } else {
      choices.push(lr.peakLr === 'auto' ? `peak LR: ${pFormula}` : `peak LR: ${num(lr.peakLr)} (set; ${pFormula})`);
    }
    choices.push(`after warm-up: cosine decay to ${num(lr.decayTo)}·peak, then ${num(lr.finalFactor)}·peak for the last ${num(lr.finalPhase * 100)}% of the run (replaces train.schedule '${ctx.train.schedule.type}')`);
  } else {
    choices.push(`LR: depth-dependent schedule off; train.schedule '${ctx.train.schedule.type}' at ${num(base)} applies`);
  }

  // Spectral bounds.
  const spectral = { ...d.spectral.values } as unknown as SpectralSpec;
  const everyWhy = derive(d.spectral, 'every') ? `D ${D <= 100 ? '≤' : '>'} 100${D > 100 ? ', to cut cost' : ''}` : '';
  if (derive(d.spectral, 'every')) spectral.every = autoSpectralEvery(D);
  const schedWhy = derive(d.spectral, 'schedule') && hasAttention ? 'cosine: the model has attention' : '';
  if (derive(d.spectral, 'schedule') && hasAttention) spectral.schedule = 'cosine';
  if (spectral.enabled) {
    const over = spectral.steps === 0 ? 'over the whole run' : `over ${spectral.steps} steps`;
    const it = `${spectral.iterations} power iteration${spectral.iterations > 1 ? 's' : ''}`;
    choices.push(`spectral bound ${dec(spectral.initial)} → ${dec(spectral.final)} (${spectral.schedule}${schedWhy ? `; ${schedWhy}` : ''}) ${over}, every ${spectral.every} step${spectral.every > 1 ? 's' : ''}${why(everyWhy)}, ${it}`);
    const wd = ctx.train.optimizer.weightDecay;
    if (wd > 1e-4) choices.push(`note: with spectral bounds the seed recommends weight decay ≤ 1e-4 (train.optimizer.weightDecay is ${num(wd)})`);
  } else {
    choices.push('spectral bound: off');
  }

  // Residual scaling.
  const residual = { ...d.residual.values } as unknown as ResidualScaleSpec;
  const branches = residualBlocks + transformers;
  if (derive(d.residual, 'mode') && branches === 0) residual.mode = 'off';
  residual.attentionInitial ??= residual.initial;
  residual.attentionFinal ??= residual.final;
  const blocks = `${residualBlocks} residual block${residualBlocks === 1 ? '' : 's'}${transformers ? `, ${transformers} transformer block${transformers === 1 ? '' : 's'}` : ''}`;
  if (residual.mode === 'off') {
    choices.push(branches === 0 ? 'residual α: off (the model has no residual or transformer blocks)' : 'residual α: off');
  } else if (residual.mode === 'scheduled') {
    const over = residual.steps === 0 ? `over the seed's warm-up for this depth (${autoWarmupSteps(D)} updates, even where a short run shortens the LR warm-up; a warm-up written in the file replaces it)` : `over ${residual.steps} steps`;
    const attn = transformers && (residual.attentionInitial !== residual.initial || residual.attentionFinal !== residual.final)
      ? `; attention branches ${dec(residual.attentionInitial)} → ${dec(residual.attentionFinal)}` : '';
    choices.push(`residual α ${dec(residual.initial)} → ${dec(residual.final)} ${over}${attn} (${blocks})`);
  } else {
    choices.push(`residual α learnable, starting at ${num(residual.initial)}${transformers ? ` (attention ${num(residual.attentionInitial)})` : ''}, its own LR ${num(residual.lr)} (${blocks})`);
  }

  // Safety: the clip rule — an explicit train.clipNorm wins (0 included), else stabilize.safety.clipNorm
  // (written or its default 1.0). `train.clipNorm` itself is left as written.
  const safety = { ...d.safety.values } as unknown as SafetySpec;
  let clipFrom = d.safety.written.has('clipNorm') ? 'stabilize.safety.clipNorm' : 'stabilize default';
  if (ctx.trainClipNormSet) {
    if (d.safety.written.has('clipNorm') && ctx.train.clipNorm !== safety.clipNorm) {
      r.warning(d.clipNormRange!, 'clip-norm',
        `'train.clipNorm' (${num(ctx.train.clipNorm)}) is set, so it applies instead of 'stabilize.safety.clipNorm' (${num(safety.clipNorm)}); remove one of them`);
    }
    safety.clipNorm = ctx.train.clipNorm;
    clipFrom = 'train.clipNorm';
  }
  choices.push(safety.clipNorm > 0 ? `clip ${dec(safety.clipNorm)} (global norm, ${clipFrom})` : `clip: off (${clipFrom})`);
  choices.push(`loss spike: loss > ${num(safety.spikeFactor)}× the median of the last ${safety.spikeWindow} → LR ×${num(safety.lrFactor)} for ${safety.lrSteps} steps`);
  if (hasBatchNorm) choices.push(`BatchNorm momentum ${num(safety.batchNormMomentum)}`);

  // Monitors.
  const monitors = d.top.values.monitors as string[];
  let monitorEvery = d.top.values.monitorEvery as number;
  const monWhy = derive(d.top, 'monitorEvery') ? `D ${D <= 100 ? '≤ 100' : D <= 500 ? '≤ 500' : '> 500'}` : '';
  if (derive(d.top, 'monitorEvery')) monitorEvery = autoMonitorEvery(D);
  choices.push(monitors.length ? `monitors every ${monitorEvery} steps${why(monWhy)}: ${monitors.join(', ')}` : 'monitors: none');

  const batch = suggestedBatchSize(D);
  const used = ctx.train.batchSize;
  choices.push(`batch size: 64 + 8·${Math.floor(D / 100)} = ${batch} suggested (the file uses ${used}${used === batch ? '' : used < batch ? '; consider raising it or accumulating gradients' : ''})`);

  return { auto, depth: D, spectral, residual, lr, safety, monitors, monitorEvery, suggestedBatchSize: batch, choices };
}

/**
 * `auto` keeps the peak LR at the base LR (no depth scaling) for plain SGD on a model whose residual branches α scales:
 * in bench:stability (SGD, unnormalised residual stacks, 3 seeds) the seed's base·(100/D)^0.5 trained slower than the
 * base LR at D = 300 and 1000 (final loss, validation accuracy) and the same at D ≤ 100, where the factor is 1; α already
 * keeps each branch's update small. Adaptive optimizers and `momentum` keep the seed's rule: not measured.
 */
function sgdWithAlpha(d: StabilizeDraft, ctx: StabilizeContext, branches: number): boolean {
  return ctx.train.optimizer.type === 'sgd' && branches > 0 && (d.residual.values.mode as string) !== 'off';
}

/** A bound or factor: integers keep one decimal (2.0, 1.0), others as `num`. */
function dec(x: number): string {
  return Number.isInteger(x) && Math.abs(x) < 1e5 ? x.toFixed(1) : num(x);
}

/** Short numbers for choices: 1e-3, 3.16e-4, 0.316, 4500. */
export function num(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a < 1e-2 || a >= 1e5) {
    const [m, e] = x.toExponential(2).split('e');
    return `${String(Number(m))}e${Number(e)}`;
  }
  return String(Number(x.toPrecision(3)));
}
