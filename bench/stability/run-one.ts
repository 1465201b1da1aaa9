/**
 * One configuration, trained in this process through the real session (trainer/session.ts: the same path
 * as `dynaxx train` and the editor): model text -> backend -> run directory -> TrainingLoop, with a host
 * read every step (logEvery 1). The per-step losses and times come back from the run's metrics.jsonl, the
 * alerts from alerts.jsonl, each alert's layer id checked against the model file's layer ranges.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert, MetricRecord } from '../../protocol/trainer';
import { parseModelText, walkLayers } from '../../spec';
import { startRun } from '../../trainer/session';
import type { RunOutcome, StepPoint } from './analyze';
import { modelName, stabilityModelText, type StabilityConfig } from './models';

export interface AlertSummary {
  total: number;
  byKind: Record<string, number>;
  /** Alerts naming a layer, and how many of those ids map to a line of the model file. */
  withLayer: number;
  mappedToLine: number;
  /** A few examples: `kind layerId -> line`. */
  examples: string[];
}

export interface OneResult extends RunOutcome {
  config: StabilityConfig;
  backend: string;
  device: string;
  seconds: number;
  /** What `stabilize: auto` resolved to (the parser's `choices`), when the block is there. */
  stabilizeChoices?: string[];
  alerts: AlertSummary;
  /** The end-of-run evaluation on the validation split (absent when the run failed before it). */
  validation?: { loss?: number; accuracy?: number };
  logs: string[];
}

function readJsonl<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);
}

export async function runOne(config: StabilityConfig, keep = false): Promise<OneResult> {
  const text = stabilityModelText(config);
  const file = join(tmpdir(), `${modelName(config)}.dynaxx.yaml`);
  const parsed = parseModelText(text, file);
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (!parsed.model || errors.length) throw new Error(`model text does not parse: ${errors.map((e) => e.message).join('; ')}`);
  const lineOf = new Map<string, number>();
  for (const n of walkLayers(parsed.model.layers)) lineOf.set(n.id, n.range.line);
  const choices = (parsed.model as { stabilize?: { choices?: string[] } }).stabilize?.choices;

  const runsDir = mkdtempSync(join(tmpdir(), 'dynaxx-stability-'));
  const logs: string[] = [];
  try {
    const prepared = await startRun(file, undefined, {
      runsDir,
      logEvery: 1,
      events: { onLog: (level, message) => logs.push(`${level}: ${message}`) },
    }, text);
    const t0 = performance.now();
    const result = await prepared.run();
    const seconds = (performance.now() - t0) / 1000;
    const batch = prepared.model.train.batchSize;
    const records = readJsonl<MetricRecord>(join(prepared.runDir, 'metrics.jsonl'));
    const metrics = records.filter((r) => r.split === 'train');
    const val = records.filter((r) => r.split === 'validation').at(-1);
    const numOr = (x: unknown) => (x === undefined ? undefined : Number(x));
    const points: StepPoint[] = metrics.map((r) => ({
      step: r.step,
      loss: Number(r.loss),
      ms: (batch * 1000) / Number(r.samplesPerSec),
      lr: typeof r.lr === 'number' ? r.lr : undefined,
    }));
    const alerts = readJsonl<Alert>(join(prepared.runDir, 'alerts.jsonl'));
    const byKind: Record<string, number> = {};
    const examples: string[] = [];
    let withLayer = 0;
    let mapped = 0;
    for (const a of alerts) {
      byKind[a.kind] = (byKind[a.kind] ?? 0) + 1;
      if (!a.layerId) continue;
      withLayer++;
      const line = lineOf.get(a.layerId);
      if (line !== undefined) mapped++;
      if (examples.length < 3) examples.push(`${a.kind} ${a.layerId} -> ${line === undefined ? 'no line' : `line ${line}`}`);
    }
    return {
      config, status: result.status, error: result.error, steps: result.step, points,
      backend: prepared.backend, device: prepared.device, seconds,
      stabilizeChoices: choices,
      alerts: { total: alerts.length, byKind, withLayer, mappedToLine: mapped, examples },
      ...(val ? { validation: { loss: numOr(val.loss), accuracy: numOr(val.accuracy) } } : {}),
      logs,
    };
  } finally {
    if (!keep) rmSync(runsDir, { recursive: true, force: true });
  }
}
