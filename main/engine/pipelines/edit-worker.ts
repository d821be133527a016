// The worker side of edit-protocol.ts: imported by the tensor worker (parallel/task-modules.ts). The
// pipeline is loaded once per worker and spec; the edit is editRgb, the same code as in-process.
import type { z } from 'zod';
import { implement } from '../parallel/worker-handlers.js';
import { ip2pCancelSpec, ip2pEditSpec, ip2pReleaseSpec, type PipelineSpec } from './edit-protocol.js';
import { editRgb } from './edit-rgb.js';
import type { InstructPix2PixPipeline } from './instruct-pix2pix.js';
import { loadPipelineFor } from './editor.js';

const pipelines = new Map<string, Promise<InstructPix2PixPipeline>>();
const running = new Map<number, AbortController>();

function pipelineOf(spec: PipelineSpec): Promise<InstructPix2PixPipeline> {
  const key = JSON.stringify(spec);
  let p = pipelines.get(key);
  if (!p) {
    p = loadPipelineFor(spec);
    p.catch(() => pipelines.delete(key));
    pipelines.set(key, p);
  }
  return p;
}

implement(ip2pEditSpec, async (args, ctx): Promise<z.input<typeof ip2pEditSpec.result>> => {
  const pipeline = await pipelineOf(args.pipeline);
  const controller = new AbortController();
  running.set(args.token, controller);
  try {
    return await editRgb(pipeline, args.item, {
      signal: controller.signal,
      onProgress: (step, total) => ctx.emit({ type: 'progress', step, total }),
      onPreview: (step, total, image) => ctx.emit({ type: 'preview', step, total, image }),
    });
  } finally {
    running.delete(args.token);
  }
});

implement(ip2pCancelSpec, async ({ token }) => {
  const c = running.get(token);
  c?.abort();
  return { found: c !== undefined };
});

implement(ip2pReleaseSpec, async () => {
  const all = [...pipelines.values()];
  pipelines.clear();
  let released = 0;
  for (const p of await Promise.allSettled(all)) {
    if (p.status === 'fulfilled') {
      p.value.dispose();
      released++;
    }
  }
  return { released };
});
