#!/usr/bin/env node
// The tiny base editor (issue 15, the demo's prior checkpoint): a pixel-space InstructPix2Pix-style
// UNet trained from scratch on ShapesEdit with the denoising loss only (`ablation: baseline`), seeded.
// Data: ShapesEdit straight from its generator (world seed --data-seed, --count samples at 32 px).
// Checkpoints go to OUT/checkpoint-*/ every 250 steps with the inside-mask validation measures in
// OUT/metrics.jsonl; re-running the same command resumes from the newest checkpoint. --export DIR
// writes the shippable pipeline folder (EMA UNet + frozen parts + MADE_BY.json) from the newest one.
// The logic lives in main/demo/base-editor*.ts, shared with `ric demo --train-base`.
// Usage: npx tsc -b && node scripts/train-base-editor.mjs --out DIR [--seed 0] [--data-seed 101]
//        [--count 100000] [--steps 20000] [--config FILE] [--export DIR]
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const argv = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const out = arg('out');
if (!out) {
  console.error('usage: node scripts/train-base-editor.mjs --out DIR [--seed 0] [--data-seed 101] [--count 100000] [--steps N] [--config FILE] [--export DIR]');
  process.exit(2);
}
const { BASE_EDITOR_DATA } = await import(path.join(root, 'dist/main/demo/base-editor.js'));
const { exportBaseEditorRun, trainBaseEditorRun } = await import(path.join(root, 'dist/main/demo/base-editor-train.js'));
const run = {
  out,
  seed: Number(arg('seed', '0')),
  dataSeed: Number(arg('data-seed', String(BASE_EDITOR_DATA.seed))),
  count: Number(arg('count', String(BASE_EDITOR_DATA.count))),
  steps: arg('steps') ? Number(arg('steps')) : undefined,
  overrides: arg('config') ? JSON.parse(fs.readFileSync(arg('config'), 'utf8')) : undefined,
};

if (arg('export')) {
  const r = await exportBaseEditorRun(run, arg('export'));
  console.log(`exported step ${r.step} (${r.unet}) to ${arg('export')}`);
  process.exit(0);
}
const result = await trainBaseEditorRun(run, (line) => console.log(line));
console.log(`done: ${result.steps} steps, final checkpoint ${result.finalCheckpoint}`);
