/**
 * BENCHMARKS.md's "where a wasm training step's time goes" table (bench/profile.ts writes the files): per model ×
 * batch, the kernels that take the most time per step (ms and share of the step), the other kernels together, all
 * kernels, the rest (JS) and the step. One file, or two ("before" and "after") side by side.
 */
import type { KernelRow, StepProfile } from '../profile-aggregate';
import type { ProfileCase, ProfileFile } from '../profile';

/** Kernel rows per case: the top ones of either file. */
const TOP = 8;

const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const pct = (x: number, of: number) => (of > 0 ? `${((100 * x) / of).toFixed(1)}%` : '–');
const calls = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));

/** The line that says what a file measured: label, commit, backend, threads, date. */
function provenance(f: ProfileFile): string {
  const threads = f.env.threads ? `, ${f.env.threads} thread${f.env.threads > 1 ? 's' : ''}` : '';
  const vars = Object.entries(f.env.vars).map(([k, v]) => `${k}=${v}`).join(' ');
  const dirty = f.dirty.some((l) => !/ bench\//.test(l)) ? ' plus uncommitted changes' : '';
  return `${f.label}: commit ${f.commit.slice(0, 7)}${dirty}, ${f.backend}${threads}${vars ? ` (${vars})` : ''}, ${f.date}, ${f.machine.cpu} (${f.machine.cores} cores)`;
}

function caption(c: ProfileCase): string {
  const p = c.profile;
  return p ? `${ms(p.stepMs)} ms/step, ${p.kernelsPerStep.toFixed(0)} kernels` : `failed: ${c.error ?? 'no result'}`;
}

/** Cells for one kernel row of one file: ms/step, % of the step, calls/step. */
function cells(p: StepProfile | undefined, k: { msPerStep: number; callsPerStep?: number } | undefined): string[] {
  if (!p) return ['–', '–', '–'];
  if (!k) return ['0', '0%', '0'];
  return [ms(k.msPerStep), pct(k.msPerStep, p.stepMs), k.callsPerStep === undefined ? '' : calls(k.callsPerStep)];
}

function caseTable(model: string, batch: number, cases: Array<ProfileCase | undefined>, labels: string[]): string {
  const profiles = cases.map((c) => c?.profile);
  const names: string[] = [];
  const weight = (n: string) => Math.max(...profiles.map((p) => p?.kernels.find((k) => k.name === n)?.msPerStep ?? 0));
  for (const p of profiles) for (const k of p?.kernels.slice(0, TOP) ?? []) if (!names.includes(k.name)) names.push(k.name);
  names.sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
  const shown = names.slice(0, TOP);
  const head = ['kernel', ...labels.flatMap((l) => (labels.length > 1 ? [`${l} ms/step`, `${l} %`, `${l} calls`] : ['ms/step', '% of step', 'calls/step']))];
  const row = (name: string, pick: (p: StepProfile) => { msPerStep: number; callsPerStep?: number } | undefined) =>
    line([name, ...profiles.flatMap((p) => cells(p, p ? pick(p) : undefined))]);
  const others = (p: StepProfile) => {
    const rest = p.kernels.filter((k: KernelRow) => !shown.includes(k.name));
    return { msPerStep: rest.reduce((s, k) => s + k.msPerStep, 0), callsPerStep: rest.reduce((s, k) => s + k.callsPerStep, 0) };
  };
  const title = `**${model}, batch ${batch}**: ${cases.map((c, i) => `${labels.length > 1 ? `${labels[i]} ` : ''}${c ? caption(c) : 'not measured'}`).join('; ')}`;
  return [
    title, '',
    line(head), `|---|${head.slice(1).map(() => '---:').join('|')}|`,
    ...shown.map((n) => row(n, (p) => p.kernels.find((k) => k.name === n))),
    row('other kernels', others),
    row('**all kernels**', (p) => ({ msPerStep: p.kernelMs, callsPerStep: p.kernelsPerStep })),
    row('rest (JS: engine, tape, batch, disposal)', (p) => ({ msPerStep: p.restMs })),
    row('**step**', (p) => ({ msPerStep: p.stepMs })),
  ].join('\n');
}

/** One file, or two side by side (the first file's cases, in its order). */
export function profileTables(files: ProfileFile[]): string {
  if (files.length < 1 || files.length > 2) throw new Error(`the profile table takes 1 or 2 files (before, after), got ${files.length}`);
  for (const f of files) if (f.kind !== 'kernel-profile') throw new Error(`not a kernel profile file (kind ${String(f.kind)})`);
  const labels = files.map((f, i) => f.label || ['before', 'after'][i]!);
  const find = (f: ProfileFile, m: string, b: number) => f.cases.find((c) => c.model === m && c.batch === b);
  const tables = files[0]!.cases.map((c) => caseTable(c.model, c.batch, files.map((f) => find(f, c.model, c.batch)), labels));
  return [files.map((f) => `- ${provenance(f)}`).join('\n'), ...tables].join('\n\n');
}
