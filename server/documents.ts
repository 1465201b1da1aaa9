/**
 * The parse cache: one `ParsedDocument` per model file, version-aware. Open documents are re-parsed
 * `debounceMs` after the last edit (and at once when a request needs the current version); files that are
 * not open (a run's model file, for its alerts) are read from disk and cached by modification time.
 * The last model without errors is kept, so hovers and alerts still work while the file is being edited.
 */
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TextDocuments } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parseModelText, type ModelFile, type ParseResult } from '../spec';
import { parseYaml, type YamlTree } from './yaml-ast';

export interface ParsedDocument {
  uri: string;
  version: number;
  /** Whether the client has the document open (otherwise it was read from disk). */
  open: boolean;
  textDocument: TextDocument;
  result: ParseResult;
  /** The current model, or the last one without errors (see `modelIsCurrent`). */
  model?: ModelFile;
  modelIsCurrent: boolean;
  /** The YAML syntax tree, built on first use. */
  yaml(): YamlTree;
}

export interface DocumentsOptions {
  debounceMs: number;
  /** Called after every parse of an open document (publish diagnostics here). */
  onParsed(doc: ParsedDocument): void;
  /** Called when the number of pending parses changes (for the server status). */
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

/** One spelling for the same file (clients differ in how they escape `file:` URIs). */
export function normalizeUri(uri: string): string {
  try {
    return uri.startsWith('file:') ? pathToFileURL(fileURLToPath(uri)).href : uri;
  } catch {
    return uri;
  }
}

export class ModelDocuments {
  private readonly parsed = new Map<string, ParsedDocument>();
  private readonly lastGood = new Map<string, ModelFile>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disk = new Map<string, { mtimeMs: number; doc: ParsedDocument }>();

  constructor(private readonly documents: TextDocuments<TextDocument>, private readonly options: DocumentsOptions) {
    documents.onDidOpen((e) => this.parseNow(e.document.uri));
    documents.onDidChangeContent((e) => {
      if (this.parsed.get(e.document.uri)?.version !== e.document.version) this.schedule(e.document.uri);
    });
    documents.onDidClose((e) => {
      this.cancel(e.document.uri);
      this.parsed.delete(e.document.uri);
    });
  }

  /** The current parse of a document: an open one (parsed now if an edit is pending) or the file on disk. */
  get(uri: string): ParsedDocument | undefined {
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

  /** Parses every open document again (a file they read, such as a `model.json`, changed on disk). */
  reparseAll(): void {
    this.disk.clear();
    for (const d of this.documents.all()) this.parseNow(d.uri);
  }

  pending(): number {
    return this.timers.size;
  }

  private openDocument(uri: string): TextDocument | undefined {
    const direct = this.documents.get(uri);
    if (direct) return direct;
    const norm = normalizeUri(uri);
    return this.documents.all().find((d) => normalizeUri(d.uri) === norm);
  }

  private schedule(uri: string): void {
    this.cancel(uri);
    this.timers.set(uri, setTimeout(() => {
      this.timers.delete(uri);
      this.options.onPending?.(this.timers.size);
      this.parseNow(uri);
    }, this.options.debounceMs));
    this.options.onPending?.(this.timers.size);
  }

  private cancel(uri: string): void {
    const t = this.timers.get(uri);
    if (t === undefined) return;
    clearTimeout(t);
    this.timers.delete(uri);
    this.options.onPending?.(this.timers.size);
  }

  private parseNow(uri: string): ParsedDocument | undefined {
    const doc = this.documents.get(uri);
    if (!doc) return undefined;
    this.cancel(uri);
    const parsed = this.parse(doc, true);
    this.parsed.set(uri, parsed);
    this.options.onParsed(parsed);
    return parsed;
  }

  private parse(textDocument: TextDocument, open: boolean): ParsedDocument {
    const readFile = (path: string): string => this.openDocument(pathToFileURL(path).href)?.getText() ?? readFileSync(path, 'utf8');
    const key = normalizeUri(textDocument.uri);
    const parsed = parseDocument(textDocument, open, { readFile, lastGood: this.lastGood.get(key) });
    if (parsed.modelIsCurrent && parsed.model) this.lastGood.set(key, parsed.model);
    return parsed;
  }

  private fromDisk(uri: string): ParsedDocument | undefined {
    const path = uriToPath(uri);
    let mtimeMs: number;
    try {
      mtimeMs = statSync(path).mtimeMs;
    } catch {
      return undefined;
    }
    const cached = this.disk.get(uri);
    if (cached && cached.mtimeMs === mtimeMs) return cached.doc;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
    const doc = this.parse(TextDocument.create(uri, 'dynaxx', 0, text), false);
    this.disk.set(uri, { mtimeMs, doc });
    return doc;
  }
}

/** Parses one document; `lastGood` is the model to keep showing while this text has errors. */
export function parseDocument(
  textDocument: TextDocument, open: boolean, options: { readFile?: (path: string) => string; lastGood?: ModelFile | undefined } = {},
): ParsedDocument {
  const text = textDocument.getText();
  const result = parseModelText(text, uriToPath(textDocument.uri), options.readFile ? { readFile: options.readFile } : {});
  const model = result.model ?? options.lastGood;
  let tree: YamlTree | undefined;
  return {
    uri: textDocument.uri,
    version: textDocument.version,
    open,
    textDocument,
    result,
    ...(model ? { model } : {}),
    modelIsCurrent: result.model !== undefined,
    yaml: () => (tree ??= parseYaml(text)),
  };
}
