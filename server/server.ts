/**
 * Wiring: the parse cache, diagnostics (spec + run alerts), the run messages from the extension and every
 * language feature. Each feature lives in its own file; this one only connects them.
 */
import { TextDocuments, TextDocumentSyncKind, type Connection, type InitializeResult } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LayerAtRequest, RunAlertsNotification, RunStatsNotification } from '../protocol/lsp-ext';
import { layerAt } from '../spec';
import { RunAlerts } from './alerts';
import { codeActions } from './code-actions';
import { codeLenses } from './codelens';
import { completion } from './completion';
import { specDiagnostics } from './diagnostics';
import { ModelDocuments, type ParsedDocument } from './documents';
import { hover } from './hover';
import { documentLinks } from './links';
import { readOptions, DEFAULT_OPTIONS } from './options';
import { RunStats } from './run-stats';
import { ServerStatus } from './status';
import { documentSymbols } from './symbols';

export function startServer(connection: Connection): void {
  const textDocuments = new TextDocuments(TextDocument);
  const alerts = new RunAlerts();
  const stats = new RunStats();
  const status = new ServerStatus(connection);
  let options = DEFAULT_OPTIONS;

  const publish = (uri: string, parsed: ParsedDocument | undefined): void => {
    const spec = parsed?.open ? specDiagnostics(parsed.result.diagnostics) : [];
    const diagnostics = [...spec, ...alerts.diagnostics(uri, parsed)];
    const internal = parsed?.result.diagnostics.find((d) => d.code === 'internal');
    if (internal) status.error(`internal error while parsing ${uri}; see the output channel`);
    void connection.sendDiagnostics({ uri, ...(parsed?.open ? { version: parsed.version } : {}), diagnostics });
  };

  const documents = new ModelDocuments(textDocuments, {
    get debounceMs() { return options.debounceMs; },
    onParsed: (parsed) => publish(parsed.uri, parsed),
    onPending: (pending) => status.setQuiescent(pending === 0),
  });

  /** Runs a feature; a throw is logged and shown in the status, and the request answers `fallback`. */
  const guard = <T>(what: string, fallback: T, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      connection.console.error(`${what} failed: ${(e as Error).stack ?? String(e)}`);
      status.error(`${what} failed; see the output channel`);
      return fallback;
    }
  };

  connection.onInitialize((params): InitializeResult => {
    options = readOptions(params.initializationOptions);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        completionProvider: { triggerCharacters: [':'] },
        documentSymbolProvider: true,
        documentLinkProvider: { resolveProvider: false },
        codeLensProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: ['quickfix'] },
      },
      serverInfo: { name: 'dynaxx-language-server', version: '0.1.0' },
    };
  });
  connection.onInitialized(() => status.send());

  const withDoc = <T>(uri: string, what: string, fallback: T, f: (doc: ParsedDocument) => T): T => {
    const doc = documents.get(uri);
    return doc ? guard(what, fallback, () => f(doc)) : fallback;
  };

  connection.onHover((p) => withDoc(p.textDocument.uri, 'hover', null, (doc) => hover(doc, p.position, stats.live(doc.uri))));
  connection.onCompletion((p) => withDoc(p.textDocument.uri, 'completion', [], (doc) => completion(doc, p.position)));
  connection.onDocumentSymbol((p) => withDoc(p.textDocument.uri, 'document symbols', [], documentSymbols));
  connection.onDocumentLinks((p) => withDoc(p.textDocument.uri, 'document links', [], documentLinks));
  connection.onCodeLens((p) => withDoc(p.textDocument.uri, 'code lenses', [], (doc) => codeLenses(doc)));
  connection.onCodeAction((p) => withDoc(p.textDocument.uri, 'code actions', [], (doc) => codeActions(doc, p.context.diagnostics)));
  connection.onRequest(LayerAtRequest.type, (p) => withDoc(p.uri, 'layerAt', {}, (doc) => {
    const node = doc.model ? layerAt(doc.model, p.line + 1, p.character + 1) : undefined;
    return node ? { layerId: node.id } : {};
  }));

  connection.onNotification(RunAlertsNotification.type, (p) => guard('runAlerts', undefined, () => {
    alerts.set(p);
    const uri = documents.openUri(p.uri) ?? p.uri;
    publish(uri, documents.get(uri));
  }));
  connection.onNotification(RunStatsNotification.type, (p) => stats.update(p));
  // the client may watch the files models refer to (`model.json`, data): their changes can change the models
  connection.onDidChangeWatchedFiles(() => guard('reparse', undefined, () => documents.reparseAll()));

  textDocuments.onDidClose((e) => {
    // spec diagnostics go with the editor; a run's alerts stay, on the file as saved
    publish(e.document.uri, alerts.has(e.document.uri) ? documents.get(e.document.uri) : undefined);
  });

  textDocuments.listen(connection);
  connection.listen();
}
