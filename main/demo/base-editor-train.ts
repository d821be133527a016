// The base editor's long run on generator data (scripts/train-base-editor.mjs): ShapesEdit pairs
// straight from the generator (no store), resumable from the newest checkpoint in `out`, each
// step's numbers appended to out/metrics.jsonl; and its export with MADE_BY.json. The demo's own
// `--train-base` runs the same config as a `train-editor` job on the demo's dataset instead.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BASE_EDITOR_DATA, baseEditorConfig, exportEditor } from './base-editor.js';

export interface BaseEditorRun {
  out: string;
  seed: number;
  dataSeed: number;
  count: number;
  steps?: number | undefined;
  overrides?: Record<string, unknown> | undefined;
}

/** The command line that reproduces a run (recorded in MADE_BY.json). */
export function baseEditorCommand(r: BaseEditorRun): string {
  return `node scripts/train-base-editor.mjs --out DIR --seed ${r.seed} --data-seed ${r.dataSeed} --count ${r.count}${r.steps !== undefined ? ` --steps ${r.steps}` : ''}`;
}

const metricsFile = (out: string) => path.join(out, 'metrics.jsonl');

/** The newest checkpoint of `out` as a shippable pipeline folder with MADE_BY.json. */
export async function exportBaseEditorRun(r: BaseEditorRun, exportDir: string): Promise<{ step: number; unet: string }> {
  const { latestCheckpoint } = await import('../engine/training/editor/index.js');
  const ckpt = latestCheckpoint(r.out);
  if (!ckpt) throw new Error(`${r.out}: no checkpoint to export`);
  const lines = fs.existsSync(metricsFile(r.out)) ? fs.readFileSync(metricsFile(r.out), 'utf8').trim().split('\n').filter(Boolean) : [];
  const metrics = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const validations = metrics.filter((m) => m['val_l1_in'] !== undefined);
  const pick = (m: Record<string, unknown>, keys: readonly string[]) => Object.fromEntries(keys.filter((k) => m[k] !== undefined).map((k) => [k, m[k]]));
  return exportEditor(ckpt, exportDir, {
    command: baseEditorCommand(r),
    seed: r.seed,
    data: { generator: 'ShapesEdit (main/data/shapes.ts)', seed: r.dataSeed, count: r.count, size: BASE_EDITOR_DATA.size },
    validation: validations.at(-1) ?? null,
    // What a re-run of `command` must reproduce (test/main/demo/shipped-base-editor.test.ts), and how the
    // validation edits went with the steps (wall_s restarts at each resume; load1 says how busy the machine was).
    first_steps: metrics.filter((m) => m['loss'] !== undefined).slice(0, 3).map((m) => pick(m, ['step', 'loss'])),
    validation_history: validations.map((m) => pick(m, ['step', 'wall_s', 'load1', 'val_l1_in', 'val_l1_in_source', 'val_l1_out', 'val_psnr_in', 'val_psnr_in_source', 'val_beats_source'])),
  });
}

/** Trains (or resumes) the base editor; `log` gets the lines the script prints. */
export async function trainBaseEditorRun(r: BaseEditorRun, log: (line: string) => void): Promise<{ steps: number; finalCheckpoint: string | null }> {
  const editor = await import('../engine/training/editor/index.js');
  const { initBackend, backendOptionsFromEnv } = await import('../engine/backend.js');
  const { shapesEditorPairs } = await import('../data/shapes-pairs.js');
  const config = editor.parseEditorConfig(baseEditorConfig({ seed: r.seed, steps: r.steps, overrides: r.overrides }), 'base editor config');
  fs.mkdirSync(r.out, { recursive: true });
  const report = await initBackend(backendOptionsFromEnv());
  const pairs = shapesEditorPairs({ seed: r.dataSeed, count: r.count, size: BASE_EDITOR_DATA.size });
  const resumeFrom = editor.latestCheckpoint(r.out);
  const t0 = Date.now();
  log(`base editor: backend ${report.active}, ${pairs.length} pairs, ${resumeFrom ? `resuming from ${resumeFrom}` : 'from scratch'}; ${baseEditorCommand(r)}`);
  const result = await editor.trainEditor({
    config,
    pairs,
    outputDir: r.out,
    resumeFrom,
    callbacks: {
      onMetrics(step, v) {
        // Appended synchronously: the training loop seldom yields to the event loop, and a write
        // stream would hold every line in memory until it did (a kill lost them all).
        fs.appendFileSync(metricsFile(r.out), `${JSON.stringify({ step, wall_s: (Date.now() - t0) / 1000, load1: os.loadavg()[0], ...v })}\n`);
        if (v['val_l1_in'] !== undefined) {
          log(`step ${step}: inside-mask L1 ${v['val_l1_in'].toFixed(4)} (source ${v['val_l1_in_source']?.toFixed(4)}), PSNR ${v['val_psnr_in']?.toFixed(2)} dB (source ${v['val_psnr_in_source']?.toFixed(2)}), beats source on ${(100 * (v['val_beats_source'] ?? 0)).toFixed(0)}%`);
        } else if (v['loss'] !== undefined && step % 25 === 0) {
          log(`step ${step}: loss ${v['loss'].toFixed(4)} lr ${v['lr']?.toExponential(2)} grad ${v['grad_norm']?.toFixed(3)} ${v['step_time_ms']?.toFixed(0)} ms`);
        }
        if (v['val_loss_denoise'] !== undefined) log(`step ${step}: fixed-draw validation denoising loss ${v['val_loss_denoise'].toFixed(4)}`);
      },
      onLog: (level, message) => log(`${level}: ${message}`),
    },
  });
  return { steps: result.steps, finalCheckpoint: result.finalCheckpoint };
}
