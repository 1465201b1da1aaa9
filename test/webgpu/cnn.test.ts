// WebGPU tier: a CNN (conv2d, maxPool2d) whose global gradient norm sums ten tensors in one AddN, more storage
// buffers than a WebGPU pipeline may bind by default (models/cnn.dynaxx.yaml; tolerance in parity.ts).
import { parityTest } from './parity';

parityTest('cnn: 4 steps on webgpu match cpu', 'cnn', { steps: 4 });
