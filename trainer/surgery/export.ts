/**
 * A smaller model on disk (`writeExport`/`readExport`): a folder with `model.dynaxx.yaml` (the model file),
 * `model.json` (a tfjs weights manifest for `weights.bin`, little-endian, like a checkpoint's, with sizes and a
 * CRC-32C) and `weights.bin`. Pruned models and extracted subnetworks are exported alike.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir, tempPathFor, writeDurable } from '../store/atomic';
import type { NamedArray } from '../store/checkpoint';
import { crc32c } from '../store/crc32c';
import type { SurgeryResult } from './remove-units';

/** What an export holds (a `SurgeryResult` is one). */
export type ExportContents = Pick<SurgeryResult, 'yaml' | 'weights' | 'params' | 'flops' | 'removed'>;

export const EXPORT_MODEL_FILE = 'model.dynaxx.yaml';

/** `model.json` of an export: a tfjs weights manifest for `weights.bin` (little-endian), like a checkpoint's. */
export interface ExportManifest {
  format: 'dynaxx-export';
  formatVersion: 1;
  generatedBy: string;
  createdAt: string;
  modelFile: string;
  params: number;
  flops: number;
  removed: Record<string, number>;
  weightsManifest: [{ paths: ['weights.bin']; weights: Array<{ name: string; shape: number[]; dtype: 'float32' | 'int32' }> }];
  files: Record<string, { bytes: number; crc32c: number }>;
}

/**
 * Writes `dir` with `model.dynaxx.yaml`, `model.json` and `weights.bin`: built under a temp name beside it and
 * renamed into place, so `dir` is either the previous export or the complete new one.
 */
export function writeExport(dir: string, result: ExportContents): void {
  const target = path.resolve(dir);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  fs.mkdirSync(tmp);
  try {
    const bytes = Buffer.concat(result.weights.map((w) => littleEndian(w)));
    const manifest: ExportManifest = {
      format: 'dynaxx-export',
      formatVersion: 1,
      generatedBy: 'dynaxx-workbench',
      createdAt: new Date().toISOString(),
      modelFile: EXPORT_MODEL_FILE,
      params: result.params,
      flops: result.flops,
      removed: result.removed,
      weightsManifest: [{ paths: ['weights.bin'], weights: result.weights.map((w) => ({ name: w.name, shape: [...w.shape], dtype: w.dtype })) }],
      files: { 'weights.bin': { bytes: bytes.length, crc32c: crc32c(bytes) } },
    };
    writeDurable(path.join(tmp, 'weights.bin'), bytes);
    writeDurable(path.join(tmp, EXPORT_MODEL_FILE), Buffer.from(result.yaml, 'utf8'));
    writeDurable(path.join(tmp, 'model.json'), Buffer.from(JSON.stringify(manifest, null, 1) + '\n'));
    fsyncDir(tmp);
    if (fs.existsSync(target)) {
      const aside = tempPathFor(target);
      fs.renameSync(target, aside);
      fs.renameSync(tmp, target);
      fs.rmSync(aside, { recursive: true, force: true });
    } else {
      fs.renameSync(tmp, target);
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  fsyncDir(path.dirname(target));
}

/** Reads an export written by `writeExport`: the model file's text and the weights (size and CRC checked). */
export function readExport(dir: string): { yaml: string; weights: NamedArray[]; manifest: ExportManifest } {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as ExportManifest;
  if (manifest.format !== 'dynaxx-export') throw new Error(`${dir}/model.json has format '${String(manifest.format)}', expected 'dynaxx-export'`);
  const bytes = fs.readFileSync(path.join(dir, 'weights.bin'));
  const sum = manifest.files['weights.bin'];
  if (!sum || sum.bytes !== bytes.length || sum.crc32c !== crc32c(bytes)) throw new Error(`${dir}/weights.bin fails its size or CRC-32C check`);
  let offset = 0;
  const weights = manifest.weightsManifest[0].weights.map((w): NamedArray => {
    const size = w.shape.reduce((a, b) => a * b, 1);
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, size * 4);
    const data = w.dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
    for (let i = 0; i < size; i++) data[i] = w.dtype === 'float32' ? view.getFloat32(i * 4, true) : view.getInt32(i * 4, true);
    offset += size * 4;
    return { name: w.name, shape: [...w.shape], dtype: w.dtype, data };
  });
  return { yaml: fs.readFileSync(path.join(dir, manifest.modelFile), 'utf8'), weights, manifest };
}

function littleEndian(w: NamedArray): Buffer {
  const out = Buffer.alloc(w.data.length * 4);
  for (let i = 0; i < w.data.length; i++) {
    if (w.dtype === 'float32') out.writeFloatLE(w.data[i], i * 4);
    else out.writeInt32LE(w.data[i], i * 4);
  }
  return out;
}

