#!/usr/bin/env node
// The tiny base editor (issue 15, the demo's prior checkpoint): a pixel-space InstructPix2Pix-style
// UNet trained from scratch on ShapesEdit with the denoising loss only (`ablation: baseline`), seeded.
// Data: ShapesEdit straight from its generator (world seed --data-seed, --count samples at 32 px).
// Checkpoints go to OUT/checkpoint-*/ every 250 steps with the inside-mask validation measures in
// OUT/metrics.jsonl; re-running the same command resumes from the newest checkpoint. --export DIR
// writes the shippable pipeline folder (EMA UNet + frozen parts + MADE_BY.json) from the newest one.
// Usage: npx tsc -b && node scripts/train-base-editor.mjs --out DIR [--seed 0] [--data-seed 101]
//        [--count 100000] [--steps 20000] [--config FILE] [--export DIR]
import fs from 'node:fs';
import os from 'node:os';
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
const seed = Number(arg('seed', '0'));
const dataSeed = Number(arg('data-seed', '101'));
const count = Number(arg('count', '100000'));
const dist = (p) => import(path.join(root, 'dist/main', p));
const { initBackend, backendOptionsFromEnv } = await dist('engine/backend.js');
const editor = await dist('engine/training/editor/index.js');
const { mergeConfig } = await dist('engine/training/presets.js');
const { shapesEditorPairs } = await dist('data/shapes-pairs.js');

const overrides = arg('config') ? JSON.parse(fs.readFileSync(arg('config'), 'utf8')) : {};
if (arg('steps')) overrides.steps = Number(arg('steps'));
const config = editor.parseEditorConfig(mergeConfig(editor.tinyBasePreset(), { ...overrides, seed }), 'base editor config');
const command = `node scripts/train-base-editor.mjs --out DIR --seed ${seed} --data-seed ${dataSeed} --count ${count}${arg('steps') ? ` --steps ${arg('steps')}` : ''}`;
fs.mkdirSync(out, { recursive: true });

if (arg('export')) {
  const ckpt = editor.latestCheckpoint(out);
  if (!ckpt) throw new Error(`${out}: no checkpoint to export`);
  const state = editor.readEditorState(ckpt);
  const unetDir = fs.existsSync(path.join(ckpt, 'unet_ema')) ? path.join(ckpt, 'unet_ema') : path.join(ckpt, 'unet');
  editor.exportPipeline(state.pipelineDir, unetDir, arg('export'));
  const metrics = fs.existsSync(path.join(out, 'metrics.jsonl')) ? fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
  const lastVal = metrics.filter((m) => m.val_l1_in !== undefined).pop() ?? null;
  fs.writeFileSync(
    path.join(arg('export'), 'MADE_BY.json'),
    `${JSON.stringify({ command, seed, data: { generator: 'ShapesEdit (main/data/shapes.ts)', seed: dataSeed, count, size: 32 }, step: state.step, unet: path.basename(unetDir), validation: lastVal, config: state.config }, null, 2)}\n`,
  );
  console.log(`exported step ${state.step} (${path.basename(unetDir)}) to ${arg('export')}`);
  process.exit(0);
}

const report = await initBackend(backendOptionsFromEnv());
const pairs = shapesEditorPairs({ seed: dataSeed, count, size: 32 });
const resumeFrom = editor.latestCheckpoint(out);
const log = fs.createWriteStream(path.join(out, 'metrics.jsonl'), { flags: 'a' });
const t0 = Date.now();
console.log(`base editor: backend ${report.active}, ${pairs.length} pairs, ${resumeFrom ? `resuming from ${resumeFrom}` : 'from scratch'}; ${command}`);
const result = await editor.trainEditor({
  config,
  pairs,
  outputDir: out,
  resumeFrom,
  callbacks: {
    onMetrics(step, values) {
      const load = os.loadavg()[0];
      log.write(`${JSON.stringify({ step, wall_s: (Date.now() - t0) / 1000, load1: load, ...values })}\n`);
      if (values.val_l1_in !== undefined) console.log(`step ${step}: inside-mask L1 ${values.val_l1_in.toFixed(4)} (source ${values.val_l1_in_source.toFixed(4)}), PSNR ${values.val_psnr_in.toFixed(2)} dB (source ${values.val_psnr_in_source.toFixed(2)}), beats source on ${(100 * values.val_beats_source).toFixed(0)}%`);
      else if (values.loss !== undefined && step % 25 === 0) console.log(`step ${step}: loss ${values.loss.toFixed(4)} lr ${values.lr.toExponential(2)} grad ${values.grad_norm.toFixed(3)} ${values.step_time_ms.toFixed(0)} ms`);
      if (values.val_loss_denoise !== undefined) console.log(`step ${step}: fixed-draw validation denoising loss ${values.val_loss_denoise.toFixed(4)}`);
    },
    onLog: (level, message) => console.log(`${level}: ${message}`),
  },
});
log.end();
console.log(`done: ${result.steps} steps, final checkpoint ${result.finalCheckpoint}`);
