/**
 * Growth (seed 000): a trained modular run gets `add` new subnetworks for new data or new tasks. Every
 * modular layer gains the units of `add` average-sized subnetworks; new tasks get new logits. The old
 * subnetworks, their masks and every other old weight are frozen (bit-identical: gradients zeroed and the
 * frozen entries restored after each update); the weights from new units into old units are 0 and frozen
 * (the gates from new subnetworks into old ones stay closed), so old tasks compute exactly what they did.
 * Old units feed the new ones (reuse). When the new data has no new task, the new units' weights into the
 * old logits are trained (new data for old tasks needs them). New subnetworks carry learnable mask gates.
 * An optional joint fine-tune unfreezes everything for the last `jointSteps` steps.
 *
 * The result is a new run (`reports/growth.json`: old tasks' accuracy before and after, new tasks'
 * accuracy, and whether the frozen weights stayed bit-identical).
 */

import * as tf from '@tensorflow/tfjs-core';
import { GROWTH_REPORT, type GrowthReport } from '../../protocol/reports';
import { evaluationSplit } from '../data/eval-split';
import type { Dataset, Split, TaskInfo } from '../data/types';
import type { TrainingLoop } from '../engine/loop';
import { netWith, readWeights } from '../engine/weights';
import type { RunParts, RunTechnique } from '../run-technique';
import type { NamedArray } from '../store/checkpoint';
import type { RunDir } from '../store/run-store';
import { evaluateMasked } from './analysis/masked-eval';
import type { GrowthPlan, Parent } from './growth-plan';
import { buildLayout } from './layout';
import { modularityPlugin, ModularityPlugin, PLUGIN_ID, type GrowthSetup } from './plugin';
import { analyzeModularity, exportDirOf, MODULARITY_REPORT, partitionOf, summarize } from './report';

export type { GrowthReport } from '../../protocol/reports';
export { planGrowth, readParent, subnetworksToAdd, type GrowOptions, type GrowthPlan } from './growth-plan';

/**
 * Growth as the run's modularity technique (it replaces discovery, id `modularity`): the modularity plugin with
 * the old subnetworks frozen, the parent's weights placed before the first step, and at the end
 * `reports/growth.json` and the modularity analysis of the grown model.
 */
export function growthTechnique(plan: GrowthPlan): RunTechnique {
  return { id: 'modularity', forRun: ({ dataset }) => growthParts(plan, dataset) };
}

function growthParts(plan: GrowthPlan, dataset: Dataset): RunParts {
  const { parent, add, unitsAdded, oldTasks, newTasks, newClasses, model, jointSteps } = plan;
  const spec = model.modularity!;
  const { layout: oldLayout, labels: parentLabels, masks: parentHard } = parent.result;
  const K = parent.spec.subnetworks;
  const layout = buildLayout(spec, model.layers);
  const labels = new Int32Array(layout.items);
  const frozen = new Map<string, Float32Array>();
  const byName = new Map(parent.weights.map((w) => [w.name, w]));
  layout.layers.forEach((l, li) => {
    const old = oldLayout.layers[li]!;
    for (let i = 0; i < l.items; i++) {
      labels[l.offset + i] = i < old.items ? parentLabels[old.offset + i]! : K + Math.floor(((i - old.items) * add) / Math.max(1, l.items - old.items));
    }
  });
  const theta = new Float32Array(K + add);
  for (let s = 0; s < K + add; s++) theta[s] = s < K ? (parentHard[s]! > 0.5 ? 50 : -50) : spec.maskInit;
  frozen.set('modularity/theta', Float32Array.from(theta, (_, s) => (s < K ? 1 : 0)));
  const growth: GrowthSetup = { labels, theta, frozen, unfreezeAt: undefined };
  const { split, name: splitName } = evaluationSplit(dataset);
  const pluginOf = (loop: TrainingLoop) => loop.plugins.find((p) => p.id === PLUGIN_ID) as ModularityPlugin;
  let parentEval: number[] = [];
  let dir: RunDir | undefined;

  return {
    plugins: [modularityPlugin(spec, { growth })],
    async prepare(loop) {
      growth.unfreezeAt = jointSteps > 0 ? Math.max(0, loop.totalSteps - jointSteps) : undefined;
      // old weights into the top-left blocks; new → old entries 0; everything not new is frozen
      for (const v of loop.net.trainable()) {
        const old = byName.get(v.name);
        const cur = (await v.variable.data()) as Float32Array;
        const shape = v.variable.shape;
        const mask = new Float32Array(cur.length).fill(1);
        if (old) {
          const next = Float32Array.from(cur);
          placeOld(next, shape, old, mask, v.layerId === spec.outputLayer && newTasks.length === 0);
          const t = tf.tensor(next, shape);
          v.variable.assign(t);
          t.dispose();
        }
        frozen.set(v.name, mask);
      }
      // re-create the plugin's frozen masks now that they are filled in (they were read at construction)
      pluginOf(loop).setFrozen(frozen);
      parentEval = await parentAccuracy(parent, dataset, split, oldTasks);
    },
    attach(d) {
      dir = d;
      return [`growing ${parent.id} by ${add} subnetworks (${[...unitsAdded].map(([id, n]) => `${id} +${n}`).join(', ')}${newClasses ? `, logits +${newClasses}` : ''}); old subnetworks frozen`];
    },
    async finish(l) {
      if (!dir) return [];
      const p = pluginOf(l);
      await p.hardenAtEnd(l.currentStep);
      const weights = await readWeights(l.net);
      const result = await p.result(l.currentStep);
      const { masks } = partitionOf(result);
      const after = await evaluateMasked(l.net, onlyTasks(split, dataset.tasks.length, [...oldTasks.keys()]), oldTasks, dataset.sampleShape, masks);
      const all = await evaluateMasked(l.net, split, dataset.tasks, dataset.sampleShape, masks);
      let maxChange = 0;
      const now = new Map(weights.map((w) => [w.name, w]));
      for (const [name, m] of frozen) {
        if (name === 'modularity/theta') continue;
        const w = now.get(name);
        const old = byName.get(name);
        if (!w || !old) continue;
        const oldFull = new Float32Array(w.data.length);
        placeOld(oldFull, w.shape, old, new Float32Array(w.data.length), false);
        for (let i = 0; i < m.length; i++) if (m[i] === 1) maxChange = Math.max(maxChange, Math.abs(w.data[i]! - oldFull[i]!));
      }
      const report: GrowthReport = {
        parent: parent.id, added: add, unitsAdded: Object.fromEntries(unitsAdded),
        oldTasks: oldTasks.map((t) => t.name), newTasks: newTasks.map((t) => t.name),
        before: parentEval, after: after.accuracy, forgetting: parentEval.map((b, i) => 100 * (b - after.accuracy[i]!)),
        newAccuracy: all.accuracy.slice(oldTasks.length), frozenIdentical: maxChange === 0, maxFrozenChange: maxChange, jointSteps, split: splitName,
      };
      dir.writeReport(GROWTH_REPORT, report);
      const analysis = await analyzeModularity(l.net, model, dataset, result, weights, l.currentStep, { exportDir: exportDirOf(dir.dir), sourceText: plan.text, shapleyPermutations: 0 });
      dir.writeReport(MODULARITY_REPORT, analysis);
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      return [
        `growth of ${parent.id}: +${add} subnetworks; old tasks ${report.oldTasks.map((t, i) => `${t} ${pct(report.before[i]!)} -> ${pct(report.after[i]!)}`).join(', ')}`
          + (newTasks.length ? `; new tasks ${newTasks.map((t, i) => `${t.name} ${pct(report.newAccuracy[i]!)}`).join(', ')}` : ''),
        `  frozen weights ${report.frozenIdentical ? 'bit-identical to the parent' : `changed by up to ${maxChange.toExponential(2)}${jointSteps ? ' (joint fine-tune)' : ''}`}`,
        ...summarize(analysis),
      ];
    },
  };
}

/**
 * Writes the parent's array `old` into the top-left block of `next` (shape `shape`, the grown variable) and
 * zeros the rows from new inputs into old outputs. `mask` gets 1 where frozen: the old outputs' columns
 * (all rows: old rows keep their values, new rows stay 0), except, when `openNewRows`, the new rows into old
 * outputs (new data for old tasks: the new units may feed the old logits). Kernels: [in, out] or
 * [kh, kw, in, out]; biases [out].
 */
function placeOld(next: Float32Array, shape: number[], old: NamedArray, mask: Float32Array, openNewRows: boolean): void {
  const oldShape = old.shape;
  const out = shape[shape.length - 1]!;
  const oldOut = oldShape[oldShape.length - 1]!;
  if (shape.length === 1) {
    for (let c = 0; c < out; c++) {
      if (c < oldOut) next[c] = old.data[c]!;
      mask[c] = c < oldOut ? 1 : 0;
    }
    return;
  }
  const inDim = shape[shape.length - 2]!;
  const oldIn = oldShape[oldShape.length - 2]!;
  const spatial = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  for (let s = 0; s < spatial; s++) {
    for (let r = 0; r < inDim; r++) {
      for (let c = 0; c < out; c++) {
        const i = (s * inDim + r) * out + c;
        if (c < oldOut) {
          next[i] = r < oldIn ? old.data[(s * oldIn + r) * oldOut + c]! : 0;
          mask[i] = r < oldIn || !openNewRows ? 1 : 0;
        } else {
          mask[i] = 0;
        }
      }
    }
  }
}

/** A view of a split with only some label columns. */
function onlyTasks(split: Split, taskCount: number, keep: number[]): Split {
  const y = new Int32Array(split.n * keep.length);
  for (let i = 0; i < split.n; i++) keep.forEach((t, j) => (y[i * keep.length + j] = split.y[i * taskCount + t]!));
  return { x: split.x, y, n: split.n };
}

/** The parent model (hard masks applied) on the new data's old tasks. */
async function parentAccuracy(parent: Parent, dataset: Dataset, split: Split, oldTasks: TaskInfo[]): Promise<number[]> {
  const net = netWith(parent.model, parent.weights);
  try {
    const { masks } = partitionOf(parent.result);
    const ev = await evaluateMasked(net, onlyTasks(split, dataset.tasks.length, [...oldTasks.keys()]), oldTasks, dataset.sampleShape, masks);
    return ev.accuracy;
  } finally {
    net.dispose();
  }
}
