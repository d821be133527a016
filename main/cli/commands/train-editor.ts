// `ric train editor` options: the pipeline folder (frozen VAE, text encoder, tokenizer, scheduler; its
// UNet the starting point), the Region-CLIP and BLIP towers as a run id (its best checkpoint, resolved
// in the engine host) or a folder, and the paper's ablation rows. The merged config is checked
// against the trainer's schema before anything is queued.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CliError } from '../output.js';

export interface EditorCliOptions {
  pipeline?: string;
  unet?: string;
  regionclip?: string;
  blip?: string;
  ablation?: string;
}

export function editorOptions(cmd: Command): Command {
  return cmd
    .option('--pipeline <dir>', 'InstructPix2Pix pipeline folder (model_index.json): frozen VAE, text encoder, tokenizer, scheduler; its UNet is trained unless --unet names another')
    .option('--unet <dir>', 'the UNet to start from: an InstructPix2Pix / MagicBrush unet folder, or a text-to-image one (conv_in widened to 8 channels, the new ones zero)')
    .option('--regionclip <run|dir>', 'the frozen Region-CLIP: a regionclip run id (its best checkpoint) or a folder with clip/ and fusion/')
    .option('--blip <run|dir>', 'the frozen BLIP: a blip run id (its best checkpoint) or a BlipForImageTextRetrieval folder')
    .option('--ablation <row>', 'baseline (denoising only) | no_global | no_region | no_fusion (Tables 2–3); default: the full loss');
}

/** A run id (digits) or an existing folder (resolved to an absolute path). */
function towerRef(value: string, flag: string, needs: string): { run: number } | { dir: string } {
  if (/^\d+$/.test(value)) return { run: Number(value) };
  const dir = path.resolve(value);
  if (!fs.existsSync(path.join(dir, needs))) throw new CliError(`--${flag} ${value}: neither a run id nor a folder with ${needs}`);
  return { dir };
}

/** The job's config (checked) and the run references the host resolves. */
export async function editorJobParams(opts: EditorCliOptions & { preset?: 'tiny' }, over: Record<string, unknown>): Promise<{ config: Record<string, unknown>; extra: Record<string, unknown> }> {
  const config: Record<string, unknown> = { ...over };
  const extra: Record<string, unknown> = {};
  if (opts.pipeline) {
    const dir = path.resolve(opts.pipeline);
    if (!fs.existsSync(path.join(dir, 'model_index.json'))) throw new CliError(`--pipeline ${opts.pipeline}: no model_index.json (not a diffusers pipeline folder)`);
    config['pipeline'] = dir;
  }
  if (opts.unet) {
    const dir = path.resolve(opts.unet);
    if (!fs.existsSync(path.join(dir, 'config.json'))) throw new CliError(`--unet ${opts.unet}: no config.json`);
    config['unet'] = dir;
  }
  if (opts.ablation) config['ablation'] = opts.ablation;
  for (const [flag, needs, runKey] of [['regionclip', 'fusion/config.json', 'regionclipRun'], ['blip', 'config.json', 'blipRun']] as const) {
    const v = opts[flag];
    if (!v) continue;
    const ref = towerRef(v, flag, needs);
    if ('run' in ref) extra[runKey] = ref.run;
    else config[flag] = ref.dir;
  }
  const { editorPreset, parseEditorConfig, activeTerms } = await import('../../engine/training/editor/index.js');
  const { mergeConfig } = await import('../../engine/training/index.js');
  try {
    const parsed = parseEditorConfig(mergeConfig(opts.preset ? editorPreset(opts.preset) : {}, config), 'ric train editor');
    const terms = activeTerms(parsed);
    if (terms.region > 0 && !parsed.regionclip && extra['regionclipRun'] === undefined) throw new Error(`the ${parsed.ablation} loss has the region term: name the Region-CLIP with --regionclip RUN|DIR (or --ablation baseline / no_region)`);
    if (terms.global > 0 && !parsed.blip && extra['blipRun'] === undefined) throw new Error(`the ${parsed.ablation} loss has the global term: name BLIP with --blip RUN|DIR (or --ablation baseline / no_global)`);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  return { config, extra };
}
