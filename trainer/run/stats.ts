/**
 * Every run's own part: with `train.statsEvery > 0`, per-layer statistics every N steps into the run's
 * layer-stats.jsonl (and to the caller), and the per-layer monitors on the same statistics (alerts into
 * alerts.jsonl and to the caller). With a `stabilize:` block its monitors (`stabilize.monitors`, every
 * `stabilize.monitorEvery` steps when statsEvery is 0) replace the defaults; `opts.monitors` still wins.
 * A run with statsEvery 0 and no monitors gets no hook at all.
 */
import type { Alert } from '../../protocol/trainer';
import type { ModelFile } from '../../spec/types';
import type { TrainingHook } from '../engine/hooks';
import { DEFAULT_MONITOR_EVERY, monitorHook } from '../monitors/hook';
import { DEFAULT_MONITORS, getMonitor } from '../monitors/registry';
import type { RunParts } from '../run-technique';
import type { RunDir } from '../store/run-store';
import type { SessionOptions } from './types';

export function statsParts(model: ModelFile, opts: SessionOptions): RunParts {
  let target: RunDir | undefined;
  const every = model.train.statsEvery;
  const events = opts.events;
  const hook: TrainingHook = {
    id: 'layer-stats',
    every,
    onStats: (s) => {
      if (!target) return;
      target.appendLayerStats({ step: s.step, time: Date.now(), layers: s.layers });
      events?.onLayerStats?.(target.id, s.step, s.layers);
    },
  };
  const st = model.stabilize;
  const monitors = (opts.monitors ?? st?.monitors ?? (every > 0 ? DEFAULT_MONITORS : [])).map((id) => getMonitor(id));
  const monitor = monitorHook(monitors, {
    every: every > 0 ? every : st && st.monitorEvery > 0 ? st.monitorEvery : DEFAULT_MONITOR_EVERY,
    emit: (alert) => {
      if (target) emitAlert(target, opts, alert);
    },
  });
  return {
    hooks: [hook, monitor].filter((h) => h.every > 0),
    attach(dir) {
      target = dir;
      return [];
    },
  };
}

/** Every alert, from the loop or a monitor: stored in alerts.jsonl, then sent on. */
export function emitAlert(dir: RunDir, opts: SessionOptions, alert: Alert): void {
  dir.appendAlert(alert);
  opts.events?.onAlert?.(dir.id, alert);
}
