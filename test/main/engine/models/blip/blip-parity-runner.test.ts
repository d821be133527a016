// The shared parity runner (`ric model parity`) runs the blip_itr case through the entry this
// family registers, at the fixtures' suggested tolerance.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { formatParityTable, runCase } from '../../../../../main/engine/parity/index.js';
import { FIXTURES } from '../../shared-dir.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

it('runs the blip_itr fixture green through the parity runner', async () => {
  const result = await runCase(path.join(FIXTURES, 'parity', 'blip_itr'));
  console.log(formatParityTable([result]));
  expect(result.reason).toBeUndefined();
  expect(result.status).toBe('pass');
  expect(result.tensors).toHaveLength(12);
});
