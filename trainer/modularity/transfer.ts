/**
 * Transfer advice (seed 000): before training on a related task, which subnetworks of a modular run can be
 * kept and which should be retrained. On a small sample of the old data and of the new data, the mean
 * gradient of the loss with respect to each subnetwork's incoming weights (its units' kernel columns and
 * biases in the modular layers) is computed; per subnetwork we report the cosine between the two mean
 * gradients (the seed's "similarity of gradient directions") and the ratio of their norms (how much more
 * the new task wants to change it than the old one still does), relative to the same ratio over all
 * subnetworks. Advice: `retrain` when a subnetwork takes a disproportionate share of the change (relative
 * ratio above 1.25) and the directions disagree (cosine < 0.5); `keep` otherwise.
 * Needs a new task with the same heads (task count and classes) as the model.
 *
 * Clean splits (issue 16): the advice is a choice, so it reads each data set's validation split (its training split
 * when it has none, as `splits` says), never a test split.
 */
import * as tf from '@tensorflow/tfjs-core';
import { dirname } from 'node:path';
import { TRANSFER_REPORT, type TransferReport, type TransferRow } from '../../protocol/reports';
import { loadModelFile } from '../../spec';
import type { ModelFile } from '../../spec/types';
import { initBackend } from '../backend/backends';
import { loadDataset } from '../data/load';
import { requireOnePositionPerTask } from '../data/positions';
import type { Dataset, Split } from '../data/types';
import { crossEntropy } from '../engine/loss';
import { netWith } from '../engine/weights';
import { UserError } from '../errors';
import { RunStore } from '../store/run-store';
import { maskTransform, uploadMasks } from './analysis/masked-eval';
import { subsampleSplit } from './analysis/subsample';
import { storedResult } from './plugin';
import { partitionOf } from './report';

export type { TransferReport, TransferRow } from '../../protocol/reports';

export async function transferAdvice(runsDir: string, runId: string, dataFile: string, opts: { samples?: number; backend?: ModelFile['train']['backend'] } = {}): Promise<TransferReport> {
  const dir = new RunStore(runsDir).open(runId);
  const model = dir.readSpec();
  const spec = model.modularity;
  if (!spec) throw new UserError(`run ${dir.id} has no 'modularity:' block: transfer advice needs a modular run`);
  const ckpt = dir.readCheckpoint();
  const stored = ckpt && storedResult(spec, model.layers, ckpt.state);
  if (!ckpt || !stored) throw new UserError(`run ${dir.id} has no checkpoint with modularity state`);
  const newModel = loadModelFile(dataFile);
  await initBackend(opts.backend ?? model.train.backend);
  const oldData = loadDataset(model.data, { seed: model.train.seed, baseDir: dirname(model.file) });
  const newData = loadDataset(newModel.data, { seed: newModel.train.seed, baseDir: dirname(newModel.file) });
  for (const d of [oldData, newData]) requireOnePositionPerTask(d, 'transfer advice');
  const heads = (d: Dataset) => d.tasks.map((t) => t.classes).join('+');
  if (heads(oldData) !== heads(newData) || oldData.sampleShape.join('x') !== newData.sampleShape.join('x')) {
    throw new UserError(`${dataFile}: the new data must have the run's input shape [${oldData.sampleShape}] and heads (${heads(oldData)} classes); it has [${newData.sampleShape}] and ${heads(newData)}. `
      + 'For new tasks with other heads, use `dynaxx grow` instead.');
  }
  const k = spec.subnetworks;
  const { partition, masks } = partitionOf(stored);
  const samples = opts.samples ?? 256;
  const net = netWith(model, ckpt.weights);
  const maskT = uploadMasks(masks);
  try {
    const vars = partition.layers.flatMap((l) => net.trainable().filter((v) => v.layerId === l.layerId));
    const meanGrad = (d: Dataset): Map<string, tf.Tensor> => {
      const split: Split = subsampleSplit(adviceSplit(d) === 'validation' ? d.validation : d.train, d.sampleShape.reduce((a, b) => a * b, 1), d.tasks.length, samples, model.train.seed);
      const out = new Map<string, tf.Tensor>();
      tf.tidy(() => {
        const xs = tf.tensor(split.x, [split.n, ...d.sampleShape]);
        const ys = tf.tensor(split.y, [split.n, d.tasks.length], 'int32');
        const { grads } = tf.variableGrads(() => {
          const seen = new Set<string>();
          const logits = net.forward(xs, { training: false, step: 0, transformOutput: maskTransform(maskT, undefined, seen) });
          return crossEntropy(logits, ys, d.tasks);
        }, vars.map((v) => v.variable));
        for (const v of vars) out.set(v.name, tf.keep(grads[v.variable.name]!));
      });
      return out;
    };
    const gOld = meanGrad(oldData);
    const gNew = meanGrad(newData);
    const rows: TransferRow[] = [];
    const stats = tf.tidy(() => {
      const parts: tf.Tensor[] = [];
      for (let s = 0; s < k; s++) {
        let dot: tf.Tensor = tf.scalar(0);
        let nOld: tf.Tensor = tf.scalar(0);
        let nNew: tf.Tensor = tf.scalar(0);
        for (const l of partition.layers) {
          const col = tf.tensor1d(Float32Array.from(l.labels, (x) => (x === s ? 1 : 0)));
          for (const v of vars.filter((x) => x.layerId === l.layerId)) {
            const a = tf.mul(gOld.get(v.name)!, col);
            const b = tf.mul(gNew.get(v.name)!, col);
            dot = tf.add(dot, tf.sum(tf.mul(a, b)));
            nOld = tf.add(nOld, tf.sum(tf.square(a)));
            nNew = tf.add(nNew, tf.sum(tf.square(b)));
          }
        }
        parts.push(tf.stack([dot, nOld, nNew]));
      }
      return tf.stack(parts);
    });
    const v = await stats.data();
    tf.dispose([stats, ...gOld.values(), ...gNew.values()]);
    let allOld = 0;
    let allNew = 0;
    for (let s = 0; s < k; s++) {
      allOld += v[3 * s + 1]!;
      allNew += v[3 * s + 2]!;
    }
    const overall = allOld > 0 ? Math.sqrt(allNew / allOld) : 1;
    for (let s = 0; s < k; s++) {
      const units = partition.layers.reduce((a, l) => a + l.labels.filter((x) => x === s).length, 0);
      if (units === 0) continue;
      const [dot, a, b] = [v[3 * s]!, Math.sqrt(v[3 * s + 1]!), Math.sqrt(v[3 * s + 2]!)];
      const cosine = a > 0 && b > 0 ? dot / (a * b) : 0;
      const ratio = a > 0 ? b / a : b > 0 ? Infinity : 1;
      const relative = overall > 0 ? ratio / overall : ratio;
      rows.push({ subnetwork: s, units, cosine, ratio, relative, advice: relative > 1.25 && cosine < 0.5 ? 'retrain' : 'keep' });
    }
    const report: TransferReport = { run: dir.id, data: dataFile, samples, splits: { old: adviceSplit(oldData), new: adviceSplit(newData) }, rows };
    dir.writeReport(TRANSFER_REPORT, report);
    return report;
  } finally {
    net.dispose();
    for (const t of maskT.values()) t.dispose();
  }
}

/** The split the advice reads of `d`: validation, or training data when there is no validation split. */
function adviceSplit(d: Dataset): 'validation' | 'train' {
  return d.validation.n > 0 ? 'validation' : 'train';
}
