// WebGPU tier: a distributed neural architecture (routed attention and MLP modules over 4 hops) on webgpu
// matches cpu; its gradient norm sums dozens of tensors in one AddN (models/dna.dynaxx.yaml; tolerance in parity.ts).
import { parityTest } from './parity';

parityTest('dna: 4 routed steps on webgpu match cpu', 'dna', { steps: 4 });
