/** Command-line options of bench.ts, parsed strictly: an unknown or malformed option fails with its name. */
import type { BackendId } from '../protocol/trainer';

export const HELP = `Usage: node dist/bench.js [options]     (or: npm run bench -- [options])
  --backends a,b        backends to measure (default: every available one of tensorflow, webgpu, wasm, cpu)
  --models a,b          reference models: mlp, mlp-big, cnn (default: mlp, cnn, mlp-big on GPU backends; cnn not on cpu)
  --batch 64,256        batch sizes (default: per model; the cpu backend runs only the smallest)
  --steps N             timed steps per case (default: webgpu/tensorflow 50, wasm 20, cpu 3; PyTorch cpu 10, cuda 50)
  --warmup N            untimed warm-up steps before them (default: 5, cpu backend 1, PyTorch cpu 3)
  --quick               smoke test: smallest batch of each model, 3 steps after 1 warm-up
  --out FILE            where to write the JSON results (default: bench/results/<host>-<backends>-<date>.json)
  --json                print the JSON results instead of the tables
  --torch-device D      cpu or cuda for the PyTorch peer (default: cuda when webgpu is measured, else cpu)
  --python PATH         python with torch for the peer (default: python3, then /usr/bin/python3)
  --torch-script PATH   bench/torch_ref.py when it is not beside this script
  --no-torch            skip the PyTorch peer
  --backend B --json    (internal) measure on backend B in this process and print its JSON`;

export interface BenchOptions {
  backend?: BackendId;
  backends?: BackendId[];
  models?: string[];
  batch?: number[];
  steps?: number;
  warmup?: number;
  quick: boolean;
  out?: string;
  json: boolean;
  torchDevice?: 'cpu' | 'cuda';
  python?: string;
  torchScript?: string;
  torch: boolean;
  help: boolean;
}

const BACKEND_IDS = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

export function parseOptions(argv: string[]): BenchOptions {
  const o: BenchOptions = { quick: false, json: false, torch: true, help: false };
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
      case '--help': case '-h': o.help = true; break;
      default: throw new Error(`unknown option '${arg}' (see --help)`);
    }
  }
  return o;
}

/** The options a child process (one backend) needs, as arguments. */
export function childArgs(o: BenchOptions): string[] {
  const a: string[] = [];
  if (o.models) a.push('--models', o.models.join(','));
  if (o.batch) a.push('--batch', o.batch.join(','));
  if (o.steps) a.push('--steps', String(o.steps));
  if (o.warmup) a.push('--warmup', String(o.warmup));
  if (o.quick) a.push('--quick');
  return a;
}
