import { ACTIVATION_FLOPS, ACTIVATIONS } from '../activations';
import type { Activation } from '../types';
import { prod, type LayerKind } from './kind';

export const activation: LayerKind<'activation'> = {
  type: 'activation',
  doc: 'Applies an activation function element-wise; keeps the shape.',
  fields: { activation: { kind: 'enum', values: ACTIVATIONS, required: true, doc: 'The activation function.' } },
  toConfig: (r) => ({ activation: r.activation as Activation }),
  inferShape: (input) => input,
  params: () => 0,
  flops: (input, _o, c) => prod(input) * ACTIVATION_FLOPS[c.activation],
  depth: 0,
};
