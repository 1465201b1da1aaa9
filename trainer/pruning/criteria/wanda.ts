/**
 * Channel-level Wanda: the sum over a channel's kernel column of Wanda's per-weight score |W_ic|·‖X_i‖₂ (Sun et al.
 * 2023), the weight magnitudes of its column scaled by the norm over calibration samples of the input feature each
 * one reads. Published Wanda ranks single weights (unstructured, per output row); this structured aggregation is
 * ours, hence the label `wanda (channel sum)`. Conv: ‖X_i‖ is taken per input channel over samples and positions
 * and applies to all kh·kw taps of that channel.
 */
import type { Criterion } from '../types';
import { kernelOf, perGroup, statOf } from './common';

export const wanda: Criterion = {
  id: 'wanda',
  label: 'wanda (channel sum)',
  description: 'channel sum of Wanda\'s per-weight score: Σ_i |W_ic|·‖X_i‖₂, weight magnitude times input-feature norm (calibration)',
  needs: ['inputNorms'],
  score: (input) => perGroup(input, (g) => {
    const k = kernelOf(input, g, 'wanda');
    const norms = statOf(input, 'inputNorms', g.producer, k.inputs, 'wanda');
    const out = new Float32Array(g.channels);
    for (let r = 0; r < k.rows; r++) {
      const x = norms[r % k.inputs]!;
      for (let c = 0; c < k.channels; c++) out[c]! += Math.abs(k.data[r * k.channels + c]!) * x;
    }
    return out;
  }),
};
