// InstructPix2Pix's initialisation (Brooks et al. 2023, Sec. 3.2): a text-to-image UNet gets extra
// input channels for the source image latents, their conv_in weights zero, so the widened UNet starts
// out computing exactly what the original did.
import * as tf from '@tensorflow/tfjs';
import { ParamStore } from '../params.js';
import { UNet2DConditionModel } from './model.js';

/** A new UNet with `channels` input channels (copies of every parameter; conv_in's new input channels zero). */
export function widenUNetInput(unet: UNet2DConditionModel, channels: number, opts: { trainable?: boolean } = {}): UNet2DConditionModel {
  const have = unet.config.in_channels;
  if (!Number.isInteger(channels) || channels < have) throw new Error(`widenUNetInput: ${channels} channels, but the UNet already takes ${have}`);
  const params = new ParamStore('widened UNet');
  try {
    for (const name of unet.params.names()) {
      const v = unet.params.get(name);
      const value = tf.tidy(() => (name === 'conv_in.weight' ? tf.pad(v, [[0, 0], [0, channels - have], [0, 0], [0, 0]]) : tf.clone(v)));
      params.set(name, value, opts.trainable ?? v.trainable);
    }
  } catch (err) {
    params.dispose();
    throw err;
  }
  return new UNet2DConditionModel({ ...unet.config, in_channels: channels }, params);
}
