// `ric export masks` and `ric import masks` as a user runs them: the built CLI as a child process.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMask, fillRect, rleToBase64 } from '../../../shared/mask/index.js';
import { MaskService } from '../../../main/data/masks/index.js';
import { openStore } from '../../../main/store/index.js';
import { seedDataset, seedSample } from '../data/masks/seed.js';

const root = path.resolve(import.meta.dirname, '../../..');
const ric = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin/ric.js'), ...args], { cwd: root, encoding: 'utf8' });

let dir: string;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-mask-cli-'));
  const store = openStore(path.join(dir, 'data'));
  const ds = seedDataset(store, 'demo');
  const a = await seedSample(store, ds, 'HE/0001', { width: 20, height: 10 });
  await seedSample(store, ds, 'HE-0002', { width: 20, height: 10 });
  const m = createMask(20, 10);
  fillRect(m, { x: 2, y: 3, width: 5, height: 4 });
  await new MaskService(store).save({ sampleId: a, width: 20, height: 10, rle: rleToBase64(m.data), baseVersion: null });
  store.close();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('ric export masks / ric import masks', () => {
  it('exports one PNG per sample with a mask in either polarity, and imports them back', async () => {
    const data = path.join(dir, 'data');
    const out = path.join(dir, 'white');
    const r = ric('--data', data, 'export', 'masks', '--dataset', 'demo', '--out', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dataset: 'demo', written: 1, withoutMask: 1, polarity: 'white' });
    // "/" in an external id cannot be part of a file name.
    expect(fs.readdirSync(out)).toEqual(['HE_0001.png']);
    const white = await sharp(path.join(out, 'HE_0001.png')).extractChannel(0).raw().toBuffer();
    expect([white[3 * 20 + 2], white[0]]).toEqual([255, 0]);

    const black = path.join(dir, 'black');
    expect(ric('--data', data, 'export', 'masks', '--dataset', '1', '--out', black, '--polarity', 'black').status).toBe(0);
    const inv = await sharp(path.join(black, 'HE_0001.png')).extractChannel(0).raw().toBuffer();
    expect([inv[3 * 20 + 2], inv[0]]).toEqual([0, 255]);

    // Import the black file for the other sample (named by its id) with --polarity black.
    fs.renameSync(path.join(black, 'HE_0001.png'), path.join(black, 'HE-0002_mask.png'));
    const imp = ric('--data', data, 'import', 'masks', black, '--dataset', 'demo', '--polarity', 'black', '--json');
    expect(imp.status, imp.stderr).toBe(0);
    expect(JSON.parse(imp.stdout)).toMatchObject({ imported: 1, unchanged: 0, unmatched: [], errors: [] });
    const again = ric('--data', data, 'export', 'masks', '--dataset', 'demo', '--out', out, '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ written: 2, withoutMask: 0 });
    expect(fs.readFileSync(path.join(out, 'HE-0002.png'))).toEqual(fs.readFileSync(path.join(out, 'HE_0001.png')));
  });

  it('fails with a clear message for an unknown dataset', () => {
    const r = ric('--data', path.join(dir, 'data'), 'export', 'masks', '--dataset', 'nope', '--out', path.join(dir, 'x'), '--json');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no dataset "nope"; datasets: demo/);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false });
  });
});
