/**
 * Language-model tools for the editor's chat (`contributes.languageModelTools`, `vscode.lm.registerTool`): explain a
 * layer, summarise a run, compare runs. Each asks the trainer for the runs' DashboardData (`run/dashboard`, local and
 * remote trainers alike) and returns the text of lm-tools-text.ts: the tools read only what the trainer already serves.
 *
 * @types/vscode is 1.91, older than the API (1.95), so its few types are declared here, and the tools are registered
 * only when the running editor has `vscode.lm.registerTool` (code-server builds without it skip them, logged once).
 */
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { RunDashboardRequest, RunListRequest, type RunSummary } from '../protocol/trainer';
import type { DashboardData } from '../protocol/webview';
import { compareRuns, explainLayer, summarizeRun } from './lm-tools-text';
import type { TrainingDeps } from './training';

/** The JSON schema of a tool's input, as in `contributes.languageModelTools[].inputSchema`. */
type Schema = Record<string, unknown>;

interface ToolInput { runId?: string; layerId?: string; runIds?: string[] }

/** A tool as registered: package.json declares the same `name` and `inputSchema` (extension/lm-tools.test.ts checks). */
export interface LmToolSpec {
  name: string;
  inputSchema: Schema;
  /** Shown while the tool runs. */
  progress(input: ToolInput): string;
  /** The run ids to ask for (the first is the main one), or a reason there are none. */
  runs(input: ToolInput, ctx: LmToolsCtx): Promise<string[]>;
  text(data: DashboardData, runIds: string[], input: ToolInput): string;
}

const RUN_ID = { type: 'string', description: 'Run id (as in the Dynaxx Runs view or `dynaxx runs`); default: the live run, else the newest.' };

export const LM_TOOLS: readonly LmToolSpec[] = [
  {
    name: 'dynaxx_explainLayer',
    inputSchema: {
      type: 'object',
      properties: { layerId: { type: 'string', description: 'Layer id: its path in the model file, e.g. `blocks[3].dense` or `stem`.' }, runId: RUN_ID },
      required: ['layerId'],
    },
    progress: (i) => `Reading layer ${i.layerId ?? '?'} of ${i.runId ?? 'the latest run'}`,
    runs: async (i, ctx) => [await defaultRun(ctx, i.runId)],
    text: (data, ids, i) => (i.layerId ? explainLayer(data, ids[0]!, i.layerId) : 'Which layer? Give `layerId`, the layer\'s path in the model file.'),
  },
  {
    name: 'dynaxx_summarizeRun',
    inputSchema: { type: 'object', properties: { runId: RUN_ID } },
    progress: (i) => `Summarising ${i.runId ?? 'the latest run'}`,
    runs: async (i, ctx) => [await defaultRun(ctx, i.runId)],
    text: (data, ids) => summarizeRun(data, ids[0]!),
  },
  {
    name: 'dynaxx_compareRuns',
    inputSchema: {
      type: 'object',
      properties: {
        runIds: { type: 'array', items: { type: 'string' }, description: 'Run ids to compare; default: the newest run and the other runs of its model file (up to 5).' },
      },
    },
    progress: (i) => `Comparing ${i.runIds?.length ? i.runIds.join(', ') : 'the latest runs'}`,
    runs: (i, ctx) => (i.runIds?.length ? Promise.resolve(i.runIds.slice(0, 8)) : siblingRuns(ctx)),
    text: (data, ids) => compareRuns(data, ids),
  },
];

/** What the tools use of the Ctx. */
export type LmToolsCtx = TrainingDeps;

/** The part of the 1.95 API the tools use (vscode.lm, LanguageModelToolResult, LanguageModelTextPart). */
export interface LmApi {
  registerTool(name: string, tool: {
    invoke(options: { input: ToolInput }, token: vscode.CancellationToken): Promise<unknown>;
    prepareInvocation?(options: { input: ToolInput }, token: vscode.CancellationToken): { invocationMessage?: string };
  }): vscode.Disposable;
  result(text: string): unknown;
}

/** The language-model tool API of an editor's `vscode` module, or undefined where it has none. */
export function lmApiOf(mod: unknown): LmApi | undefined {
  const m = mod as {
    lm?: { registerTool?: unknown };
    LanguageModelToolResult?: new (parts: unknown[]) => unknown;
    LanguageModelTextPart?: new (value: string) => unknown;
  } | undefined;
  const lm = m?.lm;
  const Result = m?.LanguageModelToolResult;
  const Text = m?.LanguageModelTextPart;
  if (typeof lm?.registerTool !== 'function' || typeof Result !== 'function' || typeof Text !== 'function') return undefined;
  const register = lm.registerTool as LmApi['registerTool'];
  return { registerTool: (name, tool) => register.call(lm, name, tool), result: (text) => new Result([new Text(text)]) };
}

/** Registers the tools where the editor has the API; elsewhere logs why they are missing and registers nothing. */
export function registerLmTools(ctx: LmToolsCtx, mod: unknown = vscode): vscode.Disposable[] {
  const api = lmApiOf(mod);
  if (!api) {
    ctx.output.info('language-model tools: this editor has no vscode.lm.registerTool (VS Code 1.95+); skipped');
    return [];
  }
  const out: vscode.Disposable[] = [];
  for (const spec of LM_TOOLS) {
    try {
      out.push(api.registerTool(spec.name, {
        prepareInvocation: (o) => ({ invocationMessage: spec.progress(o.input ?? {}) }),
        invoke: async (o) => api.result(await runTool(spec, o.input ?? {}, ctx)),
      }));
    } catch (e) {
      ctx.output.warn(`language-model tool ${spec.name}: ${(e as Error).message}`);
    }
  }
  return out;
}

/** The tool's text; a failure (no runs, an unknown id, no trainer) is text for the model, with the detail logged. */
export async function runTool(spec: LmToolSpec, input: ToolInput, ctx: LmToolsCtx): Promise<string> {
  let ids: string[] = [];
  try {
    ids = (await spec.runs(input, ctx)).filter((id) => id.length > 0);
    if (ids.length === 0) return 'There are no Dynaxx runs yet: train a model file first.';
    const live = ctx.host.activeRun;
    const runsDir = ctx.host.remoteAddress ? undefined : live?.runId === ids[0] ? dirname(live.runDir) : ctx.config.runsDirectory;
    const data = await ctx.host.request(RunDashboardRequest.type, { runId: ids[0]!, runsDir, ...(ids.length > 1 ? { compare: ids.slice(1) } : {}) });
    return spec.text(data, ids, input);
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    ctx.output.warn(`language-model tool ${spec.name}${ids.length ? ` (${ids.join(', ')})` : ''}: ${message}`);
    return `Could not read ${ids.length ? `run ${ids.join(', ')}` : 'the runs'} from the Dynaxx trainer: ${message}`;
  }
}

function listRuns(ctx: LmToolsCtx): Promise<RunSummary[]> {
  const runsDir = ctx.host.remoteAddress ? undefined : ctx.config.runsDirectory;
  return ctx.host.request(RunListRequest.type, { runsDir }).then((r) => r.runs);
}

/** The given run, else the live run, else the newest ('' when there is none). */
async function defaultRun(ctx: LmToolsCtx, runId: string | undefined): Promise<string> {
  return runId ?? ctx.host.activeRun?.runId ?? newest(await listRuns(ctx))[0]?.id ?? '';
}

/** The newest run and the other runs of its model file (up to 5), else the two newest runs. */
async function siblingRuns(ctx: LmToolsCtx): Promise<string[]> {
  const runs = newest(await listRuns(ctx));
  const first = runs[0];
  if (!first) return [];
  const same = runs.filter((r) => r.modelFile === first.modelFile).slice(0, 5);
  return (same.length > 1 ? same : runs.slice(0, 2)).map((r) => r.id);
}

function newest(runs: RunSummary[]): RunSummary[] {
  return [...runs].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
