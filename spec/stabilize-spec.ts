/**
 * The `stabilize:` section (seed 001, stable ultra-deep training): field tables for the block and its
 * sub-blocks, and the first pass that checks what the user wrote. `stabilize-auto.ts` then resolves
 * it against the model (depth, layers, train) into `ModelFile.stabilize`.
 */
import { readFields, type FieldTable } from './fields';
import { IdRegistry } from './id-registry';
import type { Reporter } from './report';
import { describe, entry, type SMap, type SNode } from './source';
import type { SourceRange } from './types';

/** The built-in monitors (the seed's stability metrics): trainer/monitors/registry.ts implements exactly these (the compiler checks it). */
export const STABILIZE_MONITORS = ['nonfinite', 'grad-norm', 'activation-variance', 'update-norm', 'spectral-norm', 'loss-spike'] as const;
export type BuiltInMonitor = (typeof STABILIZE_MONITORS)[number];
/** Monitor ids `stabilize.monitors` accepts: the built-ins and any monitor the trainer registers at run time. */
export const MONITOR_IDS = new IdRegistry('monitor', STABILIZE_MONITORS);

export const STABILIZE_DOC = "Stable ultra-deep training: spectral-norm bounds, residual scaling, depth-dependent warm-up and LR, "
  + "safety nets and monitors. `auto` derives every setting from the model's depth; a mapping sets them (with `auto: true`: "
  + "derive what it does not set); `off` disables it.";

export const STABILIZE_FIELDS: FieldTable = {
  auto: { kind: 'bool', default: false, doc: 'Derive every setting this mapping does not set from the depth, as `stabilize: auto` does.' },
  monitors: { kind: 'nameList', values: MONITOR_IDS.ids, default: MONITOR_IDS.ids, doc: 'Per-layer monitors to run (default: all of them); `off` or `[]` for none.' },
  monitorEvery: { kind: 'int', min: 1, default: 10, doc: 'Run the monitors every N steps. Default 10; auto: 10 for depth ≤ 100, 25 for ≤ 500, 50 beyond.' },
};

export const SPECTRAL_DOC = 'Spectral-norm bound on every weight matrix, moved from `initial` to `final` (power iteration, fp32). `false`/`off` disables it.';
export const SPECTRAL_FIELDS: FieldTable = {
  enabled: { kind: 'bool', default: true, doc: 'Bound the spectral norm of every weight matrix.' },
  initial: { kind: 'number', min: 0, minExclusive: true, default: 0.9, doc: 'Bound at the first step.' },
  final: { kind: 'number', min: 0, minExclusive: true, default: 2.0, doc: 'Bound at the end of `steps`.' },
  schedule: { kind: 'enum', values: ['linear', 'cosine', 'exponential'], default: 'linear', doc: 'How the bound moves from `initial` to `final`. Default linear; auto: cosine when the model has attention or transformer layers.' },
  steps: { kind: 'int', min: 0, default: 0, doc: 'Steps over which the bound moves; 0 = the whole run.' },
  every: { kind: 'int', min: 1, default: 1, doc: 'Re-estimate and rescale every N steps. Default 1; auto: 1 for depth ≤ 100, 5 beyond (to cut cost).' },
  iterations: { kind: 'int', min: 1, max: 3, default: 1, doc: 'Power iterations per estimate (1–3).' },
};

export const RESIDUAL_SCALE_DOC = 'A factor α on every residual branch, y = x + α·f(x) (on top of the block\'s `scale`). `off`, `scheduled`, `learnable` or a mapping.';
export const RESIDUAL_SCALE_FIELDS: FieldTable = {
  mode: { kind: 'enum', values: ['off', 'scheduled', 'learnable'], default: 'scheduled', doc: '`scheduled` (α from `initial` to `final` over `steps`), `learnable` (a trained scalar starting at `initial`) or `off`. Auto: off when the model has no residual or transformer blocks.' },
  initial: { kind: 'number', min: 0, default: 0.1, doc: 'α at the first step (learnable: its initial value).' },
  final: { kind: 'number', min: 0, default: 1.0, doc: 'Scheduled: α at the end of `steps`.' },
  steps: { kind: 'int', min: 0, default: 0, doc: 'Steps over which α moves; 0 = the warm-up length.' },
  attentionInitial: { kind: 'number', min: 0, doc: 'Attention branches of transformer blocks: α at the first step (default: `initial`).' },
  attentionFinal: { kind: 'number', min: 0, doc: 'Attention branches of transformer blocks: α at the end (default: `final`).' },
  lr: { kind: 'number', min: 0, minExclusive: true, default: 0.01, doc: 'Learnable: α\'s own learning rate.' },
};

export const DEPTH_LR_DOC = 'Depth-dependent warm-up and peak LR, then cosine decay and a final constant phase; replaces `train.schedule`. `false`/`off` keeps `train.schedule`.';
export const DEPTH_LR_FIELDS: FieldTable = {
  enabled: { kind: 'bool', default: true, doc: 'Use the depth-dependent schedule instead of `train.schedule`.' },
  warmupSteps: { kind: 'intOrAuto', min: 0, default: 'auto', doc: 'Linear warm-up from 0 to the peak LR. `auto` = max(2000, (D−100)//100·500), scaled to the run length when the run is shorter.' },
  peakLr: { kind: 'numberOrAuto', default: 'auto', doc: 'LR at the end of warm-up. `auto` = base·(100/D)^0.5 (not above base), base = `train.optimizer.lr`; under `stabilize: auto` with plain SGD on residual blocks the base itself (it trained better there: BENCHMARKS.md, stable ultra-deep training).' },
  decayTo: { kind: 'number', min: 0, max: 1, default: 0.5, doc: 'After warm-up, cosine decay to this fraction of the peak LR...' },
  finalFactor: { kind: 'number', min: 0, max: 1, default: 0.1, doc: '...then a constant LR at this fraction of the peak LR...' },
  finalPhase: { kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0.1, doc: '...during this last fraction of the run.' },
};

export const SAFETY_DOC = 'Safety nets: gradient clipping, loss-spike response and BatchNorm momentum.';
export const SAFETY_FIELDS: FieldTable = {
  clipNorm: { kind: 'number', min: 0, default: 1.0, doc: 'Clip gradients to this global norm; 0 disables. Default: `train.clipNorm` when the file sets it, else 1.0.' },
  spikeFactor: { kind: 'number', min: 1, minExclusive: true, default: 3, doc: 'A loss above this many times the running median of recent losses is a spike.' },
  spikeWindow: { kind: 'int', min: 3, default: 20, doc: 'Recent losses the running median is taken over.' },
  lrFactor: { kind: 'number', min: 0, max: 1, minExclusive: true, default: 0.5, doc: 'After a spike the LR is multiplied by this...' },
  lrSteps: { kind: 'int', min: 0, default: 100, doc: '...for this many steps.' },
  batchNormMomentum: { kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0.99, doc: 'Momentum of BatchNorm\'s moving statistics where BatchNorm is used.' },
};

/** One checked sub-block: values with the table's defaults, and the keys the user wrote. */
export interface Block { values: Record<string, unknown>; written: Set<string> }

/** What the file says, checked; resolved against the model by `resolveStabilize`. */
export interface StabilizeDraft {
  auto: boolean;
  top: Block;
  spectral: Block;
  residual: Block;
  lr: Block;
  safety: Block;
  /** Where `safety.clipNorm` is written (for the conflict warning with `train.clipNorm`). */
  clipNormRange?: SourceRange;
}

const SUB_BLOCKS = ['spectral', 'residual', 'lr', 'safety'] as const;
const isOff = (v: unknown): boolean => v === false || v === 'off';
const isOn = (v: unknown): boolean => v === true || v === 'on';

/** A scalar shorthand for a sub-block, as the values it stands for; undefined when not one. */
const SHORTHANDS: Record<(typeof SUB_BLOCKS)[number], { doc: string; read: (v: unknown) => Record<string, unknown> | undefined }> = {
  spectral: { doc: "true/on, false/off or a mapping", read: (v) => (isOff(v) ? { enabled: false } : isOn(v) ? { enabled: true } : undefined) },
  residual: {
    doc: "off, scheduled, learnable (or true/false) or a mapping",
    read: (v) => (isOff(v) ? { mode: 'off' } : isOn(v) ? { mode: 'scheduled' } : v === 'scheduled' || v === 'learnable' ? { mode: v } : undefined),
  },
  lr: { doc: "true/on, false/off or a mapping", read: (v) => (isOff(v) ? { enabled: false } : isOn(v) ? { enabled: true } : undefined) },
  safety: { doc: 'a mapping', read: () => undefined },
};

/**
 * Checks the `stabilize:` value. Returns undefined when it is absent or `off`, or when an error was
 * reported (then `failed` is true).
 */
export function readStabilize(node: SNode | undefined, r: Reporter): { draft?: StabilizeDraft; failed: boolean } {
  if (node === undefined) return { failed: false };
  const empty: SMap = { kind: 'map', entries: [], range: node.range };
  if (node.kind === 'scalar') {
    if (isOff(node.value)) return { failed: false };
    if (node.value === 'auto') return { draft: draftFrom(empty, r, true)!, failed: false };
    if (node.value === null) return { draft: draftFrom(empty, r, false)!, failed: false };
  }
  if (node.kind !== 'map') {
    r.error(node.range, 'type', `'stabilize' must be 'auto', 'off' or a mapping, got ${describe(node)}`);
    return { failed: true };
  }
  const draft = draftFrom(node, r, undefined);
  return draft ? { draft, failed: false } : { failed: true };
}

function draftFrom(map: SMap, r: Reporter, auto: boolean | undefined): StabilizeDraft | undefined {
  const before = r.errorCount;
  const monitors = entry(map, 'monitors');
  const topMap: SMap = monitors && monitors.value.kind === 'scalar' && isOff(monitors.value.value)
    ? { ...map, entries: map.entries.map((e) => (e === monitors ? { ...e, value: { kind: 'seq', items: [], range: e.value.range } } : e)) }
    : map;
  const topValues = readFields(topMap, STABILIZE_FIELDS, r, "'stabilize'", SUB_BLOCKS);
  const blocks = SUB_BLOCKS.map((key) => readBlock(entry(map, key)?.value, key, r));
  if (r.errorCount !== before || !topValues || blocks.some((b) => b === undefined)) return undefined;
  const [spectral, residual, lr, safety] = blocks as Block[];
  const safetyNode = entry(map, 'safety')?.value;
  const clip = safetyNode?.kind === 'map' ? entry(safetyNode, 'clipNorm') : undefined;
  return {
    auto: auto ?? (topValues.auto as boolean),
    top: { values: topValues, written: writtenKeys(map) },
    spectral: spectral!, residual: residual!, lr: lr!, safety: safety!,
    ...(clip ? { clipNormRange: clip.range } : {}),
  };
}

function readBlock(node: SNode | undefined, key: (typeof SUB_BLOCKS)[number], r: Reporter): Block | undefined {
  const table = { spectral: SPECTRAL_FIELDS, residual: RESIDUAL_SCALE_FIELDS, lr: DEPTH_LR_FIELDS, safety: SAFETY_FIELDS }[key];
  const where = `'stabilize.${key}'`;
  const empty: SMap = { kind: 'map', entries: [], range: node?.range ?? { file: '', line: 1, col: 1, endLine: 1, endCol: 1 } };
  if (node === undefined || (node.kind === 'scalar' && node.value === null)) {
    const values = readFields(empty, table, r, where);
    return values ? { values, written: new Set() } : undefined;
  }
  if (node.kind === 'scalar') {
    const short = SHORTHANDS[key].read(node.value);
    if (short === undefined) {
      r.error(node.range, 'type', `${where} must be ${SHORTHANDS[key].doc}, got ${describe(node)}`);
      return undefined;
    }
    const values = readFields(empty, table, r, where);
    return values ? { values: { ...values, ...short }, written: new Set(Object.keys(short)) } : undefined;
  }
  if (node.kind !== 'map') {
    r.error(node.range, 'type', `${where} must be ${SHORTHANDS[key].doc}, got ${describe(node)}`);
    return undefined;
  }
  const values = readFields(node, table, r, where);
  return values ? { values, written: writtenKeys(node) } : undefined;
}

/** Keys written with a value (an empty `key:` counts as not written: the default applies). */
function writtenKeys(map: SMap): Set<string> {
  return new Set(map.entries.filter((e) => !(e.value.kind === 'scalar' && e.value.value === null)).map((e) => e.key));
}
