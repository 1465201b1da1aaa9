/** Regenerates spec/dynaxx.schema.json from the field tables: `node --import tsx spec/write-schema.ts`. */
import { writeFileSync } from 'node:fs';
import { schemaText } from './schema';

const target = new URL('./dynaxx.schema.json', import.meta.url);
writeFileSync(target, schemaText());
console.log(`wrote ${target.pathname}`);
