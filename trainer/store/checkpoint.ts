/**
 * Checkpoints in the tfjs weights format, written and read without tfjs.
 *
 * `<run>/checkpoints/step-00001200/` holds `model.json` (a tfjs `weightsManifest` for the model
 * weights in `weights.bin`, an `optimizer` manifest for the optimizer slots in `optimizer.bin`, and
 * the loop `state`), with all data little-endian. The directory is built under a temp name and
 * renamed into place, so a checkpoint directory with a real name is complete by construction;
 * `latest.json` then points at it. Sizes and CRC-32C checksums are verified on read.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../errors';
import { cleanStaleTemps, fsyncDir, TEMP_MARKER, writeDurable, writeJsonAtomic } from './atomic';
import { crc32c } from './crc32c';

export interface NamedArray {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

export interface CheckpointData {
  weights: NamedArray[];
  optimizer: NamedArray[];
  /** Everything else needed to resume: rng state, epoch, step, lr schedule, ... (JSON). */
  state: Record<string, unknown>;
}

export interface Checkpoint extends CheckpointData {
  step: number;
  /** Absolute path of the checkpoint directory. */
  dir: string;
  /** Damaged newer checkpoints that were skipped to reach this one. */
  warnings: string[];
}

export interface CheckpointInfo {
  step: number;
  dir: string;
}

/** One entry of a tfjs weights manifest. */
interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}
interface ManifestGroup {
  paths: string[];
  weights: ManifestEntry[];
}

/** The `model.json` of a checkpoint. */
export interface CheckpointManifest {
  format: 'dynaxx-checkpoint';
  formatVersion: 1;
  generatedBy: string;
  step: number;
  createdAt: string;
  weightsManifest: [ManifestGroup];
  optimizer: ManifestGroup;
  state: Record<string, unknown>;
  /** Byte length and CRC-32C of each data file. */
  files: Record<string, { bytes: number; crc32c: number }>;
}

const CHECKPOINTS = 'checkpoints';
const LATEST = 'latest.json';
const STEP_DIR = /^step-(\d{8,})$/;
const LITTLE_ENDIAN = os.endianness() === 'LE';

export function checkpointsDir(runDir: string): string {
  return path.join(runDir, CHECKPOINTS);
}

export function stepDirName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

/** Complete checkpoints (directories with their final name), oldest first. */
export function listCheckpoints(runDir: string): CheckpointInfo[] {
  const root = checkpointsDir(runDir);
  if (!fs.existsSync(root)) return [];
  const out: CheckpointInfo[] = [];
  for (const name of fs.readdirSync(root)) {
    const m = STEP_DIR.exec(name);
    if (m) out.push({ step: Number(m[1]), dir: path.join(root, name) });
  }
  return out.sort((a, b) => a.step - b.step);
}

/**
 * Write the checkpoint for `step` and point `latest.json` at it. Checkpoints newer than `step`
 * belong to an abandoned timeline (the run was resumed from an earlier one) and are removed, and
 * of the rest only the newest `keep` are kept, deleted only once the new one is in place.
 */
export function writeCheckpoint(runDir: string, step: number, ckpt: CheckpointData, opts: { keep?: number } = {}): CheckpointInfo {
  const keep = opts.keep ?? 3;
  if (!Number.isSafeInteger(step) || step < 0) throw new Error(`checkpoint step must be a non-negative integer, got ${step}`);
  if (keep < 1) throw new Error(`keep must be at least 1, got ${keep}`);
  const root = checkpointsDir(runDir);
  fs.mkdirSync(root, { recursive: true });
  cleanStaleTemps(root);

  const name = stepDirName(step);
  const tmp = path.join(root, `.${name}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`);
  fs.mkdirSync(tmp);
  try {
    const weights = packGroup(ckpt.weights, 'weights');
    const optimizer = packGroup(ckpt.optimizer, 'optimizer');
    writeDurable(path.join(tmp, 'weights.bin'), weights.bytes);
    writeDurable(path.join(tmp, 'optimizer.bin'), optimizer.bytes);
    const manifest: CheckpointManifest = {
      format: 'dynaxx-checkpoint',
      formatVersion: 1,
      generatedBy: 'dynaxx-workbench',
      step,
      createdAt: new Date().toISOString(),
      weightsManifest: [{ paths: ['weights.bin'], weights: weights.entries }],
      optimizer: { paths: ['optimizer.bin'], weights: optimizer.entries },
      state: ckpt.state,
      files: {
        'weights.bin': { bytes: weights.bytes.length, crc32c: crc32c(weights.bytes) },
        'optimizer.bin': { bytes: optimizer.bytes.length, crc32c: crc32c(optimizer.bytes) },
      },
    };
    writeDurable(path.join(tmp, 'model.json'), Buffer.from(JSON.stringify(manifest, null, 1) + '\n'));
    fsyncDir(tmp);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }

  const final = path.join(root, name);
  if (fs.existsSync(final)) {
    // Rewriting a step (after a resume): move the old one aside, since a rename cannot replace a non-empty directory.
    const aside = path.join(root, `.${name}-old${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`);
    fs.renameSync(final, aside);
    fs.renameSync(tmp, final);
    fs.rmSync(aside, { recursive: true, force: true });
  } else {
    fs.renameSync(tmp, final);
  }
  fsyncDir(root);
  writeJsonAtomic(path.join(root, LATEST), { step, dir: name });

  const all = listCheckpoints(runDir);
  const older = all.filter((c) => c.step <= step);
  const doomed = [...all.filter((c) => c.step > step), ...older.slice(0, Math.max(0, older.length - keep))];
  for (const c of doomed) removeDir(root, c.dir);
  return { step, dir: final };
}

/**
 * Read a checkpoint. With `step`, exactly that one (throws if missing or damaged). Without, the
 * newest complete one: a damaged newer checkpoint is skipped with a warning. Returns undefined when
 * the run has no checkpoints at all; throws a UserError (what is damaged, what to do) when it has some
 * and none of them is readable.
 */
export function readCheckpoint(runDir: string, step?: number): Checkpoint | undefined {
  const all = listCheckpoints(runDir);
  if (step !== undefined) {
    const c = all.find((x) => x.step === step);
    if (!c) throw new UserError(`no checkpoint for step ${step} in ${checkpointsDir(runDir)} (have: ${all.map((x) => x.step).join(', ') || 'none'})`);
    try {
      return { ...loadCheckpointDir(c.dir, c.step), step: c.step, dir: c.dir, warnings: [] };
    } catch (e) {
      throw new UserError(`checkpoint ${c.dir} is damaged: ${(e as Error).message}`);
    }
  }
  if (all.length === 0) return undefined;
  const warnings: string[] = [];
  for (const c of all.reverse()) {
    try {
      return { ...loadCheckpointDir(c.dir, c.step), step: c.step, dir: c.dir, warnings };
    } catch (e) {
      warnings.push(`checkpoint ${path.basename(c.dir)} is damaged and was skipped: ${(e as Error).message}`);
    }
  }
  throw new UserError(
    `run ${path.basename(runDir)} has no readable checkpoint: every checkpoint in ${checkpointsDir(runDir)} is damaged, so it cannot be resumed; ` +
    `start a new run from its model file (${path.join(runDir, 'model.dynaxx.yaml')}):\n  ${warnings.join('\n  ')}`,
  );
}

/** The step `latest.json` points at, if it is present and valid. */
export function readLatestPointer(runDir: string): CheckpointInfo | undefined {
  try {
    const p = JSON.parse(fs.readFileSync(path.join(checkpointsDir(runDir), LATEST), 'utf8')) as { step?: unknown; dir?: unknown };
    if (typeof p.step !== 'number' || typeof p.dir !== 'string') return undefined;
    return { step: p.step, dir: path.join(checkpointsDir(runDir), p.dir) };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- packing

function packGroup(arrays: NamedArray[], what: string): { bytes: Buffer; entries: ManifestEntry[] } {
  const seen = new Set<string>();
  const chunks: Buffer[] = [];
  const entries: ManifestEntry[] = [];
  for (const a of arrays) {
    if (seen.has(a.name)) throw new Error(`${what}: duplicate array name '${a.name}'`);
    seen.add(a.name);
    const size = a.shape.reduce((p, d) => p * d, 1);
    if (a.data.length !== size) throw new Error(`${what}: '${a.name}' has ${a.data.length} values but shape [${a.shape}] needs ${size}`);
    const ok = a.dtype === 'float32' ? a.data instanceof Float32Array : a.data instanceof Int32Array;
    if (!ok) throw new Error(`${what}: '${a.name}' is declared ${a.dtype} but holds a ${a.data.constructor.name}`);
    chunks.push(toLittleEndian(a.data));
    entries.push({ name: a.name, shape: [...a.shape], dtype: a.dtype });
  }
  return { bytes: Buffer.concat(chunks), entries };
}

function toLittleEndian(data: Float32Array | Int32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out = Buffer.alloc(data.byteLength);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) out.writeFloatLE(data[i], i * 4);
    else out.writeInt32LE(data[i], i * 4);
  }
  return out;
}

function fromLittleEndian(bytes: Buffer, offset: number, entry: ManifestEntry, size: number): Float32Array | Int32Array {
  // Copy into a fresh, aligned buffer so the result owns its memory.
  const copy = new ArrayBuffer(size * 4);
  if (LITTLE_ENDIAN) {
    new Uint8Array(copy).set(bytes.subarray(offset, offset + size * 4));
    return entry.dtype === 'float32' ? new Float32Array(copy) : new Int32Array(copy);
  }
  const view = new DataView(copy);
  for (let i = 0; i < size; i++) {
    if (entry.dtype === 'float32') view.setFloat32(i * 4, bytes.readFloatLE(offset + i * 4), false);
    else view.setInt32(i * 4, bytes.readInt32LE(offset + i * 4), false);
  }
  return entry.dtype === 'float32' ? new Float32Array(copy) : new Int32Array(copy);
}

function loadCheckpointDir(dir: string, step: number): CheckpointData {
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as CheckpointManifest;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(err.code === 'ENOENT' ? 'model.json is missing' : err instanceof SyntaxError ? 'model.json is not valid JSON' : `model.json unreadable: ${err.message}`);
  }
  if (typeof manifest !== 'object' || manifest === null) throw new Error('model.json is not a checkpoint manifest');
  if (manifest.format !== 'dynaxx-checkpoint') throw new Error(`model.json has format '${String(manifest.format)}', expected 'dynaxx-checkpoint'`);
  if (manifest.step !== step) throw new Error(`model.json says step ${String(manifest.step)}, the directory says ${step}`);
  const weights = unpackGroup(dir, manifest.weightsManifest?.[0], manifest);
  const optimizer = unpackGroup(dir, manifest.optimizer, manifest);
  return { weights, optimizer, state: manifest.state ?? {} };
}

function unpackGroup(dir: string, group: ManifestGroup | undefined, manifest: CheckpointManifest): NamedArray[] {
  if (!group || !Array.isArray(group.paths) || group.paths.length !== 1 || !Array.isArray(group.weights)) {
    throw new Error('model.json has a malformed weights manifest');
  }
  const file = group.paths[0];
  if (typeof file !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(file) || file.startsWith('.')) throw new Error('model.json names a data file outside the checkpoint');
  const bytes = fs.readFileSync(path.join(dir, file));
  const sizes = group.weights.map((w) => {
    if (!Array.isArray(w?.shape) || !w.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`${file}: an entry has a malformed shape`);
    if (w.dtype !== 'float32' && w.dtype !== 'int32') throw new Error(`${file}: '${w.name}' has unsupported dtype ${String(w.dtype)}`);
    return w.shape.reduce((p, d) => p * d, 1);
  });
  const expected = sizes.reduce((p, s) => p + s * 4, 0);
  if (bytes.length !== expected) throw new Error(`${file} has ${bytes.length} bytes, the manifest needs ${expected}`);
  const sum = manifest.files?.[file];
  if (sum && (sum.bytes !== bytes.length || sum.crc32c !== crc32c(bytes))) throw new Error(`${file} fails its CRC-32C check`);
  let offset = 0;
  return group.weights.map((w, i) => {
    const data = fromLittleEndian(bytes, offset, w, sizes[i]);
    offset += sizes[i] * 4;
    return { name: w.name, shape: [...w.shape], dtype: w.dtype, data };
  });
}

// ---------------------------------------------------------------- files


/** Remove a checkpoint directory: rename it to a temp name first, so it never looks half-present. */
function removeDir(root: string, dir: string): void {
  const aside = path.join(root, `.${path.basename(dir)}-del${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    fs.renameSync(dir, aside);
  } catch {
    return;
  }
  fs.rmSync(aside, { recursive: true, force: true });
}
