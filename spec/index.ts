/** Public API of the model-definition language. */
export * from './types';
export { parseModelText, loadModelFile, loadModelText, EXTRA_SECTIONS, type ParseOptions, type ParseResult } from './parse';
export { importModelJson, SUPPORTED_KERAS_CLASSES, type ImportedModel } from './model-json';
export { LAYER_KINDS, LAYER_TYPES, layerKind } from './layers/registry';
export type { LayerKind } from './layers/kind';
export { ACTIVATIONS, ACTIVATION_FLOPS } from './activations';
export { didYouMean, editDistance } from './suggest';
export { buildSchema, schemaText } from './schema';
export { walkLayers, findLayer, layerAt } from './walk';
export { STABILIZE_MONITORS } from './stabilize-spec';
export {
  autoWarmupSteps, depthLrFactor, autoPeakLr, autoSpectralEvery, autoMonitorEvery, suggestedBatchSize,
} from './stabilize-auto';
export { DEFAULT_LIMITS, LIMIT_ENV, specLimits, howToRaise, quoteValue, type SpecLimits } from './limits';
export { readTextFileBounded, ReadFileError } from './read-file';
export { nestingTooDeep } from './nesting';
