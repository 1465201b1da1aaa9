/** Public API of the sweep-file language (`*.sweep.yaml`): parse, expand into points, schema. */
export * from './types';
export {
  parseSweepText, MAX_SWEEP_POINTS, SWEEP_FIELDS, SWEEP_KEYS, SWEEP_SECTIONS, type SweepParseOptions, type SweepParseResult,
} from './parse';
export {
  expandSweep, sweepPointName, sweepIndices, gridDigits, formatValue,
  type ExpandOptions, type ExpandResult, type ExpandedPoint, type SweepPointError,
} from './expand';
export { parseKeyPath, formatKeyPath, checkModelPath } from './key-path';
export { buildSweepSchema, sweepSchemaText, KEY_PATH_PATTERN } from './schema';
