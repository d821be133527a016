// The demo's plan and settings (issue 18), without training anything: the stages in order for the
// quick and the full demo, the caller's settings over $RIC_DEMO_DEFAULTS (a bad file or field is
// named), and the CLI's refusal of options that do not go together.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DemoRefusedError, parseStartArgs } from '../../../main/demo/chain.js';
import { fineTuneConfig } from '../../../main/demo/stages.js';
import { planStages, resolveSettings } from '../../../main/demo/plan.js';

const root = path.resolve(import.meta.dirname, '../../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-demo-plan-'));
const file = (name: string, text: string) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
};

describe('demo plan', () => {
  it('quick: the setup stages, baseline and full for one seed, the table; full: five variants × three seeds', () => {
    const quick = planStages(resolveSettings(parseStartArgs({ quick: true }, {})));
    expect(quick.map((s) => s.key)).toEqual([
      'dataset', 'captions-region', 'captions-scene', 'regionclip', 'blip', 'base',
      'train:baseline:0', 'edit:baseline:0', 'evaluate:baseline:0', 'train:full:0', 'edit:full:0', 'evaluate:full:0', 'table',
    ]);
    const full = planStages(resolveSettings(parseStartArgs({}, {})));
    expect(full).toHaveLength(6 + 5 * 3 * 3 + 1);
    expect(new Set(full.map((s) => s.key)).size).toBe(full.length);
    // Seeds outermost: the first seed's table is whole before the second seed starts.
    expect(full.slice(6, 21).every((s) => s.key.endsWith(':0'))).toBe(true);
    expect(planStages(resolveSettings(parseStartArgs({ seeds: 2 }, {})))).toHaveLength(6 + 5 * 2 * 3 + 1);
  });

  it('each variant fine-tunes the base editor with its ablation switch and the caller\'s editor overrides', () => {
    const s = resolveSettings(parseStartArgs({ editorSteps: 40, config: { editor: { batch_size: 8, validation: { steps: 3 } } } }, {}));
    const c = fineTuneConfig(s, 'no_fusion', '/base');
    expect(c).toMatchObject({ steps: 40, checkpoint_every: 40, batch_size: 8, pipeline: '/base', ablation: 'no_fusion', validation: { steps: 3, metric_samples: 0 } });
    expect(fineTuneConfig(s, 'full', '/base')['ablation']).toBe('full');
  });

  it('$RIC_DEMO_DEFAULTS: the caller wins field by field; a bad file or field is named', () => {
    const defaults = file('defaults.json', JSON.stringify({ quick: true, count: 40, config: { blip: { batch_size: 8 } } }));
    const s = parseStartArgs({ quick: false, config: { editor: { steps: 2 } } }, { RIC_DEMO_DEFAULTS: defaults });
    expect(s).toMatchObject({ quick: false, count: 40, config: { blip: { batch_size: 8 }, editor: { steps: 2 } } });
    expect(() => parseStartArgs({}, { RIC_DEMO_DEFAULTS: file('bad.json', '{ not json') })).toThrow(DemoRefusedError);
    expect(() => parseStartArgs({}, { RIC_DEMO_DEFAULTS: file('bad.json', '{ not json') })).toThrow(/RIC_DEMO_DEFAULTS .*bad\.json/);
    expect(() => parseStartArgs({}, { RIC_DEMO_DEFAULTS: file('count.json', '{"count": 3}') })).toThrow(/count/);
    expect(() => parseStartArgs({}, { RIC_DEMO_DEFAULTS: path.join(tmp, 'missing.json') })).toThrow(/missing\.json/);
  });

  it('ric demo refuses --base-steps without --train-base, and a config of an unknown stage', () => {
    const ric = (...a: string[]) => spawnSync(process.execPath, [path.join(root, 'bin/ric.js'), 'demo', '--data', path.join(tmp, 'data'), ...a], { cwd: root, encoding: 'utf8' });
    const r = ric('--base-steps', '5');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--base-steps goes with --train-base/);
    const c = ric('--config', file('stage.json', '{"unet": {}}'));
    expect(c.status).toBe(1);
    expect(c.stderr).toMatch(/unknown stage "unet"/);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
