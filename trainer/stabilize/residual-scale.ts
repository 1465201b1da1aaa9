/**
 * Residual scaling (seed 001, pillar 2): a factor α on every residual branch, y = x + α·f(x); a
 * transformer block has α_attn and α_mlp. The modules ask the forward context for their α
 * (ForwardContext.residualScale); this file answers:
 * - `scheduled`: α moves linearly from `initial` to `final` over `steps` steps (0 = the warm-up length),
 *   a host number per step (no tensor, no read); the attention branch uses attentionInitial/Final;
 * - `learnable`: one trainable scalar per branch, starting at `initial` (attentionInitial for attention),
 *   differentiated with the model's weights and updated here by plain SGD at its own rate `lr`
 *   (not clipped, not scaled by the LR schedule); checkpointed with the weights;
 * - `off`: no provider, every residual is exactly what the model file says.
 * α multiplies the residual node's own `scale`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ResidualScaleSpec } from '../../spec/types';
import type { ForwardContext, Module, NamedVariable, ResidualBranch } from '../engine/module';
import { progress } from './bound-schedule';

export interface Branch {
  layerId: string;
  branch: ResidualBranch;
}

/** Every residual branch of a model: residual nodes (their body) and transformer blocks (attn, mlp). */
export function residualBranches(modules: Module[]): Branch[] {
  const out: Branch[] = [];
  for (const m of modules) {
    if (m.node.type === 'residual') out.push({ layerId: m.id, branch: 'body' });
    else if (m.node.type === 'transformer') out.push({ layerId: m.id, branch: 'attn' }, { layerId: m.id, branch: 'mlp' });
  }
  return out;
}

const ROLE: Record<ResidualBranch, string> = { body: 'alpha', attn: 'alphaAttn', mlp: 'alphaMlp' };
const key = (layerId: string, branch: ResidualBranch) => `${layerId}\u0000${branch}`;

export class ResidualScale {
  private readonly learnable = new Map<string, NamedVariable>();
  readonly branches: Branch[];

  /** `steps`: the schedule length already resolved (spec.steps, or the warm-up length when 0). */
  constructor(private readonly spec: ResidualScaleSpec, modules: Module[], private readonly steps: number) {
    this.branches = spec.mode === 'off' ? [] : residualBranches(modules);
    if (spec.mode === 'learnable') {
      for (const b of this.branches) {
        const initial = tf.scalar(b.branch === 'attn' ? spec.attentionInitial : spec.initial);
        const name = `${b.layerId}/${ROLE[b.branch]}`;
        this.learnable.set(key(b.layerId, b.branch), { name, variable: tf.variable(initial, true), layerId: b.layerId, role: ROLE[b.branch] });
        initial.dispose();
      }
    }
  }

  /** The scheduled α of a branch at `step`. */
  scheduledAt(step: number, branch: ResidualBranch): number {
    const s = this.spec;
    const [a, b] = branch === 'attn' ? [s.attentionInitial, s.attentionFinal] : [s.initial, s.final];
    return a + (b - a) * progress(step, this.steps);
  }

  /** The provider for the forward pass of `step` (undefined when off). */
  provider(step: number): ForwardContext['residualScale'] {
    if (this.spec.mode === 'off' || this.branches.length === 0) return undefined;
    if (this.spec.mode === 'learnable') return (layerId, branch) => this.learnable.get(key(layerId, branch))?.variable as tf.Scalar | undefined;
    const body = this.scheduledAt(step, 'body');
    const attn = this.scheduledAt(step, 'attn');
    return (_layerId, branch) => (branch === 'attn' ? attn : body);
  }

  /** The learnable factors (none unless mode is learnable). */
  trainable(): NamedVariable[] {
    return [...this.learnable.values()];
  }

  /** α ← α − lr·g for each learnable factor with a gradient (by NamedVariable name). */
  applyGradients(grads: Map<string, tf.Tensor>): void {
    tf.tidy(() => {
      for (const nv of this.learnable.values()) {
        const g = grads.get(nv.name);
        if (g) nv.variable.assign(tf.sub(nv.variable, tf.mul(g, this.spec.lr)));
      }
    });
  }

  dispose(): void {
    for (const nv of this.learnable.values()) nv.variable.dispose();
    this.learnable.clear();
  }
}
