/**
 * A language client for the tests and the benchmark: spawns the server (`node --import tsx server/main.ts
 * --stdio`, or the bundle `dist/server.js`) and speaks LSP to it over a real JSON-RPC connection.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
export const ROOT = join(__dirname, '..');
export const FIXTURES = join(__dirname, 'fixtures');
export class TestClient {
    connection;
    child;
    published = [];
    statuses = [];
    waiters = [];
    versions = new Map();
    constructor(connection, child) {
        this.connection = connection;
        this.child = child;
        connection.onNotification('textDocument/publishDiagnostics', (p) => {
            this.published.push({ params: p, at: performance.now() });
            this.wake();
        });
        connection.onNotification('dynaxx/serverStatus', (p) => {
            this.statuses.push(p);
            this.wake();
        });
        connection.onNotification('window/logMessage', () => undefined);
        connection.onRequest('workspace/configuration', () => []);
    }
    static async start(options = {}) {
        const args = options.bundled ? [join(ROOT, 'dist', 'server.js'), '--stdio'] : ['--import', 'tsx', join(__dirname, 'main.ts'), '--stdio'];
        const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...options.env } });
        const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
        const client = new TestClient(connection, child);
        connection.listen();
        await connection.sendRequest('initialize', {
            processId: process.pid,
            rootUri: pathToFileURL(options.folders?.[0] ?? ROOT).href,
            ...(options.folders ? { workspaceFolders: options.folders.map((f) => ({ uri: pathToFileURL(f).href, name: f })) } : {}),
            capabilities: {
                textDocument: { publishDiagnostics: { dataSupport: true }, codeAction: { dataSupport: true } },
                workspace: { workspaceFolders: true },
            },
            initializationOptions: { ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}), ...options.init },
        });
        await connection.sendNotification('initialized', {});
        return client;
    }
    /** Opens a fixture (or any file) with its text from disk, or `text` when given. Returns its URI. */
    async open(path, text) {
        const uri = pathToFileURL(path).href;
        this.versions.set(uri, 1);
        await this.connection.sendNotification('textDocument/didOpen', {
            textDocument: { uri, languageId: 'dynaxx', version: 1, text: text ?? readFileSync(path, 'utf8') },
        });
        return uri;
    }
    /** Replaces the whole text; returns the new version. */
    async change(uri, text) {
        const version = (this.versions.get(uri) ?? 1) + 1;
        this.versions.set(uri, version);
        await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
        return version;
    }
    /** The diagnostics last published for a URI. */
    diagnostics(uri) {
        for (let i = this.published.length - 1; i >= 0; i--)
            if (this.published[i].params.uri === uri)
                return this.published[i].params.diagnostics;
        return undefined;
    }
    /** Waits for a publish for `uri` after index `from` that satisfies `check`. */
    async waitForDiagnostics(uri, check = () => true, from = 0, ms = 10_000) {
        const end = Date.now() + ms;
        for (;;) {
            for (let i = from; i < this.published.length; i++) {
                const p = this.published[i];
                if (p.params.uri === uri && check(p.params.diagnostics, p.params))
                    return p;
            }
            if (Date.now() > end)
                throw new Error(`no matching diagnostics for ${uri} within ${ms} ms; last: ${JSON.stringify(this.diagnostics(uri))}`);
            await new Promise((resolve) => {
                const t = setTimeout(resolve, Math.max(1, end - Date.now()));
                this.waiters.push(() => { clearTimeout(t); resolve(); });
            });
        }
    }
    request(method, params) {
        return this.connection.sendRequest(method, params);
    }
    notify(method, params) {
        return this.connection.sendNotification(method, params);
    }
    async stop() {
        try {
            await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
            await this.connection.sendNotification('exit');
        }
        catch {
            /* already gone */
        }
        this.connection.dispose();
        if (this.child.exitCode === null) {
            await new Promise((resolve) => {
                const t = setTimeout(() => { this.child.kill(); resolve(); }, 2000);
                this.child.once('exit', () => { clearTimeout(t); resolve(); });
            });
        }
    }
    wake() {
        for (const w of this.waiters.splice(0))
            w();
    }
}
export function fixture(name) {
    return join(FIXTURES, name);
}
//# sourceMappingURL=test-client.js.map