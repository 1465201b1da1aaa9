/**
 * Entry point of the Dynaxx language server: `node dist/server.js --stdio` (or `--node-ipc`, `--socket=N`,
 * as vscode-languageclient chooses).
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

startServer(createConnection(ProposedFeatures.all));
