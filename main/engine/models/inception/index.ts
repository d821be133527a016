import type { ModelFamily } from '../registry.js';
import { INCEPTION_DEFAULTS, inceptionParamShapes, parseInceptionConfig, type InceptionConfig } from './config.js';
import { InceptionV3 } from './model.js';

export { InceptionV3, type InceptionOutput } from './model.js';
export { INCEPTION_DEFAULTS, INCEPTION_BLOCKS, INCEPTION_STEM, blockConvs, inceptionParamShapes, parseInceptionConfig, type InceptionConfig } from './config.js';

export const inceptionFamily: ModelFamily<InceptionConfig, InceptionV3> = {
  modelType: 'inception_v3',
  architectures: ['Inception3'],
  defaults: INCEPTION_DEFAULTS,
  // torchvision has no config.json: the exporter writes {"builder": "torchvision.models.inception_v3", …}.
  matchesConfig: (raw) => typeof raw.builder === 'string' && raw.builder.startsWith('torchvision.models.inception_v3'),
  parseConfig: parseInceptionConfig,
  paramShapes: inceptionParamShapes,
  build: (config, params) => new InceptionV3(config, params),
  // BN step counters, the auxiliary classifier (aux_logits=True checkpoints) are not used.
  ignoreUnexpected: [/\.num_batches_tracked$/, /^AuxLogits\./],
};
