#!/usr/bin/env node
// The `ric` command: runs the compiled CLI (npm run build makes dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/main/cli/index.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('ric: dist/ is missing; run `npm run build` in the RIC Studio folder first.\n');
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv);
