import { ACTIVATION_FLOPS, ACTIVATIONS } from '../activations';
import type { Activation } from '../types';
import { prod, type LayerKind } from './kind';

/** Fully connected on the last axis: [..., D] -> [..., units]. */
export const dense: LayerKind<'dense'> = {
  type: 'dense',
  doc: 'Fully connected layer acting on the last axis: [..., D] -> [..., units].',
  fields: {
    units: { kind: 'int', min: 1, required: true, doc: 'Number of output features.' },
    activation: { kind: 'enum', values: ACTIVATIONS, default: 'linear', doc: 'Activation applied to the output.' },
    useBias: { kind: 'bool', default: true, doc: 'Add a learned bias.' },
  },
  toConfig: (r) => ({ units: r.units as number, activation: r.activation as Activation, useBias: r.useBias as boolean }),
  inferShape: (input, c) => (input.length === 0 ? 'dense needs an input with at least one axis' : [...input.slice(0, -1), c.units]),
  params: (input, c) => input[input.length - 1]! * c.units + (c.useBias ? c.units : 0),
  flops: (input, output, c) => {
    const positions = prod(input.slice(0, -1));
    const perPos = 2 * input[input.length - 1]! * c.units + (c.useBias ? c.units : 0);
    return positions * perPos + prod(output) * ACTIVATION_FLOPS[c.activation];
  },
  depth: 1,
};
