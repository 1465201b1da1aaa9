/** Command-line options of bench.ts, parsed strictly: an unknown or malformed option fails with its name. */
import type { BackendId } from '../protocol/trainer';

export const HELP = `Usage: node dist/bench.js [options]     (or: npm run bench -- [options])
Modes (default: the case benchmark, reference models on each backend beside PyTorch):
  --e2e NAME|FILE       end to end: \`dynaxx train examples/NAME.dynaxx.yaml --epochs N\` through the CLI bundle on each
                        backend (default webgpu, wasm), and the same training in PyTorch (NAME: fashion-mlp)
  --overhead            step time with and without stabilize: auto, modularity: on and monitors (one backend each)
  --summarize DIR       the table of a GPU check (bench/gpu-check.sh) from the JSON files in DIR
  --profile             where a step's time goes: each kernel timed, ms per step by kernel name and the rest (one
                        synchronous backend, default wasm; bench/results/profile-<backend>-<host>-<date>-<label>.json)
Options:
  --backends a,b        backends to measure (default: every available one of tensorflow, webgpu, wasm, cpu;
                        --e2e: webgpu, wasm; --overhead: the first available)
  --models a,b          reference models: mlp, mlp-big, cnn (default: mlp, cnn, mlp-big on GPU backends; cnn not on cpu)
  --batch 64,256        batch sizes (default: per model; the cpu backend runs only the smallest; --overhead: 128)
  --steps N             timed steps per case (default: webgpu/tensorflow 50, wasm 20, cpu 3; PyTorch cpu 10, cuda 50;
                        --overhead: 100 on webgpu/tensorflow, else 40)
  --warmup N            untimed warm-up steps before them (default: 5, cpu backend 1, PyTorch cpu 3; --overhead: 20)
  --quick               smoke test: smallest batch of each model, 3 steps after 1 warm-up (--overhead: 20 after 10)
  --timeout S           seconds one case (one child process) may take before it is killed and reported (default 300;
                        the PyTorch peer gets S per case, an end-to-end run 3·S)
  --epochs N            --e2e: epochs (default 3)
  --limit N             --e2e: train on N samples of the training set (data.limit; default all)
  --cli PATH            --e2e: the CLI bundle (default: cli.js beside this script, else dist/cli.js)
  --label NAME          --profile: the result file's label, e.g. before or after (default run)
  --out FILE            where to write the JSON results (default: bench/results/<host>-<backends>-<date>.json,
                        --e2e and --overhead: <host>-<mode>-<date>.json)
  --json                print the JSON results instead of the tables
  --torch-device D      cpu or cuda for the PyTorch peer (default: cuda when webgpu is measured, else cpu)
  --python PATH         python with torch for the peer (default: python3, then /usr/bin/python3)
  --torch-script PATH   bench/torch_ref.py when it is not beside this script
  --no-torch            skip the PyTorch peer
Internal (one child process): --backend B --case MODEL:BATCH --result FILE, or --backend B --variant NAME --result FILE`;

export interface BenchOptions {
  backend?: BackendId;
  backends?: BackendId[];
  models?: string[];
  batch?: number[];
  steps?: number;
  warmup?: number;
  quick: boolean;
  /** Seconds per child process. */
  timeout: number;
  out?: string;
  json: boolean;
  torchDevice?: 'cpu' | 'cuda';
  python?: string;
  torchScript?: string;
  torch: boolean;
  help: boolean;
  /** Child: the case `model:batch` to measure. */
  case?: string;
  /** Child: the overhead variant to measure. */
  variant?: string;
  /** Child: where to write the result. */
  result?: string;
  e2e?: string;
  epochs?: number;
  limit?: number;
  cli?: string;
  overhead: boolean;
  summarize?: string;
  /** --profile: kernel time by name per step. */
  profile: boolean;
  label?: string;
}

const BACKEND_IDS = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

export function parseOptions(argv: string[]): BenchOptions {
  const o: BenchOptions = { quick: false, json: false, torch: true, help: false, overhead: false, profile: false, timeout: 300 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${arg} needs a value`);
      return v;
    };
    const list = () => value().split(',').map((s) => s.trim()).filter((s) => s);
    const int = (s: string) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${arg} needs positive integers, got '${s}'`);
      return n;
    };
    const backend = (s: string) => {
      if (!BACKEND_IDS.includes(s)) throw new Error(`${arg}: unknown backend '${s}', use ${BACKEND_IDS.join(', ')}`);
      return s as BackendId;
    };
    switch (arg) {
      case '--backend': o.backend = backend(value()); break;
      case '--backends': o.backends = list().map(backend); break;
      case '--models': o.models = list(); break;
      case '--batch': o.batch = list().map(int); break;
      case '--steps': o.steps = int(value()); break;
      case '--warmup': o.warmup = int(value()); break;
      case '--quick': o.quick = true; break;
      case '--timeout': o.timeout = int(value()); break;
      case '--out': o.out = value(); break;
      case '--json': o.json = true; break;
      case '--torch-device': {
        const d = value();
        if (d !== 'cpu' && d !== 'cuda') throw new Error(`--torch-device must be cpu or cuda, got '${d}'`);
        o.torchDevice = d;
        break;
      }
      case '--python': o.python = value(); break;
      case '--torch-script': o.torchScript = value(); break;
      case '--no-torch': o.torch = false; break;
      case '--case': o.case = value(); break;
      case '--variant': o.variant = value(); break;
      case '--result': o.result = value(); break;
      case '--e2e': o.e2e = value(); break;
      case '--epochs': o.epochs = int(value()); break;
      case '--limit': o.limit = int(value()); break;
      case '--cli': o.cli = value(); break;
      case '--overhead': o.overhead = true; break;
      case '--summarize': o.summarize = value(); break;
      case '--profile': o.profile = true; break;
      case '--label': {
        const l = value();
        if (!/^[\w.-]+$/.test(l)) throw new Error(`--label takes letters, digits, '.', '_' and '-', got '${l}'`);
        o.label = l;
        break;
      }
      case '--help': case '-h': o.help = true; break;
      default: throw new Error(`unknown option '${arg}' (see --help)`);
    }
  }
  if ((o.case || o.variant) && !(o.backend && o.result)) throw new Error('--case and --variant need --backend and --result');
  return o;
}

/** The options every child process of a mode needs, as arguments. */
export function childArgs(o: BenchOptions): string[] {
  const a: string[] = [];
  if (o.batch) a.push('--batch', o.batch.join(','));
  if (o.steps) a.push('--steps', String(o.steps));
  if (o.warmup) a.push('--warmup', String(o.warmup));
  if (o.quick) a.push('--quick');
  return a;
}
