/**
 * Builds `spec/sweep.schema.json` (JSON Schema draft-07) for sweep files from the parser's own field table and
 * docs, as spec/schema.ts does for model files. Regenerate with `node --import tsx spec/sweep/write-schema.ts`;
 * a test fails when the committed file is stale or its keys differ from the parser's.
 */
import { fieldSchema } from '../fields';
import { AXES_DOC, METRIC_DOC, SEARCH_DOC, SEEDS_DOC, SWEEP_FIELDS } from './parse';

type Schema = Record<string, unknown>;

/** The syntax of an axis key path: keys joined by `.`, list items as `[i]`. */
export const KEY_PATH_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]*(\\[[0-9]+\\])*(\\.[A-Za-z_][A-Za-z0-9_-]*(\\[[0-9]+\\])*)*$';

export function buildSweepSchema(): Schema {
  const properties: Record<string, Schema> = {};
  for (const [k, f] of Object.entries(SWEEP_FIELDS)) properties[k] = fieldSchema(f);
  properties.axes = {
    type: 'object', description: AXES_DOC, minProperties: 1,
    propertyNames: { pattern: KEY_PATH_PATTERN },
    additionalProperties: { type: 'array', minItems: 1, description: 'The values this key takes, in order (`off` removes the key).' },
  };
  properties.search = {
    description: SEARCH_DOC,
    anyOf: [
      { const: 'grid', description: 'Every combination of the axes\' values.' },
      {
        type: 'object', additionalProperties: false, required: ['random'], description: SEARCH_DOC,
        properties: {
          random: { type: 'integer', minimum: 1, description: 'How many distinct grid points to draw.' },
          seed: { type: 'integer', minimum: 0, default: 0, description: 'Seed of the draw: the same seed draws the same points.' },
        },
      },
    ],
    default: 'grid',
  };
  const name = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,63}$', description: 'A number of each run\'s final summary: valAccuracy, loss, testAccuracy, ...' };
  properties.metric = {
    description: METRIC_DOC,
    anyOf: [
      { ...name, description: `${name.description} (goal: min for names with loss or error, else max)` },
      {
        type: 'object', additionalProperties: false, description: METRIC_DOC,
        properties: { name: { ...name, default: 'valAccuracy' }, goal: { type: 'string', enum: ['max', 'min'], description: '`max`: higher is better; `min`: lower is better.' } },
      },
    ],
  };
  properties.seeds = { type: 'array', uniqueItems: true, items: { type: 'string', pattern: KEY_PATH_PATTERN }, description: SEEDS_DOC };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://dynaxx.dev/schema/sweep.schema.json',
    title: 'Dynaxx sweep file (*.sweep.yaml)',
    description: 'A set of runs of one model file: each point writes one value per axis into it.',
    type: 'object',
    additionalProperties: false,
    required: ['model', 'axes'],
    properties,
  };
}

/** The exact text of `spec/sweep.schema.json`. */
export const sweepSchemaText = (): string => `${JSON.stringify(buildSweepSchema(), null, 2)}\n`;
