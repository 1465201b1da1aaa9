/**
 * `dynaxx check FILE [--backend B] [--batch-size N] ...`: validates a model file (with the flags applied, by the
 * same rules as a run), prints the per-layer table and one line of resources (parameters, memory per training
 * step on the backend), and fails with exit 2 when training could not allocate what the model needs: the same
 * check `train` runs before it allocates anything.
 */
import { resolve } from 'node:path';
import type { BackendId } from '../../protocol/trainer';
import { readModelText } from '../../spec/parse';
import { formatDiagnostic } from '../../spec/types';
import { describeAuto } from '../backend/backends';
import { estimateFor, summarize } from '../resources';
import { modelWithOverrides } from '../run/overrides';
import { runOverrides, type Opts } from './flags';
import { printModel } from './model-table';
import { printable } from './progress';

export interface CheckOutput { stdout: string; stderr: string; code: number }

export async function checkCommand(target: string, o: Opts): Promise<CheckOutput> {
  const file = resolve(target);
  const overrides = runOverrides(o);
  // the model and text a run would train: techniques the flags turn on (--discover) appended, then the settings
  const { model, text } = modelWithOverrides(readModelText(file), file, overrides);
  const requested = model.train.backend;
  // `auto`: the backend a run would pick on this machine (probed, nothing initialised)
  const backend: BackendId = requested === 'auto' ? (await describeAuto()).backend : requested;
  const estimate = estimateFor(model, backend, text);
  const errors = estimate.problems.filter((p) => p.severity === 'error');
  const stderr = estimate.problems.map((p) => `${formatDiagnostic(p)}\n`).join('');
  const code = errors.length > 0 ? 2 : 0;
  if (o.json) {
    const { problems, ...numbers } = estimate;
    return { stdout: printModel(model, true, { resources: { ...numbers, problems } }), stderr: '', code };
  }
  const auto = requested === 'auto' ? ` (auto picks ${backend} here)` : '';
  return { stdout: printable(`${printModel(model, false)}\n${summarize(estimate)}${auto}\n`), stderr: printable(stderr), code };
}
