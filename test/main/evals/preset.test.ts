// A preset as a caller names it → the preset the evaluation runs and its identity.
import { describe, expect, test } from 'vitest';
import { PresetInputError, presetSha256, resolvePresetInput } from '../../../main/evals/preset.js';
import { BUILTIN_PRESETS } from '../../../shared/metrics/presets.js';

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
