// Parity cases of the `ip2p_pipeline` fixtures: diffusers' StableDiffusionInstructPix2PixPipeline end
// to end on a pipeline folder (token ids instead of a tokenizer), once per scheduler the manifest's
// outputs name ("<name>/latents_per_step" → the folder scheduler_<name>/): prompt embeds, image
// latents, the timesteps, the latents after every step and the final image, from the same inputs.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { inputTensor, type RunnerEntry } from '../parity/runners.js';
import { loadScheduler } from '../schedulers/index.js';
import { loadInstructPix2Pix } from './load.js';

export const ip2pParityRunner: RunnerEntry = {
  tolerance: 2e-4,
  // README.json: "2e-4 relative to each tensor's largest magnitude (errors compound over the steps)"
  criterion: 'tensor-max',
  async run(dir, inputs) {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'README.json'), 'utf8')) as { outputs?: { tensors?: { name: string }[] } };
    const names = (manifest.outputs?.tensors ?? []).map((t) => t.name);
    const schedulers = [...new Set(names.filter((n) => n.includes('/')).map((n) => n.split('/')[0]!))];
    if (!schedulers.length) throw new Error(`${dir}/README.json: no "<scheduler>/…" outputs`);
    const { pipeline } = await loadInstructPix2Pix(dir, { tokenizer: false, schedulerDir: `scheduler_${schedulers[0]}` });
    const out = new Map<string, tf.Tensor>();
    const [ids, uncond, image, latents] = ['input_ids', 'uncond_input_ids', 'image', 'latents'].map((n) => inputTensor(inputs, n)) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    try {
      const guidance = inputs.get('guidance')?.values;
      const steps = inputs.get('num_inference_steps')?.values[0];
      if (!guidance || steps === undefined) throw new Error('inputs.safetensors needs guidance and num_inference_steps');
      const [text, negative] = await pipeline.encodePrompts(ids, uncond);
      out.set('prompt_embeds', text!);
      out.set('negative_prompt_embeds', negative!);
      out.set('image_latents', await pipeline.encodeImage(image));
      for (const name of schedulers) {
        pipeline.setScheduler(loadScheduler(path.join(dir, `scheduler_${name}`)));
        const perStep: tf.Tensor[] = [];
        const result = await pipeline.edit({
          image, prompt: ids, negativePromptIds: uncond, latents, steps, guidanceScale: guidance[0]!, imageGuidanceScale: guidance[1]!,
          onStep: (_i, _t, l) => void perStep.push(tf.clone(l)),
        });
        out.set(`${name}/timesteps`, tf.tensor1d(pipeline.scheduler.timesteps, 'float32'));
        out.set(`${name}/latents_per_step`, tf.stack(perStep));
        out.set(`${name}/image`, result.image);
        tf.dispose([...perStep, result.latents]);
      }
      return out;
    } catch (err) {
      tf.dispose([...out.values()]);
      throw err;
    } finally {
      tf.dispose([ids, uncond, image, latents]);
      pipeline.dispose();
    }
  },
};
