/**
 * A synthetic node for a module inside a container layer (a transformer block's sub-layers, a dna layer's pool
 * modules and routers): its own id, the container's source range, so statistics and alerts point at the container.
 */
import type { LayerConfigByType, LayerNode, LayerType, Shape, SourceRange } from '../../../spec/types';

export function subNode<T extends LayerType>(
  id: string, type: T, config: LayerConfigByType[T], inputShape: Shape, outputShape: Shape, params: number, flops: number, range: SourceRange,
): LayerNode<T> {
  return { id, type, config, inputShape, outputShape, params, flops, range };
}
