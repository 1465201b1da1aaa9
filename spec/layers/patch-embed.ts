import { fmt, type LayerKind } from './kind';

/** Tokens of a patch embedding on [H, W, C]: (H/patch)·(W/patch). */
export const patchTokens = (input: number[], patch: number): number => (input[0]! / patch) * (input[1]! / patch);

export const patchEmbed: LayerKind<'patchEmbed'> = {
  type: 'patchEmbed',
  doc: 'ViT-style patch embedding: [H, W, C] -> [(H/patch)·(W/patch), dim]; each patch is mapped linearly to dim and gets a learned position vector.',
  fields: {
    patch: { kind: 'int', min: 1, required: true, doc: 'Side of the square patches, in pixels; must divide H and W.' },
    dim: { kind: 'int', min: 1, required: true, doc: 'Width D of the tokens.' },
  },
  toConfig: (r) => ({ patch: r.patch as number, dim: r.dim as number }),
  inferShape: (input, c) => {
    if (input.length !== 3) return `patchEmbed needs an [H, W, C] input (rank 3), got ${fmt(input)}; reshape flat images with data.shape: [28, 28, 1]`;
    if (input[0]! % c.patch !== 0 || input[1]! % c.patch !== 0) {
      return `patchEmbed patch ${c.patch} does not divide the ${input[0]}x${input[1]} image; use a divisor of both sides`;
    }
    return [patchTokens(input, c.patch), c.dim];
  },
  /** Projection [patch²·C, dim] + bias + position table [T, dim]. */
  params: (input, c) => c.patch * c.patch * input[2]! * c.dim + c.dim + patchTokens(input, c.patch) * c.dim,
  /** Per token: the projection with bias, and the position add. */
  flops: (input, _o, c) => patchTokens(input, c.patch) * (2 * c.patch * c.patch * input[2]! * c.dim + 2 * c.dim),
  depth: 1,
};
