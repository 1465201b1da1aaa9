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
  --transfer              instead: the transfer benchmark (bench/modularity/transfer.ts): per seed a parent run on
                          transfer-old.dynaxx.yaml, \`dynaxx transfer\`'s advice for transfer-new, and each arm
                          trained on the new task (--transfer-epochs, default 2); --target (default there 0.85)
                          is the validation accuracy for "steps to target"; --runs-dir DIR (default a temp dir)
  --fashion               instead: the ablation arms on Fashion-MNIST (bench/modularity/fashion.ts): full, plain and
                          --ablations (default there no-modularity-loss, no-diversity-loss, masks-off,
                          random-fixed-l1), --epochs (default 1), --limit N training samples (default all),
                          --draws (default there 5) random partitions per arm; --fashion-arms a,b trains exactly
                          these arms (full, plain or ablation ids), e.g. one more arm for a second result file
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
  /** Run the transfer benchmark instead (bench/modularity/transfer.ts). */
  transfer: boolean;
  transferEpochs: number;
  runsDir?: string;
  /** Run the Fashion-MNIST ablations instead (bench/modularity/fashion.ts). */
  fashion: boolean;
  /** Training samples for --fashion (0 = all). */
  limit: number;
  /** --fashion: exactly these arms instead of full, plain and --ablations. */
  fashionArms?: string[];
}

/** The ablation arms --fashion trains by default (the list). */
export const FASHION_ABLATIONS = ['no-modularity-loss', 'no-diversity-loss', 'masks-off', 'random-fixed-l1'];

export const DEFAULT_MODEL = 'examples/two-task-modular.dynaxx.yaml';

export function parseOptions(argv: string[]): Options {
  const o: Options = { model: DEFAULT_MODEL, seeds: [1, 2, 3], dataSeed: 1, target: 0.9, draws: 10, backend: 'wasm', growth: true, ablations: ABLATIONS.map((a) => a.id), quick: false, json: false, transfer: false, transferEpochs: 2, fashion: false, limit: 0 };
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
  let target: number | undefined;
  let draws: number | undefined;
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
    else if (a === '--target') target = num(a, v(), 0);
    else if (a === '--draws') draws = Math.round(num(a, v(), 1));
    else if (a === '--backend') {
      const b = v();
      if (b !== 'wasm' && b !== 'cpu') throw new Error(`--backend: wasm or cpu, got '${b}'`);
      o.backend = b;
    } else if (a === '--ablations') {
      const x = v();
      ablations = x === 'all' ? ABLATIONS.map((y) => y.id) : x === 'none' ? [] : x.split(',').map((id) => ablationById(id).id);
    } else if (a === '--no-growth') o.growth = false;
    else if (a === '--out') o.out = v();
    else if (a === '--transfer') o.transfer = true;
    else if (a === '--transfer-epochs') o.transferEpochs = Math.round(num(a, v(), 1));
    else if (a === '--runs-dir') o.runsDir = v();
    else if (a === '--fashion') o.fashion = true;
    else if (a === '--limit') o.limit = Math.round(num(a, v(), 0));
    else if (a === '--fashion-arms') o.fashionArms = v().split(',').map((id) => (id === 'full' || id === 'plain' ? id : ablationById(id).id));
    else if (a === '--json') o.json = true;
    else if (a === '--quick') Object.assign(o, { seeds: [o.seeds[0] ?? 1], epochs: 2, quick: true });
    else throw new Error(`unknown option ${a}\n${HELP}`);
  }
  if (o.transfer && o.fashion) throw new Error('--transfer and --fashion: one benchmark at a time');
  o.ablations = ablations ?? (o.fashion ? FASHION_ABLATIONS : o.quick ? [] : o.ablations);
  o.draws = draws ?? (o.fashion ? 5 : o.quick ? 2 : o.draws);
  o.target = target ?? (o.transfer ? 0.85 : o.target);
  if (o.target > 1) throw new Error(`--target: an accuracy in [0, 1], got ${o.target}`);
  return o;
}
