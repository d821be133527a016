#!/usr/bin/env node
// The one test command (`npm test`): type-check and build, then every suite, then one plain
// `N passed, N failed` line summed over all of them (CI reads that line).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const results = path.join(root, '.test-results');
fs.rmSync(results, { recursive: true, force: true });
fs.mkdirSync(results, { recursive: true });

const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const suites = [];

function run(title, cmd, args, env = {}) {
  const started = Date.now();
  process.stdout.write(`\n=== ${title}: ${[path.basename(cmd), ...args].join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  return { status: r.status ?? 1, seconds };
}

function check(title, cmd, args) {
  const r = run(title, cmd, args);
  suites.push({ title, passed: r.status === 0 ? 1 : 0, failed: r.status === 0 ? 0 : 1, skipped: 0, seconds: r.seconds });
  return r.status === 0;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

const built = check('type-check and compile', bin('tsc'), ['-b']) && check('renderer build', bin('vite'), ['build', '--logLevel', 'warn']);

{
  const out = path.join(results, 'vitest.json');
  const r = run('unit and integration tests (vitest)', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  const json = readJson(out);
  if (json) {
    suites.push({ title: 'vitest', passed: json.numPassedTests, failed: json.numFailedTests + (r.status !== 0 && json.numFailedTests === 0 ? 1 : 0), skipped: json.numPendingTests + json.numTodoTests, seconds: r.seconds });
  } else suites.push({ title: 'vitest (no report)', passed: 0, failed: 1, skipped: 0, seconds: r.seconds });
}

if (built) {
  const out = path.join(results, 'playwright.json');
  const r = run('end-to-end tests in Chromium (playwright)', bin('playwright'), ['test'], { PLAYWRIGHT_JSON_OUTPUT_NAME: out });
  const json = readJson(out);
  if (json?.stats) {
    const { expected = 0, unexpected = 0, flaky = 0, skipped = 0 } = json.stats;
    suites.push({ title: 'playwright', passed: expected + flaky, failed: unexpected + (r.status !== 0 && unexpected === 0 ? 1 : 0), skipped, seconds: r.seconds });
  } else suites.push({ title: 'playwright (no report)', passed: 0, failed: 1, skipped: 0, seconds: r.seconds });
} else {
  suites.push({ title: 'playwright (not run: build failed)', passed: 0, failed: 1, skipped: 0, seconds: '0' });
}

const total = suites.reduce((t, s) => ({ passed: t.passed + s.passed, failed: t.failed + s.failed, skipped: t.skipped + s.skipped }), { passed: 0, failed: 0, skipped: 0 });
process.stdout.write('\n=== summary\n');
for (const s of suites) process.stdout.write(`${s.title.padEnd(40)} ${String(s.passed).padStart(5)} passed ${String(s.failed).padStart(4)} failed ${String(s.skipped).padStart(3)} skipped  ${s.seconds}s\n`);
process.stdout.write(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}\n`);
process.exit(total.failed === 0 ? 0 : 1);
