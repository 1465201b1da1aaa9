/**
 * Entry points: `parseModelText` (never throws; every diagnostic it can find, for the language
 * server) and `loadModelFile` (reads a file, throws SpecError listing every error).
 */
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { expectedLogits, readData } from './data-spec';
import { expandLayers } from './expand';
import { readFields, headRange, type FieldTable } from './fields';
import { parseLayerList, type LayerTemplate } from './layer-list';
import { fmt } from './layers/kind';
import { howToRaise, overBytes, quoteValue, specLimits, UNSAFE_CHARS, type SpecLimits } from './limits';
import { nestingTooDeep } from './nesting';
import { mb, readTextFileBounded } from './read-file';
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
  /**
   * Reads files the model refers to (`modelJson:`); default: a regular file of at most `limits.maxModelJsonBytes`
   * (readTextFileBounded). A throw becomes a positioned error quoting its message.
   */
  readFile?: (path: string) => string;
  /** Caps on text size, aliases, nesting and layers; default `specLimits()` (the environment can raise them). */
  limits?: SpecLimits;
}

export interface ParseResult {
  /** Present when there are no errors (warnings allowed). */
  model?: ModelFile;
  diagnostics: SpecDiagnostic[];
}

/** Sections for later features, kept raw in `ModelFile.extra`. */
export const EXTRA_SECTIONS = ['dna'] as const;

export const TOP_FIELDS: FieldTable = {
  name: {
    kind: 'string', pattern: new RegExp(`^[^${UNSAFE_CHARS}]{1,200}$`),
    patternDoc: '1 to 200 characters without control or text-direction characters',
    doc: 'Name of the model: used for run folders and dashboards. Default: the file name without `.dynaxx.yaml`.',
  },
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
    r.error(at, 'internal', `internal error while reading the model file (please report it with the file): ${quoteValue((e as Error).message ?? String(e), 200)}`);
    return { diagnostics: r.diagnostics };
  }
}

/** Reads (a regular file within the size cap) and resolves a model file; throws SpecError with every error. */
export function loadModelFile(path: string): ModelFile {
  const file = resolve(path);
  return loadModelText(readModelText(file), file);
}

/** The text of a model file: a regular file within `maxModelBytes`, or a SpecError positioned at its start. */
export function readModelText(file: string, limits: SpecLimits = specLimits()): string {
  try {
    return readTextFileBounded(file, limits.maxModelBytes, howToRaise('maxModelBytes', limits));
  } catch (e) {
    const at: SourceRange = { file, line: 1, col: 1, endLine: 1, endCol: 1 };
    throw new SpecError([{ range: at, severity: 'error', code: 'read', message: `cannot read the model file: ${(e as Error).message}` }]);
  }
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
  const limits = options.limits ?? specLimits();
  const doc = readYaml(text, file, limits, r);
  if (!doc) return undefined;
  const { pos } = doc;
  const converted = fromYaml(doc.doc, pos, limits);
  if (converted.problem) {
    const { range, what } = converted.problem;
    r.error(range, 'limit', what === 'aliases'
      ? `YAML aliases here expand to too many values (an "alias bomb"); write the layers out or use 'repeat:' (${howToRaise('maxAliasNodes', limits)})`
      : `mappings and lists nest too deep here (${howToRaise('maxNesting', limits)})`);
    return undefined;
  }
  const root = converted.root;
  const start = pos.range(0, 0);
  if (root === undefined || (root.kind === 'scalar' && root.value === null)) {
    r.error(start, 'missing-key', "the model file is empty; it needs at least 'model:' with 'input:' and 'layers:'");
    return undefined;
  }
  if (root.kind !== 'map') {
    // the whole file is one value: say what it is, never quote it (it may be any file on the machine)
    const what = root.kind === 'seq' ? 'a list' : typeof root.value === 'string' ? `a text of ${root.value.length} characters` : describe(root);
    r.error(root.range, 'type', `a model file must be a mapping with 'name', 'data', 'model' and 'train', got ${what}`);
    return undefined;
  }
  const sections = ['data', 'model', 'train', 'stabilize', 'modularity', 'prune', 'route', ...EXTRA_SECTIONS];
  if (root.entries.length > 3 && !root.entries.some((e) => e.key in TOP_FIELDS || sections.includes(e.key))) {
    // not a model file at all (another YAML file, /etc/passwd): one error, without quoting its content
    r.error(start, 'type', `this is not a model file: none of its ${root.entries.length} top-level keys is one of ${[...Object.keys(TOP_FIELDS), ...sections].join(', ')}`);
    return undefined;
  }
  const top = readFields(root, TOP_FIELDS, r, 'the model file', sections);
  const extra = readExtra(root, r);
  const stabilize = readStabilize(entry(root, 'stabilize')?.value, r);
  const modularity = readModularity(entry(root, 'modularity')?.value, r);
  const prune = readPrune(entry(root, 'prune')?.value, r);
  const route = readRoute(entry(root, 'route')?.value, r);
  const base = baseDir(file);
  const resolvePath = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));

  const modelEntry = entry(root, 'model');
  if (modelEntry === undefined) r.error(headRange(root), 'missing-key', "the model file needs 'model:' with 'input:' and 'layers:' (or 'modelJson:')");
  const read = modelEntry ? readModelSection(modelEntry.value, modelEntry.keyRange, r, resolvePath, options, limits) : undefined;
  const inputNode = modelEntry?.value.kind === 'map' ? present(entry(modelEntry.value, 'input')?.value) : undefined;
  const section = read && inputNode ? { ...read, inputGiven: true } : read;
  const { data, inputShape } = readData(present(entry(root, 'data')?.value), section?.input, r, resolvePath);
  const train = readTrain(present(entry(root, 'train')?.value), r);

  if (section && section.templates && inputShape === undefined && section.input === undefined && !section.inputGiven) {
    r.error(section.at, 'missing-key', "'model' needs 'input' (the shape of one sample, e.g. [784]) or 'data.shape'");
  }
  if (!section?.templates || !inputShape) return undefined;
  const baseUnits = modularity.draft ? overparameterize(modularity.draft, section.templates, r) : undefined;
  if (!withinLayerLimit(section.templates, limits, r)) return undefined;
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

interface ModelSection {
  input?: Shape;
  /** The section has an `input:` key (valid or not): no second error that it is missing. */
  inputGiven?: boolean;
  templates?: LayerTemplate[];
  modelJson?: string;
  at: SourceRange;
}

function readModelSection(
  node: SNode, keyRange: SourceRange, r: Reporter, resolvePath: (p: string) => string, options: ParseOptions, limits: SpecLimits,
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
      const read = options.readFile ?? ((p: string) => readTextFileBounded(p, limits.maxModelJsonBytes, howToRaise('maxModelJsonBytes', limits)));
      const text = read(path);
      try {
        json = JSON.parse(text);
      } catch {
        // JSON.parse's message quotes the file's first bytes: never show those (it may be any file)
        throw new Error('it is not JSON (a Keras/tfjs layers-model model.json is expected)');
      }
    } catch (e) {
      r.error(jsonEntry.range, 'model-json', `cannot read ${quoteValue(what)}: ${quoteValue((e as Error).message, 300)}`);
      return { at, modelJson: path };
    }
    const imported = importModelJson(json, jsonEntry.range, r, quoteValue(what), limits.maxLayers);
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

/**
 * Parses the YAML text within the limits: size first, then flow nesting (the YAML parser recurses on `[[[…`),
 * one document only. Syntax errors are reported positioned; undefined when there is nothing to read.
 */
function readYaml(text: string, file: string, limits: SpecLimits, r: Reporter): { doc: Document; pos: Positions } | undefined {
  const start: SourceRange = { file, line: 1, col: 1, endLine: 1, endCol: 1 };
  if (overBytes(text, limits.maxModelBytes)) {
    r.error(start, 'limit', `the model file is ${mb(Buffer.byteLength(text, 'utf8'))}, too large for a model file (${howToRaise('maxModelBytes', limits)})`);
    return undefined;
  }
  const lines = new LineCounter();
  const deep = nestingTooDeep(text, limits.maxNesting);
  let doc: Document;
  try {
    if (deep !== undefined) throw new RangeError('nesting');
    doc = parseDocument(text, { lineCounter: lines, keepSourceTokens: true, prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const at = deep !== undefined ? lineCol(text, deep, file) : start;
    r.error(at, 'limit', `mappings and lists nest too deep here (${howToRaise('maxNesting', limits)})`);
    return undefined;
  }
  const pos = new Positions(file, lines, text);
  for (const e of doc.errors) r.error(pos.range(e.pos[0], e.pos[1]), 'yaml', yamlMessage(e.code, e.message));
  for (const w of doc.warnings) r.warning(pos.range(w.pos[0], w.pos[1]), 'yaml', w.message.split('\n')[0]!);
  return doc.errors.length > 0 ? undefined : { doc, pos };
}

function yamlMessage(code: string, message: string): string {
  if (code === 'MULTIPLE_DOCS') return "a model file holds one YAML document; remove the '---' line here (or put the second document in its own file)";
  return quoteValue(message.split('\n')[0]!, 200);
}

function lineCol(text: string, offset: number, file: string): SourceRange {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) { line++; last = i; }
  const col = offset - last;
  return { file, line, col, endLine: line, endCol: col + 1 };
}

/** Refuses `repeat:` blocks that would expand past `maxLayers` nodes, before anything is expanded. */
function withinLayerLimit(templates: LayerTemplate[], limits: SpecLimits, r: Reporter): boolean {
  const count = (ts: LayerTemplate[]): number =>
    ts.reduce((a, t) => a + (t.type === 'residual' ? t.repeat * (1 + count(t.body ?? [])) : 1), 0);
  const total = count(templates);
  if (total <= limits.maxLayers) return true;
  // point at the outermost repeated block that contributes most
  const worst = [...walkTemplates(templates)].filter((t) => t.repeat > 1).sort((a, b) => b.repeat * (1 + count(b.body ?? [])) - a.repeat * (1 + count(a.body ?? [])))[0];
  const at = worst?.repeatRange ?? worst?.head ?? templates[0]!.head;
  r.error(at, 'limit', `'repeat:' expands the model to ${total.toExponential(2)} layers, too many to build (${howToRaise('maxLayers', limits)}); lower 'repeat:'`);
  return false;
}

function* walkTemplates(ts: LayerTemplate[]): Generator<LayerTemplate> {
  for (const t of ts) {
    yield t;
    if (t.body) yield* walkTemplates(t.body);
  }
}
