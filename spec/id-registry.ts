/**
 * The ids a model file may name for a technique the trainer implements (pruning criteria, stability monitors).
 * spec/ never loads the trainer, so it keeps the ids itself: the built-ins, listed where their field is declared
 * (the language server knows them without the trainer), plus whatever the trainer's registry adds at run time
 * (`register`, called by `registerCriterion` / `registerMonitor`). Field tables hold the live `ids` array, so a
 * model file parsed after a registration accepts the new id (and takes it in an "all of them" default).
 */

export class IdRegistry<BuiltIn extends string = string> {
  /** Built-ins first, then run-time registrations, in order. Live: field tables keep this very array. */
  readonly ids: string[];

  /** `what` names one id in messages ("pruning criterion"). */
  constructor(readonly what: string, readonly builtIns: readonly BuiltIn[]) {
    this.ids = [...builtIns];
  }

  /** Makes `id` acceptable in model files (a no-op for a known id). Ids are kebab-case names. */
  register(id: string): void {
    if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(id)) throw new Error(`${this.what} id '${id}' must be a kebab-case name (a-z, 0-9, '-')`);
    if (!this.ids.includes(id)) this.ids.push(id);
  }

  has(id: string): boolean {
    return this.ids.includes(id);
  }
}
