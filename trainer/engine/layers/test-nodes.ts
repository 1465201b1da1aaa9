/** Hand-built LayerNodes for tests (the parser is not needed to exercise the layers). */
import type { LayerConfigByType, LayerNode, LayerType, Shape } from '../../../spec/types';

const RANGE = { file: 'test.dynaxx.yaml', line: 1, col: 1, endLine: 1, endCol: 1 };

export function layerNode<T extends LayerType>(
  id: string,
  type: T,
  config: LayerConfigByType[T],
  inputShape: Shape,
  outputShape: Shape,
  body?: LayerNode[],
): LayerNode<T> {
  return { id, type, config, inputShape, outputShape, params: 0, flops: 0, range: RANGE, ...(body ? { body } : {}) };
}

/** One node of every layer type, each with its expected output shape. */
export function everyLayerType(): LayerNode[] {
  return [
    layerNode('dense1d', 'dense', { units: 5, activation: 'relu', useBias: true }, [4], [5]),
    layerNode('dense2d', 'dense', { units: 6, activation: 'gelu', useBias: false }, [3, 4], [3, 6]),
    layerNode('conv', 'conv2d', { filters: 4, kernelSize: [3, 3], strides: [1, 1], padding: 'same', activation: 'relu', useBias: true }, [6, 6, 2], [6, 6, 4]),
    layerNode('convValid', 'conv2d', { filters: 3, kernelSize: [3, 3], strides: [2, 2], padding: 'valid', activation: 'swish', useBias: true }, [7, 7, 2], [3, 3, 3]),
    layerNode('maxPool', 'maxPool2d', { poolSize: [2, 2], strides: [2, 2], padding: 'valid' }, [6, 6, 2], [3, 3, 2]),
    layerNode('avgPool', 'avgPool2d', { poolSize: [3, 3], strides: [2, 2], padding: 'same' }, [5, 5, 2], [3, 3, 2]),
    layerNode('gap', 'globalAvgPool2d', {}, [4, 4, 3], [3]),
    layerNode('flatten', 'flatten', {}, [4, 4, 3], [48]),
    layerNode('dropout', 'dropout', { rate: 0.5 }, [3, 4], [3, 4]),
    layerNode('ln', 'layerNorm', { epsilon: 1e-5, momentum: 0 }, [3, 4], [3, 4]),
    layerNode('bn', 'batchNorm', { epsilon: 1e-3, momentum: 0.9 }, [4, 4, 3], [4, 4, 3]),
    layerNode('act', 'activation', { activation: 'softmax' }, [7], [7]),
    layerNode('emb', 'embedding', { inputDim: 10, outputDim: 8 }, [5], [5, 8]),
    layerNode('res', 'residual', { scale: 0.5 }, [8], [8], [
      layerNode('res.layers[0]', 'layerNorm', { epsilon: 1e-5, momentum: 0 }, [8], [8]),
      layerNode('res.layers[1]', 'dense', { units: 8, activation: 'tanh', useBias: true }, [8], [8]),
    ]),
    layerNode('attn', 'attention', { heads: 2, causal: true, dropout: 0.1 }, [5, 8], [5, 8]),
    layerNode('block', 'transformer', { heads: 2, mlpRatio: 2, causal: false, dropout: 0.1 }, [5, 8], [5, 8]),
    layerNode('patches', 'patchEmbed', { patch: 2, dim: 8 }, [4, 6, 1], [6, 8]),
    layerNode('pool', 'tokenPool', { mode: 'mean' }, [5, 8], [8]),
    layerNode('poolLast', 'tokenPool', { mode: 'last' }, [5, 8], [8]),
    layerNode('dna', 'dna', {
      hops: 3, attention: 1, mlp: 2, identity: 1, heads: 2, mlpRatio: 2, causal: true, k: 2, capacityFactor: 1,
      balanceWeight: 0.01, computeWeight: 0.1, zWeight: 0.001,
    }, [5, 8], [5, 8]),
    layerNode('moe', 'moe', { heads: 2, experts: 3, expertRatio: 1, causal: false, k: 2, capacityFactor: 1.25, balanceWeight: 0.01, zWeight: 0.001 }, [5, 8], [5, 8]),
  ];
}

/** A batch [B, ...shape] of deterministic values; token ids in [0, vocab) for embeddings. */
export function sampleInput(node: LayerNode, batch: number, seed = 1): { values: Float32Array; shape: Shape } {
  const shape = [batch, ...node.inputShape];
  let n = 1;
  for (const d of shape) n *= d;
  const values = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const u = s / 2147483648;
    values[i] = node.type === 'embedding' ? Math.floor(u * (node.config as { inputDim: number }).inputDim) : 2 * u - 1;
  }
  return { values, shape };
}
