/**
 * Magnitude criteria: the Lp norm of each channel's incoming weights (its kernel column / filter), times
 * |γ_c| of the coupled batchNorms by default. Behind a batchNorm the column's scale is normalised away and γ is
 * the channel's output scale (network slimming); without a coupled norm the factor is 1.
 */
import type { Criterion } from '../types';
import { kernelOf, normScale, perGroup } from './common';

export interface MagnitudeOptions {
  p: 1 | 2;
  /** Multiply by |γ| of the coupled batchNorms (default true). */
  batchNormScale?: boolean;
}

export function magnitudeCriterion({ p, batchNormScale = true }: MagnitudeOptions): Criterion {
  const id = batchNormScale ? `l${p}` : `l${p}-kernel`;
  return {
    id,
    description: `L${p} norm of each channel's incoming weights${batchNormScale ? ' × |γ| of a coupled batchNorm' : ' (kernel only)'}`,
    needs: [],
    score: (input) => perGroup(input, (g) => {
      const k = kernelOf(input, g, id);
      const out = new Float32Array(g.channels);
      for (let r = 0; r < k.rows; r++) {
        for (let c = 0; c < k.channels; c++) {
          const w = k.data[r * k.channels + c]!;
          out[c]! += p === 1 ? Math.abs(w) : w * w;
        }
      }
      if (p === 2) for (let c = 0; c < out.length; c++) out[c] = Math.sqrt(out[c]!);
      const s = batchNormScale ? normScale(input, g) : undefined;
      if (s) for (let c = 0; c < out.length; c++) out[c]! *= s[c]!;
      return out;
    }),
  };
}

export const l1 = magnitudeCriterion({ p: 1 });
export const l2 = magnitudeCriterion({ p: 2 });
