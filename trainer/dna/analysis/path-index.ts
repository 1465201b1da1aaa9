/**
 * Dense, collision-free ids for the paths tokens take through a `dna` layer (issue 8).
 *
 * A hop's choice set (the modules that processed the token, sorted, without the dropped ones) is
 * encoded as one integer, its *hop code*: the sorted modules s_0 < s_1 < … as big-endian digits
 * (s_i + 1) in base M + 1, padded with 0 digits to k digits. The empty set is 0; numeric order of
 * codes is the lexicographic order of the sorted lists (a prefix first: [] < [0] < [0,1] < [1]).
 *
 * Paths are interned hop by hop: id_h = intern(id_{h−1} · (M+1)^k + code_h) in a hash table,
 * so a key never exceeds N · (M+1)^k (checked against 2^53) and no two paths share an id. The hop-0
 * ids double as the "path cut to the first hop".
 */

export interface PathIndex {
  hops: number;
  k: number;
  /** Modules in the pool (M). */
  modules: number;
  /** Distinct paths (P). */
  size: number;
  /** [N] path id of each token (0..P−1, in order of first appearance). */
  tokenPath: Int32Array;
  /** [N] id of each token's hop-0 choice set (0..firstHopSize−1). */
  tokenFirstHop: Int32Array;
  firstHopSize: number;
  /** [P · hops] hop codes of each path, path-major. */
  codes: Int32Array;
}

/** Hop code of the k slots at choices[base..base+k) (−1 = not processed; order and duplicates ignored). */
export function hopCode(choices: ArrayLike<number>, base: number, k: number, modules: number): number {
  const radix = modules + 1;
  if (k === 1) {
    const a = choices[base];
    return a < 0 ? 0 : checked(a, modules) + 1;
  }
  if (k === 2) {
    let a = choices[base];
    let b = choices[base + 1];
    if (a < 0) { a = b; b = -1; }
    if (a < 0) return 0;
    checked(a, modules);
    if (b < 0 || b === a) return (a + 1) * radix;
    checked(b, modules);
    return a < b ? (a + 1) * radix + b + 1 : (b + 1) * radix + a + 1;
  }
  const sorted: number[] = [];
  for (let s = 0; s < k; s++) {
    const m = choices[base + s];
    if (m >= 0 && !sorted.includes(checked(m, modules))) sorted.push(m);
  }
  sorted.sort((x, y) => x - y);
  let code = 0;
  for (let s = 0; s < k; s++) code = code * radix + (s < sorted.length ? sorted[s] + 1 : 0);
  return code;
}

function checked(m: number, modules: number): number {
  if (m >= modules) throw new Error(`dna path analysis: module index ${m} outside the pool of ${modules}`);
  return m;
}

/** The sorted module list a hop code stands for. */
export function decodeHop(code: number, k: number, modules: number): number[] {
  const radix = modules + 1;
  const digits: number[] = [];
  for (let s = 0; s < k; s++) { digits.push(code % radix); code = Math.floor(code / radix); }
  const out: number[] = [];
  for (let s = k - 1; s >= 0; s--) if (digits[s] > 0) out.push(digits[s] - 1);
  return out;
}

/** Interns the path of every token. `choices` is [N · hops · k], −1 for slots not processed. */
export function indexPaths(choices: ArrayLike<number>, tokens: number, hops: number, k: number, modules: number): PathIndex {
  if (hops < 1) throw new Error('dna path analysis: a layer needs at least one hop');
  const codeRange = Math.pow(modules + 1, k);
  if (Math.max(tokens, 1) * codeRange > Number.MAX_SAFE_INTEGER) {
    throw new Error(`dna path analysis: ${tokens} tokens × ${codeRange} hop codes exceed exact integer keys`);
  }
  const tokenPath = new Int32Array(tokens);
  let tokenFirstHop = new Int32Array(0);
  let firstHopSize = 0;
  let size = tokens === 0 ? 0 : 1; // before hop 0 every token is on the empty prefix 0
  const ids = new Interner(tokens);
  for (let h = 0; h < hops; h++) {
    ids.clear();
    for (let n = 0; n < tokens; n++) tokenPath[n] = ids.intern(tokenPath[n] * codeRange + hopCode(choices, (n * hops + h) * k, k, modules));
    size = ids.size;
    if (h === 0) { tokenFirstHop = Int32Array.from(tokenPath); firstHopSize = size; }
  }
  // Each path's codes, read from its first token.
  const codes = new Int32Array(size * hops);
  const seen = new Uint8Array(size);
  for (let n = 0; n < tokens; n++) {
    const p = tokenPath[n];
    if (seen[p]) continue;
    seen[p] = 1;
    for (let h = 0; h < hops; h++) codes[p * hops + h] = hopCode(choices, (n * hops + h) * k, k, modules);
  }
  return { hops, k, modules, size, tokenPath, tokenFirstHop, firstHopSize, codes };
}

/**
 * Dense ids 0, 1, … for non-negative integer keys below 2^53, in order of first appearance: open
 * addressing with linear probing over typed arrays (several times faster than a Map at 500k keys).
 */
export class Interner {
  size = 0;
  private readonly keys: Float64Array;
  private readonly ids: Int32Array;
  private readonly mask: number;

  /** Room for `capacity` distinct keys. */
  constructor(private readonly capacity: number) {
    let slots = 16;
    while (slots < 2 * capacity) slots *= 2;
    this.keys = new Float64Array(slots);
    this.ids = new Int32Array(slots).fill(-1);
    this.mask = slots - 1;
  }

  clear(): void {
    this.ids.fill(-1);
    this.size = 0;
  }

  intern(key: number): number {
    // murmur3's 32-bit finaliser over the low word mixed with the high word
    let h = (key >>> 0) ^ Math.imul(Math.floor(key / 4294967296), 0x9e3779b1);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    let slot = (h ^ (h >>> 16)) & this.mask;
    for (;;) {
      const id = this.ids[slot];
      if (id < 0) {
        if (this.size >= this.capacity) throw new Error(`dna path analysis: more than ${this.capacity} distinct keys`);
        this.keys[slot] = key;
        this.ids[slot] = this.size;
        return this.size++;
      }
      if (this.keys[slot] === key) return id;
      slot = (slot + 1) & this.mask;
    }
  }
}

/** Path order (hop by hop, each hop's sorted list lexicographically): negative when a comes first. */
export function comparePaths(index: PathIndex, a: number, b: number): number {
  const { hops, codes } = index;
  for (let h = 0; h < hops; h++) {
    const d = codes[a * hops + h] - codes[b * hops + h];
    if (d !== 0) return d;
  }
  return 0;
}

/** The path with id p: per hop, the sorted modules that processed it. */
export function decodePath(index: PathIndex, p: number): number[][] {
  const out: number[][] = [];
  for (let h = 0; h < index.hops; h++) out.push(decodeHop(index.codes[p * index.hops + h], index.k, index.modules));
  return out;
}

/** The `limit` most frequent paths offered: count descending, ties in path order (deterministic). */
export class TopPaths {
  private readonly ids: number[] = [];
  private readonly counts: number[] = [];

  constructor(private readonly index: PathIndex, private readonly limit: number) {}

  offer(id: number, count: number): void {
    const n = this.ids.length;
    if (n === this.limit && !this.before(id, count, n - 1)) return;
    let at = n;
    while (at > 0 && this.before(id, count, at - 1)) at--;
    this.ids.splice(at, 0, id);
    this.counts.splice(at, 0, count);
    if (this.ids.length > this.limit) { this.ids.pop(); this.counts.pop(); }
  }

  result(): Array<{ id: number; count: number }> {
    return this.ids.map((id, i) => ({ id, count: this.counts[i] }));
  }

  private before(id: number, count: number, slot: number): boolean {
    const c = this.counts[slot];
    return count !== c ? count > c : comparePaths(this.index, id, this.ids[slot]) < 0;
  }
}
