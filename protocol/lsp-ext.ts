/**
 * Extensions to LSP between the VS Code extension (client) and the Dynaxx language server, declared once.
 * The server knows the model files (parsing, ranges); the extension knows the runs (it hosts the trainer).
 * The extension forwards what the trainer reports about a run of a model file; the server maps layer ids to
 * ranges in that file and publishes diagnostics and hovers. Explained in docs/protocol.md.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { Alert, LayerStats, RunStatus } from './trainer';

/** Features whose code lenses and commands exist. A lens for a feature not listed here is never shown. */
export type Feature = 'train' | 'stabilize' | 'discover' | 'prune' | 'route' | 'dashboard' | 'sweep';

/** The features that have landed in this build. Later issues add theirs here. */
export const LANDED_FEATURES: readonly Feature[] = ['train', 'stabilize', 'discover', 'prune', 'dashboard', 'sweep'];

/** The features whose lenses sit in sweep files (`*.sweep.yaml`); every other feature's lenses sit in model files. */
export const SWEEP_FILE_FEATURES: readonly Feature[] = ['sweep'];

/** Command ids carried by code lenses (the extension registers them). Arguments: `LensCommandArgs`. */
export const LensCommands = {
  train: 'dynaxx.train',
  trainStabilized: 'dynaxx.trainStabilized',
  discover: 'dynaxx.discover',
  prune: 'dynaxx.prune',
  route: 'dynaxx.route',
  openDashboard: 'dynaxx.openDashboard',
  /** Sweep files: run the sweep on the trainer's local pool. */
  runSweep: 'dynaxx.runSweep',
  /** Sweep files: run the sweep on a BullMQ queue (the extension asks for its URL). */
  runSweepOnQueue: 'dynaxx.runSweepOnQueue',
} as const;

export interface LensCommandArgs {
  /** The model file's URI (`file:///…/model.dynaxx.yaml`), or the sweep file's for the sweep lenses. */
  uri: string;
  /** The block the lens sits on (a layer id), when it is not the top-of-file lens. */
  layerId?: string;
}

export interface RunAlertsParams {
  /** URI of the model file the run was started from. */
  uri: string;
  runId: string;
  /** All current alerts of that run (replaces what was sent before for this run). Empty clears them. */
  alerts: Alert[];
}
/**
 * Extension -> server: the alerts of a live (or just finished) run. The server turns every alert with a
 * `layerId` into a diagnostic on that layer's range, with the measured value and the threshold, and offers
 * quick fixes where a change to the file addresses it.
 */
export namespace RunAlertsNotification {
  export const method = 'dynaxx/runAlerts';
  export const type = new NotificationType<RunAlertsParams>(method);
}

export interface RunStatsParams {
  uri: string;
  runId: string;
  step: number;
  status: RunStatus;
  layers: LayerStats[];
}
/** Extension -> server: the latest per-layer statistics of a run, shown in hovers while the run is live. */
export namespace RunStatsNotification {
  export const method = 'dynaxx/runStats';
  export const type = new NotificationType<RunStatsParams>(method);
}

export interface ServerStatusParams {
  health: 'ok' | 'warning' | 'error';
  /** Whether the server has finished its work (parsing open files). */
  quiescent: boolean;
  message?: string;
}
/** Server -> extension: health of the language server, rendered by one status-bar item. */
export namespace ServerStatusNotification {
  export const method = 'dynaxx/serverStatus';
  export const type = new NotificationType<ServerStatusParams>(method);
}

export interface WorkspaceTrustParams {
  /** Whether the workspace is trusted now. */
  trusted: boolean;
}
/**
 * Extension -> server: the workspace's trust changed (granted after the server started; it starts with
 * `initializationOptions.workspaceTrusted`). Untrusted (Restricted Mode), `modelJson:` reads only files inside
 * the workspace folders; the server re-parses its open documents when this changes.
 */
export namespace WorkspaceTrustNotification {
  export const method = 'dynaxx/workspaceTrust';
  export const type = new NotificationType<WorkspaceTrustParams>(method);
}

export interface LayerAtParams {
  uri: string;
  /** 0-based LSP position. */
  line: number;
  character: number;
}
export interface LayerAtResult {
  layerId?: string;
}
/** Extension -> server: which layer is at a position (for commands run from the editor context). */
export namespace LayerAtRequest {
  export const method = 'dynaxx/layerAt';
  export const type = new RequestType<LayerAtParams, LayerAtResult, void>(method);
}
