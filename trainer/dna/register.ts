/**
 * Registers the dna and moe layers with the engine's layer registry (trainer/engine/layers/index.ts). Imported for
 * its side effect by the dna technique's entry into a run (run-hooks.ts) and by anything else that builds a model
 * with these layers without going through a run (tests); the engine never imports it.
 */
import { registerLayerModule } from '../engine/layers/index';
import { DnaLayer } from './layer';
import { MoeLayer } from './moe';

registerLayerModule('dna', (node, init) => new DnaLayer(node, init));
registerLayerModule('moe', (node, init) => new MoeLayer(node, init));
