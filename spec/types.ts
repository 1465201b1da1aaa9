/**
 * The resolved model-definition language: what `parseModelFile` returns and what the trainer,
 * the language server and the dashboards consume. Declared once, imported everywhere.
 */

/** A range in a model file. Lines and columns are 1-based (as printed in file:line:col). */
export interface SourceRange {
  file: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

export type Severity = 'error' | 'warning';

/** One problem found in a model file, positioned where the user must look. */
export interface SpecDiagnostic {
  range: SourceRange;
  severity: Severity;
  message: string;
  /** Stable machine-readable code, for example `unknown-key`, `type`, `shape-mismatch`, `yaml`. */
  code: string;
  /** A replacement suggestion (did-you-mean), when one is close enough. */
  suggestion?: string;
}

/** Thrown by parsers/loaders; `message` is already formatted as `file:line:col: message` lines. */
export class SpecError extends Error {
  constructor(public readonly diagnostics: SpecDiagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'SpecError';
  }
}

export function formatDiagnostic(d: SpecDiagnostic): string {
  const hint = d.suggestion !== undefined ? ` (did you mean '${d.suggestion}'?)` : '';
  return `${d.range.file}:${d.range.line}:${d.range.col}: ${d.severity}: ${d.message}${hint}`;
}

/** Shape of one sample, without the batch dimension. Images are [H, W, C] (channels last). */
export type Shape = number[];

export type Activation = 'linear' | 'relu' | 'gelu' | 'tanh' | 'sigmoid' | 'softmax' | 'elu' | 'selu' | 'swish' | 'leakyRelu';

export type LayerType =
  | 'dense'
  | 'conv2d'
  | 'maxPool2d'
  | 'avgPool2d'
  | 'globalAvgPool2d'
  | 'flatten'
  | 'dropout'
  | 'layerNorm'
  | 'batchNorm'
  | 'activation'
  | 'embedding'
  | 'residual'
  | 'attention'
  | 'transformer'
  | 'patchEmbed'
  | 'tokenPool'
  | 'dna'
  | 'moe';

export interface DenseConfig { units: number; activation: Activation; useBias: boolean }
export interface Conv2dConfig {
  filters: number;
  kernelSize: [number, number];
  strides: [number, number];
  padding: 'same' | 'valid';
  activation: Activation;
  useBias: boolean;
}
export interface PoolConfig { poolSize: [number, number]; strides: [number, number]; padding: 'same' | 'valid' }
export interface DropoutConfig { rate: number }
export interface NormConfig { epsilon: number; momentum: number /* batchNorm only */ }
export interface ActivationConfig { activation: Activation }
export interface EmbeddingConfig { inputDim: number; outputDim: number }
/** y = x + scale * body(x), repeated: each repetition is its own `residual` node. */
export interface ResidualConfig { scale: number }
/** Multi-head self-attention over [T, D] inputs; `causal` masks the future. */
export interface AttentionConfig {
  heads: number; causal: boolean; dropout: number;
  /** Width of each head; undefined: D / heads (the file has no `headDim`). Inner width = heads · headDim. */
  headDim?: number;
}
/** Pre-norm transformer block: x + attn(LN(x)); x + mlp(LN(x)), mlp = dense(mlpRatio·D, gelu) → dense(D). */
export interface TransformerConfig { heads: number; mlpRatio: number; causal: boolean; dropout: number }

/** ViT-style patch embedding: [H, W, C] → [(H/patch)·(W/patch), dim], a linear map of each patch plus a learned position vector. */
export interface PatchEmbedConfig { patch: number; dim: number }
/** [T, D] → [D]: the mean over tokens, or the last token (causal models). */
export interface TokenPoolConfig { mode: 'mean' | 'last' }
/**
 * A distributed neural architecture (seed 003) on [T, D]: a shared pool of modules (pre-norm attention, pre-norm
 * MLP, identity) and one router per hop; each token picks its top-k modules at every hop (capacity per module).
 */
export interface DnaConfig {
  hops: number;
  attention: number;
  mlp: number;
  identity: number;
  heads: number;
  mlpRatio: number;
  causal: boolean;
  k: 1 | 2;
  capacityFactor: number;
  /** Weights of the router losses: Switch load balance, compute (charges non-identity modules), z-loss. */
  balanceWeight: number;
  computeWeight: number;
  zWeight: number;
}
/** A transformer block whose MLP is a top-k mixture of `experts` MLPs (hidden expertRatio·D each): the MoE baseline. */
export interface MoeConfig {
  heads: number;
  experts: number;
  expertRatio: number;
  causal: boolean;
  k: 1 | 2;
  capacityFactor: number;
  balanceWeight: number;
  zWeight: number;
}

export interface LayerConfigByType {
  dense: DenseConfig;
  conv2d: Conv2dConfig;
  maxPool2d: PoolConfig;
  avgPool2d: PoolConfig;
  globalAvgPool2d: Record<string, never>;
  flatten: Record<string, never>;
  dropout: DropoutConfig;
  layerNorm: NormConfig;
  batchNorm: NormConfig;
  activation: ActivationConfig;
  embedding: EmbeddingConfig;
  residual: ResidualConfig;
  attention: AttentionConfig;
  transformer: TransformerConfig;
  patchEmbed: PatchEmbedConfig;
  tokenPool: TokenPoolConfig;
  dna: DnaConfig;
  moe: MoeConfig;
}

/**
 * One resolved layer. `repeat: N` blocks are expanded: every repetition is its own node with its
 * own id, sharing the `range` of the template in the file.
 */
export interface LayerNode<T extends LayerType = LayerType> {
  /**
   * Stable id: the layer's path in the file. A segment is the layer's `name:` when given, otherwise
   * `<list>[<index>]`; a repeated block adds `[<repetition>]`. Examples: `layers[2]`,
   * `blocks[3].dense` (block named `blocks`, repeat 3, inner layer named `dense`), `layers[1][7].layers[0]`.
   */
  id: string;
  type: T;
  config: LayerConfigByType[T];
  inputShape: Shape;
  outputShape: Shape;
  /** Trainable + non-trainable parameters of this node alone (a residual node counts its body). */
  params: number;
  /** Forward FLOPs per sample (a multiply-add counts 2), including the body for residual nodes. */
  flops: number;
  range: SourceRange;
  /** Body of a residual node (already resolved). */
  body?: LayerNode[];
}

export type DatasetSource = 'fashion-mnist' | 'mnist' | 'idx' | 'csv' | 'npy' | 'synthetic' | 'text';
export type SyntheticKind = 'blobs' | 'two-task' | 'multi-task' | 'sequence';

export interface DataSpec {
  source: DatasetSource;
  /** Directory (fashion-mnist/mnist/idx) or file (csv/npy); resolved relative to the model file. */
  path?: string;
  /** idx: file names inside `path` (defaults: the MNIST names, gzipped or not). */
  trainImages?: string;
  trainLabels?: string;
  testImages?: string;
  testLabels?: string;
  /** csv: name or 0-based index of the label column (default: last column). npy: the labels file. */
  labelColumn?: string | number;
  labels?: string;
  /** synthetic */
  kind?: SyntheticKind;
  samples?: number;
  classes?: number;
  features?: number;
  /** synthetic multi-task: number of equal input parts, one task each (default 3). */
  parts?: number;
  /** synthetic two-task/multi-task: one prototype seed per task (task i's function comes from seed i, not the data seed). */
  taskSeeds?: number[];
  /** Keep only these task columns of the labels, in this order (any source with named tasks). */
  tasks?: string[];
  /** text: characters of context per sample (the model predicts the next character at every position). */
  context?: number;
  /** text: the last fraction of the file held out as the test split (default 0.1). */
  testFraction?: number;
  /** fraction of the training set held out for validation */
  validation: number;
  /** Divide inputs by this (255 for images); `auto` = 255 for IDX uint8 data, 1 otherwise. */
  normalize: number | 'auto';
  /** Cap on training samples (for quick runs); 0 = all. */
  limit: number;
  /** Reshape flat inputs to this sample shape (e.g. [28, 28, 1] for a CNN). */
  shape?: Shape;
}

export type OptimizerType = 'sgd' | 'momentum' | 'adam' | 'adamw';
export type LrScheduleType = 'constant' | 'warmup' | 'cosine';
export type BackendName = 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

export interface OptimizerSpec {
  type: OptimizerType;
  lr: number;
  momentum: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

export interface LrScheduleSpec {
  type: LrScheduleType;
  warmupSteps: number;
  /** cosine: final LR as a fraction of the peak */
  minFactor: number;
}

export interface TrainSpec {
  epochs: number;
  /** When > 0, overrides epochs. */
  steps: number;
  batchSize: number;
  optimizer: OptimizerSpec;
  schedule: LrScheduleSpec;
  /** Clip gradients by global norm; 0 disables. */
  clipNorm: number;
  seed: number;
  backend: BackendName;
  /** Evaluate on the validation split every N steps (0 = at each epoch end). */
  evalEvery: number;
  /** Write a checkpoint every N steps (0 = at each epoch end). */
  checkpointEvery: number;
  /** Collect per-layer statistics for hooks every N steps (0 = never). */
  statsEvery: number;
}

/** A task predicted by the model: the logits are split into consecutive slices, one per task. */
export interface TaskSpec { name: string; classes: number }

/** The whole resolved model file. Unknown sections (later issues) are kept in `extra`. */
export interface ModelFile {
  file: string;
  name: string;
  inputShape: Shape;
  layers: LayerNode[];
  data: DataSpec;
  train: TrainSpec;
  /** Totals over `layers`. */
  params: number;
  flops: number;
  /** Number of trainable weight layers (dense, conv2d, embedding, attention counts 1, transformer 2). */
  depth: number;
  /** When the model came from a Keras/tfjs `model.json`, its path. */
  modelJson?: string;
  /** Sections for later features (`modularity`, `prune`, `route`, `dna`), raw. */
  extra: Record<string, unknown>;
  /** The resolved `stabilize:` block (seed 001), when the file has one (a mapping or `auto`). */
  stabilize?: StabilizeSpec;
  /** The resolved `modularity:` block (seed 000), when the file has one; its layers are already over-parameterised. */
  modularity?: ModularitySpec;
  /** The `prune:` block (seed 002), when the file has one. */
  prune?: PruneSpec;
  /** The `route:` block (seed 002), when the file has one. */
  route?: RouteSpec;
}

// ---------------------------------------------------------------------------------------------
// Gradient-flow pruning and confidence routing (seed 002). Keys documented in spec/prune-spec.ts.

export interface PruneSpec {
  criteria: string[];
  /** FLOP reductions, percent. */
  targets: number[];
  schedule: 'one-shot' | 'linear' | 'cubic';
  iterations: number;
  scope: 'layer' | 'global';
  finetuneSteps: number;
  scoreSteps: number;
  lr?: number;
  calibration: number;
  seeds: number;
  latencyBatch: number;
  agfWindow: number;
  agfAlternate: boolean;
  agfPhase: number;
}

export interface RouteSpec {
  signal: 'maxProb' | 'entropy';
  target: number;
  criterion?: string;
  thresholds: number;
  tolerance: number;
}

// ---------------------------------------------------------------------------------------------
// Emergent modularity (seed 000): the resolved `modularity:` block, the seed's defaults as defaults.

export interface ModularitySpec {
  /** Ids of the modular layers (top-level dense/conv2d), in model order. */
  layers: string[];
  /** Id of the last weight layer (the logits): clustered with the others, never masked. */
  outputLayer: string;
  /** Units/filters of each modular layer as written, before over-parameterisation. */
  baseUnits: Record<string, number>;
  overparameterize: number;
  /** Parallel groups per modular layer; > 1 makes the group the clustered and masked unit. */
  groups: number;
  /** k: the number of clusters (the most subnetworks there can be). */
  subnetworks: number;
  /** Target band for the active count (seed 10–20) and the alarm levels (seed 5 and 30). */
  band: [number, number];
  alarms: [number, number];
  /** Fraction of steps without masks (seed 0.15). */
  warmup: number;
  clustering: 'window' | 'streaming';
  clusterEvery: number;
  window: number;
  samples: number;
  /** Modularity-loss weight: start, per-epoch step, maximum (seed 0.001 → +0.001/epoch → 0.01). */
  modularityWeight: number;
  modularityWeightStep: number;
  modularityWeightMax: number;
  diversityWeight: number;
  maskCost: number;
  maskInit: number;
  /** Mask temperature: sigmoid(θ / T), T from `temperature` to `temperatureFinal`. */
  temperature: number;
  temperatureFinal: number;
  /** Last fraction of the steps with hard masks fixed. */
  finetune: number;
  /** Cosine similarity above which two subnetworks have collapsed. */
  collapse: number;
  controller: boolean;
}

// ---------------------------------------------------------------------------------------------
// Stable ultra-deep training (seed 001): the resolved `stabilize:` block. Every pillar has the seed's defaults.

export type BoundSchedule = 'linear' | 'cosine' | 'exponential';

/** Spectral-norm bound per weight matrix, by power iteration with persistent vectors (fp32). */
export interface SpectralSpec {
  enabled: boolean;
  /** Bound at the first step (seed: 0.9). */
  initial: number;
  /** Bound at the end of `steps` (seed: 2.0). */
  final: number;
  schedule: BoundSchedule;
  /** Steps over which the bound moves from initial to final; 0 = the whole run. */
  steps: number;
  /** Re-estimate and rescale every N steps (1 = every step). */
  every: number;
  /** Power iterations per estimate (1–3). */
  iterations: number;
}

/** A factor α on each residual branch: y = x + α·f(x). Transformer blocks have one α per branch. */
export interface ResidualScaleSpec {
  mode: 'off' | 'scheduled' | 'learnable';
  /** Scheduled: α from `initial` to `final` over `steps` (seed: 0.1 → 1.0); learnable: the initial value. */
  initial: number;
  final: number;
  /** 0 = the warm-up length. */
  steps: number;
  /** Separate values for attention branches of transformer blocks (default: the same as above). */
  attentionInitial: number;
  attentionFinal: number;
  /** Learnable: α's own learning rate. */
  lr: number;
}

/** Depth-dependent warm-up and learning rate. */
export interface DepthLrSpec {
  enabled: boolean;
  /** `auto` = max(2000, (D−100)//100·500), scaled to the run length when the run is shorter. */
  warmupSteps: number | 'auto';
  /** `auto` = base·(100/D)^0.5. */
  peakLr: number | 'auto';
  /** After warm-up, cosine decay to this fraction of the base LR (seed: 0.5)... */
  decayTo: number;
  /** ...then a final constant phase at this fraction of the base LR (seed: 0.1)... */
  finalFactor: number;
  /** ...during this fraction of the run (default 0.1). */
  finalPhase: number;
}

export interface SafetySpec {
  /** Clip gradients by global norm (seed: 1.0); 0 disables. */
  clipNorm: number;
  /** A loss above `spikeFactor` × the running median of recent losses is a spike. */
  spikeFactor: number;
  /** Recent losses (host reads) the running median is taken over. */
  spikeWindow: number;
  /** After a spike the LR is multiplied by `lrFactor` (seed: 0.5) for `lrSteps` steps (seed: 100). */
  lrFactor: number;
  lrSteps: number;
  /** BatchNorm momentum where BatchNorm is used (seed: 0.99). */
  batchNormMomentum: number;
}

export interface StabilizeSpec {
  /** Written as `stabilize: auto`. */
  auto: boolean;
  /** D: trainable weight layers (ModelFile.depth). */
  depth: number;
  spectral: SpectralSpec;
  residual: ResidualScaleSpec;
  lr: DepthLrSpec;
  safety: SafetySpec;
  /** Per-layer monitors to run (ids of the trainer's monitor registry). */
  monitors: string[];
  /** Statistics/monitor interval in steps. */
  monitorEvery: number;
  /** The seed's batch-size suggestion: 64 + 8 per 100 layers. */
  suggestedBatchSize: number;
  /** What was chosen and why, one line each (shown by the CLI and the editor). */
  choices: string[];
}
