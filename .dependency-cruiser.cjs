/**
 * The architecture as a test (`npm test` runs `depcruise`): no import cycles (type-only imports count), and the
 * layering, top to bottom: front ends (extension, language server, CLI, JSON-RPC trainer) → run assembly
 * (trainer/session.ts, trainer/run/) → techniques (stabilize, modularity, pruning, routing, dna, monitors) →
 * surgery, engine, store, data, backends → spec, protocol. Nothing imports upward.
 */
const FRONT = '^(extension|server|webviews)/|^trainer/(cli/|server\\.ts|remote\\.ts|main\\.ts|message-reader\\.ts|request-checks\\.ts|response-errors\\.ts|transport-limits\\.ts|report/)';
const ASSEMBLY = '^trainer/(session\\.ts|run/|evaluate\\.ts)';
const TECHNIQUES = '^trainer/(stabilize|modularity|pruning|routing|dna|monitors)/';
const BASE = '^trainer/((engine|store|data|backend|surgery|resources)/|run-technique\\.ts|errors\\.ts)';

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'Import cycles (type-only imports included) make layers impossible to read on their own.', from: {}, to: { circular: true } },
    { name: 'spec-protocol-import-nothing-of-ours', severity: 'error', comment: 'spec/ and protocol/ import nothing of ours but each other.', from: { path: '^(spec|protocol)/' }, to: { path: '^(trainer|server|extension|webviews|bench|test)/' } },
    { name: 'base-imports-no-technique', severity: 'error', comment: 'The engine, store, data, backends and surgery import no technique (techniques register themselves).', from: { path: BASE }, to: { path: `${TECHNIQUES}|${ASSEMBLY}|${FRONT}` } },
    { name: 'techniques-import-no-assembly-or-front-end', severity: 'error', comment: 'Techniques import neither the run assembly nor a front end.', from: { path: TECHNIQUES }, to: { path: `${ASSEMBLY}|${FRONT}` } },
    { name: 'assembly-imports-no-front-end', severity: 'error', comment: 'The run assembly imports no front end.', from: { path: ASSEMBLY }, to: { path: FRONT } },
    { name: 'language-server-imports-no-trainer', severity: 'error', comment: 'The language server reads model files with spec/ only: no trainer code, no tfjs.', from: { path: '^server/' }, to: { path: '^trainer/' } },
    { name: 'extension-imports-no-trainer', severity: 'error', comment: 'The extension talks to the trainer over the protocol only.', from: { path: '^(extension|webviews)/' }, to: { path: '^trainer/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|out)/|\\.test\\.ts$|^test/|^bench/|^scripts/|(^|/)test-[^/]*\\.ts$|(^|/)fixtures/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
