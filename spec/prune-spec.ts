/**
 * The `prune:` and `route:` sections (seed 002: gradient-flow pruning and confidence routing): field tables and
 * the reading of what the user wrote into `ModelFile.prune` / `ModelFile.route`. `PRUNE_CRITERIA` holds the
 * criterion ids a file may name: the built-ins, which the trainer's registry (trainer/pruning/criteria/registry.ts)
 * must implement exactly (the compiler checks it), and any criterion the trainer registers at run time.
 */
import { readFields, type FieldTable } from './fields';
import { IdRegistry } from './id-registry';
import type { Reporter } from './report';
import { describe, entry, type SNode } from './source';
import type { PruneSpec, RouteSpec } from './types';

const BUILT_IN_CRITERIA = ['random', 'l1', 'l2', 'wanda', 'ria', 'taylor', 'obd', 'agf'] as const;
export type BuiltInPruneCriterion = (typeof BUILT_IN_CRITERIA)[number];
/** Criterion ids `prune.criteria`, `route.criterion` and `--criteria` accept (docs/pruning-criteria.md, "Adding a criterion"). */
export const PRUNE_CRITERIA = new IdRegistry('pruning criterion', BUILT_IN_CRITERIA);

export const PRUNE_DOC = 'Structural pruning (seed 002): remove channels by a criterion until the FLOPs fall by each target, '
  + 'fine-tune with the same budget for every criterion, and measure accuracy, parameters, FLOPs and CPU latency (a Pareto sweep). '
  + '`dynaxx prune <model or run>` runs it; `on` takes the defaults.';

export const PRUNE_FIELDS: FieldTable = {
  criteria: { kind: 'nameList', values: PRUNE_CRITERIA.ids, default: PRUNE_CRITERIA.ids, doc: `Criteria to compare (default: all of them): ${BUILT_IN_CRITERIA.join(', ')}. wanda and ria score a channel by the sum of the published per-weight scores over its weights (channel-level variants).` },
  targets: { kind: 'intList', min: 1, default: [25, 50, 75, 90], doc: 'FLOP reductions to reach, in percent of the dense model (each below 100).' },
  schedule: { kind: 'enum', values: ['one-shot', 'linear', 'cubic'], default: 'one-shot', doc: '`one-shot`: prune to the target at once, then fine-tune; `linear`/`cubic`: `iterations` steps towards the target (cubic prunes most early), fine-tuning between them.' },
  iterations: { kind: 'int', min: 1, default: 3, doc: 'Pruning steps of an iterative schedule.' },
  scope: { kind: 'enum', values: ['layer', 'global'], default: 'layer', doc: '`layer`: every prunable layer loses the same share of its channels; `global`: channels compete across layers by score per FLOP.' },
  finetuneSteps: { kind: 'int', min: 0, default: 200, doc: 'Fine-tuning steps after pruning, the same for every criterion (split between the steps of an iterative schedule).' },
  scoreSteps: { kind: 'int', min: 0, default: 100, doc: 'Training steps of the dense model before scoring, shared by every criterion; AGF accumulates its utility along them.' },
  lr: { kind: 'number', min: 0, minExclusive: true, doc: 'Learning rate of the scoring and fine-tuning steps (default: train.optimizer.lr × 0.1).' },
  calibration: { kind: 'int', min: 1, default: 512, doc: 'Calibration samples for activation and gradient statistics (Wanda, RIA, Taylor, OBD).' },
  seeds: { kind: 'int', min: 1, default: 1, doc: 'Repeat the sweep with this many seeds (calibration draw, random criterion) and report each criterion\'s selection stability (Jaccard of kept channels).' },
  latencyBatch: { kind: 'int', min: 1, default: 256, doc: 'Batch size of the CPU latency measurement.' },
  agfWindow: { kind: 'int', min: 1, default: 50, doc: 'AGF: steps its utility is accumulated over.' },
  agfAlternate: { kind: 'bool', default: true, doc: 'AGF: alternate measurement phases with phases that gate off the currently least useful channels (off: plain accumulated feature-space Taylor, for ablations).' },
  agfPhase: { kind: 'int', min: 1, default: 10, doc: 'AGF: steps per alternating phase.' },
};

export const ROUTE_DOC = 'Confidence routing (seed 002): the pruned expert answers when its confidence is above a threshold, the full model otherwise; '
  + 'a threshold sweep gives share to the full expert, expected cost and accuracy.';

export const ROUTE_FIELDS: FieldTable = {
  signal: { kind: 'enum', values: ['maxProb', 'entropy'], default: 'maxProb', doc: 'Confidence of the pruned expert: its top softmax probability, or (negated) entropy.' },
  target: { kind: 'int', min: 1, max: 99, default: 50, doc: 'FLOP reduction of the pruned expert, percent (one of prune.targets).' },
  criterion: { kind: 'enum', values: PRUNE_CRITERIA.ids, doc: 'Criterion of the pruned expert (default: the most accurate at `target` on the validation split).' },
  thresholds: { kind: 'int', min: 2, default: 21, doc: 'Thresholds in the sweep: quantiles of the signal on the validation split, plus routing none and all.' },
  tolerance: { kind: 'number', min: 0, default: 0, doc: 'Accuracy loss (points) allowed for the operating point, chosen on the validation split and reported on test.' },
};

/** Reads `prune:` (`on`/empty = defaults, `off` = none). */
export function readPrune(node: SNode | undefined, r: Reporter): { spec?: PruneSpec; failed: boolean } {
  const values = readBlock(node, PRUNE_FIELDS, 'prune', r);
  if (values === 'off') return { failed: false };
  if (values === undefined) return { failed: true };
  const targets = values.targets as number[];
  const bad = targets.find((t) => t >= 100);
  if (bad !== undefined) {
    r.error(entry(node as never, 'targets')?.value.range ?? node!.range, 'range', `'prune.targets' are FLOP reductions in percent below 100, got ${bad}`);
    return { failed: true };
  }
  return { spec: values as unknown as PruneSpec, failed: false };
}

/** Reads `route:`. */
export function readRoute(node: SNode | undefined, r: Reporter): { spec?: RouteSpec; failed: boolean } {
  const values = readBlock(node, ROUTE_FIELDS, 'route', r);
  if (values === 'off') return { failed: false };
  if (values === undefined) return { failed: true };
  return { spec: values as unknown as RouteSpec, failed: false };
}

function readBlock(node: SNode | undefined, table: FieldTable, key: string, r: Reporter): Record<string, unknown> | 'off' | undefined {
  if (node === undefined) return 'off';
  if (node.kind === 'scalar') {
    if (node.value === false || node.value === 'off') return 'off';
    if (node.value === null || node.value === true || node.value === 'on') return readFields({ kind: 'map', entries: [], range: node.range }, table, r, `'${key}'`);
  }
  if (node.kind !== 'map') {
    r.error(node.range, 'type', `'${key}' must be on, off or a mapping, got ${describe(node)}`);
    return undefined;
  }
  return readFields(node, table, r, `'${key}'`);
}
