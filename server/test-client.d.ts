import { type MessageConnection } from 'vscode-jsonrpc/node';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver';
import type { ServerStatusParams } from '../protocol/lsp-ext';
export declare const ROOT: string;
export declare const FIXTURES: string;
export interface StartOptions {
    debounceMs?: number;
    /** Run dist/server.js (after `node scripts/bundle.mjs`) instead of the TypeScript sources. */
    bundled?: boolean;
    /** More `initializationOptions` (`parseTimeoutMs`, `workspaceTrusted`, …). */
    init?: Record<string, unknown>;
    /** Workspace folder paths (default: the repository root, as `rootUri`). */
    folders?: string[];
    /** Extra environment variables for the server process. */
    env?: Record<string, string>;
}
export interface Published {
    params: PublishDiagnosticsParams;
    at: number;
}
export declare class TestClient {
    readonly connection: MessageConnection;
    private readonly child;
    readonly published: Published[];
    readonly statuses: ServerStatusParams[];
    private readonly waiters;
    private readonly versions;
    private constructor();
    static start(options?: StartOptions): Promise<TestClient>;
    /** Opens a fixture (or any file) with its text from disk, or `text` when given. Returns its URI. */
    open(path: string, text?: string): Promise<string>;
    /** Replaces the whole text; returns the new version. */
    change(uri: string, text: string): Promise<number>;
    /** The diagnostics last published for a URI. */
    diagnostics(uri: string): Diagnostic[] | undefined;
    /** Waits for a publish for `uri` after index `from` that satisfies `check`. */
    waitForDiagnostics(uri: string, check?: (d: Diagnostic[], p: PublishDiagnosticsParams) => boolean, from?: number, ms?: number): Promise<Published>;
    request<R>(method: string, params: unknown): Promise<R>;
    notify(method: string, params: unknown): Promise<void>;
    stop(): Promise<void>;
    private wake;
}
export declare function fixture(name: string): string;
