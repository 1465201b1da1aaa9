#!/usr/bin/env node
// Makes the walkthrough's images (media/walkthrough/*.png, shipped in the VSIX) from the real screenshots in docs/:
// the end-to-end test's (docs/e2e-*.png, test/e2e/run.mjs) and the dashboards' (docs/dashboards/*.png), cropped
// or at half size. Run it after those screenshots change and commit the results; each must stay under 150 KB.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crop, decodePng, downscale, encodePng, posterize } from './png.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** walkthrough image <- screenshot: the part that matters at full size (crop [x, y, w, h]), or all of it at half size */
export const MEDIA = {
  'open-example.png': { src: 'docs/e2e-1-codelens.png', crop: [350, 30, 800, 520] },
  'train.png': { src: 'docs/e2e-2-training.png' },
  'dashboard.png': { src: 'docs/e2e-2b-dashboard.png' },
  'lenses.png': { src: 'docs/dashboards/stability-unstable-deep-light.png' },
  'runs.png': { src: 'docs/e2e-3-runs.png', crop: [0, 380, 900, 520] },
  'sweeps.png': { src: 'docs/dashboards/sweep-mlp-lr-light.png' },
};
const LIMIT = 150 * 1024;

for (const [name, { src, crop: rect }] of Object.entries(MEDIA)) {
  const full = decodePng(readFileSync(join(root, src)));
  let img = rect ? crop(full, rect) : downscale(full, 2);
  let png = encodePng(img);
  // busy screenshots: fewer colour levels until the file fits
  for (let bits = 1; png.length > LIMIT && bits <= 3; bits++) png = encodePng(posterize(img, bits));
  if (png.length > LIMIT) throw new Error(`${name} from ${src}: ${png.length} bytes, over ${LIMIT}`);
  writeFileSync(join(root, 'media', 'walkthrough', name), png);
  console.log(`media/walkthrough/${name} <- ${src}: ${img.width}×${img.height}, ${(png.length / 1024).toFixed(0)} KB`);
  img = undefined;
}
