import path from 'node:path';
import { it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.js';
import { formatParityTable, runParity } from '../../../../main/engine/parity/index.js';
import { FIXTURES } from '../shared-dir.js';
it('scratch', async () => {
  await initBackend({ prefer: 'wasm' });
  const r = await runParity([path.join(FIXTURES, 'parity/ip2p_pipeline'), path.join(FIXTURES, 'parity/unet')]);
  console.log(formatParityTable(r));
}, 100000);
