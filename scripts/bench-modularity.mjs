#!/usr/bin/env node
// `npm run bench:modularity -- [options]`: the emergent-modularity evidence (seed 000) on the two-task set:
// Dynaxx's subnetworks vs spectral clustering of a plainly trained network (Filan et al.) vs random
// partitions, and the same network trained with and without `modularity:` (`--help` lists the options).
// Runs bench/modularity/main.ts through tsx (no bundle step: it is a development tool, like the tests).
// Results: BENCHMARKS.md, "Emergent modularity"; JSON in bench/modularity/results.json.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const entry = join(root, 'bench', 'modularity', 'main.ts');
const r = spawnSync(process.execPath, ['--import', 'tsx', '--enable-source-maps', entry, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
