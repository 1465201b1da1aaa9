/**
 * Wiring: the parse cache (parsing in worker threads), diagnostics (spec + run alerts), the workspace's folders
 * and trust, the run messages from the extension and every language feature. Each feature lives in its own
 * file; this one only connects them. Features answer from the current parse of their document, so a hostile
 * file being parsed holds up only the requests on that file.
 */
import { TextDocuments, TextDocumentSyncKind, type Connection, type InitializeResult } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LayerAtRequest, RunAlertsNotification, RunStatsNotification, WorkspaceTrustNotification } from '../protocol/lsp-ext';
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
import { ParsePool } from './parse-pool';
import { RunStats } from './run-stats';
import { ServerStatus } from './status';
import { documentSymbols } from './symbols';
import { WorkspaceAccess } from './workspace';

const WORKER_HEAP_MB = 1024;

export function startServer(connection: Connection): void {
  const textDocuments = new TextDocuments(TextDocument);
  const alerts = new RunAlerts();
  const stats = new RunStats();
  const status = new ServerStatus(connection);
  const workspace = new WorkspaceAccess();
  let options = DEFAULT_OPTIONS;
  let pool: ParsePool | undefined;
  let foldersSupported = false;

  const publish = (uri: string, parsed: ParsedDocument | undefined): void => {
    const spec = parsed?.open ? specDiagnostics(parsed.result.diagnostics) : [];
    const diagnostics = [...spec, ...alerts.diagnostics(uri, parsed)];
    const internal = parsed?.result.diagnostics.find((d) => d.code === 'internal');
    if (internal) {
      connection.console.error(`${uri}: ${internal.message}`);
      status.error(`internal error while parsing ${uri}; see the output channel`);
    }
    void connection.sendDiagnostics({ uri, ...(parsed?.open ? { version: parsed.version } : {}), diagnostics });
  };

  const documents = new ModelDocuments(textDocuments, {
    get debounceMs() { return options.debounceMs; },
    // created in onInitialize, before any document can open
    pool: { run: (key, job) => pool!.run(key, job) },
    heapMb: WORKER_HEAP_MB,
    policy: () => workspace.policy(),
    onParsed: (parsed) => publish(parsed.uri, parsed),
    onPending: (pending) => status.setQuiescent(pending === 0),
  });

  /** Runs a feature; a throw (or rejection) is logged and shown in the status, and the request answers `fallback`. */
  const guard = async <T>(what: string, fallback: T, f: () => T | Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      connection.console.error(`${what} failed: ${(e as Error).stack ?? String(e)}`);
      status.error(`${what} failed; see the output channel`);
      return fallback;
    }
  };

  connection.onInitialize((params): InitializeResult => {
    options = readOptions(params.initializationOptions);
    workspace.initialize(params, options.workspaceTrusted);
    pool = new ParsePool({ timeoutMs: options.parseTimeoutMs, maxWorkers: options.parseWorkers, heapMb: WORKER_HEAP_MB });
    pool.prewarm();
    foldersSupported = params.capabilities.workspace?.workspaceFolders === true;
    return {
      capabilities: {
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
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
  connection.onInitialized(() => {
    status.send();
    if (foldersSupported) {
      connection.workspace.onDidChangeWorkspaceFolders((e) => {
        workspace.changeFolders(e);
        documents.reparseAll();
      });
    }
  });
  connection.onShutdown(() => pool?.dispose());

  const withDoc = <T>(uri: string, what: string, fallback: T, f: (doc: ParsedDocument) => T): Promise<T> => guard(what, fallback, async () => {
    const doc = await documents.get(uri);
    return doc ? f(doc) : fallback;
  });

  /** Features of model files only: a sweep file (`*.sweep.yaml`) has diagnostics, quick fixes and its lenses. */
  const withModel = <T>(uri: string, what: string, fallback: T, f: (doc: ParsedDocument) => T): Promise<T> =>
    withDoc(uri, what, fallback, (doc) => (doc.kind === 'model' ? f(doc) : fallback));

  connection.onHover((p) => withModel(p.textDocument.uri, 'hover', null, (doc) => hover(doc, p.position, stats.live(doc.uri))));
  connection.onCompletion((p) => withModel(p.textDocument.uri, 'completion', [], (doc) => completion(doc, p.position)));
  connection.onDocumentSymbol((p) => withModel(p.textDocument.uri, 'document symbols', [], documentSymbols));
  connection.onDocumentLinks((p) => withModel(p.textDocument.uri, 'document links', [], documentLinks));
  connection.onCodeLens((p) => withDoc(p.textDocument.uri, 'code lenses', [], (doc) => codeLenses(doc)));
  connection.onCodeAction((p) => withDoc(p.textDocument.uri, 'code actions', [], (doc) => codeActions(doc, p.context.diagnostics)));
  connection.onRequest(LayerAtRequest.type, (p) => withModel(p.uri, 'layerAt', {}, (doc) => {
    const node = doc.model ? layerAt(doc.model, p.line + 1, p.character + 1) : undefined;
    return node ? { layerId: node.id } : {};
  }));

  connection.onNotification(RunAlertsNotification.type, (p) => void guard('runAlerts', undefined, async () => {
    alerts.set(p);
    const uri = documents.openUri(p.uri) ?? p.uri;
    publish(uri, await documents.get(uri));
  }));
  connection.onNotification(RunStatsNotification.type, (p) => stats.update(p));
  connection.onNotification(WorkspaceTrustNotification.type, (p) => {
    if (workspace.setTrusted(p.trusted === true)) documents.reparseAll();
  });
  // the client may watch the files models refer to (`model.json`, data): their changes can change the models
  connection.onDidChangeWatchedFiles(() => void guard('reparse', undefined, () => documents.reparseAll()));

  textDocuments.onDidClose((e) => void guard('close', undefined, async () => {
    // spec diagnostics go with the editor; a run's alerts stay, on the file as saved
    publish(e.document.uri, alerts.has(e.document.uri) ? await documents.get(e.document.uri) : undefined);
  }));

  textDocuments.listen(connection);
  connection.listen();
}
