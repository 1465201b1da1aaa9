#!/usr/bin/env node
// Draws the extension's icon, media/icon.png (128×128 RGBA): a rounded square with a small layered network whose
// middle layer is partly pruned. No image library: pixels are computed here and written as a PNG (scripts/png.mjs).
// Run `node scripts/make-icon.mjs` after changing it and commit the PNG.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from './png.mjs';

const N = 128;
const px = new Float32Array(N * N * 4); // premultiplied-free RGBA in 0..1

/** Alpha-blends a colour into pixel (x, y) with coverage a. */
function blend(x, y, [r, g, b], a) {
  if (x < 0 || y < 0 || x >= N || y >= N || a <= 0) return;
  const i = (y * N + x) * 4;
  const A = px[i + 3];
  const out = a + A * (1 - a);
  for (const [k, c] of [[0, r], [1, g], [2, b]]) px[i + k] = (c * a + px[i + k] * A * (1 - a)) / (out || 1);
  px[i + 3] = out;
}

/** Fills every pixel whose centre's signed distance d(x, y) is negative, antialiased over one pixel. */
function fill(dist, colour, alpha = 1) {
  for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) {
    const d = dist(x + 0.5, y + 0.5);
    blend(x, y, colour, alpha * Math.min(1, Math.max(0, 0.5 - d)));
  }
}
const roundRect = (x0, y0, x1, y1, r) => (x, y) => {
  const qx = Math.max(x0 + r - x, 0, x - (x1 - r));
  const qy = Math.max(y0 + r - y, 0, y - (y1 - r));
  return Math.hypot(qx, qy) - r;
};
const circle = (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) - r;
const segment = (ax, ay, bx, by, w) => (x, y) => {
  const t = Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
  return Math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay))) - w / 2;
};

const bg = [0.08, 0.16, 0.32];
const edge = [0.55, 0.75, 1];
const node = [1, 1, 1];
const hot = [1, 0.6, 0.15];
fill(roundRect(4, 4, 124, 124, 22), bg);

const layers = [[34, 54, 74, 94], [44, 64, 84], [34, 54, 74, 94]].map((ys, i) => ys.map((y) => [30 + i * 34, y]));
layers.push([[104, 64]]);
const pruned = new Set(['1:2']); // one hidden unit pruned: its edges are not drawn
for (let l = 0; l + 1 < layers.length; l++) {
  layers[l].forEach(([ax, ay], i) => layers[l + 1].forEach(([bx, by], j) => {
    if (pruned.has(`${l}:${i}`) || pruned.has(`${l + 1}:${j}`)) return;
    fill(segment(ax, ay, bx, by, 1.6), edge, 0.55);
  }));
}
layers.forEach((ys, l) => ys.forEach(([x, y], i) => {
  if (pruned.has(`${l}:${i}`)) fill((px2, py2) => Math.abs(circle(x, y, 5)(px2, py2)) - 0.9, node, 0.6);
  else fill(circle(x, y, l === layers.length - 1 ? 7 : 5), l === layers.length - 1 ? hot : node);
}));

const data = Buffer.alloc(N * N * 4);
for (let i = 0; i < data.length; i++) data[i] = Math.round(Math.min(1, Math.max(0, px[i])) * 255);
const png = encodePng({ width: N, height: N, channels: 4, data });
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'media', 'icon.png');
writeFileSync(out, png);
console.log(`${out}: ${png.length} bytes`);
