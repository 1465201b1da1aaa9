/**
 * Channel-level RIA: the per-weight score of RIA, relative importance and activations (Zhang et al. 2024), summed
 * over a channel's column: Σ_i (|W_ic|/Σ_j |W_ij| + |W_ic|/Σ_k |W_kc|)·‖X_i‖₂^½. Published RIA ranks single
 * weights (unstructured or N:M); this structured aggregation is ours, hence the label `ria (channel sum)`. The first ratio is the weight's share of its input row
 * (over all output channels), the second its share of the channel's column. Conv: the rows are the
 * kh·kw·in entries of the flattened filter, each with the norm of its input channel. An all-zero row or column
 * contributes 0.
 */
import type { Criterion } from '../types';
import { kernelOf, perGroup, statOf } from './common';

export const ria: Criterion = {
  id: 'ria',
  label: 'ria (channel sum)',
  description: 'channel sum of RIA\'s per-weight score: Σ_i (|W_ic|/Σ_j|W_ij| + |W_ic|/Σ_k|W_kc|)·‖X_i‖₂^0.5, relative importance × activations',
  needs: ['inputNorms'],
  score: (input) => perGroup(input, (g) => {
    const k = kernelOf(input, g, 'ria');
    const norms = statOf(input, 'inputNorms', g.producer, k.inputs, 'ria');
    const rowSum = new Float64Array(k.rows);
    const colSum = new Float64Array(k.channels);
    for (let r = 0; r < k.rows; r++) {
      for (let c = 0; c < k.channels; c++) {
        const a = Math.abs(k.data[r * k.channels + c]!);
        rowSum[r]! += a;
        colSum[c]! += a;
      }
    }
    const out = new Float32Array(g.channels);
    for (let r = 0; r < k.rows; r++) {
      const x = Math.sqrt(norms[r % k.inputs]!);
      for (let c = 0; c < k.channels; c++) {
        const a = Math.abs(k.data[r * k.channels + c]!);
        const rel = (rowSum[r]! > 0 ? a / rowSum[r]! : 0) + (colSum[c]! > 0 ? a / colSum[c]! : 0);
        out[c]! += rel * x;
      }
    }
    return out;
  }),
};
