// WebGPU tier: an MLP trains to the same losses on webgpu as on cpu (models/mlp.dynaxx.yaml; tolerance in parity.ts).
import { parityTest } from './parity';

parityTest('mlp: 5 steps on webgpu match cpu', 'mlp', { steps: 5 });
