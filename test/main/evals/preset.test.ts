// A preset as a caller names it → the preset the evaluation runs and its identity.
import { describe, expect, test } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PresetInputError, presetSha256, resolvePresetInput, shapesPresetFor } from '../../../main/evals/preset.js';
import { BUILTIN_PRESETS } from '../../../shared/metrics/presets.js';
import { presetColumns } from '../../../shared/evals/metrics.js';

describe('resolvePresetInput', () => {
  test('a built-in, the same built-in as a whole record, and a derived one', () => {
    const byName = resolvePresetInput('magicbrush');
    expect(byName.preset).toEqual(BUILTIN_PRESETS.magicbrush);
    // Same values, keys in another order: the same identity.
    const record = Object.fromEntries(Object.entries(structuredClone(BUILTIN_PRESETS.magicbrush)).reverse());
    expect(Object.keys(record)[0]).not.toBe(Object.keys(BUILTIN_PRESETS.magicbrush)[0]);
    expect(resolvePresetInput({ ...record }).sha256).toBe(byName.sha256);
    const derived = resolvePresetInput({ base: 'ric-authors', name: 'mine', changes: { metrics: { is: { splits: 5 } } } });
    expect(derived.preset.name).toBe('mine');
    expect(derived.preset.metrics.is!.splits).toBe(5);
    expect(derived.sha256).not.toBe(resolvePresetInput('ric-authors').sha256);
    expect(derived.sha256).toBe(presetSha256(derived.preset));
  });

  test('against renames and changes the identity; bad presets are named', () => {
    const vsSource = resolvePresetInput('magicbrush', 'source');
    expect(vsSource.preset.name).toBe('magicbrush@source');
    expect(vsSource.sha256).not.toBe(resolvePresetInput('magicbrush').sha256);
    expect(() => resolvePresetInput('nope')).toThrow(PresetInputError);
    expect(() => resolvePresetInput({ name: 'x', metrics: {} })).toThrow(/evaluation preset: field/);
  });
});

describe('the ShapesEdit presets (issue 18)', () => {
  test('adding them left the existing built-ins as they were: the same identities as before', () => {
    // sha256 of the canonical JSON of each built-in as it was before `shapes` was added: an evaluation
    // stored earlier under these presets is still the same evaluation (resumes, groups in tables).
    expect(resolvePresetInput('magicbrush').sha256).toBe('9db7563b7c52977db63d6a6f6f44dcc37b41c7088a56ddc6dac86e311e1de183');
    expect(resolvePresetInput('ric-authors').sha256).toBe('39f97d2927b3877a6c6905fb33c8d3e541b8e1bae805cd0be73e4a4ccb081e47');
    expect(resolvePresetInput('exact').sha256).toBe('d942cbc354f617b69bbf0319ab78d6d40d8c639a5f9c4fb6d2ee66256e9403f7');
  });

  test("shapes is exact's pixel measures plus edit accuracy; shapes-paper adds ric-authors' metrics unchanged", () => {
    const shapes = resolvePresetInput('shapes').preset;
    expect(shapes.metrics.pixel).toEqual(BUILTIN_PRESETS.exact.metrics.pixel);
    expect(shapes.metrics.editAccuracy).toEqual({ from: 'shapes-scene-graph', classify: 'nearest-colour', minFraction: 0.5, filter: 'bilinear', antialias: true });
    expect(Object.keys(shapes.metrics).sort()).toEqual(['editAccuracy', 'pixel']);
    const paper = resolvePresetInput('shapes-paper').preset;
    for (const k of ['clipI', 'clipT', 'dino', 'lpips', 'fid', 'is'] as const) expect(paper.metrics[k]).toEqual(BUILTIN_PRESETS['ric-authors'].metrics[k]);
    expect(paper.metrics.editAccuracy).toEqual(shapes.metrics.editAccuracy);
    expect(presetColumns(shapes).filter((c) => c.region === 'full').map((c) => c.metric)).toEqual(['psnr', 'l1', 'editAcc', 'editAccRecolour', 'editAccRemove', 'editAccAdd', 'editAccMove', 'editAccResize', 'editScore']);
    expect(() => resolvePresetInput({ base: 'shapes', name: 'x', changes: { metrics: { editAccuracy: { minFraction: 0 } } } })).toThrow(/metrics\.editAccuracy\.minFraction/);
  });

  test('shapesPresetFor: shapes-paper only when every folder it needs is set and sound', async () => {
    expect(await shapesPresetFor({})).toBe('shapes');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-shapes-preset-'));
    try {
      // Folders that exist but hold no model: still not ready.
      expect(await shapesPresetFor({ clipB32: dir, dinoB16: dir, lpipsVgg: dir, inception: dir })).toBe('shapes');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
