/**
 * A thin stand-in for the `vscode` module, enough for the extension's logic under node:test (loaded by
 * register-vscode.ts). It records what the extension shows (`stub`) and answers messages through
 * `stub.respond`, which a test sets.
 */
import { readFileSync } from 'node:fs';

type Listener<T> = (e: T) => unknown;

export class Disposable {
  constructor(private readonly fn: () => void) {}
  dispose(): void {
    this.fn();
  }
}

export class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.add(listener);
    return new Disposable(() => this.listeners.delete(listener));
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class Uri {
  private constructor(readonly scheme: string, readonly path: string) {}
  static file(p: string): Uri {
    return new Uri('file', p);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, [base.path.replace(/\/+$/, ''), ...parts].join('/'));
  }
  static parse(s: string): Uri {
    const m = /^([a-z][\w+.-]*):(?:\/\/)?(.*)$/i.exec(s);
    return m ? new Uri(m[1], decodeURIComponent(m[2])) : new Uri('file', s);
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return `${this.scheme}://${this.path}`;
  }
}

export enum ProgressLocation { SourceControl = 1, Window = 10, Notification = 15 }
export enum StatusBarAlignment { Left = 1, Right = 2 }
export enum TreeItemCollapsibleState { None = 0, Collapsed = 1, Expanded = 2 }
export enum ConfigurationTarget { Global = 1, Workspace = 2, WorkspaceFolder = 3 }
export enum ViewColumn { Active = -1, Beside = -2, One = 1, Two = 2 }
export enum TextEditorRevealType { Default = 0, InCenter = 1, InCenterIfOutsideViewport = 2, AtTop = 3 }

export class Position {
  constructor(readonly line: number, readonly character: number) {}
}
export class Range {
  constructor(readonly start: Position, readonly end: Position) {}
}

/** A text document over a string: enough for code that maps offsets to positions. */
export function textDocument(uri: Uri, text: string) {
  return {
    uri,
    isDirty: false,
    getText: () => text,
    positionAt(offset: number): Position {
      const before = text.slice(0, offset).split('\n');
      return new Position(before.length - 1, before[before.length - 1]!.length);
    },
    save: async () => true,
  };
}

/** A webview panel that records what the extension posts; `receive` plays a message from the app. */
export function webviewPanel(viewType: string, title: string, column?: unknown, options?: Record<string, unknown>) {
  const received = new EventEmitter<unknown>();
  const disposed = new EventEmitter<void>();
  const viewState = new EventEmitter<unknown>();
  const panel = {
    viewType,
    title,
    viewColumn: typeof column === 'number' && column > 0 ? column : 1,
    options: options ?? {},
    visible: true,
    revealed: 0,
    disposed: false,
    posted: [] as any[],
    webview: {
      html: '',
      options: options ?? ({} as Record<string, unknown>),
      cspSource: 'https://webview.test',
      asWebviewUri: (u: Uri) => Uri.parse(`https://webview.test${u.path}`),
      postMessage: async (m: unknown) => (panel.posted.push(m), true),
      onDidReceiveMessage: received.event,
    },
    onDidDispose: disposed.event,
    onDidChangeViewState: viewState.event,
    reveal: () => void panel.revealed++,
    setVisible: (visible: boolean) => {
      panel.visible = visible;
      viewState.fire({ webviewPanel: panel });
    },
    dispose: () => {
      if (panel.disposed) return;
      panel.disposed = true;
      disposed.fire();
    },
    /** The app sends a message; resolves after the extension's handler ran its awaits. */
    receive: async (m: unknown) => {
      received.fire(m);
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    },
  };
  stub.panels.push(panel);
  return panel;
}

export class ThemeColor {
  constructor(readonly id: string) {}
}
export class ThemeIcon {
  constructor(readonly id: string, readonly color?: ThemeColor) {}
}
export class TreeItem {
  id?: string;
  description?: string;
  iconPath?: ThemeIcon;
  contextValue?: string;
  tooltip?: string;
  constructor(readonly label: string, readonly collapsibleState?: TreeItemCollapsibleState) {}
}

export interface ProgressRecord {
  title?: string;
  cancellable?: boolean;
  reports: { message?: string; increment?: number }[];
  done: boolean;
  cancel(): void;
}
export interface MessageRecord { level: 'info' | 'warning' | 'error'; message: string; items: string[] }

/** What the extension showed, and how the "user" answers. */
export const stub = {
  messages: [] as MessageRecord[],
  respond: (_m: MessageRecord): string | undefined => undefined,
  progress: [] as ProgressRecord[],
  statusTexts: [] as string[],
  executed: [] as { command: string; args: unknown[] }[],
  settings: new Map<string, unknown>(),
  outputShown: 0,
  output: [] as string[],
  /** Command ids registered, webview panels created, serializers registered, documents shown (with the cursor). */
  registered: [] as string[],
  panels: [] as ReturnType<typeof webviewPanel>[],
  serializers: new Map<string, { deserializeWebviewPanel(panel: unknown, state: unknown): Promise<void> }>(),
  shown: [] as { uri: Uri; selection?: Range; viewColumn?: number }[],
  reset(): void {
    this.registered = [];
    this.panels = [];
    this.serializers.clear();
    this.shown = [];
    this.messages = [];
    this.progress = [];
    this.statusTexts = [];
    this.executed = [];
    this.output = [];
    this.outputShown = 0;
    this.respond = () => undefined;
  },
};

function message(level: MessageRecord['level']) {
  return (text: string, ...rest: unknown[]): Promise<string | undefined> => {
    const rec = { level, message: text, items: rest.filter((x): x is string => typeof x === 'string') };
    stub.messages.push(rec);
    return Promise.resolve(stub.respond(rec));
  };
}

export const window = {
  activeTextEditor: undefined as unknown,
  createOutputChannel: (name: string) => ({
    name,
    append: (s: string) => void stub.output.push(s),
    appendLine: (s: string) => void stub.output.push(`${s}\n`),
    show: () => void stub.outputShown++,
    dispose: () => undefined,
  }),
  showInformationMessage: message('info'),
  showWarningMessage: message('warning'),
  showErrorMessage: message('error'),
  withProgress<R>(
    options: { title?: string; cancellable?: boolean },
    task: (p: { report(v: { message?: string; increment?: number }): void }, token: { onCancellationRequested(l: () => void): Disposable }) => Promise<R>,
  ): Promise<R> {
    const cancelled = new EventEmitter<void>();
    const rec: ProgressRecord = { title: options.title, cancellable: options.cancellable, reports: [], done: false, cancel: () => cancelled.fire() };
    stub.progress.push(rec);
    return task({ report: (v) => void rec.reports.push(v) }, { onCancellationRequested: (l) => cancelled.event(l) }).finally(() => (rec.done = true));
  },
  createStatusBarItem: (id: string) => {
    let text = '';
    return {
      id,
      name: '',
      command: undefined as unknown,
      tooltip: undefined as unknown,
      backgroundColor: undefined as unknown,
      get text() { return text; },
      set text(t: string) { text = t; stub.statusTexts.push(t); },
      show: () => undefined,
      hide: () => undefined,
      dispose: () => undefined,
    };
  },
  registerTreeDataProvider: () => new Disposable(() => undefined),
  showQuickPick: () => Promise.resolve(undefined),
  visibleTextEditors: [] as unknown[],
  createWebviewPanel: webviewPanel,
  registerWebviewPanelSerializer: (viewType: string, serializer: { deserializeWebviewPanel(panel: unknown, state: unknown): Promise<void> }) => {
    stub.serializers.set(viewType, serializer);
    return new Disposable(() => stub.serializers.delete(viewType));
  },
  showTextDocument: async (doc: { uri: Uri }, options?: { selection?: Range; viewColumn?: number }) => {
    stub.shown.push({ uri: doc.uri, selection: options?.selection, viewColumn: options?.viewColumn });
    return { document: doc, selection: options?.selection, revealRange: () => undefined };
  },
};

const configChanged = new EventEmitter<unknown>();
export const workspace = {
  isTrusted: true,
  workspaceFolders: undefined as { uri: Uri }[] | undefined,
  textDocuments: [] as unknown[],
  getConfiguration: (section: string) => ({
    get: <T>(key: string, fallback?: T): T | undefined => (stub.settings.has(`${section}.${key}`) ? (stub.settings.get(`${section}.${key}`) as T) : fallback),
    update: async (key: string, value: unknown) => void stub.settings.set(`${section}.${key}`, value),
  }),
  onDidChangeConfiguration: configChanged.event,
  onDidGrantWorkspaceTrust: new EventEmitter<void>().event,
  openTextDocument: async (uri: Uri) => textDocument(uri, readFileSync(uri.fsPath, 'utf8')),
};

export const commands = {
  executeCommand: async (command: string, ...args: unknown[]) => void stub.executed.push({ command, args }),
  registerCommand: (id: string) => (stub.registered.push(id), new Disposable(() => undefined)),
};
