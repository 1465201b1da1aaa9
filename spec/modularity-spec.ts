/**
 * The `modularity:` section (seed 000, emergent modularity): its field table, the first pass that checks
 * what the user wrote (`readModularity`, before layers are expanded: it over-parameterises the modular
 * layers' templates), and the check of the expanded model (`resolveModularity`): which layers are modular,
 * and that nothing between them breaks unit masking or extraction.
 */
import { readFields, type FieldTable } from './fields';
import type { LayerTemplate } from './layer-list';
import type { Reporter } from './report';
import { describe, entry, type SNode } from './source';
import { didYouMean } from './suggest';
import type { Activation, LayerNode, ModularitySpec, SourceRange } from './types';

export const MODULARITY_DOC = 'Emergent modularity (seed 000): over-parameterised modular layers whose units are clustered online '
  + 'by their gradient signals into subnetworks, with soft→hard masks, modularity and diversity losses and a controller. '
  + '`on` (or an empty block) takes the seed\'s defaults.';

export const MODULARITY_FIELDS: FieldTable = {
  overparameterize: { kind: 'number', min: 1, default: 2, doc: 'Multiply the units (dense) or filters (conv2d) of every modular layer by this factor (seed: 2–3; 1.5 when memory is tight).' },
  groups: { kind: 'int', min: 1, default: 1, doc: 'Parallel groups per modular layer. With more than 1, a group (not a single unit) is what gets clustered and masked.' },
  subnetworks: { kind: 'int', min: 2, default: 16, doc: 'Number of clusters k the units are grouped into (the most subnetworks there can be).' },
  band: { kind: 'pair', default: [10, 20], doc: 'Target band [min, max] for the number of active subnetworks: the controller moves the modularity weight to stay inside (seed: 10–20).' },
  alarms: { kind: 'pair', default: [5, 30], doc: 'Alert when the number of active subnetworks falls below the first or rises above the second (seed: 5 and 30).' },
  warmup: { kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0.15, doc: 'Fraction of the steps trained without masks while gradient signals accumulate (seed: 15%).' },
  clustering: { kind: 'enum', values: ['window', 'streaming'], default: 'streaming', doc: '`streaming` (default): k-means on a running summary of the units\' signal correlations that keeps no history (stable across re-clusterings); `window`: mini-batch k-means on each unit\'s gradient signature over the last `window` steps.' },
  clusterEvery: { kind: 'int', min: 1, default: 50, doc: 'Re-cluster every N steps (until the masks harden).' },
  window: { kind: 'int', min: 1, default: 25, doc: 'Steps of gradient signals kept for clustering (read back in one transfer per clustering).' },
  samples: { kind: 'int', min: 1, default: 32, doc: 'Samples of each batch whose per-unit gradient attributions make a step\'s signal (bounds memory: window × samples values per unit).' },
  modularityWeight: { kind: 'number', min: 0, default: 0.001, doc: 'Weight of the modularity loss (L1 of weights between units of different subnetworks) when masks start (seed: 0.001)...' },
  modularityWeightStep: { kind: 'number', min: 0, default: 0.001, doc: '...increased by this much per epoch...' },
  modularityWeightMax: { kind: 'number', min: 0, default: 0.01, doc: '...up to this value (seed: 0.01). The controller scales it to keep the active count in `band`.' },
  diversityWeight: { kind: 'number', min: 0, default: 0.01, doc: 'Weight of the diversity loss: the mean squared cosine similarity between subnetworks\' activations on the batch.' },
  maskCost: { kind: 'number', min: 0, default: 0, doc: 'Weight of a cost on open masks (Σ mask × parameter share): pushes subnetworks that do not reduce the loss towards 0.' },
  maskInit: { kind: 'number', default: 3, doc: 'Initial mask logit θ of every subnetwork: mask = sigmoid(θ / T) (3 → 0.95 at T = 1).' },
  temperature: { kind: 'number', min: 0, minExclusive: true, default: 1, doc: 'Mask temperature T when masks start...' },
  temperatureFinal: { kind: 'number', min: 0, minExclusive: true, default: 0.05, doc: '...moved geometrically to this value when they harden (lower T = sharper masks).' },
  finetune: { kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0.1, doc: 'Last fraction of the steps trained with hard masks (threshold 0.5) fixed; 0 = harden at the very end.' },
  collapse: { kind: 'number', min: 0, max: 1, minExclusive: true, default: 0.95, doc: 'Two subnetworks whose activations have a cosine similarity above this have collapsed (reported as an alert).' },
  controller: { kind: 'bool', default: true, doc: 'Adjust the modularity weight to keep the number of active subnetworks in `band`. At the defaults (k = 16, band 10–20, maskCost 0) it never acts: no mask closes and the count cannot exceed k (docs/modularity.md).' },
};

export const MODULARITY_LAYERS_DOC = 'Names (or ids) of the modular layers. Default: every top-level dense/conv2d layer except the last one (the logits).';

/** Layer types allowed between two modular layers (they act per unit and keep 0 at 0, or only move units). */
export const PASS_THROUGH = new Set(['dropout', 'activation', 'maxPool2d', 'avgPool2d', 'globalAvgPool2d', 'flatten']);
/** Activations with f(0) = 0: a masked unit stays 0 through them. */
export const ZERO_PRESERVING: ReadonlySet<Activation> = new Set<Activation>(['linear', 'relu', 'gelu', 'tanh', 'elu', 'selu', 'swish', 'leakyRelu']);

/** What the file says, checked; resolved against the expanded layers by `resolveModularity`. */
export interface ModularityDraft {
  values: Record<string, unknown>;
  /** `layers:` as written: names with their positions (undefined = the default). */
  layers?: Array<{ name: string; range: SourceRange }>;
  range: SourceRange;
}

/** Checks the `modularity:` value. `on`, `true` or an empty block mean the defaults; `off`/`false` none. */
export function readModularity(node: SNode | undefined, r: Reporter): { draft?: ModularityDraft; failed: boolean } {
  if (node === undefined) return { failed: false };
  if (node.kind === 'scalar') {
    if (node.value === false || node.value === 'off') return { failed: false };
    if (node.value === null || node.value === true || node.value === 'on') {
      const values = readFields({ kind: 'map', entries: [], range: node.range }, MODULARITY_FIELDS, r, "'modularity'")!;
      return { draft: { values, range: node.range }, failed: false };
    }
  }
  if (node.kind !== 'map') {
    r.error(node.range, 'type', `'modularity' must be on, off or a mapping, got ${describe(node)}`);
    return { failed: true };
  }
  const before = r.errorCount;
  const layersEntry = entry(node, 'layers');
  const rest = { ...node, entries: node.entries.filter((e) => e.key !== 'layers') };
  const values = readFields(rest, MODULARITY_FIELDS, r, "'modularity'", ['layers']);
  let layers: ModularityDraft['layers'];
  if (layersEntry) {
    const v = layersEntry.value;
    if (v.kind !== 'seq' || v.items.length === 0 || v.items.some((i) => i.kind !== 'scalar' || typeof i.value !== 'string')) {
      r.error(v.range, 'type', `'modularity.layers' must be a non-empty list of layer names, got ${describe(v)}`);
    } else {
      layers = v.items.map((i) => ({ name: (i as { value: string }).value, range: i.range }));
    }
  }
  if (values) {
    const [lo, hi] = values.band as [number, number];
    if (lo > hi) r.error(entry(node, 'band')!.value.range, 'range', `'modularity.band' must be [min, max] with min ≤ max, got [${lo}, ${hi}]`);
    const [alo, ahi] = values.alarms as [number, number];
    if (alo > ahi) r.error(entry(node, 'alarms')!.value.range, 'range', `'modularity.alarms' must be [low, high] with low ≤ high, got [${alo}, ${ahi}]`);
  }
  if (!values || r.errorCount !== before) return { failed: true };
  return { draft: { values, ...(layers ? { layers } : {}), range: node.range }, failed: false };
}

/** The top-level id a template gets (`expand.ts`): its name, or `layers[<index>]`. */
function templateId(t: LayerTemplate): string {
  return t.name ?? `layers[${t.index}]`;
}

const WEIGHT_TYPES = new Set(['dense', 'conv2d']);

/**
 * Picks the modular templates (reporting unknown names) and multiplies their units/filters by the
 * over-parameterisation factor, rounded to a multiple of `groups`. Returns the chosen ids with their units
 * as written, or undefined after an error.
 */
export function overparameterize(draft: ModularityDraft, templates: LayerTemplate[], r: Reporter): Map<string, number> | undefined {
  const factor = draft.values.overparameterize as number;
  const groups = draft.values.groups as number;
  const weightTemplates = templates.filter((t) => WEIGHT_TYPES.has(t.type) && t.config !== undefined);
  let chosen: LayerTemplate[];
  if (draft.layers) {
    chosen = [];
    const all = templates.map(templateId);
    for (const { name, range } of draft.layers) {
      const t = templates.find((x) => templateId(x) === name);
      if (!t) {
        r.error(range, 'unknown-layer', `'modularity.layers' names '${name}', which is not a top-level layer of this model`, didYouMean(name, all));
        continue;
      }
      if (!WEIGHT_TYPES.has(t.type)) {
        r.error(range, 'type', `'modularity.layers': '${name}' is a ${t.type} layer; only top-level dense and conv2d layers can be modular`);
        continue;
      }
      if (t === weightTemplates[weightTemplates.length - 1]) {
        r.error(range, 'type', `'modularity.layers': '${name}' is the last weight layer (the logits); it is clustered but cannot be modular. Remove it from the list.`);
        continue;
      }
      if (chosen.includes(t)) {
        r.error(range, 'duplicate', `'modularity.layers' names '${name}' twice`);
        continue;
      }
      chosen.push(t);
    }
  } else {
    chosen = weightTemplates.slice(0, -1);
  }
  if (chosen.length === 0 && !draft.layers) {
    r.error(draft.range, 'type', "'modularity' needs at least one hidden dense or conv2d layer before the logits layer; this model has none");
    return undefined;
  }
  const base = new Map<string, number>();
  for (const t of chosen) {
    const cfg = t.config as { units?: number; filters?: number };
    const key = t.type === 'dense' ? 'units' : 'filters';
    const written = cfg[key]!;
    if (written < groups) {
      r.error(t.head, 'range', `modular layer '${templateId(t)}' has ${written} ${key}, fewer than modularity.groups (${groups})`);
      continue;
    }
    base.set(templateId(t), written);
    const grown = Math.max(groups, Math.round((written * factor) / groups) * groups);
    t.config = { ...cfg, [key]: grown };
  }
  return base;
}

/**
 * Checks the expanded model around the modular layers and resolves the block. From the first modular layer
 * to the logits, every dense/conv2d layer must be modular (except the logits) and every other layer must be
 * a per-unit pass-through with f(0) = 0, so that a masked unit is exactly absent downstream.
 */
export function resolveModularity(draft: ModularityDraft, base: Map<string, number>, layers: LayerNode[], r: Reporter): ModularitySpec | undefined {
  const before = r.errorCount;
  const ids = [...base.keys()];
  const first = layers.findIndex((n) => base.has(n.id));
  const weightIdx = layers.map((n, i) => (WEIGHT_TYPES.has(n.type) ? i : -1)).filter((i) => i >= 0);
  const last = weightIdx[weightIdx.length - 1];
  if (first < 0 || last === undefined) return undefined;
  const output = layers[last]!;
  if (output.type !== 'dense') {
    r.error(output.range, 'type', `with 'modularity', the last weight layer must be a dense layer (the logits); '${output.id}' is ${output.type}`);
  }
  for (let i = first; i < last; i++) {
    const n = layers[i]!;
    if (WEIGHT_TYPES.has(n.type)) {
      if (!base.has(n.id)) r.error(n.range, 'type', `'${n.id}' sits between modular layers: add it to modularity.layers (or move it before '${layers[first]!.id}')`);
      continue;
    }
    const act = n.type === 'activation' ? (n.config as { activation: Activation }).activation : undefined;
    if (!PASS_THROUGH.has(n.type) || (act !== undefined && !ZERO_PRESERVING.has(act))) {
      r.error(n.range, 'type', `'${n.id}' (${n.type}${act ? ` ${act}` : ''}) sits between modular layers, where only dense, conv2d, dropout, `
        + `pooling, flatten and activations with f(0) = 0 can go (a masked unit must stay 0). Move it before '${layers[first]!.id}' or remove it.`);
    }
  }
  for (const id of ids) {
    const n = layers.find((x) => x.id === id)!;
    const act = (n.config as { activation?: Activation }).activation;
    if (act !== undefined && !ZERO_PRESERVING.has(act)) {
      r.error(n.range, 'type', `modular layer '${id}' uses activation ${act}, which is not 0 at 0: a masked unit would not be absent. Use relu, gelu, tanh, elu, swish or linear.`);
    }
  }
  if (r.errorCount !== before) return undefined;
  const v = draft.values;
  return {
    layers: layers.filter((n) => base.has(n.id)).map((n) => n.id),
    outputLayer: output.id,
    baseUnits: Object.fromEntries(base),
    overparameterize: v.overparameterize as number,
    groups: v.groups as number,
    subnetworks: v.subnetworks as number,
    band: v.band as [number, number],
    alarms: v.alarms as [number, number],
    warmup: v.warmup as number,
    clustering: v.clustering as ModularitySpec['clustering'],
    clusterEvery: v.clusterEvery as number,
    window: v.window as number,
    samples: v.samples as number,
    modularityWeight: v.modularityWeight as number,
    modularityWeightStep: v.modularityWeightStep as number,
    modularityWeightMax: v.modularityWeightMax as number,
    diversityWeight: v.diversityWeight as number,
    maskCost: v.maskCost as number,
    maskInit: v.maskInit as number,
    temperature: v.temperature as number,
    temperatureFinal: v.temperatureFinal as number,
    finetune: v.finetune as number,
    collapse: v.collapse as number,
    controller: v.controller as boolean,
  };
}
