/**
 * One source of truth for schedule ids: the values a model file may write for `train.schedule.type` and
 * `stabilize.spectral.schedule` are exactly the schedules the trainer implements. The trainer's maps are typed by
 * the spec's unions (LrScheduleType, BoundSchedule); this ties the spec's runtime value lists to the same sets.
 * (Pruning criteria and monitors: trainer/pruning/criteria/registry.test.ts, trainer/monitors/registry.test.ts.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EnumField } from '../spec/fields';
import { SPECTRAL_FIELDS } from '../spec/stabilize-spec';
import { SCHEDULE_FIELDS } from '../spec/train-spec';
import { LR_SCHEDULES } from '../trainer/engine/lr-schedules';
import { BOUND_SCHEDULES } from '../trainer/stabilize/bound-schedule';

const values = (f: unknown): string[] => [...(f as EnumField).values].sort();

test('train.schedule.type takes exactly the learning-rate schedules the engine implements', () => {
  assert.deepEqual(values(SCHEDULE_FIELDS.type), Object.keys(LR_SCHEDULES).sort());
});

test('stabilize.spectral.schedule takes exactly the bound schedules the stabilizer implements', () => {
  assert.deepEqual(values(SPECTRAL_FIELDS.schedule), Object.keys(BOUND_SCHEDULES).sort());
});
