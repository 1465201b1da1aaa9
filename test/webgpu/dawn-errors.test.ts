// The tier's detector of Dawn errors, on text dawn.node printed for the failures the tier exists for (it needs no
// adapter): the binding limit, the WGSL expression depth, the invalid objects that follow; start-up notes are clean.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agrees, dawnErrors } from './parity';

const NOTES = `Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.
Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.
`;

const BINDINGS = `validation:
The number of storage buffers (9) in the Compute stage exceeds the maximum per-stage limit (8). This adapter supports a higher maxStorageBuffersPerShaderStage of 16, which can be specified in requiredLimits when calling requestDevice().
 - While validating binding counts
 - While validating [BindGroupLayoutDescriptor]
 - While calling [Device].CreateComputePipeline([ComputePipelineDescriptor ""AddNPackedProgram2""]).
validation:
[Invalid ComputePipeline "AddNPackedProgram2"] is invalid due to a previous error.
{"run":"20261204-154919-wg-cnn-8b9c","status":"completed"}
`;

const WGSL = `validation:
Error while parsing WGSL: :21812:5483 error: reached max expression depth of 512
            setOutputAtIndex(flatIndex, vT0 + vT1 + vT2 + vT3 + vT4${' '.repeat(400)}
 - While calling [Device].CreateShaderModule([ShaderModuleDescriptor ""AddNPackedProgram2""]).
`;

test("Dawn's start-up notes and a clean run are not errors", () => {
  assert.deepEqual(dawnErrors(`${NOTES}{"run":"x","status":"completed"}\n`), []);
});

test('an invalid pipeline is reported from its first line to the next error', () => {
  const e = dawnErrors(`${NOTES}${BINDINGS}`);
  assert.equal(e[0], 'validation:');
  assert.match(e[1]!, /storage buffers \(9\) .* exceeds the maximum per-stage limit \(8\)/);
  assert.equal(e.length, 5, e.join('\n'));
});

test('a WGSL compile error is reported, long lines cut', () => {
  const e = dawnErrors(WGSL);
  assert.match(e.join('\n'), /reached max expression depth of 512/);
  assert.ok(e.every((l) => l.length <= 300));
});

test('agreement is relative to the cpu value, and never with NaN', () => {
  assert.ok(agrees(1.0009, 1, 1e-3));
  assert.ok(!agrees(1.0011, 1, 1e-3));
  assert.ok(!agrees(NaN, 1, 1e-3));
  assert.ok(!agrees(0, 1.88, 1e-2));
});
