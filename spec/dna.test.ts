/** The `dna`, `moe`, `patchEmbed` and `tokenPool` layers in a model file: shapes, counts, positioned errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dnaModuleFlops, dnaModuleParams, routerFlopsPerToken, routerParams } from './layers/dna';
import { errors, parse } from './test-helpers';

const VIT = (dna: string) => `
  name: t
  model:
    input: [28, 28, 1]
    layers:
      - { type: patchEmbed, name: patches, patch: 4, dim: 16 }
      - ${dna}
      - { type: tokenPool }
      - { type: dense, units: 10 }
`;

test('patchEmbed makes 49 tokens of width D; dna keeps [T, D]; params are the pool plus one router per hop', () => {
  const res = parse(VIT('{ type: dna, name: dna, hops: 3, attention: 1, mlp: 2, identity: 1, heads: 2, mlpRatio: 2 }'));
  assert.deepEqual(errors(res), []);
  const [patches, dna, pool] = res.model!.layers;
  assert.deepEqual(patches!.outputShape, [49, 16]);
  assert.equal(patches!.params, 4 * 4 * 16 + 16 + 49 * 16);
  assert.deepEqual(dna!.outputShape, [49, 16]);
  const pool4 = dnaModuleParams('attention', 16, 2) + 2 * dnaModuleParams('mlp', 16, 2);
  assert.equal(dna!.params, pool4 + 3 * routerParams(16, 4));
  // the static bound: every hop runs its router and its most expensive module on every token
  const worst = Math.max(dnaModuleFlops('attention', 49, 16, 2, 2), dnaModuleFlops('mlp', 49, 16, 2, 2));
  assert.equal(dna!.flops, 49 * 3 * (routerFlopsPerToken(16, 4) + worst));
  assert.equal(dnaModuleFlops('identity', 49, 16, 2, 2), 0);
  assert.deepEqual(pool!.outputShape, [16]);
});

test('dna errors point at the layer and say what to change', () => {
  const cases: Array<[string, RegExp]> = [
    ['{ type: dna, hops: 2, attention: 0, mlp: 0, identity: 2, heads: 2 }', /identity modules only computes nothing/],
    ['{ type: dna, hops: 2, attention: 1, mlp: 0, identity: 0, heads: 2, k: 2 }', /k = 2 exceeds the 1 module/],
    ['{ type: dna, hops: 2, heads: 3 }', /D divisible by heads/],
    ['{ type: dna, hops: 2, heads: 2, k: 3 }', /'k' must be/],
    ['{ type: dna, heads: 2 }', /needs 'hops'/],
    ['{ type: dna, hops: 2, heads: 2, computeWieght: 0.1 }', /unknown key 'computeWieght'.*computeWeight/],
    ['{ type: moe, heads: 2, experts: 1, k: 2 }', /moe k = 2 exceeds its 1 expert/],
  ];
  for (const [layer, message] of cases) {
    const errs = errors(parse(VIT(layer)));
    assert.equal(errs.length, 1, `${layer}: ${errs.map((e) => e.message).join('; ')}`);
    assert.match(`${errs[0]!.message} ${errs[0]!.suggestion ?? ''}`, message);
    assert.equal(errs[0]!.range.line, 6, `${layer}: wrong line`);
  }
});

test('patchEmbed needs an image whose sides the patch divides; tokenPool needs tokens', () => {
  const bad = errors(parse(VIT('{ type: dna, hops: 1, heads: 2 }').replace('patch: 4', 'patch: 5')));
  assert.equal(bad.length, 1);
  assert.match(bad[0]!.message, /patch 5 does not divide the 28x28 image/);
  const flat = errors(parse(`
    name: t
    model:
      input: [784]
      layers:
        - { type: patchEmbed, patch: 4, dim: 8 }
  `));
  assert.match(flat[0]!.message, /\[H, W, C\].*data.shape/);
  const pooled = errors(parse(`
    name: t
    model:
      input: [10]
      layers:
        - { type: tokenPool }
  `));
  assert.match(pooled[0]!.message, /tokenPool needs a \[T, D\] input/);
});
