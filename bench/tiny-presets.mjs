// Tiny-preset quality: validation recall@1 of `ric train regionclip|blip --preset tiny` on ShapesEdit over seeds:
// usage: node bench/tiny-presets.mjs [--count 300] [--dataset-seed 1] [--seeds 0,1,2] [--only regionclip|blip]
// Runs the real CLI (a fresh data folder, `ric import shapes`, then one `ric train ... --preset tiny
// --seed S --json` per seed and trainer) and prints, per trainer, each seed's val recall@1 and
// recall@5 (and chance), then mean ± sample standard deviation and min–max. A quality figure: machine
// load changes the minutes, not the recall (the trainer is deterministic per seed on the wasm backend,
// one thread: RIC_ENGINE_WORKERS=1, as the recall tests run).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const count = Number(opt('count', '300'));
const datasetSeed = Number(opt('dataset-seed', '1'));
const seeds = opt('seeds', '0,1,2').split(',').map(Number);
const families = opt('only', null) ? [opt('only')] : ['regionclip', 'blip'];

const data = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-bench-tiny-'));
const env = { ...process.env, RIC_BACKEND: process.env.RIC_BACKEND ?? 'wasm', RIC_ENGINE_WORKERS: process.env.RIC_ENGINE_WORKERS ?? '1' };
function ric(...a) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/ric.js'), '--data', data, ...a], { cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`ric ${a.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const stats = (xs) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs) };
};

try {
  process.stdout.write(`data ${data}; ShapesEdit --count ${count} --seed ${datasetSeed} --size 64; load ${load()}\n`);
  ric('import', 'shapes', '--count', String(count), '--seed', String(datasetSeed), '--size', '64', '--name', 'shapes', '--no-progress');
  for (const family of families) {
    const r1 = [];
    for (const seed of seeds) {
      const started = Date.now();
      const doc = JSON.parse(ric('train', family, '--dataset', 'shapes', '--preset', 'tiny', '--seed', String(seed), '--no-progress', '--json'));
      const m = Object.fromEntries(doc.run.latest.map((p) => [p.key, p.value]));
      r1.push(m.val_r1);
      process.stdout.write(
        `${family} seed ${seed}: val R@1 ${m.val_r1.toFixed(3)} (chance ${m.val_chance_r1.toFixed(3)}), R@5 ${m.val_r5.toFixed(3)}, ${m.val_pairs} val pairs, ${doc.job.done} steps, last epoch mean loss ${m.epoch_loss.toFixed(3)}, ${((Date.now() - started) / 1000).toFixed(0)} s, load ${load()}\n`,
      );
    }
    const s = stats(r1);
    process.stdout.write(`${family}: val R@1 ${s.mean.toFixed(3)} ± ${s.sd.toFixed(3)} (mean ± sample sd over seeds ${seeds.join(', ')}; min ${s.min.toFixed(3)}, max ${s.max.toFixed(3)})\n`);
  }
} finally {
  fs.rmSync(data, { recursive: true, force: true });
}
