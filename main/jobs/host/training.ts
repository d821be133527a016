// Training jobs in the engine host: Region-CLIP and BLIP trainers (main/engine/training) fed from a
// stored dataset, their callbacks wired to the store — metric points (batched), checkpoints rows,
// the run's backend, config and best validation score — and to the job: progress, log, pause at a
// step boundary (the trainer awaits onMetrics, so the model stays loaded while we wait) and stop
// (shouldStop: the trainer writes a checkpoint first, so a stopped run resumes from where it was).
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { trainingTexts, type TrainingTextFallback } from '../../captions/training-texts.js';
import { readSettings } from '../../settings/index.js';
import { BlobReadError, type Store } from '../../store/index.js';
import type { JobRunContext, JobRunner } from './runners.js';
import { retrievalExamples, SAMPLE_MAX_CHECKPOINT_BYTES, SAMPLE_PAIRS, storeRunSamples } from './samples.js';
import type { CheckpointInfo, RegionPair, RgbImage, ScenePair, TrainerCallbacks } from '../../engine/training/index.js';

type Family = 'regionclip' | 'blip';

function imageLoader(store: Store, sha256: string, ref: string): () => Promise<RgbImage> {
  return async () => {
    let bytes: Buffer | undefined;
    try {
      bytes = store.blobs.read(sha256);
    } catch (err) {
      if (err instanceof BlobReadError) throw new BlobReadError(`sample ${ref}: ${err.message}`);
      throw err;
    }
    if (!bytes) throw new BlobReadError(`sample ${ref}: target image ${sha256.slice(0, 12)} (${path.join('blobs', sha256.slice(0, 2), sha256)}) is missing from the data folder: restore the file from a backup of the data folder`);
    const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  };
}

/** The dataset's pairs: approved captions (else, with the fallback chosen, the dataset's own text), current mask box, split. */
export function datasetPairs(store: Store, datasetId: number, family: Family, fallback: TrainingTextFallback): { pairs: RegionPair[] | ScenePair[]; dropped: number; images: Map<string, string> } {
  const rows = store.samples.trainingSamples(datasetId);
  const texts = trainingTexts(store, datasetId, family === 'regionclip' ? 'region' : 'scene', fallback).texts;
  const images = new Map(rows.map((r) => [r.externalId, r.imageSha256]));
  let dropped = 0;
  if (family === 'blip') {
    const pairs: ScenePair[] = [];
    for (const r of rows) {
      const t = texts.get(r.id);
      if (!t) dropped++;
      else pairs.push({ id: r.externalId, split: r.split === 'val' ? 'val' : 'train', target: imageLoader(store, r.imageSha256, r.externalId), text: t.text });
    }
    return { pairs, dropped, images };
  }
  const pairs: RegionPair[] = [];
  for (const r of rows) {
    const t = texts.get(r.id);
    if (!t || r.box === null || !r.box.width || !r.box.height) dropped++;
    else
      pairs.push({
        id: r.externalId,
        split: r.split === 'val' ? 'val' : 'train',
        target: imageLoader(store, r.imageSha256, r.externalId),
        box: { x: r.box.x, y: r.box.y, w: r.box.width, h: r.box.height },
        text: t.text,
      });
  }
  return { pairs, dropped, images };
}

/**
 * After a failed run (a full disk mid-checkpoint): checkpoint folders that have no row are half
 * written or were never recorded; a resume starts from a recorded one, so they only hold space.
 */
function removeUnrecordedCheckpoints(store: Store, runId: number, outputDir: string): void {
  try {
    const recorded = new Set(store.runs.checkpoints(runId).map((c) => path.resolve(store.dataDir, c.path)));
    for (const name of fs.existsSync(outputDir) ? fs.readdirSync(outputDir) : []) {
      const dir = path.join(outputDir, name);
      if (name.startsWith('checkpoint-') && !recorded.has(path.resolve(dir))) fs.rmSync(dir, { recursive: true, force: true });
    }
  } catch {
    // The store cannot be read now: the folders stay until the run is resumed or deleted.
  }
}

export function trainingRunner(family: Family): JobRunner {
  return {
    pausable: true,
    async run(ctx: JobRunContext) {
      const training = await import('../../engine/training/index.js');
      const { initBackend, backendOptionsFromEnv } = await import('../../engine/backend.js');
      const tf = await import('@tensorflow/tfjs');
      const { store } = ctx;
      const runId = ctx.runId;
      if (runId === null) throw new Error(`job ${ctx.jobId}: a training job needs its run (created when queued)`);
      const datasetId = Number(ctx.params['datasetId']);
      const preset = ctx.params['preset'] === 'tiny' || ctx.params['preset'] === 'paper' ? ctx.params['preset'] : null;
      // Jobs queued before the text rule was a parameter trained on the dataset's own texts as fallback.
      const fallback: TrainingTextFallback = ctx.params['textFallback'] === 'none' ? 'none' : 'dataset';
      const datasetName = store.datasets.name(datasetId) ?? String(datasetId);
      const over = (ctx.params['config'] ?? {}) as Record<string, unknown>;
      const raw = preset ? training.mergeConfig(family === 'regionclip' ? training.regionClipPreset(preset) : training.blipPreset(preset), over) : over;
      const withSeed = { ...raw, seed: Number(ctx.params['seed'] ?? raw['seed'] ?? 0) };
      const config = family === 'regionclip' ? training.parseRegionClipConfig(withSeed) : training.parseBlipTrainingConfig(withSeed);

      const report = await initBackend(backendOptionsFromEnv(process.env, readSettings(store.settings).tensorBackend));
      ctx.setEngine({ backend: report.active, memory: () => ({ ...tf.memory(), gpuBytes: (tf.memory() as { numBytesInGPU?: number }).numBytesInGPU ?? null }) });
      const resumeFrom = ctx.resume ? path.join(store.dataDir, ctx.resume.path) : null;
      // Data-parallel tensor workers (engine/parallel): the run records how many ran it.
      const workers = training.planTrainingWorkers(family, config, tf.getBackend(), resumeFrom, process.env, readSettings(store.settings).tensorWorkers);
      const engine = workers.workers > 1 ? `${report.active} × ${workers.workers} workers` : report.active;
      store.runs.setEngine(runId, engine, config);
      ctx.log('info', `backend ${engine} (${workers.reason}); ${family} config ${preset ? `preset ${preset} + ` : ''}${Object.keys(over).length} overrides`);

      const { pairs, dropped, images } = datasetPairs(store, datasetId, family, fallback);
      const rule = fallback === 'none' ? 'approved captions only' : "approved captions, else the dataset's own descriptions";
      ctx.log('info', `texts: ${rule}; ${pairs.length} usable pairs in dataset "${datasetName}"`);
      if (dropped > 0) ctx.log('warn', `${dropped} samples have no ${fallback === 'none' ? 'approved caption' : 'approved caption or text of their own'}${family === 'regionclip' ? ' or no mask' : ''} and are left out`);
      // The pre-flight refused this when the job was queued; the dataset may have changed since.
      if (pairs.length < 2) throw new Error(`dataset "${datasetName}" has ${pairs.length} usable pairs; training needs at least 2`);

      const outputDir = path.join(store.dataDir, 'runs', String(runId));
      if (resumeFrom && !fs.existsSync(resumeFrom)) throw new Error(`checkpoint folder ${resumeFrom} (step ${ctx.resume!.step}) is gone; resume from another checkpoint`);
      // Retrieval examples at every checkpoint, on a fixed few validation pairs (host/samples.ts).
      const split = training.splitPairs(pairs as (RegionPair | ScenePair)[], config.val_fraction, config.seed);
      const samplePairs = (split.val.length >= 2 ? split.val : split.train).slice(0, SAMPLE_PAIRS);
      let samplesSkipped = false;
      const storeSamples = async (info: CheckpointInfo) => {
        if (info.size > SAMPLE_MAX_CHECKPOINT_BYTES) {
          if (!samplesSkipped) ctx.log('info', `no sample outputs: checkpoints of ${(info.size / 1e6).toFixed(0)} MB are too big to load a second copy for examples`);
          samplesSkipped = true;
          return;
        }
        try {
          const examples = await retrievalExamples(family, info.dir, config.max_text_tokens, samplePairs);
          storeRunSamples(store, runId, info.step, examples, (id) => images.get(id) ?? null);
        } catch (err) {
          ctx.log('warn', `sample outputs at step ${info.step} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      };
      const callbacks: TrainerCallbacks = {
        async onMetrics(step, values) {
          for (const [key, value] of Object.entries(values)) ctx.metric(key, step, value);
          if (typeof values['val_r1'] === 'number') store.runs.recordBest(runId, 'val_r1', values['val_r1']);
          // A cancel is left to shouldStop (checked before the next step), so the trainer writes
          // its final checkpoint rather than unwinding from inside the callback.
          await ctx.boundary(step).catch((err: unknown) => {
            if (!ctx.signal.aborted) throw err;
          });
        },
        async onCheckpoint(info: CheckpointInfo) {
          // Points up to this step are committed before the checkpoint that a resume starts from.
          ctx.flushMetrics();
          store.runs.addCheckpoint(runId, { step: info.step, path: path.relative(store.dataDir, info.dir), size: info.size, validationScore: info.validationScore, metrics: info.metrics });
          // keep_checkpoints removes old folders: their rows go with them.
          for (const c of store.runs.checkpoints(runId)) {
            if (!fs.existsSync(path.join(store.dataDir, c.path))) store.runs.deleteCheckpoint(c.id);
          }
          ctx.log('info', `checkpoint at step ${info.step} (${(info.size / 1e6).toFixed(1)} MB)`);
          await storeSamples(info);
        },
        onProgress: (p) => ctx.progress(p.step, p.totalSteps, `${p.phase} epoch ${p.epoch + 1}`),
        onLog: (level, message) => ctx.log(level, message),
        shouldStop: () => ctx.signal.aborted,
      };
      let result: Awaited<ReturnType<typeof training.trainBlip>>;
      try {
        result =
          family === 'regionclip'
            ? await training.trainRegionClip({ config: config as ReturnType<typeof training.parseRegionClipConfig>, pairs: pairs as RegionPair[], outputDir, callbacks, resumeFrom, workers })
            : await training.trainBlip({ config: config as ReturnType<typeof training.parseBlipTrainingConfig>, pairs: pairs as ScenePair[], outputDir, callbacks, resumeFrom, workers });
      } catch (err) {
        removeUnrecordedCheckpoints(store, runId, outputDir);
        // A write on an open file (a checkpoint's tensors) fails without a path: name the run's folder.
        if (err instanceof Error && (err as NodeJS.ErrnoException).code && (err as NodeJS.ErrnoException).path === undefined) (err as NodeJS.ErrnoException).path = outputDir;
        throw err;
      }
      // Per-step losses are in the store (metric `loss`); an epoch's mean is `epoch_loss`.
      const { losses: _perStep, ...summary } = result;
      return summary;
    },
  };
}
