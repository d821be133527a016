// Where the shared fixtures live: ../shared next to the repository, or $RIC_SHARED_DIR.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SHARED_DIR = process.env.RIC_SHARED_DIR ?? path.resolve(repoRoot, '../shared');
export const FIXTURES = path.join(SHARED_DIR, 'fixtures');
