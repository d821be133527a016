// An editor for a job: one pipeline folder loaded once, edits run one after another on the engine's
// thread, or N at a time on tensor workers (parallel/README.md, "Plan for the editor", option 1: each
// worker holds the whole pipeline and runs whole edits — no traffic during the steps). Both run
// editRgb, so where an edit ran does not change its pixels.
import { EditCancelled, type InstructPix2PixPipeline } from './instruct-pix2pix.js';
import { ip2pCancelSpec, ip2pEditSpec, ip2pReleaseSpec, type PipelineSpec } from './edit-protocol.js';
import { editRgb, type EditHooks, type EditItem, type RgbPixels } from './edit-rgb.js';
import { loadInstructPix2Pix } from './load.js';
import type { TensorPool } from '../parallel/pool.js';

/** Loads a pipeline as a spec says: the folder's scheduler or a named one; all resident or all on demand. */
export async function loadPipelineFor(spec: PipelineSpec): Promise<InstructPix2PixPipeline> {
  const layout = spec.layout;
  const { pipeline } = await loadInstructPix2Pix(spec.folder, {
    ...(spec.scheduler ? { scheduler: spec.scheduler } : {}),
    textEncoder: layout,
    vae: layout,
    unet: layout,
  });
  return pipeline;
}

export interface EditorOptions extends PipelineSpec {
  /** 1: on the engine's thread; more: that many tensor workers. */
  workers: number;
  /** The workers' backend (the engine's own: wasm or cpu). */
  backend: 'wasm' | 'cpu' | null;
}

export interface Editor {
  /** How many edits run at once. */
  readonly concurrency: number;
  edit(item: EditItem, hooks?: EditHooks): Promise<{ image: RgbPixels; seconds: number }>;
  dispose(): Promise<void>;
}

class InProcessEditor implements Editor {
  readonly concurrency = 1;
  private queue: Promise<unknown> = Promise.resolve();
  constructor(private readonly pipeline: InstructPix2PixPipeline) {}

  edit(item: EditItem, hooks: EditHooks = {}) {
    // One pipeline, one scheduler state: edits take turns.
    const run = this.queue.then(() => editRgb(this.pipeline, item, hooks));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async dispose() {
    await this.queue;
    this.pipeline.dispose();
  }
}

class PooledEditor implements Editor {
  private readonly free: number[];
  private readonly waiting: ((worker: number) => void)[] = [];
  private nextToken = 1;
  constructor(
    private readonly pool: TensorPool,
    private readonly spec: PipelineSpec,
  ) {
    this.free = Array.from({ length: pool.size }, (_, i) => i);
  }

  get concurrency() {
    return this.pool.size;
  }

  private acquire(): Promise<number> {
    const w = this.free.shift();
    return w !== undefined ? Promise.resolve(w) : new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(w: number) {
    const next = this.waiting.shift();
    if (next) next(w);
    else this.free.push(w);
  }

  async edit(item: EditItem, hooks: EditHooks = {}) {
    const worker = await this.acquire();
    const token = this.nextToken++;
    let step = 0;
    const cancel = () => void this.pool.call(worker, ip2pCancelSpec, { token }).catch(() => undefined);
    const poll = hooks.shouldStop ? setInterval(() => hooks.shouldStop!() && cancel(), 100) : null;
    hooks.signal?.addEventListener('abort', cancel, { once: true });
    try {
      if (hooks.signal?.aborted) throw new EditCancelled(0);
      const pending: Promise<unknown>[] = [];
      const result = await this.pool.call(
        worker,
        ip2pEditSpec,
        { pipeline: this.spec, item, token },
        {
          onEvent: (e) => {
            const ev = e as { type: 'progress'; step: number; total: number } | { type: 'preview'; step: number; total: number; image: RgbPixels };
            if (ev.type === 'progress') {
              step = ev.step;
              pending.push(Promise.resolve(hooks.onProgress?.(ev.step, ev.total)));
            } else pending.push(Promise.resolve(hooks.onPreview?.(ev.step, ev.total, ev.image)));
          },
        },
      );
      await Promise.all(pending);
      return result;
    } catch (err) {
      if (hooks.signal?.aborted || hooks.shouldStop?.()) throw new EditCancelled(step);
      throw err;
    } finally {
      if (poll) clearInterval(poll);
      hooks.signal?.removeEventListener('abort', cancel);
      this.release(worker);
    }
  }

  async dispose() {
    await Promise.all(Array.from({ length: this.pool.size }, (_, i) => this.pool.call(i, ip2pReleaseSpec, {}).catch(() => undefined)));
    await this.pool.dispose();
  }
}

export async function openEditor(o: EditorOptions): Promise<Editor> {
  const spec: PipelineSpec = { folder: o.folder, scheduler: o.scheduler, layout: o.layout };
  if (o.workers <= 1 || o.backend === null) return new InProcessEditor(await loadPipelineFor(spec));
  const { TensorPool } = await import('../parallel/pool.js');
  const pool = await TensorPool.start({ workers: o.workers, backend: o.backend });
  return new PooledEditor(pool, spec);
}
