// The PNG image grid (evals.exportGrid): samples × source, ground truth and result sets, each image
// fitted into its cell; checked pixel by pixel where the cards' squares must land.
import fs from 'node:fs';
import sharp from 'sharp';
import { expect, test } from 'vitest';
import { scopedApps } from '../../helpers/scoped-apps.js';
import { BLUE, card, RED, seedEvalDataset, seedResultSet, SQUARE } from '../../helpers/eval-seed.js';

const { app } = scopedApps();

test('samples × columns, images fitted into their cells, a missing image grey; bad input named', async () => {
  const t = app();
  const store = t.app.store;
  const { datasetId, sampleIds } = await seedEvalDataset(store, 2);
  const noop = await seedResultSet(store, datasetId, sampleIds, 'noop', 'Identity', () => card(RED));
  const half = await seedResultSet(store, datasetId, sampleIds, 'half', 'Half', (i) => (i === 0 ? card(BLUE) : null));
  const cell = 64; // the 32×24 cards scale by 2 to 64×48, 8 px above and below
  const g = await t.client.call('evals.exportGrid', { datasetId, sampleIds, resultSetIds: [noop, half], cell, maskBox: true });
  expect(g).toMatchObject({ width: 4 * cell, height: 28 + 2 * cell });
  expect(fs.existsSync(g.file)).toBe(true);
  const { data, info } = await sharp(g.file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const px = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3));
  const near = (a: number[], b: readonly number[]) => a.every((v, i) => Math.abs(v - b[i]!) <= 6);
  // The square's centre in each column of row r (the card's (13, 11) → cell (26, 8 + 22)).
  const centre = (col: number, row: number) => px(col * cell + 2 * (SQUARE.x + SQUARE.width / 2), 28 + row * cell + 8 + 2 * (SQUARE.y + SQUARE.height / 2));
  expect(near(centre(0, 0), RED)).toBe(true); // source
  expect(near(centre(1, 0), BLUE)).toBe(true); // ground truth
  expect(near(centre(2, 1), RED)).toBe(true); // Identity
  expect(near(centre(3, 0), BLUE)).toBe(true); // Half, sample 0
  expect(near(centre(3, 1), [80, 80, 80])).toBe(true); // Half has no image for sample 1
  expect(near(px(2, 28 + 2), [24, 24, 24])).toBe(true); // the letterbox above a 4:3 image

  await expect(t.client.call('evals.exportGrid', { datasetId, sampleIds: [999] })).rejects.toMatchObject({ code: 'invalid_args', message: 'sample 999 is not in dataset 1' });
  await expect(t.client.call('evals.exportGrid', { datasetId, sampleIds, resultSetIds: [], source: false, target: false })).rejects.toMatchObject({ code: 'invalid_args', message: expect.stringMatching(/at least one column/) });
});
