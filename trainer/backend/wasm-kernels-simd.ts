/**
 * A few hand-assembled WebAssembly SIMD loops that run on tfjs-backend-wasm's own heap: a second module imports the
 * backend's memory (shared when tfjs runs its threaded build), so a kernel reads and writes tensors where they lie,
 * with f32x4 arithmetic — IEEE float32 per lane, the same rounding as tfjs's kernels. Plain JS loops over the heap are
 * 3× slower than tfjs's kernels for elementwise work; these are faster. The encoder knows only what the loops here use.
 */

/** The part of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
export interface WasmMemory { readonly buffer: ArrayBufferLike }
const WA = (globalThis as unknown as {
  WebAssembly: {
    Memory: abstract new (...args: never[]) => WasmMemory;
    validate(bytes: Uint8Array): boolean;
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: object) => { exports: object };
  };
}).WebAssembly;

/** Value types and the opcodes used (WebAssembly core and SIMD binary encoding). */
export const T = { i32: 0x7f, f32: 0x7d, v128: 0x7b } as const;
const SIMD = 0xfd;
export const OP = {
  block: [0x02, 0x40], loop: [0x03, 0x40], end: [0x0b], br: 0x0c, brIf: 0x0d,
  get: 0x20, set: 0x21, tee: 0x22, i32Const: 0x41,
  i32Add: [0x6a], i32Mul: [0x6c], i32Shl: [0x74], i32GeU: [0x4f], i32LtU: [0x49], i32And: [0x71], select: [0x1b],
  v128Load: [SIMD, 0x00, 0x00, 0x00], v128Store: [SIMD, 0x0b, 0x00, 0x00],
  f32x4Splat: [SIMD, 0x13], f32x4Gt: [SIMD, 0x44], bitselect: [SIMD, 0x52],
  f32x4Sqrt: [SIMD, 0xe3, 0x01], f32x4Add: [SIMD, 0xe4, 0x01], f32x4Sub: [SIMD, 0xe5, 0x01],
  f32x4Mul: [SIMD, 0xe6, 0x01], f32x4Div: [SIMD, 0xe7, 0x01],
  i32x4Splat: [SIMD, 0x11], i32x4Eq: [SIMD, 0x37], v128And: [SIMD, 0x4e],
  f32Add: [0x92], f32Store: [0x38, 0x02, 0x00], f32x4Lane: (lane: number) => [SIMD, 0x1f, lane],
} as const;

/** i8x16.shuffle picking float lanes (0–3 from the first operand, 4–7 from the second). */
export function shuffle(lanes: [number, number, number, number]): number[] {
  return [SIMD, 0x0d, ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])];
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

const name = (s: string) => [...uleb(s.length), ...Buffer.from(s, 'utf8')];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

/** One function under construction: named parameters and locals, and its body as bytes. */
export class Fn {
  readonly code: number[] = [];
  private readonly index = new Map<string, number>();
  private readonly locals: number[] = [];

  constructor(readonly exportName: string, readonly params: Array<[string, number]>) {
    params.forEach(([n], i) => this.index.set(n, i));
  }

  local(n: string, type: number): this {
    this.index.set(n, this.params.length + this.locals.length);
    this.locals.push(type);
    return this;
  }

  private at(n: string): number {
    const i = this.index.get(n);
    if (i === undefined) throw new Error(`wasm kernel ${this.exportName}: no local '${n}'`);
    return i;
  }

  get(...ns: string[]): this { for (const n of ns) this.code.push(OP.get, ...uleb(this.at(n))); return this; }
  set(n: string): this { this.code.push(OP.set, ...uleb(this.at(n))); return this; }
  tee(n: string): this { this.code.push(OP.tee, ...uleb(this.at(n))); return this; }
  i32(v: number): this { this.code.push(OP.i32Const, ...sleb(v)); return this; }
  op(...ops: ReadonlyArray<readonly number[]>): this { for (const o of ops) this.code.push(...o); return this; }
  br(kind: 'br' | 'brIf', depth: number): this { this.code.push(OP[kind], ...uleb(depth)); return this; }
  /** v128 at byte address `ptr + i` (both locals). */
  load(ptr: string, i = 'i'): this { return this.get(ptr, i).op(OP.i32Add, OP.v128Load); }

  /** for (i = 0; i < end; i += 16) body — over bytes, four floats a turn. */
  loop16(end: string, body: (f: this) => void): this {
    return this.i32(0).set('i').while('i', end, 16, body);
  }

  /** while (counter < end) { body; counter += step } (unsigned; counter set by the caller; step a constant or a local). */
  while(counter: string, end: string, step: number | string, body: (f: this) => void): this {
    this.op(OP.block, OP.loop).get(counter, end).op(OP.i32GeU).br('brIf', 1);
    body(this);
    this.get(counter);
    if (typeof step === 'number') this.i32(step);
    else this.get(step);
    return this.op(OP.i32Add).set(counter).br('br', 0).op(OP.end, OP.end);
  }

  encoded(): { type: number[]; body: number[] } {
    const type = [0x60, ...vec(this.params.map(([, t]) => [t])), 0];
    // one local declaration per local: count 1, type
    const locals = vec(this.locals.map((t) => [1, t]));
    const body = [...locals, ...this.code, ...OP.end];
    return { type, body: [...uleb(body.length), ...body] };
  }
}

/** The bytes of a module of `fns` importing `memory` (env.memory); undefined where the engine refuses it (no SIMD). */
export function moduleBytes(memory: WasmMemory, fns: Fn[]): Uint8Array | undefined {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const limits = shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const enc = fns.map((f) => f.encoded());
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(enc.map((e) => e.type))),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]])),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(fns.map((f, i) => [...name(f.exportName), 0x00, ...uleb(i)]))),
    ...section(10, vec(enc.map((e) => e.body))),
  ]);
  return WA.validate(bytes) ? bytes : undefined;
}

/** A module of `fns` importing `memory` (env.memory): its exports, or undefined where the engine refuses it (no SIMD). */
export function instantiate(memory: WasmMemory, fns: Fn[]): Record<string, (...args: number[]) => void> | undefined {
  const bytes = moduleBytes(memory, fns);
  if (!bytes) return undefined;
  const instance = new WA.Instance(new WA.Module(bytes), { env: { memory } });
  return instance.exports as unknown as Record<string, (...args: number[]) => void>;
}

/**
 * tfjs-backend-wasm's heap, if it can be found: the threaded build's Emscripten module keeps the Memory as
 * `wasmMemory`, the plain SIMD build exports it as `asm.memory`; either must be the memory behind its HEAPU8.
 */
export function heapMemory(backend: unknown): WasmMemory | undefined {
  const wasm = (backend as { wasm?: { wasmMemory?: unknown; asm?: { memory?: unknown }; HEAPU8?: Uint8Array } }).wasm;
  const m = wasm?.wasmMemory ?? wasm?.asm?.memory;
  return m instanceof WA.Memory && m.buffer === wasm?.HEAPU8?.buffer ? m : undefined;
}
