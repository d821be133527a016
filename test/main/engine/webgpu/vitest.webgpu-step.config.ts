// The opt-in WebGPU suite (`npm run test:webgpu-step`): the whole Region-in-Context step (ric_step
// parity) on WebGPU through Dawn + SwiftShader. Not in `npm test`: on SwiftShader (a CPU rasteriser)
// the step costs far more than the WebGPU suite's budget (see ric-step.gpu-step.ts for the figures).
// Same environment as vitest.webgpu.config.ts, its own files and a long timeout.
import { defineConfig } from 'vitest/config';
import base from './vitest.webgpu.config.js';

export default defineConfig({
  test: {
    ...base.test,
    include: ['test/main/engine/webgpu/*.gpu-step.ts'],
    testTimeout: 3_600_000,
  },
});
