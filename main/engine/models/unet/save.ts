// Saves a UNet as the `unet/` folder diffusers' UNet2DConditionModel.from_pretrained loads: config.json
// (every init argument, sorted, with _class_name and _diffusers_version, as save_config writes it) and
// diffusion_pytorch_model.safetensors with the state dict's names and shapes. Both files are written
// next to their final names and renamed into place, so a crash leaves the previous save intact.
import fs from 'node:fs';
import path from 'node:path';
import { writeSafetensors, type WritableTensor } from '../../io/safetensors.js';
import { UNET_DEFAULTS } from './config.js';
import type { UNet2DConditionModel } from './model.js';
import { unetParamShapes } from './shapes.js';

export const DIFFUSERS_VERSION = '0.25.0';
export const UNET_WEIGHTS = 'diffusion_pytorch_model.safetensors';

/** The config.json diffusers would write for this model. */
export function diffusersUNetConfig(unet: UNet2DConditionModel): Record<string, unknown> {
  const full: Record<string, unknown> = { ...UNET_DEFAULTS.values };
  for (const [k, v] of Object.entries(unet.config)) if (k in full) full[k] = v;
  full._class_name = 'UNet2DConditionModel';
  full._diffusers_version = DIFFUSERS_VERSION;
  return Object.fromEntries(Object.keys(full).sort().map((k) => [k, full[k]]));
}

export interface SaveUNetOptions {
  /** F32 (default, exact) or F16 (half the size; diffusers' fp16 variant) */
  dtype?: 'F32' | 'F16';
}

export async function saveDiffusersUNet(unet: UNet2DConditionModel, dir: string, opts: SaveUNetOptions = {}): Promise<{ config: string; weights: string }> {
  fs.mkdirSync(dir, { recursive: true });
  const tensors = new Map<string, WritableTensor>();
  for (const [name, shape] of unetParamShapes(unet.config)) {
    const v = unet.params.get(name);
    if (v.shape.join() !== shape.join()) throw new Error(`UNet parameter ${name} is [${v.shape.join(', ')}], config says [${shape.join(', ')}]`);
    tensors.set(name, { shape, values: (await v.data()) as Float32Array, dtype: opts.dtype ?? 'F32' });
  }
  const weights = path.join(dir, UNET_WEIGHTS);
  const config = path.join(dir, 'config.json');
  const tmp = (f: string) => `${f}.${process.pid}.tmp`;
  try {
    writeSafetensors(tmp(weights), tensors, { format: 'pt' });
    fs.writeFileSync(tmp(config), `${JSON.stringify(diffusersUNetConfig(unet), null, 2)}\n`);
    fs.renameSync(tmp(weights), weights);
    fs.renameSync(tmp(config), config);
  } finally {
    for (const f of [tmp(weights), tmp(config)]) fs.rmSync(f, { force: true });
  }
  return { config, weights };
}
