/**
 * Entry points: `parseModelText` (never throws; every diagnostic it can find, for the language
 * server) and `loadModelFile` (reads a file, throws SpecError listing every error).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';
import { expectedLogits, readData } from './data-spec';
import { expandLayers } from './expand';
import { readFields, headRange, type FieldTable } from './fields';
import { parseLayerList, type LayerTemplate } from './layer-list';
import { fmt } from './layers/kind';
import { importModelJson } from './model-json';
import { Reporter } from './report';
import { describe, entry, fromYaml, Positions, toJs, type SMap, type SNode } from './source';
import { resolveStabilize } from './stabilize-auto';
import { readStabilize } from './stabilize-spec';
import { overparameterize, readModularity, resolveModularity } from './modularity-spec';
import { readPrune, readRoute } from './prune-spec';
import { readTrain } from './train-spec';
import { SpecError, type ModelFile, type Shape, type SourceRange, type SpecDiagnostic } from './types';

export interface ParseOptions {
  /** Reads files the model refers to (`modelJson:`); default `fs.readFileSync(path, 'utf8')`. */
  readFile?: (path: string) => string;
}

export interface ParseResult {
  /** Present when there are no errors (warnings allowed). */
  model?: ModelFile;
  diagnostics: SpecDiagnostic[];
}

/** Sections for later features, kept raw in `ModelFile.extra`. */
export const EXTRA_SECTIONS = ['dna'] as const;

export const TOP_FIELDS: FieldTable = {
  name: { kind: 'string', doc: 'Name of the model: used for run folders and dashboards. Default: the file name without `.dynaxx.yaml`.' },
};

export const MODEL_FIELDS: FieldTable = {
  input: { kind: 'shape', doc: 'Shape of one sample without the batch axis, e.g. [784] or [28, 28, 1] (channels last) or [T] for token ids. Default: `data.shape`.' },
  modelJson: { kind: 'string', doc: 'Import the layers from a Keras/tfjs `model.json` (relative to this file) instead of writing `layers:`.' },
};

export function parseModelText(text: string, file: string, options: ParseOptions = {}): ParseResult {
  const r = new Reporter();
  try {
    const model = parseInto(text, file, options, r);
    const diagnostics = [...r.diagnostics].sort((a, b) => a.range.line - b.range.line || a.range.col - b.range.col);
    return { ...(model && r.errorCount === 0 ? { model } : {}), diagnostics };
  } catch (e) {
    const at: SourceRange = { file, line: 1, col: 1, endLine: 1, endCol: 1 };
    r.error(at, 'internal', `internal error while reading the model file: ${(e as Error).stack ?? String(e)}`);
    return { diagnostics: r.diagnostics };
  }
}

/** Reads and resolves a model file; throws SpecError with every error. */
export function loadModelFile(path: string): ModelFile {
  return loadModelText(readFileSync(path, 'utf8'), resolve(path));
}

/**
 * The text of a model file named `file` (already read, or sent by a client on another machine): the model, or a
 * SpecError with every error positioned in `file`.
 */
export function loadModelText(text: string, file: string): ModelFile {
  const { model, diagnostics } = parseModelText(text, file);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !model) throw new SpecError(errors.length > 0 ? errors : diagnostics);
  return model;
}

function parseInto(text: string, file: string, options: ParseOptions, r: Reporter): ModelFile | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, keepSourceTokens: true, prettyErrors: false, uniqueKeys: true });
  const pos = new Positions(file, lines, text);
  for (const e of doc.errors) r.error(pos.range(e.pos[0], e.pos[1]), 'yaml', e.message.split('\n')[0]!);
  for (const w of doc.warnings) r.warning(pos.range(w.pos[0], w.pos[1]), 'yaml', w.message.split('\n')[0]!);
  if (doc.errors.length > 0) return undefined;

  const root = fromYaml(doc, pos);
  const start = pos.range(0, 0);
  if (root === undefined || (root.kind === 'scalar' && root.value === null)) {
    r.error(start, 'missing-key', "the model file is empty; it needs at least 'model:' with 'input:' and 'layers:'");
    return undefined;
  }
  if (root.kind !== 'map') {
    r.error(root.range, 'type', `a model file must be a mapping with 'name', 'data', 'model' and 'train', got ${describe(root)}`);
    return undefined;
  }
  const top = readFields(root, TOP_FIELDS, r, 'the model file', ['data', 'model', 'train', 'stabilize', 'modularity', 'prune', 'route', ...EXTRA_SECTIONS]);
  const extra = readExtra(root, r);
  const stabilize = readStabilize(entry(root, 'stabilize')?.value, r);
  const modularity = readModularity(entry(root, 'modularity')?.value, r);
  const prune = readPrune(entry(root, 'prune')?.value, r);
  const route = readRoute(entry(root, 'route')?.value, r);
  const base = baseDir(file);
  const resolvePath = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));

  const modelEntry = entry(root, 'model');
  if (modelEntry === undefined) r.error(headRange(root), 'missing-key', "the model file needs 'model:' with 'input:' and 'layers:' (or 'modelJson:')");
  const section = modelEntry ? readModelSection(modelEntry.value, modelEntry.keyRange, r, resolvePath, options) : undefined;
  const { data, inputShape } = readData(present(entry(root, 'data')?.value), section?.input, r, resolvePath);
  const train = readTrain(present(entry(root, 'train')?.value), r);

  if (section && section.templates && inputShape === undefined && section.input === undefined) {
    r.error(section.at, 'missing-key', "'model' needs 'input' (the shape of one sample, e.g. [784]) or 'data.shape'");
  }
  if (!section?.templates || !inputShape) return undefined;
  const baseUnits = modularity.draft ? overparameterize(modularity.draft, section.templates, r) : undefined;
  const expanded = expandLayers(section.templates, inputShape, r);
  if (!top || !data || !train || stabilize.failed || modularity.failed || prune.failed || route.failed) return undefined;
  const layers = expanded.layers;
  const logits = expectedLogits(data);
  const out = expanded.outputShape;
  if (logits !== undefined && out !== undefined && fmt(out) !== fmt([logits])) {
    r.warning(section.templates[section.templates.length - 1]!.head, 'output-shape',
      `the model outputs ${fmt(out)}, but ${data.source} data${data.kind ? ` (${data.kind})` : ''} needs [${logits}] logits`);
  }
  const depth = expanded.depth;
  const trainNode = present(entry(root, 'train')?.value);
  const clipEntry = trainNode?.kind === 'map' ? entry(trainNode, 'clipNorm') : undefined;
  const trainClipNormSet = clipEntry !== undefined && present(clipEntry.value) !== undefined;
  const stabilizeSpec = stabilize.draft
    ? resolveStabilize(stabilize.draft, { depth, layers, train, trainClipNormSet }, r)
    : undefined;
  const modularitySpec = modularity.draft && baseUnits
    ? resolveModularity(modularity.draft, baseUnits, layers, r)
    : undefined;
  return {
    file,
    name: (top.name as string | undefined) ?? defaultName(file),
    inputShape,
    layers,
    data,
    train,
    params: layers.reduce((a, n) => a + n.params, 0),
    flops: layers.reduce((a, n) => a + n.flops, 0),
    depth,
    ...(section.modelJson ? { modelJson: section.modelJson } : {}),
    extra,
    ...(stabilizeSpec ? { stabilize: stabilizeSpec } : {}),
    ...(modularitySpec ? { modularity: modularitySpec } : {}),
    ...(prune.spec ? { prune: prune.spec } : {}),
    ...(route.spec ? { route: route.spec } : {}),
  };
}

interface ModelSection { input?: Shape; templates?: LayerTemplate[]; modelJson?: string; at: SourceRange }

function readModelSection(
  node: SNode, keyRange: SourceRange, r: Reporter, resolvePath: (p: string) => string, options: ParseOptions,
): ModelSection | undefined {
  if (node.kind !== 'map') {
    r.error(node.kind === 'scalar' && node.value === null ? keyRange : node.range, 'type', `'model' must be a mapping with 'input' and 'layers', got ${describe(node)}`);
    return undefined;
  }
  const raw = readFields(node, MODEL_FIELDS, r, "'model'", ['layers']);
  const layersEntry = entry(node, 'layers');
  const jsonEntry = entry(node, 'modelJson');
  const at = keyRange;
  let input = raw?.input as Shape | undefined;
  if (jsonEntry !== undefined) {
    if (layersEntry) r.error(layersEntry.keyRange, 'unknown-key', "'layers' cannot be used together with 'modelJson'; use one of them");
    if (typeof raw?.modelJson !== 'string') return { at };
    const path = resolvePath(raw.modelJson);
    const what = raw.modelJson;
    let json: unknown;
    try {
      json = JSON.parse((options.readFile ?? ((p: string) => readFileSync(p, 'utf8')))(path));
    } catch (e) {
      r.error(jsonEntry.range, 'model-json', `cannot read ${what}: ${(e as Error).message}`);
      return { at, modelJson: path };
    }
    const imported = importModelJson(json, jsonEntry.range, r, what);
    if (!imported) return { at, modelJson: path };
    if (input && imported.inputShape && fmt(input) !== fmt(imported.inputShape)) {
      r.error(entry(node, 'input')!.range, 'shape-mismatch', `'input' ${fmt(input)} differs from the input shape ${fmt(imported.inputShape)} in ${what}`);
    }
    input ??= imported.inputShape;
    const sub = new Reporter();
    const templates = parseLayerList(imported.layers, sub, `${what} layers`);
    for (const d of sub.diagnostics) r.error(d.range, d.code, `${what}: ${d.message}`, d.suggestion);
    return { at, modelJson: path, ...(input ? { input } : {}), ...(templates && sub.errorCount === 0 ? { templates } : {}) };
  }
  if (layersEntry === undefined) {
    r.error(at, 'missing-key', "'model' needs 'layers' (a list of layers) or 'modelJson'");
    return { at, ...(input ? { input } : {}) };
  }
  const templates = parseLayerList(layersEntry.value, r, "'model.layers'");
  return { at, ...(input ? { input } : {}), ...(templates ? { templates } : {}) };
}

function readExtra(root: SMap, r: Reporter): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const key of EXTRA_SECTIONS) {
    const e = entry(root, key);
    if (!e) continue;
    const v = e.value;
    const ok = v.kind === 'map' || (v.kind === 'scalar' && v.value === null);
    if (!ok) {
      r.error(v.range, 'type', `'${key}' must be a mapping, got ${describe(v)}`);
      continue;
    }
    extra[key] = v.kind === 'scalar' && v.value === null ? {} : toJs(v);
  }
  return extra;
}

/** An empty value (`data:` with nothing after it) counts as absent. */
function present(node: SNode | undefined): SNode | undefined {
  return node?.kind === 'scalar' && node.value === null ? undefined : node;
}

function baseDir(file: string): string {
  const path = file.startsWith('file:') ? fileURLToPath(file) : file;
  return dirname(resolve(path));
}

function defaultName(file: string): string {
  return basename(file.startsWith('file:') ? fileURLToPath(file) : file).replace(/(\.dynaxx)?\.ya?ml$/i, '');
}
