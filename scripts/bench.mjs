#!/usr/bin/env node
// `npm run bench`: lists the benchmarks in bench/ (what each measures and its arguments, from its
// header comment); `npm run bench -- NAME [ARGS...]` runs one on the built dist/. They are run one
// at a time on purpose: each is minutes on a laptop and several load the machine on their own, so
// a figure is only worth recording from a quiet machine (BENCHMARKS.md, with the load beside it).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const benchDir = path.join(root, 'bench');

/** The benchmarks: bench/*.mjs that run something (not the shared helpers they import). */
function benchmarks() {
  return fs
    .readdirSync(benchDir)
    .filter((f) => f.endsWith('.mjs'))
    .map((f) => ({ name: f.slice(0, -'.mjs'.length), file: path.join(benchDir, f), header: header(path.join(benchDir, f)) }))
    .filter((b) => b.header.some((l) => l.includes(`node bench/${b.name}.mjs`)));
}

/** The leading // comment of a file, one entry per line. */
function header(file) {
  const lines = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('//')) break;
    lines.push(line.replace(/^\/\/ ?/, ''));
  }
  return lines;
}

function list() {
  const all = benchmarks();
  process.stdout.write('Benchmarks (npm run bench -- NAME [ARGS...]; build first: npm run build):\n\n');
  for (const b of all) {
    const usage = b.header.find((l) => l.includes(`node bench/${b.name}.mjs`)) ?? '';
    const args = usage.slice(usage.indexOf(`node bench/${b.name}.mjs`) + `node bench/${b.name}.mjs`.length).trim();
    const what = b.header[0]?.replace(/:$/, '') ?? '';
    process.stdout.write(`  ${b.name.padEnd(14)} ${what}\n${' '.repeat(17)}args: ${args || '(none)'}\n`);
  }
  process.stdout.write('\nRecord figures in BENCHMARKS.md only from a quiet machine (1-minute load below 2), with the load beside each.\n');
}

const [name, ...args] = process.argv.slice(2);
if (name === undefined || name === '--help' || name === '-h' || name === 'list') {
  list();
} else {
  const bench = benchmarks().find((b) => b.name === name);
  if (!bench) {
    process.stderr.write(`bench: no benchmark "${name}" (known: ${benchmarks().map((b) => b.name).join(', ')})\n`);
    process.exit(2);
  }
  if (!fs.existsSync(path.join(root, 'dist', 'main', 'app.js'))) {
    process.stderr.write('bench: dist/ is missing: run `npm run build` first\n');
    process.exit(2);
  }
  const r = spawnSync(process.execPath, [bench.file, ...args], { cwd: root, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
