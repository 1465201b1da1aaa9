/**
 * The benchmark's model: the same deep residual network at several depths, generated as model-file text.
 * A dense stem, `blocks` residual blocks of one tanh dense layer each at scale 1 with no normalization,
 * and a dense classifier: depth D = blocks + 2 weight layers. Synthetic blobs, so nothing is read from disk.
 *
 * Each arm (issue 16: the protocol, its ablations and the controls a reader expects) is a variant of that
 * model file, nothing else: a `stabilize:` block with pillars on or off, the residual blocks' `scale:`,
 * layerNorms, the optimizer and `train.clipNorm`. `ARMS` is the registry; `stabilityModelText` writes it.
 */

/** The four pillars an ablation switches: spectral bounds, residual α, depth-dependent LR, the safety net. */
export const PILLARS = ['spectral', 'residual', 'depth-lr', 'clip'] as const;
export type Pillar = (typeof PILLARS)[number];

export interface StabilityConfig {
  /** Weight layers (ModelFile.depth): stem + blocks + logits. */
  depth: number;
  width: number;
  steps: number;
  batchSize: number;
  optimizer: 'adam' | 'sgd';
  lr: number;
  /** Which variant of the model file (see ARMS). */
  arm: ArmName;
  seed: number;
  backend: 'wasm' | 'cpu';
  classes: number;
  features: number;
}

/** How an arm changes the model file. */
interface Arm {
  /** One line for --help and BENCHMARKS.md. */
  doc: string;
  group: 'protocol' | 'control' | 'ablation' | 'seed-claim';
  /** The residual blocks' `scale:` (default 1), given the number of blocks. */
  scale?: (blocks: number) => number;
  /** A layerNorm first in each residual body (pre-LN). */
  preLn?: boolean;
  /** A layerNorm after each residual block (post-LN, DeepNorm). */
  postLn?: boolean;
  /** Replaces the benchmark's optimizer and LR. */
  optimizer?: { type: 'adam' | 'sgd'; lr: number };
  /** `train.clipNorm` (0 = none, the default). */
  clipNorm?: number;
  /** The `stabilize:` value as YAML lines under the key (undefined: no block). */
  stabilize?: (c: StabilityConfig) => string[];
}

/** The safety net off: no clipping, and a loss spike cuts the LR for 0 steps (an alert only). */
const SAFETY_OFF = ['  safety: { clipNorm: 0, lrSteps: 0 }'];
const OFF: Record<Pillar, string[]> = {
  spectral: ['  spectral: off'],
  residual: ['  residual: off'],
  'depth-lr': ['  lr: off'],
  clip: SAFETY_OFF,
};
/** `stabilize:` with `auto: true` and the given pillars switched off (the rest derived as `auto` does). */
const autoWithout = (...off: Pillar[]) => () => ['', '  auto: true', ...off.flatMap((p) => OFF[p])];
const only = (p: Pillar) => autoWithout(...PILLARS.filter((q) => q !== p));

const ARM_TABLE = {
  baseline: { group: 'protocol', doc: 'plain SGD, residual scale 1, no normalization, no clipping' },
  stabilized: { group: 'protocol', doc: '`stabilize: auto` (all four pillars, derived from the depth)', stabilize: () => [' auto'] },
  'fixed-alpha-0.1': { group: 'control', doc: 'control: residual `scale: 0.1` and nothing else (SkipInit-like)', scale: () => 0.1 },
  rezero: {
    group: 'control',
    doc: 'control: ReZero, α learnable from 0 (stabilize.residual learnable, α at the base LR); no other pillar',
    stabilize: (c) => ['', '  monitors: off', '  spectral: off', '  lr: off', `  residual: { mode: learnable, initial: 0, lr: ${c.lr} }`, ...SAFETY_OFF],
  },
  deepnorm: {
    group: 'control',
    doc: 'control: DeepNorm-style post-LN, y = LN(x + f(x)/α), α = (2N)^¼ (N blocks); the β init gain is not expressible (dense has no init gain)',
    scale: (n) => (2 * n) ** -0.25,
    postLn: true,
  },
  'preln-adam-clip': {
    group: 'control',
    doc: 'control: pre-LayerNorm blocks, Adam lr 1e-3, train.clipNorm 1.0',
    preLn: true,
    optimizer: { type: 'adam', lr: 1e-3 },
    clipNorm: 1,
  },
  'auto-peak-base': {
    group: 'ablation',
    doc: 'protocol with the peak LR at the base LR (not scaled by (100/D)^0.5); warm-up, decay and every other pillar as `auto`',
    stabilize: (c) => ['', '  auto: true', `  lr: { peakLr: ${c.lr} }`],
  },
  'no-spectral': { group: 'ablation', doc: 'protocol without spectral bounds', stabilize: autoWithout('spectral') },
  'no-residual': { group: 'ablation', doc: 'protocol without residual α', stabilize: autoWithout('residual') },
  'no-depth-lr': { group: 'ablation', doc: 'protocol without the depth-dependent LR (train.schedule applies)', stabilize: autoWithout('depth-lr') },
  'no-clip': { group: 'ablation', doc: 'protocol without the safety net (no clipping, no LR cut after a spike)', stabilize: autoWithout('clip') },
  'spectral-only': { group: 'ablation', doc: 'spectral bounds alone', stabilize: only('spectral') },
  'residual-only': { group: 'ablation', doc: 'residual α alone', stabilize: only('residual') },
  'depth-lr-only': { group: 'ablation', doc: 'depth-dependent LR alone', stabilize: only('depth-lr') },
  'clip-only': { group: 'ablation', doc: 'safety net alone (clip 1.0, LR cut after a spike)', stabilize: only('clip') },
  // the seed's own claims, for the --long preset (an explicit warm-up: an `auto` one is cut to 10% of the run)
  'warmup-2000': { group: 'seed-claim', doc: 'protocol with the seed\'s 2000-step warm-up written out (auto would cut it to 10% of the run)', stabilize: () => ['', '  auto: true', '  lr: { warmupSteps: 2000 }'] },
  'warmup-1000': { group: 'seed-claim', doc: 'protocol with a 1000-step warm-up (the seed: 2000 cuts spikes by 80% vs 1000)', stabilize: () => ['', '  auto: true', '  lr: { warmupSteps: 1000 }'] },
  'fixed-bound-1.5': {
    group: 'seed-claim',
    doc: 'protocol (2000-step warm-up) with a fixed spectral bound 1.5 (the seed: underfits vs 0.9 → 2.0)',
    stabilize: () => ['', '  auto: true', '  lr: { warmupSteps: 2000 }', '  spectral: { initial: 1.5, final: 1.5 }'],
  },
} satisfies Record<string, Arm>;

export type ArmName = keyof typeof ARM_TABLE;
export const ARMS: Record<ArmName, Arm> = ARM_TABLE;
export const ARM_NAMES = Object.keys(ARMS) as ArmName[];

/** Named sets for `--arms` (a set name or arm names, comma-separated). */
export const ARM_SETS: Record<string, ArmName[]> = {
  key: ['baseline', 'stabilized', 'fixed-alpha-0.1', 'rezero', 'preln-adam-clip', 'no-spectral', 'no-residual', 'no-depth-lr', 'no-clip'],
  controls: ARM_NAMES.filter((a) => ARMS[a].group === 'control'),
  ablations: ARM_NAMES.filter((a) => ARMS[a].group === 'ablation'),
  long: ['baseline', 'fixed-alpha-0.1', 'warmup-2000', 'warmup-1000', 'fixed-bound-1.5'],
  all: ARM_NAMES.filter((a) => ARMS[a].group !== 'seed-claim'),
};

export function resolveArms(list: string): ArmName[] {
  const out: ArmName[] = [];
  for (const s of list.split(',').map((x) => x.trim()).filter(Boolean)) {
    const names = ARM_SETS[s] ?? (s in ARMS ? [s as ArmName] : undefined);
    if (!names) throw new Error(`--arms: unknown arm '${s}'; arms: ${ARM_NAMES.join(', ')}; sets: ${Object.keys(ARM_SETS).join(', ')}`);
    for (const n of names) if (!out.includes(n)) out.push(n);
  }
  return out;
}

export const DEFAULTS: Omit<StabilityConfig, 'depth' | 'steps' | 'arm'> = {
  width: 16,
  batchSize: 32,
  optimizer: 'adam',
  lr: 0.01,
  seed: 42,
  backend: 'wasm',
  classes: 8,
  features: 16,
};

export function modelName(c: Pick<StabilityConfig, 'depth' | 'arm' | 'seed'>): string {
  return `stability-d${c.depth}-${c.arm.replace(/\./g, '_')}-s${c.seed}`;
}

export function stabilityModelText(c: StabilityConfig): string {
  const arm = ARMS[c.arm];
  if (!arm) throw new Error(`unknown arm '${c.arm}'`);
  const blocks = c.depth - 2;
  if (blocks < 1) throw new Error(`depth ${c.depth}: at least 3 weight layers (stem, one block, logits)`);
  const scale = arm.scale?.(blocks) ?? 1;
  const dense = `{ type: dense, name: dense, units: ${c.width}, activation: tanh }`;
  const body = [...(arm.preLn ? ['        - { type: layerNorm, name: norm }'] : []), `        - ${dense}`];
  // post-LN needs a layerNorm between blocks, which `repeat:` cannot say: one block and one norm per line
  const stack = arm.postLn
    ? Array.from({ length: blocks }, (_, k) => [
      `    - { type: residual, name: block${k}, scale: ${scale}, layers: [ ${dense} ] }`,
      `    - { type: layerNorm, name: norm${k} }`,
    ]).flat()
    : ['    - type: residual', '      name: blocks', `      repeat: ${blocks}`, `      scale: ${scale}`, '      layers:', ...body];
  const opt = arm.optimizer ?? { type: c.optimizer, lr: c.lr };
  const lines = [
    `# generated by bench/stability, arm ${c.arm}: ${arm.doc}; ${blocks} residual blocks, D = ${c.depth} weight layers`,
    `name: ${modelName(c)}`,
    'data:',
    '  source: synthetic',
    '  kind: blobs',
    `  samples: ${Math.max(1024, c.batchSize * 16)}`,
    `  classes: ${c.classes}`,
    `  features: ${c.features}`,
    '  validation: 0.1',
    'model:',
    `  input: [${c.features}]`,
    '  layers:',
    `    - { type: dense, name: stem, units: ${c.width} }`,
    ...stack,
    `    - { type: dense, name: logits, units: ${c.classes} }`,
    'train:',
    `  steps: ${c.steps}`,
    `  batchSize: ${c.batchSize}`,
    `  optimizer: { type: ${opt.type}, lr: ${opt.lr} }`,
    ...(arm.clipNorm ? [`  clipNorm: ${arm.clipNorm}`] : []),
    // no evaluation or checkpoint inside the measured steps: only at the end
    `  evalEvery: ${c.steps}`,
    `  checkpointEvery: ${c.steps}`,
    `  seed: ${c.seed}`,
    `  backend: ${c.backend}`,
  ];
  const st = arm.stabilize?.(c);
  if (st) lines.push(st[0] === '' ? 'stabilize:' : `stabilize:${st[0]}`, ...st.slice(1));
  return `${lines.join('\n')}\n`;
}
