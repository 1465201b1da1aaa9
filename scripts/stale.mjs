// Whether a built file is missing or older than the TypeScript sources it is built from
// (used by `npm run demo` and `npm run bench` to rebuild only when needed).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestSource(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (name.endsWith('.ts')) newest = Math.max(newest, s.mtimeMs);
  }
  return newest;
}

export function isStale(target, sourceDirs) {
  if (!existsSync(target)) return true;
  return statSync(target).mtimeMs < Math.max(...sourceDirs.map(newestSource));
}
