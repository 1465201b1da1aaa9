/**
 * Emergent modularity in the training loop (seed 000), as a LoopPlugin:
 *
 * 1. Warm-up (`warmup` of the steps): no masks. Every step, the per-sample gradient magnitude |∂L/∂a| of
 *    every unit of the clustered layers (modular layers and the logits) is taken from gradient probes (a
 *    zeros tensor added to each layer's output: its gradient is ∂L/∂a), for the first `samples` samples of
 *    the batch. Units that serve the same function see the same samples' errors, so their signals correlate. These signals stay on the device; every `clusterEvery` steps the last `window`
 *    steps are read back in one transfer and fed to the clusterer (trainer/modularity/cluster/), whose
 *    labels group the units of all clustered layers into k subnetworks.
 * 2. Soft masks: each modular unit's output is multiplied by its subnetwork's mask sigmoid(θ/T), θ learnable,
 *    T moving from `temperature` to `temperatureFinal`; the modularity loss (cross-subnetwork |W|, weight
 *    ramped per epoch and scaled by the controller), the diversity loss and the mask cost are added.
 * 3. Hard masks at `1 − finetune` of the steps: mask = [sigmoid(θ/T) > 0.5], fixed; training goes on.
 *
 * Growth (trainer/modularity/growth.ts) runs the same plugin with fixed labels and frozen parts.
 * No file I/O here: what the session stores comes out through `events`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ClusteringRecord, HardenRecord, ModularityPhase } from '../../protocol/reports';
import type { Alert } from '../../protocol/trainer';
import type { LayerNode, ModularitySpec } from '../../spec/types';
import type { NamedVariable } from '../engine/module';
import type { LoopPlugin, PluginContext } from '../engine/seams';
import { createSignalClusterer, type SignalClusterer } from './signal-clusterer';
import { buildLayout, unitLabels, type UnitLayout } from './layout';
import {
  assignmentMatrix, crossIndicator, diversity, maskCost, modularityLoss, subnetworkMasks, temperatureAt, unitActivity, unitMask,
} from './losses';

/** A clustering (`reports/modularity-history.json` keeps them all) and the phases: declared in protocol/reports.ts. */
export type { ClusteringRecord, HardenRecord, ModularityPhase } from '../../protocol/reports';

export interface ModularityEvents {
  onClustering?(rec: ClusteringRecord): void;
  onHarden?(rec: HardenRecord): void;
}

/** What growth fixes: the labels (no clustering), θ's start, and which entries of which variables are frozen. */
export interface GrowthSetup {
  labels: Int32Array;
  theta: Float32Array;
  /** Variable name (`<layer id>/kernel`, `modularity/theta`, ...) → 1 where frozen, 0 where trained. */
  frozen: Map<string, Float32Array>;
  /** From this step on nothing is frozen (a joint fine-tune); undefined = frozen to the end. */
  unfreezeAt?: number;
}

export interface ModularityOptions {
  events?: ModularityEvents;
  growth?: GrowthSetup;
}

/** The state of the discovery at any point, for analysis and reports. */
export interface ModularityResult {
  layout: UnitLayout;
  k: number;
  labels: Int32Array;
  /** Mask per subnetwork in force at the end (hard 0/1 once hardened). */
  masks: Float32Array;
  hardened: boolean;
  theta: Float32Array;
}

export const PLUGIN_ID = 'modularity';

export class ModularityPlugin implements LoopPlugin {
  readonly id = PLUGIN_ID;
  readonly layout: UnitLayout;
  readonly k: number;
  private readonly theta: NamedVariable;
  private readonly probeVars: tf.Variable[];
  private readonly clusterer: SignalClusterer | undefined;
  /** The signal ring packed [window, samples, items] for checkpoints (see `state()`); with a clusterer only. */
  private readonly ringState: NamedVariable | undefined;
  private readonly warmupEnd: number;
  private readonly hardStep: number;
  private labels: Int32Array;
  private clustered = false;
  private hard: Float32Array | undefined;
  private hardT: tf.Tensor1D | undefined;
  private scale = 1;
  private alarm: 'low' | 'high' | undefined;
  private collapsed = new Set<string>();
  // label-derived tensors
  private assign: tf.Tensor2D[] = [];
  private assignNorm: tf.Tensor2D[] = [];
  private valid: tf.Tensor2D[] = [];
  private cross: tf.Tensor2D[] = [];
  private share: tf.Tensor1D | undefined;
  // per-step
  private stash = new Map<number, tf.Tensor>();
  private lossParts: tf.Tensor[] = [];
  private ring: tf.Tensor[] = [];
  private sums: tf.Tensor | undefined;
  private sumSteps = 0;
  private lastCos: tf.Tensor | undefined;
  private frozenMasks = new Map<string, tf.Tensor>();
  private frozenCopies = new Map<string, tf.Tensor>();

  constructor(private readonly ctx: PluginContext, readonly spec: ModularitySpec, private readonly opts: ModularityOptions = {}) {
    this.layout = buildLayout(spec, ctx.net.layers);
    this.k = spec.subnetworks;
    const growth = opts.growth;
    const total = ctx.totalSteps;
    this.warmupEnd = growth ? 0 : Math.min(total, Math.round(spec.warmup * total));
    this.hardStep = Math.max(this.warmupEnd, total - Math.round(spec.finetune * total));
    this.theta = {
      name: 'modularity/theta', layerId: 'modularity', role: 'theta',
      // in a tidy: tf.variable keeps its own reference, the initial value is freed
      variable: tf.tidy(() => tf.variable(growth ? tf.tensor1d(growth.theta) : tf.fill([this.k], spec.maskInit), true, `modularity/theta#${uid++}`)),
    };
    const B = ctx.batchSize;
    this.probeVars = this.layout.layers.map((l) => {
      const shape = [B, ...new Array(l.outputRank - 2).fill(1), l.units];
      return tf.tidy(() => tf.variable(tf.zeros(shape), true, `modularity/probe/${l.id}#${uid++}`));
    });
    this.clusterer = growth ? undefined : createSignalClusterer(spec.clustering, {
      items: this.layout.items, k: this.k, seed: ctx.train.seed, window: spec.window, samples: Math.min(spec.samples, B),
    });
    this.ringState = this.clusterer && {
      name: 'modularity/signals', layerId: 'modularity', role: 'signals',
      variable: tf.tidy(() => tf.variable(tf.zeros([spec.window, Math.min(spec.samples, B), this.layout.items]), false, `modularity/signals#${uid++}`)),
    };
    this.labels = growth ? Int32Array.from(growth.labels) : roundRobin(this.layout, this.k);
    this.clustered = growth !== undefined;
    this.rebuildAssignments();
    if (growth) this.setFrozen(growth.frozen);
  }

  /** Sets what is frozen (1 = frozen) by variable name; the frozen values are those at the first step trained. */
  setFrozen(frozen: Map<string, Float32Array>): void {
    for (const t of [...this.frozenMasks.values(), ...this.frozenCopies.values()]) t.dispose();
    this.frozenMasks.clear();
    this.frozenCopies.clear();
    for (const [name, m] of frozen) {
      const v = this.variableByName(name);
      this.frozenMasks.set(name, tf.tensor(m, v.shape, 'float32'));
    }
  }

  private frozenAt(step: number): boolean {
    const at = this.opts.growth?.unfreezeAt;
    return this.frozenMasks.size > 0 && (at === undefined || step < at);
  }

  // ------------------------------------------------------------------ schedule

  phase(step: number): ModularityPhase {
    if (this.hard !== undefined) return 'hard';
    return step < this.warmupEnd || !this.clustered ? 'warmup' : 'soft';
  }

  temperature(step: number): number {
    const span = Math.max(1, this.hardStep - this.warmupEnd);
    return temperatureAt(this.spec.temperature, this.spec.temperatureFinal, (step - this.warmupEnd) / span);
  }

  modularityWeight(step: number): number {
    if (step < this.warmupEnd) return 0;
    const epochs = Math.floor((step - this.warmupEnd) / this.ctx.stepsPerEpoch);
    const s = this.spec;
    return Math.min(s.modularityWeightMax, s.modularityWeight + s.modularityWeightStep * epochs) * this.scale;
  }

  // ------------------------------------------------------------------ LoopPlugin

  trainable(): NamedVariable[] {
    return [this.theta];
  }

  probes(): tf.Variable[] {
    return this.probeVars;
  }

  /**
   * The signals of the steps since the last clustering (not yet given to the clusterer) are state: a run
   * resumed without them clusters on fewer steps. They are packed into one variable here, on the device
   * (the loop reads it with the weights); `loadState` unpacks the `ring` steps `saveState` counted.
   */
  state(): NamedVariable[] {
    if (!this.ringState) return [];
    const v = this.ringState.variable;
    const packed = tf.tidy(() => {
      if (this.ring.length === 0) return tf.zerosLike(v);
      const rows = tf.stack(this.ring);
      const rest = v.shape[0]! - this.ring.length;
      return rest > 0 ? tf.concat([rows, tf.zeros([rest, ...v.shape.slice(1)])]) : rows;
    });
    v.assign(packed);
    packed.dispose();
    return [this.ringState, ...(this.clusterer?.state() ?? [])];
  }

  transform(step: number, training: boolean): (layerId: string, y: tf.Tensor) => tf.Tensor {
    const phase = this.phase(step);
    const T = this.temperature(step);
    const byId = new Map(this.layout.layers.map((l, i) => [l.id, i]));
    return (layerId, y) => {
      const li = byId.get(layerId);
      if (li === undefined) return y;
      const layer = this.layout.layers[li]!;
      let out = y;
      if (layer.masked && phase !== 'warmup') {
        const m = phase === 'hard' ? this.hardT! : subnetworkMasks(this.theta.variable, T);
        out = tf.mul(out, unitMask(this.assign[li]!, m));
        if (training) this.stash.set(li, tf.keep(out));
      }
      if (training) out = tf.add(out, this.probeVars[li]!);
      return out;
    };
  }

  extraLoss(step: number): tf.Scalar | undefined {
    const phase = this.phase(step);
    if (phase === 'warmup') return undefined;
    const s = this.spec;
    const terms: tf.Scalar[] = [];
    const w = this.modularityWeight(step);
    const mod = modularityLoss(this.layout.connections.map((c, i) => ({
      kernel: this.kernelOf(this.layout.layers[c.to]!.id), positions: c.positions, cross: this.cross[i]!,
    })));
    if (w > 0) terms.push(tf.mul(mod, w) as tf.Scalar);
    let div: tf.Scalar = tf.scalar(0);
    const masked = [...this.stash.keys()];
    if (masked.length > 0) {
      const parts = masked.map((li) => diversity(unitActivity(this.stash.get(li)!), this.assignNorm[li]!, this.valid[li]!));
      div = tf.div(tf.addN(parts.map((p) => p.loss)), parts.length) as tf.Scalar;
      this.lastCos?.dispose();
      this.lastCos = tf.keep(tf.div(tf.addN(parts.map((p) => p.cos)), parts.length));
      if (s.diversityWeight > 0) terms.push(tf.mul(div, s.diversityWeight) as tf.Scalar);
    }
    if (s.maskCost > 0 && phase === 'soft') terms.push(tf.mul(maskCost(subnetworkMasks(this.theta.variable, this.temperature(step)), this.share!), s.maskCost) as tf.Scalar);
    this.lossParts.push(tf.keep(tf.stack([mod, div])));
    return terms.length > 0 ? tf.addN(terms) as tf.Scalar : undefined;
  }

  onGradients(step: number, grads: Map<string, tf.Tensor>, probeGrads: Map<string, tf.Tensor>): void {
    for (const t of this.stash.values()) t.dispose();
    this.stash.clear();
    for (const part of this.lossParts) {
      const next = this.sums ? tf.add(this.sums, part) : tf.clone(part);
      this.sums?.dispose();
      part.dispose();
      this.sums = next;
      this.sumSteps++;
    }
    this.lossParts = [];
    if (this.clusterer && this.hard === undefined) {
      const S = Math.min(this.spec.samples, this.ctx.batchSize);
      const signal = tf.tidy(() => tf.concat(this.layout.layers.map((l, li) => {
        const g = probeGrads.get(this.probeVars[li]!.name);
        if (!g) return tf.zeros([S, l.items]);
        const rows = tf.abs(tf.slice(tf.reshape(g, [this.ctx.batchSize, l.units]), [0, 0], [S, l.units]));
        return l.unitsPerItem === 1 ? rows : tf.sum(tf.reshape(rows, [S, l.items, l.unitsPerItem]), 2);
      }), 1));
      this.ring.push(signal);
      while (this.ring.length > this.spec.window) this.ring.shift()!.dispose();
    }
    if (this.frozenAt(step)) for (const [name, frozen] of this.frozenMasks) {
      const g = grads.get(name);
      if (!g) continue;
      grads.set(name, tf.tidy(() => tf.mul(g, tf.sub(1, frozen))));
      g.dispose();
    }
    if (this.frozenAt(step) && this.frozenCopies.size === 0) {
      for (const name of this.frozenMasks.keys()) this.frozenCopies.set(name, tf.clone(this.variableByName(name)));
    }
  }

  async afterUpdate(step: number): Promise<void> {
    if (this.frozenAt(step)) for (const [name, frozen] of this.frozenMasks) {
      const v = this.variableByName(name);
      const copy = this.frozenCopies.get(name)!;
      const restored = tf.tidy(() => tf.where(tf.cast(frozen, 'bool'), copy, v));
      v.assign(restored);
      restored.dispose();
    }
    const done = step + 1;
    if (this.clusterer && this.hard === undefined && this.ring.length > 0) {
      const due = done % this.spec.clusterEvery === 0 && done < this.hardStep;
      const first = !this.clustered && done >= this.warmupEnd;
      if (due || first) await this.recluster(done);
    }
    if (this.hard === undefined && done >= this.hardStep && done < this.ctx.totalSteps) await this.harden(done);
  }

  async onRead(step: number): Promise<{ metrics: Record<string, number>; alerts: Alert[] }> {
    const T = this.temperature(step);
    const packed = tf.tidy(() => tf.concat([
      subnetworkMasks(this.theta.variable, T),
      this.sums ? tf.div(this.sums, Math.max(1, this.sumSteps)) : tf.zeros([2]),
      this.lastCos ? tf.reshape(this.lastCos, [-1]) : tf.zeros([0]),
    ]));
    const v = await packed.data();
    packed.dispose();
    const k = this.k;
    const masks = this.hard ?? v.slice(0, k);
    const hadSums = this.sums !== undefined;
    const [mod, div] = [v[k]!, v[k + 1]!];
    this.sums?.dispose();
    this.sums = undefined;
    this.sumSteps = 0;
    const phase = this.phase(step);
    const active = this.activeCount(phase === 'warmup' ? undefined : masks);
    const metrics: Record<string, number> = { activeSubnetworks: active, modularityWeight: this.modularityWeight(step) };
    if (hadSums) Object.assign(metrics, { modularityLoss: mod, diversityLoss: div });
    if (phase === 'soft') metrics.maskTemperature = T;
    const alerts: Alert[] = [];
    if (this.clustered) alerts.push(...this.countAlerts(step, active));
    if (this.lastCos && v.length > k + 2) alerts.push(...this.collapseAlerts(step, v.subarray(k + 2)));
    return { metrics, alerts };
  }

  saveState(): unknown {
    return {
      labels: Array.from(this.labels), clustered: this.clustered, scale: this.scale,
      hard: this.hard ? Array.from(this.hard) : null, clusterer: this.clusterer?.save() ?? null, ring: this.ring.length,
    };
  }

  loadState(state: unknown): void {
    const s = state as { labels: number[]; clustered: boolean; scale: number; hard: number[] | null; clusterer: unknown; ring?: number };
    if (s.labels.length !== this.layout.items) throw new Error(`checkpoint has modularity labels for ${s.labels.length} units, the model has ${this.layout.items}: was the model file changed?`);
    this.labels = Int32Array.from(s.labels);
    this.clustered = s.clustered;
    this.scale = s.scale;
    if (s.clusterer !== null && this.clusterer) this.clusterer.load(s.clusterer);
    for (const t of this.ring) t.dispose();
    this.ring = [];
    if (this.ringState && s.ring) {
      // the loop has restored the packed variable before calling loadState
      const v = this.ringState.variable;
      const [, S, items] = v.shape as [number, number, number];
      for (let i = 0; i < s.ring; i++) this.ring.push(tf.tidy(() => tf.reshape(tf.slice(v, [i, 0, 0], [1, S, items]), [S, items])));
    }
    this.rebuildAssignments();
    if (s.hard) this.setHard(Float32Array.from(s.hard));
  }

  dispose(): void {
    this.theta.variable.dispose();
    for (const p of this.probeVars) p.dispose();
    this.ringState?.variable.dispose();
    this.clusterer?.dispose();
    this.disposeAssignments();
    for (const t of [...this.ring, ...this.stash.values(), ...this.lossParts, ...this.frozenMasks.values(), ...this.frozenCopies.values()]) t.dispose();
    this.sums?.dispose();
    this.lastCos?.dispose();
    this.hardT?.dispose();
  }

  // ------------------------------------------------------------------ results

  /** Labels, masks and θ now (one small read). */
  async result(step: number): Promise<ModularityResult> {
    const theta = (await this.theta.variable.data()) as Float32Array;
    const T = this.temperature(step);
    const masks = this.hard ?? Float32Array.from(theta, (t) => 1 / (1 + Math.exp(-t / T)));
    return { layout: this.layout, k: this.k, labels: Int32Array.from(this.labels), masks: Float32Array.from(masks), hardened: this.hard !== undefined, theta: Float32Array.from(theta) };
  }

  /** Hardens now if the run ended before the hard phase (finetune 0): the exported model uses hard masks. */
  async hardenAtEnd(step: number): Promise<void> {
    if (this.hard === undefined && this.clustered) await this.harden(step);
  }

  get isHardened(): boolean {
    return this.hard !== undefined;
  }

  // ------------------------------------------------------------------ internals

  private async recluster(step: number): Promise<void> {
    const t0 = performance.now();
    const items = this.layout.items;
    const res = await this.clusterer!.cluster(this.ring);
    for (const t of this.ring) t.dispose();
    this.ring = [];
    const changed = this.clustered ? res.changed : items;
    this.labels = Int32Array.from(res.labels);
    this.clustered = true;
    this.rebuildAssignments();
    const phase = this.phase(step);
    const masks = await this.maskValues(step);
    const active = this.activeCount(phase === 'warmup' ? undefined : masks);
    if (this.spec.controller && phase === 'soft' && !this.opts.growth) {
      const [lo, hi] = this.spec.band;
      if (active > hi) this.scale = Math.min(10, this.scale * 1.5);
      else if (active < lo) this.scale = Math.max(0.1, this.scale / 1.5);
    }
    this.opts.events?.onClustering?.({
      step, phase, labels: Array.from(this.labels), changed, active, masks: Array.from(masks),
      modularityWeight: this.modularityWeight(step), temperature: this.temperature(step), ms: performance.now() - t0,
    });
  }

  private async harden(step: number): Promise<void> {
    const masks = await this.maskValues(step);
    const hard = Float32Array.from(masks, (m) => (m > 0.5 ? 1 : 0));
    const used = this.usedSubnetworks();
    if (![...used].some((k) => hard[k] === 1)) {
      // every mask closed: keep the most open subnetwork rather than a dead model
      let best = -1;
      for (const k of used) if (best < 0 || masks[k]! > masks[best]!) best = k;
      if (best >= 0) hard[best] = 1;
    }
    // a masked layer whose units would all close cuts the model in two (its output no longer depends on the
    // input, and the export cannot remove every unit of a layer): keep that layer's most open subnetwork
    for (const l of this.layout.layers) {
      if (!l.masked) continue;
      let best = -1;
      for (let i = l.offset; i < l.offset + l.items && best !== -2; i++) {
        const k = this.labels[i]!;
        if (hard[k] === 1) best = -2;
        else if (best < 0 || masks[k]! > masks[best]!) best = k;
      }
      if (best >= 0) hard[best] = 1;
    }
    this.setHard(hard);
    this.opts.events?.onHarden?.({ step, hard: Array.from(hard), masks: Array.from(masks), kept: [...used].filter((k) => hard[k] === 1).length });
  }

  private setHard(hard: Float32Array): void {
    this.hard = hard;
    this.hardT?.dispose();
    this.hardT = tf.tensor1d(hard);
  }

  private async maskValues(step: number): Promise<Float32Array> {
    if (this.hard) return this.hard;
    const m = tf.tidy(() => subnetworkMasks(this.theta.variable, this.temperature(step)));
    const v = (await m.data()) as Float32Array;
    m.dispose();
    return v;
  }

  /** Subnetworks with at least one unit in a masked layer. */
  private usedSubnetworks(): Set<number> {
    const used = new Set<number>();
    for (const l of this.layout.layers) {
      if (!l.masked) continue;
      for (let i = l.offset; i < l.offset + l.items; i++) used.add(this.labels[i]!);
    }
    return used;
  }

  private activeCount(masks: ArrayLike<number> | undefined): number {
    let n = 0;
    for (const k of this.usedSubnetworks()) if (masks === undefined || masks[k]! > 0.5) n++;
    return n;
  }

  private countAlerts(step: number, active: number): Alert[] {
    const [low, high] = this.spec.alarms;
    const state = active < low ? 'low' : active > high ? 'high' : undefined;
    if (state === this.alarm) return [];
    this.alarm = state;
    if (state === undefined) return [];
    const message = state === 'low'
      ? `only ${active} active subnetworks (alarm below ${low}): the network is not splitting into modules. Lower modularity.modularityWeight, raise modularity.subnetworks or train longer.`
      : `${active} active subnetworks (alarm above ${high}): modules are fragmenting. Raise modularity.modularityWeight or lower modularity.subnetworks.`;
    return [{ kind: 'subnetwork-count', step, value: active, threshold: state === 'low' ? low : high, severity: 'warning', message }];
  }

  private collapseAlerts(step: number, cos: ArrayLike<number>): Alert[] {
    const alerts: Alert[] = [];
    const used = this.usedSubnetworks();
    const k = this.k;
    for (let i = 0; i < k; i++) {
      for (let j = i + 1; j < k; j++) {
        if (!used.has(i) || !used.has(j)) continue;
        const c = cos[i * k + j]!;
        const key = `${i}:${j}`;
        if (c > this.spec.collapse && !this.collapsed.has(key)) {
          this.collapsed.add(key);
          alerts.push({
            kind: 'subnetwork-collapse', step, value: c, threshold: this.spec.collapse, severity: 'warning',
            message: `subnetworks ${i} and ${j} have collapsed: their activations have cosine similarity ${c.toFixed(3)} (> ${this.spec.collapse}). Raise modularity.diversityWeight or modularity.modularityWeight.`,
          });
        } else if (c <= this.spec.collapse) {
          this.collapsed.delete(key);
        }
      }
    }
    return alerts;
  }

  private rebuildAssignments(): void {
    this.disposeAssignments();
    const k = this.k;
    let maskedUnits = 0;
    const counts = new Float32Array(k);
    for (const l of this.layout.layers) {
      const labels = unitLabels(l, this.labels);
      const a = assignmentMatrix(labels, k);
      this.assign.push(a);
      const sizes = new Float32Array(k);
      for (const x of labels) if (x >= 0) sizes[x]!++;
      if (l.masked) {
        maskedUnits += labels.length;
        for (let i = 0; i < k; i++) counts[i]! += sizes[i]!;
      }
      this.assignNorm.push(tf.tidy(() => tf.div(a, tf.tensor2d(Float32Array.from(sizes, (s) => Math.max(1, s)), [1, k]))));
      const valid = new Float32Array(k * k);
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) if (i !== j && sizes[i]! > 0 && sizes[j]! > 0) valid[i * k + j] = 1;
      this.valid.push(tf.tensor2d(valid, [k, k]));
    }
    for (const c of this.layout.connections) this.cross.push(tf.tidy(() => crossIndicator(this.assign[c.from]!, this.assign[c.to]!)));
    this.share = tf.tensor1d(Float32Array.from(counts, (c) => c / Math.max(1, maskedUnits)));
  }

  private disposeAssignments(): void {
    for (const t of [...this.assign, ...this.assignNorm, ...this.valid, ...this.cross]) t.dispose();
    this.assign = [];
    this.assignNorm = [];
    this.valid = [];
    this.cross = [];
    this.share?.dispose();
    this.share = undefined;
  }

  private kernelOf(layerId: string): tf.Variable {
    return this.variableByName(`${layerId}/kernel`);
  }

  /** The model's variables by name, looked up once (the modularity loss reads the kernels every step). */
  private variables: Map<string, tf.Variable> | undefined;

  private variableByName(name: string): tf.Variable {
    if (name === this.theta.name) return this.theta.variable;
    this.variables ??= new Map(this.ctx.net.trainable().map((x) => [x.name, x.variable]));
    const v = this.variables.get(name);
    if (!v) throw new Error(`modularity: the model has no variable '${name}'`);
    return v;
  }
}

let uid = 0;

/** Placeholder labels before the first clustering: items dealt round-robin within each layer. */
function roundRobin(layout: UnitLayout, k: number): Int32Array {
  const out = new Int32Array(layout.items);
  for (const l of layout.layers) for (let i = 0; i < l.items; i++) out[l.offset + i] = i % k;
  return out;
}

/**
 * The discovery as a checkpoint stores it (`state.plugins.modularity`: labels, and hard masks once hardened) as a
 * ModularityResult (masks all 1 before hardening); undefined when the checkpoint has no modularity state.
 */
export function storedResult(spec: ModularitySpec, layers: LayerNode[], checkpointState: unknown): ModularityResult | undefined {
  const saved = (checkpointState as { plugins?: Record<string, { labels: number[]; hard: number[] | null }> } | undefined)?.plugins?.[PLUGIN_ID];
  if (!saved) return undefined;
  return {
    layout: buildLayout(spec, layers), k: spec.subnetworks, labels: Int32Array.from(saved.labels),
    masks: Float32Array.from(saved.hard ?? new Array<number>(spec.subnetworks).fill(1)), hardened: saved.hard !== null, theta: new Float32Array(0),
  };
}

/** The plugin factory for a model with a `modularity:` block. */
export function modularityPlugin(spec: ModularitySpec, opts: ModularityOptions = {}): (ctx: PluginContext) => ModularityPlugin {
  return (ctx) => new ModularityPlugin(ctx, spec, opts);
}
