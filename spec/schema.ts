/**
 * Builds `dynaxx.schema.json` (JSON Schema draft-07) from the same field tables the parser checks
 * against, so hover/completion docs and validation never drift. Regenerate with
 * `node --import tsx spec/write-schema.ts`; a test fails when the committed file is stale.
 */
import { DATA_FIELDS } from './data-spec';
import { fieldSchema, type FieldTable } from './fields';
import { NAME_FIELD, RESIDUAL_DOC, RESIDUAL_FIELDS } from './layer-list';
import { LAYER_KINDS, LAYER_TYPES } from './layers/registry';
import { MODEL_FIELDS, TOP_FIELDS } from './parse';
import {
  DEPTH_LR_DOC, DEPTH_LR_FIELDS, RESIDUAL_SCALE_DOC, RESIDUAL_SCALE_FIELDS, SAFETY_DOC, SAFETY_FIELDS, SPECTRAL_DOC, SPECTRAL_FIELDS,
  STABILIZE_DOC, STABILIZE_FIELDS,
} from './stabilize-spec';
import { MODULARITY_DOC, MODULARITY_FIELDS, MODULARITY_LAYERS_DOC } from './modularity-spec';
import { PRUNE_DOC, PRUNE_FIELDS, ROUTE_DOC, ROUTE_FIELDS } from './prune-spec';
import { OPTIMIZER_DOC, OPTIMIZER_FIELDS, SCHEDULE_DOC, SCHEDULE_FIELDS, TRAIN_FIELDS } from './train-spec';

type Schema = Record<string, unknown>;

function object(description: string, table: FieldTable, more: Record<string, Schema> = {}): Schema {
  const properties: Record<string, Schema> = {};
  for (const [k, f] of Object.entries(table)) properties[k] = fieldSchema(f);
  Object.assign(properties, more);
  const required = Object.entries(table).filter(([, f]) => f.required).map(([k]) => k);
  return { type: 'object', description, additionalProperties: false, properties, ...(required.length ? { required } : {}) };
}

function layerDocs(): Record<string, string> {
  const docs: Record<string, string> = {};
  for (const k of Object.values(LAYER_KINDS)) docs[k.type] = k.doc;
  docs.residual = RESIDUAL_DOC;
  return docs;
}

const freeForm = (description: string): Schema => ({ type: 'object', description, additionalProperties: true });

export function buildSchema(): Schema {
  const docs = layerDocs();
  const typeProp: Schema = {
    type: 'string', enum: LAYER_TYPES, description: 'The layer type.',
    enumDescriptions: LAYER_TYPES.map((t) => docs[t]),
  };
  const definitions: Record<string, Schema> = {};
  for (const t of LAYER_TYPES) {
    const fields = t === 'residual' ? RESIDUAL_FIELDS : LAYER_KINDS[t].fields;
    const more: Record<string, Schema> = { type: { const: t, description: docs[t] } };
    if (t === 'residual') more.layers = { $ref: '#/definitions/layers', description: 'The body: layers applied in order; must keep the shape.' };
    const def = object(docs[t]!, { ...NAME_FIELD, ...fields }, more);
    if (t === 'residual') def.required = ['type', 'layers'];
    else def.required = ['type', ...((def.required as string[] | undefined) ?? [])];
    definitions[`layer-${t}`] = def;
  }
  definitions.layer = {
    type: 'object', description: 'One layer: `type:` plus its keys. Optional `name:` sets its id.', required: ['type'],
    properties: { type: typeProp },
    allOf: LAYER_TYPES.map((t) => ({ if: { properties: { type: { const: t } }, required: ['type'] }, then: { $ref: `#/definitions/layer-${t}` } })),
  };
  definitions.layers = { type: 'array', minItems: 1, description: 'Layers applied in order.', items: { $ref: '#/definitions/layer' } };
  const named = (doc: string, table: FieldTable): Schema => ({
    description: doc,
    anyOf: [{ ...fieldSchema(table.type!), description: doc }, object(doc, table)],
  });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://dynaxx.dev/schema/dynaxx.schema.json',
    title: 'Dynaxx model file (*.dynaxx.yaml)',
    description: 'A neural network, its data and its training settings. See spec/README.md.',
    type: 'object',
    additionalProperties: false,
    required: ['model'],
    properties: {
      ...object('', TOP_FIELDS).properties as Schema,
      data: object('Where samples come from. Optional: default `fashion-mnist` when the input is [784] or [28, 28, 1], otherwise synthetic blobs.', DATA_FIELDS),
      model: object('The network: `input` and `layers`, or `modelJson`.', MODEL_FIELDS, {
        layers: { $ref: '#/definitions/layers', description: 'The layers, applied in order: list items with `type:` and that type\'s keys.' },
      }),
      train: object('Training settings; every key has a default.', TRAIN_FIELDS, {
        optimizer: named(OPTIMIZER_DOC, OPTIMIZER_FIELDS),
        schedule: named(SCHEDULE_DOC, SCHEDULE_FIELDS),
      }),
      stabilize: stabilizeSchema(),
      modularity: {
        description: MODULARITY_DOC,
        anyOf: [
          { enum: [true, false, 'on', 'off'], description: MODULARITY_DOC },
          object(MODULARITY_DOC, MODULARITY_FIELDS, { layers: { type: 'array', items: { type: 'string' }, minItems: 1, description: MODULARITY_LAYERS_DOC } }),
        ],
      },
      prune: { description: PRUNE_DOC, anyOf: [{ enum: [true, false, 'on', 'off'], description: PRUNE_DOC }, object(PRUNE_DOC, PRUNE_FIELDS)] },
      route: { description: ROUTE_DOC, anyOf: [{ enum: [true, false, 'on', 'off'], description: ROUTE_DOC }, object(ROUTE_DOC, ROUTE_FIELDS)] },
      dna: freeForm('Architecture-DNA settings (later feature); kept raw in ModelFile.extra.'),
    },
    definitions,
  };
}

/** `stabilize`: `auto`, `off`, or a mapping whose sub-blocks also take scalar shorthands. */
function stabilizeSchema(): Schema {
  const onOff = { enum: [true, false, 'on', 'off'] };
  const block = (doc: string, table: FieldTable, short?: Schema): Schema => ({
    description: doc, anyOf: [...(short ? [{ ...short, description: doc }] : []), object(doc, table)],
  });
  const top = object(STABILIZE_DOC, STABILIZE_FIELDS, {
    spectral: block(SPECTRAL_DOC, SPECTRAL_FIELDS, onOff),
    residual: block(RESIDUAL_SCALE_DOC, RESIDUAL_SCALE_FIELDS, { enum: [true, false, 'on', 'off', 'scheduled', 'learnable'] }),
    lr: block(DEPTH_LR_DOC, DEPTH_LR_FIELDS, onOff),
    safety: block(SAFETY_DOC, SAFETY_FIELDS),
  });
  const monitors = (top.properties as Record<string, Schema>).monitors!;
  (top.properties as Record<string, Schema>).monitors = { description: monitors.description, anyOf: [{ enum: [false, 'off'] }, monitors] };
  return { description: STABILIZE_DOC, anyOf: [{ enum: ['auto', 'off', false], description: STABILIZE_DOC }, top] };
}

/** The exact text of `dynaxx.schema.json`. */
export const schemaText = (): string => `${JSON.stringify(buildSchema(), null, 2)}\n`;
