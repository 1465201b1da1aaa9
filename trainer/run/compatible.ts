/**
 * What a run checks before it allocates anything: the model fits the backend (resources) and the data (input
 * shape, vocabulary, logits). Every problem is a SpecError at the layer (or data key) to change.
 */
import type { LayerNode, ModelFile, SpecDiagnostic } from '../../spec/types';
import { SpecError } from '../../spec/types';
import { walkLayers } from '../../spec/walk';
import type { BackendChoice } from '../backend/backends';
import { logitWidth, positionsOf } from '../data/positions';
import type { Dataset } from '../data/types';
import { checkResources } from '../resources';
import type { SessionOptions } from './types';

/**
 * The resource check on the chosen backend, before the data is generated or a weight allocated: what cannot be
 * allocated is a SpecError at the layer (or data key) to shrink, never a RangeError mid-run; warnings are logged.
 */
export function checkFits(model: ModelFile, backend: BackendChoice, sourceText: string | undefined, opts: SessionOptions): void {
  const { warnings } = checkResources(model, backend.backend, sourceText);
  for (const w of warnings) opts.events?.onLog?.('warning', `${w.range.file}:${w.range.line}:${w.range.col}: ${w.message}`);
}

/**
 * The model's input and output must fit the data: errors point at the model file. The output holds
 * Σ classes·positions logits, flat or, for one positioned task (text: T positions, V characters), as
 * [T, V]; a text dataset's vocabulary must fit every embedding (inputDim ≥ V).
 */
export function checkCompatible(model: ModelFile, dataset: Dataset): void {
  const at = (node: LayerNode | undefined) => node?.range ?? { file: model.file, line: 1, col: 1, endLine: 1, endCol: 1 };
  const first = model.layers[0];
  const last = model.layers[model.layers.length - 1];
  if (model.inputShape.join('x') !== dataset.sampleShape.join('x')) {
    throw new SpecError([{
      range: at(first), severity: 'error', code: 'data-shape',
      message: `the model's input is [${model.inputShape}] but ${dataset.name} gives samples of shape [${dataset.sampleShape}]; set model.input to [${dataset.sampleShape}] or data.shape to [${model.inputShape}]`,
    }]);
  }
  const problems: SpecDiagnostic[] = [];
  const vocab = dataset.vocabulary?.length;
  if (vocab !== undefined) {
    for (const node of walkLayers(model.layers)) {
      const inputDim = node.type === 'embedding' ? (node as LayerNode<'embedding'>).config.inputDim : vocab;
      if (inputDim >= vocab) continue;
      problems.push({
        range: at(node), severity: 'error', code: 'data-shape',
        message: `embedding '${node.id}' has inputDim ${inputDim}, but ${dataset.name} has ${vocab} distinct characters (token ids 0..${vocab - 1}); set inputDim: ${vocab}`,
      });
    }
  }
  const outputError = logitsMismatch(last?.outputShape ?? model.inputShape, dataset);
  if (outputError) problems.push({ range: at(last), severity: 'error', code: 'data-shape', message: outputError });
  if (problems.length > 0) throw new SpecError(problems);
}

/** Why `out` (the model's output shape) does not fit the dataset's tasks, or undefined when it does. */
function logitsMismatch(out: number[], dataset: Dataset): string | undefined {
  const tasks = dataset.tasks;
  const need = logitWidth(tasks);
  if (out.length === 1 && out[0] === need) return undefined;
  const only = tasks.length === 1 ? tasks[0]! : undefined;
  const P = only ? positionsOf(only) : 1;
  if (only && P > 1) {
    if (out.length === 2 && out[0] === P && out[1] === only.classes) return undefined;
    const vocab = dataset.vocabulary ? ` (${only.classes} distinct characters)` : '';
    return `the model's output is [${out}] but ${dataset.name} needs [${P}, ${only.classes}] logits: task '${only.name}' has ${only.classes} classes${vocab} ` +
      `at each of ${P} positions; end the model with a dense layer of ${only.classes} units on the [${P}, d] sequence (or a flat output of ${need} units)`;
  }
  const classes = tasks.reduce((a, t) => a + t.classes, 0);
  const what = tasks.length > 1
    ? `${tasks.length} tasks with ${tasks.map((t) => (positionsOf(t) > 1 ? `${positionsOf(t)}×${t.classes}` : `${t.classes}`)).join('+')} classes`
    : `${classes} classes`;
  return `the model's output is [${out}] but ${dataset.name} has ${what}; end the model with a layer of ${need} units (flatten first if the output has more than one axis)`;
}
