/**
 * The extension's settings, one typed getter each (`dynaxx.*` in package.json). Settings that shape the
 * trainer process take effect when it restarts: `needsTrainerRestart` tells which, and ctx.ts offers it.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { BackendRequest } from '../protocol/trainer';

const SECTION = 'dynaxx';

/** Settings read when the trainer starts: changing one needs a trainer restart. */
const TRAINER_SETTINGS = ['trainer.nodePath', 'trainer.address', 'trainer.token', 'runsDirectory'] as const;

export const BACKENDS: readonly BackendRequest[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

/** How to start a local trainer: a node executable and the environment it needs. */
export interface NodeCommand {
  command: string;
  env: NodeJS.ProcessEnv;
}

/** A remote trainer (`dynaxx serve --port P --token T`). */
export interface RemoteTrainer {
  host: string;
  port: number;
  token?: string;
}

export class Config {
  private get cfg(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION);
  }

  /** `dynaxx.trainer.backend`: backend for runs started from the editor; `auto` keeps the model file's choice. */
  get backend(): BackendRequest {
    const b = this.cfg.get<string>('trainer.backend', 'auto');
    return (BACKENDS as readonly string[]).includes(b) ? (b as BackendRequest) : 'auto';
  }

  async setBackend(backend: BackendRequest): Promise<void> {
    await this.cfg.update('trainer.backend', backend, vscode.ConfigurationTarget.Workspace);
  }

  /** `dynaxx.runsDirectory`, with `${workspaceFolder}` and `~` resolved (no folder open: `~/.dynaxx/runs`). */
  get runsDirectory(): string {
    const raw = this.cfg.get<string>('runsDirectory', '${workspaceFolder}/.dynaxx/runs') || '${workspaceFolder}/.dynaxx/runs';
    const folder = this.workspaceFolder;
    if (!folder && raw.includes('${workspaceFolder}')) return join(homedir(), '.dynaxx', 'runs');
    const expanded = raw.replace(/\$\{workspaceFolder\}/g, folder ?? '').replace(/^~(?=$|[\\/])/, homedir());
    return resolve(folder ?? homedir(), expanded);
  }

  /** The first workspace folder's path, where the trainer runs. */
  get workspaceFolder(): string | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  /**
   * `dynaxx.trainer.nodePath`: the node that runs the trainer. Default: `node` on PATH, else VS Code's own
   * executable as node (ELECTRON_RUN_AS_NODE=1).
   */
  get nodeCommand(): NodeCommand {
    const configured = this.cfg.get<string>('trainer.nodePath', '').trim();
    if (configured) return { command: configured, env: { ...process.env } };
    const onPath = findOnPath(process.platform === 'win32' ? ['node.exe', 'node.cmd'] : ['node']);
    if (onPath) return { command: onPath, env: { ...process.env } };
    return { command: process.execPath, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } };
  }

  /** `dynaxx.trainer.address` (`host:port`) with `dynaxx.trainer.token`: a remote trainer instead of a local one. */
  get remote(): RemoteTrainer | undefined {
    const address = this.cfg.get<string>('trainer.address', '').trim();
    if (!address) return undefined;
    const m = /^(.*):(\d{1,5})$/.exec(address);
    if (!m || Number(m[2]) > 65535) throw new Error(`dynaxx.trainer.address must be host:port, got '${address}'`);
    const token = this.cfg.get<string>('trainer.token', '').trim();
    return { host: m[1].replace(/^\[(.*)\]$/, '$1') || 'localhost', port: Number(m[2]), token: token || undefined };
  }

  /** `dynaxx.metricsIntervalMs`: the trainer sends metrics and progress at most this often. */
  get metricsIntervalMs(): number {
    const v = this.cfg.get<number>('metricsIntervalMs', 250);
    return Number.isFinite(v) && v >= 20 ? Math.round(v) : 250;
  }

  /** Whether a configuration change touches a setting the running trainer was started with. */
  static needsTrainerRestart(e: vscode.ConfigurationChangeEvent): boolean {
    return TRAINER_SETTINGS.some((k) => e.affectsConfiguration(`${SECTION}.${k}`));
  }
}

function findOnPath(names: string[]): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const p = join(dir, name);
      try {
        if (!statSync(p).isFile()) continue;
        accessSync(p, constants.X_OK);
        return p;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}
