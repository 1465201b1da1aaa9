/**
 * The view state that survives hiding and reloading the webview (VS Code's getState/setState); in a standalone
 * report it lives in sessionStorage for the page's lifetime.
 */
import type { WebviewState } from '../../protocol/webview';
import { vscodeApi } from './host';

const KEY = 'dynaxx.dashboard.state';

export const DEFAULT_STATE: WebviewState = { tab: 'training', logScale: false, smoothing: 0.6, stabilityMetric: 'gradNorm' };

const METRICS: ReadonlyArray<WebviewState['stabilityMetric']> = ['gradNorm', 'updateNorm', 'activationVar', 'spectralNorm'];

/** Keeps only well-formed fields of a stored state (an older or hand-edited one must not break the page). */
function sanitize(raw: unknown): WebviewState {
  const s = { ...DEFAULT_STATE };
  if (typeof raw !== 'object' || raw === null) return s;
  const r = raw as Record<string, unknown>;
  if (typeof r.tab === 'string') s.tab = r.tab;
  if (typeof r.logScale === 'boolean') s.logScale = r.logScale;
  if (typeof r.smoothing === 'number' && r.smoothing >= 0 && r.smoothing < 1) s.smoothing = r.smoothing;
  if (METRICS.includes(r.stabilityMetric as WebviewState['stabilityMetric'])) s.stabilityMetric = r.stabilityMetric as WebviewState['stabilityMetric'];
  if (typeof r.historyIndex === 'number' && Number.isInteger(r.historyIndex) && r.historyIndex >= 0) s.historyIndex = r.historyIndex;
  if (typeof r.pathsBy === 'string') s.pathsBy = r.pathsBy;
  return s;
}

function readStored(): unknown {
  const vs = vscodeApi();
  if (vs) return vs.getState();
  try {
    const text = sessionStorage.getItem(KEY);
    return text === null ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function writeStored(state: WebviewState): void {
  const vs = vscodeApi();
  if (vs) return vs.setState(state);
  try {
    sessionStorage.setItem(KEY, JSON.stringify(state));
  } catch {
    // a file:// page without storage: the state lasts as long as the page
  }
}

/** The current state and a way to change parts of it (written through at once: setState is cheap). */
export class StateStore {
  private state: WebviewState = sanitize(readStored());

  get(): Readonly<WebviewState> {
    return this.state;
  }

  update(patch: Partial<WebviewState>): void {
    this.state = { ...this.state, ...patch };
    writeStored(this.state);
  }
}
