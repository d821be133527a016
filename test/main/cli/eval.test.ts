// `ric eval` as a child process on a data folder (the real CLI over the built app, its own engine
// host): evaluates a result set under `exact`, prints the aggregates with n (JSON and text, with the
// samples missing from the set); a wrong name or missing model folders are named clearly. Resuming is
// tested on the job itself (test/main/evals), each CLI run here costs an app and an engine host.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../main/paths.js';
import { openStore } from '../../../main/store/index.js';
import { tempDir } from '../../helpers/app.js';
import { BLUE, card, RED, seedEvalDataset, seedResultSet } from '../../helpers/eval-seed.js';

const ric = (dataDir: string, ...args: string[]) =>
  spawnSync(process.execPath, [path.join(projectRoot(), 'bin/ric.js'), '--data', dataDir, ...args], { encoding: 'utf8', timeout: 120_000 });

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('ric eval', () => {
  it('evaluates and names what is wrong', async () => {
    const dataDir = tempDir('ric-eval-cli-');
    dirs.push(dataDir);
    const store = openStore(dataDir);
    const { datasetId, sampleIds } = await seedEvalDataset(store, 3);
    await seedResultSet(store, datasetId, sampleIds, 'noop', 'Identity', () => card(RED));
    await seedResultSet(store, datasetId, sampleIds, 'half', 'Half', (i) => (i === 0 ? card(BLUE) : null));
    store.close();

    // --workers travels with the job (the exact preset needs no backbone, so it scores in-process anyway).
    const first = ric(dataDir, 'eval', '--results', 'noop', '--preset', 'exact', '--workers', '2', '--json');
    expect(first.status, first.stderr).toBe(0);
    const out = JSON.parse(first.stdout) as { ok: boolean; evaluation: { id: number; done: number; aggregates: { metric: string; region: string; mean: number; n: number }[] } };
    expect(out.ok).toBe(true);
    expect(out.evaluation.done).toBe(3);
    expect(out.evaluation.aggregates.find((a) => a.metric === 'l1' && a.region === 'inside')).toMatchObject({ n: 3 });
    expect(out.evaluation.aggregates.find((a) => a.metric === 'l1' && a.region === 'inside')!.mean).toBeCloseTo(340 / 3 / 255, 10);

    const human = ric(dataDir, 'eval', '--results', 'half', '--preset', 'exact');
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(/3 in scope, 1 scored, 0 failed, 2 without an image/);
    expect(human.stdout).toMatch(/L1 \(inside\)\s+0\.0000 ± 0\.0000\s+\(n = 1\)/);

    const workers = ric(dataDir, 'eval', '--results', 'noop', '--preset', 'exact', '--workers', 'lots');
    expect(workers.status).not.toBe(0);
    expect(workers.stderr).toMatch(/--workers.*must be auto or a whole number from 1 to 256/);

    const missing = ric(dataDir, 'eval', '--results', 'nope', '--preset', 'exact');
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/no result set named "nope"/);
    const folders = ric(dataDir, 'eval', '--results', 'noop', '--preset', 'ric-authors');
    expect(folders.status).not.toBe(0);
    expect(folders.stderr).toMatch(/clipB32 \(clipI, clipT\): not set/);
    expect(folders.stderr).toMatch(/inception \(fid, is\): not set/);
  }, 120_000);
});
