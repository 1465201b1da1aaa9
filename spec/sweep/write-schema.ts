/** Regenerates spec/sweep.schema.json from the sweep parser's tables: `node --import tsx spec/sweep/write-schema.ts`. */
import { writeFileSync } from 'node:fs';
import { sweepSchemaText } from './schema';

const target = new URL('../sweep.schema.json', import.meta.url);
writeFileSync(target, sweepSchemaText());
console.log(`wrote ${target.pathname}`);
