/**
 * The parse cache: one `ParsedDocument` per model file, version-aware. Open documents are parsed in a parse
 * worker (parse-pool.ts) `debounceMs` after the last edit, and at once when a request needs the current version;
 * a result for an older version than the one now open is dropped. Files that are not open (a run's model file,
 * for its alerts) are read from disk and cached by modification time. The last model without errors is kept,
 * so hovers and alerts still work while the file is being edited. Sweep files (`*.sweep.yaml`) are parsed in the
 * same workers as sweeps (server/sweep-job.ts), never as model files; an edit to an open model file re-checks the
 * open sweep files, whose base model it may be.
 */
import { statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TextDocuments } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parseModelText, type ModelFile } from '../spec';
import { specLimits } from '../spec/limits';
import type { DocumentResult } from './parse-job';
import { outcomeResult } from './parse-outcome';
import type { ParsePool } from './parse-pool';
import { safeReadFile, TRUSTED, type ReadPolicy } from './safe-read';
import { sweepTooLarge } from './sweep-job';
import { fileDiagnostic, LIMIT_CODE, overBytes, textProblem } from './text-limits';
import { emptyTree, parseYaml, type YamlTree } from './yaml-ast';

export interface ParsedDocument {
  uri: string;
  version: number;
  /** Whether the client has the document open (otherwise it was read from disk). */
  open: boolean;
  textDocument: TextDocument;
  /** `sweep`: a sweep file (`*.sweep.yaml`): no model, only its diagnostics and `result.sweep`. */
  kind: 'model' | 'sweep';
  result: DocumentResult;
  /** The current model, or the last one without errors (see `modelIsCurrent`). */
  model?: ModelFile;
  modelIsCurrent: boolean;
  /** The YAML syntax tree, built on first use (empty for a text whose parse was stopped). */
  yaml(): YamlTree;
}

export interface DocumentsOptions {
  debounceMs: number;
  pool: Pick<ParsePool, 'run'>;
  /** Heap of a parse worker (MB), for the message when a parse runs out of it. */
  heapMb: number;
  /** Where `modelJson:` may be read from now (Restricted Mode: the workspace folders). */
  policy(): ReadPolicy;
  /** Called after every parse of an open document that is still current (publish diagnostics here). */
  onParsed(doc: ParsedDocument): void;
  /** Called when the number of pending parses (waiting for the debounce, or running) changes. */
  onPending?(pending: number): void;
}

/** `file:` URIs to paths; anything else is passed through (the spec accepts it as a name). */
export function uriToPath(uri: string): string {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
  } catch {
    return uri;
  }
}

/** Whether a document is a sweep file (`*.sweep.yaml`, `*.sweep.yml`), by its URI or path. */
export function isSweepFile(uriOrPath: string): boolean {
  return /\.sweep\.ya?ml$/i.test(uriOrPath);
}

/** One spelling for the same file (clients differ in how they escape `file:` URIs). */
export function normalizeUri(uri: string): string {
  try {
    return uri.startsWith('file:') ? pathToFileURL(fileURLToPath(uri)).href : uri;
  } catch {
    return uri;
  }
}

interface Running { version: number; done: Promise<ParsedDocument | undefined> }

export class ModelDocuments {
  private readonly parsed = new Map<string, ParsedDocument>();
  private readonly running = new Map<string, Running>();
  private readonly lastGood = new Map<string, ModelFile>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disk = new Map<string, { mtimeMs: number; size: number; doc: Promise<ParsedDocument | undefined> }>();

  constructor(private readonly documents: TextDocuments<TextDocument>, private readonly options: DocumentsOptions) {
    documents.onDidOpen((e) => void this.parseNow(e.document.uri));
    documents.onDidChangeContent((e) => {
      const { uri, version } = e.document;
      if (this.parsed.get(uri)?.version !== version && this.running.get(uri)?.version !== version) this.schedule(uri);
      // an open sweep file may have this model file as its base
      if (!isSweepFile(uri)) for (const d of documents.all()) if (isSweepFile(d.uri)) this.schedule(d.uri, true);
    });
    documents.onDidClose((e) => {
      this.cancel(e.document.uri);
      this.parsed.delete(e.document.uri);
      // a parse still running is dropped when it ends; a reopened document is parsed afresh
      if (this.running.delete(e.document.uri)) this.pendingChanged();
    });
  }

  /** The current parse of a document: an open one (parsed now if an edit is pending) or the file on disk. */
  async get(uri: string): Promise<ParsedDocument | undefined> {
    const open = this.openDocument(uri);
    if (!open) return this.fromDisk(uri);
    const cached = this.parsed.get(open.uri);
    if (cached && cached.version === open.version) return cached;
    return this.parseNow(open.uri);
  }

  /** The open document's URI as the client spells it, for a URI from elsewhere (a run). */
  openUri(uri: string): string | undefined {
    return this.openDocument(uri)?.uri;
  }

  /** Parses every open document again (a file they read, such as a `model.json`, changed, or the workspace's trust). */
  reparseAll(): void {
    this.disk.clear();
    for (const d of this.documents.all()) void this.parseNow(d.uri, true);
  }

  pending(): number {
    return this.timers.size + this.running.size;
  }

  private openDocument(uri: string): TextDocument | undefined {
    const direct = this.documents.get(uri);
    if (direct) return direct;
    const norm = normalizeUri(uri);
    return this.documents.all().find((d) => normalizeUri(d.uri) === norm);
  }

  /** Parses `uri` after the debounce; `force`: also when its version is being parsed (what it reads changed). */
  private schedule(uri: string, force = false): void {
    this.cancel(uri);
    this.timers.set(uri, setTimeout(() => {
      this.timers.delete(uri);
      void this.parseNow(uri, force);
    }, this.options.debounceMs));
    this.pendingChanged();
  }

  private cancel(uri: string): void {
    const t = this.timers.get(uri);
    if (t === undefined) return;
    clearTimeout(t);
    this.timers.delete(uri);
    this.pendingChanged();
  }

  private pendingChanged(): void {
    this.options.onPending?.(this.pending());
  }

  /** Parses the open document `uri` in a worker (or joins the parse of its version already running). */
  private parseNow(uri: string, force = false): Promise<ParsedDocument | undefined> {
    const doc = this.documents.get(uri);
    if (!doc) return Promise.resolve(undefined);
    this.cancel(uri);
    const already = this.running.get(uri);
    if (already && already.version === doc.version && !force) return already.done;
    const key = normalizeUri(uri);
    const run: Running = { version: doc.version, done: Promise.resolve(undefined) };
    run.done = this.parse(uri, doc, true).then((parsed) => {
      const latest = this.running.get(uri) === run;
      if (latest) this.running.delete(uri);
      this.pendingChanged();
      if (!parsed) return latest ? undefined : this.running.get(uri)?.done; // replaced before it started
      // an older version's result, or one replaced by a newer parse: answer who asked, but do not keep it
      if (latest && this.documents.get(uri)?.version === parsed.version) {
        if (parsed.modelIsCurrent && parsed.model) this.lastGood.set(key, parsed.model);
        this.parsed.set(uri, parsed);
        this.options.onParsed(parsed);
      }
      return parsed;
    });
    this.running.set(uri, run);
    this.pendingChanged();
    return run.done;
  }

  /** One parse in a worker; undefined when a newer job for the same document replaced it in the queue. */
  private async parse(uri: string, current: TextDocument, open: boolean): Promise<ParsedDocument | undefined> {
    // a snapshot: the client's edits update the open TextDocument in place while the worker parses
    const text = current.getText();
    const textDocument = TextDocument.create(current.uri, current.languageId, current.version, text);
    const file = uriToPath(textDocument.uri);
    const key = normalizeUri(uri);
    const limits = specLimits();
    const sweep = isSweepFile(textDocument.uri);
    if (overBytes(text, limits.maxModelBytes)) {
      // not worth copying to a worker: the size alone decides
      const result = { diagnostics: [sweep ? sweepTooLarge(text, file, limits)! : fileDiagnostic(file, text, LIMIT_CODE, textProblem(text, limits)!)] };
      return fromResult(textDocument, open, result, { lastGood: this.lastGood.get(key), treeSafe: false });
    }
    const job = { text, file, openJson: this.openJson(), policy: this.options.policy(), ...(sweep ? { kind: 'sweep' as const, openModels: this.openModels() } : {}) };
    const outcome = await this.options.pool.run(open ? key : `disk:${key}`, job);
    if (outcome.kind === 'superseded') return undefined;
    const result = outcomeResult(outcome, file, text, this.options.heapMb);
    return fromResult(textDocument, open, result, { lastGood: this.lastGood.get(key), treeSafe: outcome.kind === 'done' });
  }

  /** The texts of the open `.json` documents by path: `modelJson:` reads them instead of the disk. */
  private openJson(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const d of this.documents.all()) if (d.uri.startsWith('file:') && d.uri.toLowerCase().endsWith('.json')) out[uriToPath(d.uri)] = d.getText();
    return out;
  }

  /** The texts of the open model files by path: a sweep's base model is read from them first. */
  private openModels(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const d of this.documents.all()) if (d.uri.startsWith('file:') && /\.dynaxx\.ya?ml$/i.test(d.uri)) out[uriToPath(d.uri)] = d.getText();
    return out;
  }

  private fromDisk(uri: string): Promise<ParsedDocument | undefined> {
    const path = uriToPath(uri);
    let st: { mtimeMs: number; size: number };
    try {
      st = statSync(path);
    } catch {
      return Promise.resolve(undefined);
    }
    const cached = this.disk.get(uri);
    if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.doc;
    let text: string;
    try {
      text = safeReadFile(path, TRUSTED, 'maxModelBytes');
    } catch {
      return Promise.resolve(undefined);
    }
    const doc = this.parse(uri, TextDocument.create(uri, 'dynaxx', 0, text), false);
    this.disk.set(uri, { mtimeMs: st.mtimeMs, size: st.size, doc });
    return doc;
  }
}

/**
 * A `ParsedDocument` from a parse result; `lastGood` is the model to keep showing while this text has errors,
 * `treeSafe` false (the parse was stopped) leaves the syntax tree empty.
 */
export function fromResult(
  textDocument: TextDocument, open: boolean, result: DocumentResult, options: { lastGood?: ModelFile | undefined; treeSafe?: boolean } = {},
): ParsedDocument {
  const text = textDocument.getText();
  const model = result.model ?? options.lastGood;
  let tree: YamlTree | undefined;
  return {
    uri: textDocument.uri,
    version: textDocument.version,
    open,
    textDocument,
    kind: isSweepFile(textDocument.uri) ? 'sweep' : 'model',
    result,
    ...(model ? { model } : {}),
    modelIsCurrent: result.model !== undefined,
    yaml: () => (tree ??= options.treeSafe === false ? emptyTree(text) : parseYaml(text)),
  };
}

/** Parses one document on this thread (tests and tools; the server parses in its workers). */
export function parseDocument(
  textDocument: TextDocument, open: boolean, options: { readFile?: (path: string) => string; lastGood?: ModelFile | undefined } = {},
): ParsedDocument {
  const result = parseModelText(textDocument.getText(), uriToPath(textDocument.uri), options.readFile ? { readFile: options.readFile } : {});
  return fromResult(textDocument, open, result, { lastGood: options.lastGood });
}
