import { ABLATIONS, ablationById } from './ablations';

/** The options of `npm run bench:modularity` and their defaults; unknown or mistyped options fail with their name. */

export const HELP = `npm run bench:modularity -- [options]
  --model FILE            two-task model with a modularity: block (default examples/two-task-modular.dynaxx.yaml)
  --seeds 1,2,3           train.seed of each run (init and shuffle); the data stay the same (--data-seed)
  --data-seed 1           seed of the synthetic data and its train/validation split, the same for every run
  --epochs N              override the file's train.epochs (default: the file's, 6)
  --target 0.9            validation accuracy (mean over tasks) for "epochs to target"
  --draws 10              random partitions per seed for the (c) baseline
  --backend wasm|cpu      (default wasm)
  --ablations all|none|a,b  ablation arms trained per seed beside (a) and (b) (default all; --quick: none):
                          no-modularity-loss, no-diversity-loss, masks-off, random-fixed-l1,
                          mask-cost-1, mask-cost-10, k16-defaults
  --no-growth             skip the growth row even when trainer/modularity/growth.ts exists
  --quick                 1 seed, 2 epochs, 2 random draws: a smoke test (results to the temp dir)
  --out FILE              JSON results (default bench/modularity/results.json; --quick: the temp dir)
  --json                  print the JSON instead of the table`;

export interface Options {
  model: string;
  seeds: number[];
  dataSeed: number;
  /** Undefined: the model file's train.epochs. */
  epochs?: number;
  target: number;
  draws: number;
  backend: 'wasm' | 'cpu';
  growth: boolean;
  /** Ablation arms (bench/modularity/ablations.ts ids). */
  ablations: string[];
  out?: string;
  /** A smoke run: its results go to the temp dir unless --out says otherwise. */
  quick: boolean;
  json: boolean;
}

export const DEFAULT_MODEL = 'examples/two-task-modular.dynaxx.yaml';

export function parseOptions(argv: string[]): Options {
  const o: Options = { model: DEFAULT_MODEL, seeds: [1, 2, 3], dataSeed: 1, target: 0.9, draws: 10, backend: 'wasm', growth: true, ablations: ABLATIONS.map((a) => a.id), quick: false, json: false };
  const ints = (a: string, v: string) => {
    const xs = v.split(',').map(Number);
    if (xs.length === 0 || xs.some((x) => !Number.isInteger(x))) throw new Error(`${a}: a comma-separated list of integers, got '${v}'`);
    return xs;
  };
  const num = (a: string, v: string, min: number) => {
    const x = Number(v);
    if (!(x >= min)) throw new Error(`${a}: a number ≥ ${min}, got '${v}'`);
    return x;
  };
  let ablations: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--model') o.model = v();
    else if (a === '--seeds') o.seeds = ints(a, v());
    else if (a === '--data-seed') o.dataSeed = ints(a, v())[0]!;
    else if (a === '--epochs') o.epochs = Math.round(num(a, v(), 1));
    else if (a === '--target') o.target = num(a, v(), 0);
    else if (a === '--draws') o.draws = Math.round(num(a, v(), 1));
    else if (a === '--backend') {
      const b = v();
      if (b !== 'wasm' && b !== 'cpu') throw new Error(`--backend: wasm or cpu, got '${b}'`);
      o.backend = b;
    } else if (a === '--ablations') {
      const x = v();
      ablations = x === 'all' ? ABLATIONS.map((y) => y.id) : x === 'none' ? [] : x.split(',').map((id) => ablationById(id).id);
    } else if (a === '--no-growth') o.growth = false;
    else if (a === '--out') o.out = v();
    else if (a === '--json') o.json = true;
    else if (a === '--quick') Object.assign(o, { seeds: [o.seeds[0] ?? 1], epochs: 2, draws: 2, quick: true });
    else throw new Error(`unknown option ${a}\n${HELP}`);
  }
  o.ablations = ablations ?? (o.quick ? [] : o.ablations);
  if (o.target > 1) throw new Error(`--target: an accuracy in [0, 1], got ${o.target}`);
  return o;
}
