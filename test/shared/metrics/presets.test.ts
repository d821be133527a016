// Presets are data: the built-ins parse, serialise with every value, and a user preset changes one
// setting and keeps the rest; bad records are rejected naming the field.
import { describe, expect, it } from 'vitest';
import { BUILTIN_PRESETS, derivePreset, presetModelKeys, presetSchema, resolvePreset } from '../../../shared/metrics/presets.js';

describe('evaluation presets', () => {
  it('the built-in presets parse and round-trip through JSON unchanged', () => {
    for (const p of Object.values(BUILTIN_PRESETS)) expect(resolvePreset(JSON.parse(JSON.stringify(p)))).toEqual(p);
  });

  it('magicbrush and ric-authors differ where the protocols do', () => {
    const mb = resolvePreset('magicbrush');
    const ra = resolvePreset('ric-authors');
    expect([mb.metrics.clipI!.reference, ra.metrics.clipI!.reference]).toEqual(['target', 'source']);
    expect([mb.metrics.dino!.model, mb.metrics.dino!.pooling, ra.metrics.dino!.model, ra.metrics.dino!.pooling]).toEqual(['dinoS16', 'cls', 'dinoB16', 'mean_all']);
    expect(ra.metrics.lpips).toMatchObject({ net: 'vgg', size: 256, inputRange: '[-1,1]' });
    expect(ra.metrics.fid!.image.resize).toEqual({ kind: 'exact', height: 299, width: 299 });
    expect(ra.metrics.is).toMatchObject({ weights: 'torchvision', splits: 10 });
    expect(ra.metrics.fid!.warnBelow).toBe(2048);
    expect(mb.metrics.fid).toBeUndefined();
    expect([...presetModelKeys(ra)]).toEqual([['clipB32', ['clipI', 'clipT']], ['dinoB16', ['dino']], ['lpipsVgg', ['lpips']], ['inception', ['fid', 'is']]]);
    expect([...presetModelKeys(resolvePreset('exact'))]).toEqual([]);
  });

  it('a user preset changes one setting, drops a metric, and keeps every other value', () => {
    const p = derivePreset('ric-authors', 'mine', { metrics: { dino: { pooling: 'cls' }, fid: null, lpips: { size: 224 } } });
    expect(p.name).toBe('mine');
    expect(p.metrics.dino!.pooling).toBe('cls');
    expect(p.metrics.dino!.model).toBe('dinoB16');
    expect(p.metrics.fid).toBeUndefined();
    expect(p.metrics.lpips!.size).toBe(224);
    expect(p.metrics.is).toEqual(BUILTIN_PRESETS['ric-authors'].metrics.is);
    expect(presetSchema.parse(p)).toEqual(p);
  });

  it('rejects unknown names and bad values, naming the field', () => {
    expect(() => resolvePreset('nope')).toThrow(/unknown evaluation preset "nope".*magicbrush/);
    expect(() => derivePreset('magicbrush', 'x', { metrics: { dino: { pooling: 'max' } } })).toThrow(/metrics\.dino\.pooling/);
    expect(() => derivePreset('magicbrush', 'x', { metrics: { clipI: { regions: ['full', 'full'] } } })).toThrow(/regions/);
    expect(() => resolvePreset({ ...BUILTIN_PRESETS.exact, metrics: {} })).toThrow(/at least one metric/);
    expect(() => resolvePreset({ ...BUILTIN_PRESETS.exact, extra: 1 })).toThrow(/\(root\)|extra/);
  });
});
