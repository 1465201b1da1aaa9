/**
 * The seam a technique implements to take part in a run (stabilize/, modularity/, dna/ routing, growth): the
 * model-file section that turns it on, and what it adds to a run of a model that uses it (a loop plugin or the
 * stabilizer, per-step hooks, its stored files and metrics, its end-of-run report). The run assembly
 * (trainer/run/assemble.ts) builds every run, new, resumed or grown, from a spec and a list of these; a model
 * that uses none gets the plain loop with nothing added. It sits below the techniques and the assembly so that
 * both can import it.
 */
import type { RunOverrides } from '../protocol/trainer';
import type { ModelFile } from '../spec/types';
import type { Dataset } from './data/types';
import type { TrainingHook } from './engine/hooks';
import type { TrainingLoop } from './engine/loop';
import type { PluginFactory, StabilizerFactory } from './engine/seams';
import type { RunDir } from './store/run-store';

/** The run overrides that turn a technique on in a file without its section ("Train stabilized", "Discover subnetworks"). */
export type TechniqueSwitch = keyof Pick<RunOverrides, 'stabilize' | 'modularity'>;

/** What a technique sees of the run being assembled. */
export interface TechniqueContext {
  model: ModelFile;
  dataset: Dataset;
  /** The model file text stored with the run (exports are rebuilt from it); undefined for a run without one. */
  sourceText: string | undefined;
  /** An info line for the run's log (the CLI's stderr, the editor's output channel). */
  log(line: string): void;
}

/** A technique's part of one run. Every member is optional: a part adds only what it has. */
export interface RunParts {
  plugins?: PluginFactory[];
  /** At most one part of a run gives a stabilizer (the loop has one seam for it). */
  stabilizer?: StabilizerFactory;
  hooks?: TrainingHook[];
  /** Once the loop exists, before the run directory is written (growth places the parent's weights here). */
  prepare?(loop: TrainingLoop): Promise<void>;
  /**
   * The run's directory, new or resumed, before the first step: where the part stores what it records.
   * The lines returned go to the run's log, after the backend line, each prefixed with `run <id>: `.
   */
  attach?(dir: RunDir, loop: TrainingLoop): string[];
  /** After a completed run: the end-of-run analysis, written to the run's reports; returns its summary lines. */
  finish?(loop: TrainingLoop): Promise<string[]>;
}

export interface RunTechnique {
  readonly id: string;
  /**
   * The top-level section of the model file the technique reads, when a run override of the same name
   * (`stabilize: 'auto'`, `modularity: 'on'`) turns it on: the assembly appends `<section>: <value>` to the
   * model text of a file that has no such section (trainer/run/overrides.ts).
   */
  readonly section?: TechniqueSwitch;
  /**
   * Its part of a run of `ctx.model`, or undefined when the model does not use it. Throws a UserError when
   * the data cannot be used with it (checked before anything is written).
   */
  forRun(ctx: TechniqueContext): RunParts | undefined;
}
