/**
 * The tables of BENCHMARKS.md that are generated from stored result files. Each is one formatter, the same one the
 * benchmark that wrote the file prints its markdown with; a marked region of BENCHMARKS.md names the table's id and
 * its files (markers.ts), and `npm run bench:tables` rewrites the region from them.
 *
 * To add a table: register it here (an id, what it shows, how many files, and a render from the files' JSON), then
 * put `<!-- table: <id> from <file> -->` and `<!-- /table -->` around it in BENCHMARKS.md and run the script.
 */
import { fashionResults, fashionTable, textResults, textTable, type DnaResultsFile } from '../dna/report';
import { seedsTable as dnaSeedsTable } from '../dna/seeds';
import { ablationOrder, ablationTable } from '../modularity/ablations';
import { markdownTables } from '../modularity/report';
import type { BenchmarkDoc } from '../modularity/main';
import type { FashionDoc } from '../modularity/fashion';
import { fashionModularityTable } from '../modularity/fashion-report';
import type { TransferDoc } from '../modularity/transfer';
import { transferTables } from '../modularity/transfer-report';
import { pruningMarkdown, pruningSeedsMarkdown, type PruningResultsFile, type PruningSeedsFile } from '../pruning/report';
import { routingSeedsMarkdown } from '../pruning/routing-seeds';
import { diagnosticsTable, type DiagnosticsResultFile } from '../../server/bench-diagnostics-report';
import { speedMarkdown, tableRows, type BackendRun, type Row } from '../report';
import type { TorchRun } from '../torch-peer';
import { dashboardStressTable, type DashboardStressFile } from './dashboard-stress';
import { leverTables, LEVERS } from './levers';
import { loopSplitTable, type LoopSplitFile } from './loop-split';
import { profileTables } from './profile';
import type { ProfileFile } from '../profile';
import { stabilityV1Table, type StabilityV1File } from './stability-2026-11';
import { sweepBenchTable, type SweepBenchFile } from '../sweep/report';
import { armRowsOfFile, markdownTable as stabilityArmsTable } from '../stability/report';

/** A result file as a table receives it: its path (relative to the repository) and its parsed JSON. */
export interface ResultFile {
  path: string;
  json: unknown;
}

export interface TableGenerator {
  /** The id its markers carry. */
  id: string;
  /** What the table shows (for --list and for messages). */
  what: string;
  /** How many files its marker names; undefined: exactly one. */
  files?: number;
  /** The markdown between the markers, below the "Result file" line. */
  render(files: ResultFile[]): string;
}

/** bench/results/<host>-<backends>-<date>.json, as bench/cases.ts writes it. */
interface CaseResultsFile {
  runs: BackendRun[];
  torch: TorchRun | { missing: string };
  rows: Row[];
}

const one = <T>(files: ResultFile[]) => files[0]!.json as T;

export const TABLES: TableGenerator[] = [
  {
    id: 'case-throughput',
    what: 'case benchmark: samples/s and TFLOP/s per model, batch and backend beside PyTorch (bench/report.ts)',
    render(files) {
      const doc = one<CaseResultsFile>(files);
      return speedMarkdown(tableRows(doc.runs, 'results' in doc.torch ? doc.torch : undefined));
    },
  },
  {
    id: 'webgpu-levers',
    what: `WebGPU host cost per step, one file per lever switched on in turn (${LEVERS.length} files; bench/tables/levers.ts)`,
    files: LEVERS.length,
    render: (files) => leverTables(files.map((f) => ({ path: f.path, rows: (f.json as CaseResultsFile).rows }))),
  },
  {
    id: 'sweep-queue',
    what: 'sweeps: the local pool against the BullMQ queue with 1 and 2 workers, per-run overhead (bench/sweep/report.ts)',
    render: (files) => sweepBenchTable(one<SweepBenchFile>(files)),
  },
  {
    id: 'loop-split',
    what: 'a plain run before and after the training loop split: CPU and wall seconds (bench/tables/loop-split.ts)',
    render: (files) => loopSplitTable(one<LoopSplitFile>(files)),
  },
  {
    id: 'stability-controls',
    what: 'stable ultra-deep training: every arm (protocol, controls, ablations) per depth over seeds (bench/stability/report.ts)',
    render(files) {
      // recomputed from the runs' per-step losses with today's rules (a corrected divergence rule reaches old files)
      const doc = one<Parameters<typeof armRowsOfFile>[0]>(files);
      return stabilityArmsTable(armRowsOfFile(doc), doc.options.target);
    },
  },
  {
    id: 'stability-2026-11',
    what: 'stable ultra-deep training with and without `stabilize: auto`, the first file format (bench/tables/stability-2026-11.ts)',
    render: (files) => stabilityV1Table(one<StabilityV1File>(files)),
  },
  {
    id: 'modularity',
    what: 'emergent modularity: partitions, training cost and growth (bench/modularity/report.ts)',
    render(files) {
      const doc = one<BenchmarkDoc>(files);
      return markdownTables(doc.summary, doc.tasks, doc.options.target, doc.options.seeds, doc.growth);
    },
  },
  {
    id: 'modularity-ablations',
    what: 'emergent modularity: the file\'s block against its ablations and the random-fixed-partition control, per arm over seeds (bench/modularity/ablations.ts)',
    render(files) {
      const doc = one<BenchmarkDoc>(files);
      return ablationTable(doc.seeds.flatMap((s) => s.ablations ?? []), ablationOrder(doc.options.ablations));
    },
  },
  {
    id: 'modularity-transfer',
    what: 'emergent modularity: following `dynaxx transfer`\'s advice on a related task against random, reversed and exact freezing, fine-tuning everything and retraining, per arm over seeds (bench/modularity/transfer-report.ts)',
    render: (files) => transferTables(one<TransferDoc>(files)),
  },
  {
    id: 'modularity-fashion',
    what: 'emergent modularity on Fashion-MNIST: the file\'s block, plain training and the ablation arms, class specialization against random partitions, per arm over seeds; the second file holds no-diversity-loss (bench/modularity/fashion-report.ts)',
    files: 2,
    render: (files) => fashionModularityTable(files.map((f) => f.json as FashionDoc)),
  },
  {
    id: 'pruning',
    what: 'pruning criteria × FLOP targets, AGF against the best other criterion, and the routing curve (bench/pruning/report.ts)',
    render(files) {
      const doc = one<PruningResultsFile>(files);
      return pruningMarkdown(doc.sweep, doc.routing);
    },
  },
  {
    id: 'pruning-seeds',
    what: 'pruning criteria × FLOP targets over training and pruning seeds: mean ± sd, paired differences, selection stability (bench/pruning/report.ts)',
    render: (files) => pruningSeedsMarkdown(one<PruningSeedsFile>(files)),
  },
  {
    id: 'pruning-routing-seeds',
    what: 'confidence routing over training seeds: the routed system at its operating point against the full expert alone, mean ± sd (bench/pruning/routing-seeds.ts)',
    render: (files) => routingSeedsMarkdown(one<PruningSeedsFile>(files)),
  },
  {
    id: 'dashboard-stress',
    what: 'dashboard: frame gaps in headless Chromium with 1000 layers updated 10 times a second (bench/tables/dashboard-stress.ts)',
    render: (files) => dashboardStressTable(one<DashboardStressFile>(files)),
  },
  {
    id: 'ls-diagnostics',
    what: 'language server: didChange → publishDiagnostics on the 1000-block model file (server/bench-diagnostics-report.ts)',
    render: (files) => diagnosticsTable(one<DiagnosticsResultFile>(files)),
  },
  {
    id: 'dna-fashion',
    what: 'dense, MoE and DNA on Fashion-MNIST patches: accuracy against FLOPs per patch (bench/dna/report.ts)',
    render: (files) => fashionTable(fashionResults(one<DnaResultsFile>(files).results)),
  },
  {
    id: 'dna-seeds',
    what: 'dense, MoE and DNA on Fashion-MNIST over 3 training seeds (a file per seed): paired gap to dense, the target per seed, routing trained vs random init (bench/dna/seeds.ts)',
    files: 3,
    render: (files) => dnaSeedsTable(files.map((f) => f.json as DnaResultsFile)),
  },
  {
    id: 'dna-text',
    what: 'dense and DNA character LMs: test loss against FLOPs per character (bench/dna/report.ts)',
    render: (files) => textTable(textResults(one<DnaResultsFile>(files).results)),
  },
  {
    id: 'wasm-step-profile',
    what: 'where a wasm training step\'s time goes: ms per step and share by kernel, and the JS rest, per model and batch; 1 file, or 2 (before, after) side by side (bench/tables/profile.ts)',
    files: 2,
    render: (files) => profileTables(files.map((f) => f.json as ProfileFile)),
  },
];

export function tableById(id: string): TableGenerator | undefined {
  return TABLES.find((t) => t.id === id);
}
