// WebGPU tier: a 300-block residual stack with `stabilize: auto`; its gradient norm is an AddN over more than 1200
// tensors, which tfjs writes as one WGSL expression deeper than Dawn compiles (models/deep-stabilized.dynaxx.yaml).
import { parityTest } from './parity';

parityTest('deep-stabilized: 300 residual blocks, 3 steps on webgpu match cpu', 'deep-stabilized', { steps: 3 });
