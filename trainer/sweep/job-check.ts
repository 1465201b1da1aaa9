/**
 * A sweep job's payload, checked before anything runs, like any model file sent over the wire: the ids are short
 * plain names, the model travels as text within the model-size limit (spec/limits.ts), and its name is a bare
 * `*.dynaxx.yaml` file name: a worker never reads a path it was sent. Throws a UserError naming the field.
 */
import type { SweepCommand, SweepJob } from '../../protocol/sweep';
import { howToRaise, overBytes, quoteValue, specLimits } from '../../spec/limits';
import { UserError } from '../errors';

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}\.dynaxx\.ya?ml$/;
const COMMANDS: Record<SweepCommand, true> = { train: true, prune: true };
const BACKENDS = new Set(['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu']);
const FIELDS = new Set(['sweepId', 'point', 'jobId', 'modelName', 'modelText', 'command', 'backend']);

export function checkJob(data: unknown): SweepJob {
  const bad = (field: string, what: string) => new UserError(`sweep job: '${field}' ${what}; this worker runs only jobs queued by \`dynaxx sweep\``);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw bad('data', 'is not an object');
  const j = data as Record<string, unknown>;
  for (const k of Object.keys(j)) if (!FIELDS.has(k)) throw bad(quoteValue(k, 40), `is not a field of a job (the fields are ${[...FIELDS].join(', ')})`);
  for (const k of ['sweepId', 'jobId'] as const) {
    if (typeof j[k] !== 'string' || !ID.test(j[k] as string)) throw bad(k, 'must be a name of letters, digits, _ . - (at most 200)');
  }
  if (typeof j.point !== 'number' || !Number.isInteger(j.point) || j.point < 0 || j.point > 1e6) throw bad('point', 'must be a point index');
  if (typeof j.modelName !== 'string' || !MODEL_NAME.test(j.modelName)) {
    throw bad('modelName', `must be a bare file name ending in .dynaxx.yaml, not a path (got '${quoteValue(String(j.modelName), 80)}')`);
  }
  if (typeof j.modelText !== 'string') throw bad('modelText', 'must be the model file\'s text');
  const limits = specLimits();
  if (overBytes(j.modelText, limits.maxModelBytes)) {
    throw bad('modelText', `is ${Buffer.byteLength(j.modelText, 'utf8').toLocaleString('en-US')} bytes: too large for a model file (${howToRaise('maxModelBytes', limits)} on the worker's machine)`);
  }
  if (typeof j.command !== 'string' || !(j.command in COMMANDS)) throw bad('command', `must be ${Object.keys(COMMANDS).join(' or ')}`);
  if (j.backend !== undefined && (typeof j.backend !== 'string' || !BACKENDS.has(j.backend))) throw bad('backend', `must be one of ${[...BACKENDS].join(', ')}`);
  return j as unknown as SweepJob;
}
