// The `train-editor` job in the engine host (issue 15): the Region-in-Context trainer
// (main/engine/training/editor) fed from a stored dataset — source, target, instruction, the current
// mask, the approved region and scene descriptions (else the dataset's own texts, as the embedding
// trainers fall back) — with the frozen towers taken from a Region-CLIP run and a BLIP run (their best
// checkpoint) or from folders. Metric points (each loss term, lr, grad norm, step time), checkpoints and
// the validation edits of each checkpoint go to the store; pause and cancel at step boundaries as the
// other trainers do (a cancel writes a checkpoint first, so the run resumes).
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { trainingTexts } from '../../captions/training-texts.js';
import { decodeMaskPng } from '../../data/masks/index.js';
import type { EditedSample, EditorPair } from '../../engine/training/editor/index.js';
import type { CheckpointInfo, RgbImage } from '../../engine/training/index.js';
import { readSettings } from '../../settings/index.js';
import type { Store } from '../../store/index.js';
import type { JobRunContext, JobRunner } from './runners.js';

function rgbLoader(store: Store, sha256: string, what: string, ref: string): () => Promise<RgbImage> {
  return async () => {
    const bytes = store.blobs.read(sha256);
    if (!bytes) throw new Error(`sample ${ref}: ${what} image ${sha256} is missing from the blob store`);
    const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  };
}

/** The dataset's editing pairs; samples without a target, a mask or both descriptions are counted and left out. */
export function editorPairs(store: Store, datasetId: number): { pairs: EditorPair[]; dropped: { target: number; mask: number; text: number }; sources: Map<string, string> } {
  const rows = store.samples.editorTrainingSamples(datasetId);
  const region = trainingTexts(store, datasetId, 'region', 'dataset').texts;
  const scene = trainingTexts(store, datasetId, 'scene', 'dataset').texts;
  const dropped = { target: 0, mask: 0, text: 0 };
  const pairs: EditorPair[] = [];
  const sources = new Map<string, string>();
  for (const r of rows) {
    const tr = region.get(r.id)?.text;
    const tf = scene.get(r.id)?.text;
    if (!r.targetSha256) dropped.target++;
    else if (!r.maskSha256) dropped.mask++;
    else if (!tr || !tf) dropped.text++;
    else {
      const maskSha = r.maskSha256;
      sources.set(r.externalId, r.sourceSha256);
      pairs.push({
        id: r.externalId,
        split: r.split === 'val' ? 'val' : 'train',
        source: rgbLoader(store, r.sourceSha256, 'source', r.externalId),
        target: rgbLoader(store, r.targetSha256, 'target', r.externalId),
        mask: async () => {
          const bytes = store.blobs.read(maskSha);
          if (!bytes) throw new Error(`sample ${r.externalId}: mask PNG ${maskSha} is missing from the blob store`);
          return decodeMaskPng(bytes);
        },
        instruction: r.instruction,
        regionText: tr,
        sceneText: tf,
      });
    }
  }
  return { pairs, dropped, sources };
}

/** A Region-CLIP / BLIP run's checkpoint folder: its best by validation score, else its newest. */
export function runCheckpointDir(store: Store, runId: number, kind: 'regionclip' | 'blip'): string {
  const run = store.runs.get(runId);
  if (!run) throw new Error(`run ${runId} does not exist`);
  if (run.kind !== kind) throw new Error(`run ${runId} is a ${run.kind} run, not ${kind}`);
  const cps = store.runs.checkpoints(runId).filter((c) => fs.existsSync(path.join(store.dataDir, c.path)));
  if (!cps.length) throw new Error(`${kind} run ${runId} has no checkpoint on disk`);
  const scored = cps.filter((c) => c.validationScore !== null);
  const best = scored.length ? scored.reduce((a, b) => (b.validationScore! > a.validationScore! ? b : a)) : cps.reduce((a, b) => (b.step > a.step ? b : a));
  return path.join(store.dataDir, best.path);
}

const runRef = (v: unknown, field: string): number | null => {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`params.${field} must be a run id`);
  return v;
};

async function pngOf(img: RgbImage): Promise<Uint8Array> {
  return new Uint8Array(await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer());
}

export function editorTrainingRunner(): JobRunner {
  return {
    pausable: true,
    async run(ctx: JobRunContext) {
      const editor = await import('../../engine/training/editor/index.js');
      const { mergeConfig } = await import('../../engine/training/index.js');
      const { initBackend, backendOptionsFromEnv } = await import('../../engine/backend.js');
      const tf = await import('@tensorflow/tfjs');
      const { store } = ctx;
      const runId = ctx.runId;
      if (runId === null) throw new Error(`job ${ctx.jobId}: a training job needs its run (created when queued)`);
      const datasetId = Number(ctx.params['datasetId']);
      const preset = ctx.params['preset'] === 'tiny' ? 'tiny' : null;
      const over = (ctx.params['config'] ?? {}) as Record<string, unknown>;
      const raw = preset ? mergeConfig(editor.editorPreset(preset), over) : { ...over };
      // --regionclip RUN / --blip RUN: the run's best checkpoint folder (a folder path goes in the config).
      const rcRun = runRef(ctx.params['regionclipRun'], 'regionclipRun');
      const blipRun = runRef(ctx.params['blipRun'], 'blipRun');
      if (rcRun !== null) raw['regionclip'] = runCheckpointDir(store, rcRun, 'regionclip');
      if (blipRun !== null) raw['blip'] = runCheckpointDir(store, blipRun, 'blip');
      const config = editor.parseEditorConfig({ ...raw, seed: Number(ctx.params['seed'] ?? raw['seed'] ?? 0) }, `train-editor job ${ctx.jobId} config`);

      const report = await initBackend(backendOptionsFromEnv(process.env, readSettings(store.settings).tensorBackend));
      ctx.setEngine({ backend: report.active, memory: () => ({ ...tf.memory(), gpuBytes: (tf.memory() as { numBytesInGPU?: number }).numBytesInGPU ?? null }) });
      const resumeAt = ctx.resume ? path.join(store.dataDir, ctx.resume.path) : null;
      // Data-parallel tensor workers (engine/training/editor/parallel.ts): the run records how many ran it.
      const workers = editor.planEditorWorkers(config, tf.getBackend(), resumeAt, process.env, readSettings(store.settings).tensorWorkers);
      const engine = workers.workers > 1 ? `${report.active} × ${workers.workers} workers` : report.active;
      store.runs.setEngine(runId, engine, config);
      ctx.log('info', `backend ${engine} (${workers.reason}); editor config ${preset ? `preset ${preset} + ` : ''}${Object.keys(over).length} overrides; ablation ${config.ablation}`);

      const { pairs, dropped, sources } = editorPairs(store, datasetId);
      if (dropped.target) ctx.log('warn', `${dropped.target} samples have no target image and are left out`);
      if (dropped.mask) ctx.log('warn', `${dropped.mask} samples have no mask and are left out`);
      if (dropped.text) ctx.log('warn', `${dropped.text} samples lack an approved region or scene description (or the dataset's own) and are left out`);
      if (pairs.length < 2) throw new Error(`dataset ${datasetId} has ${pairs.length} usable editing pairs; training needs at least 2`);

      const outputDir = path.join(store.dataDir, 'runs', String(runId));
      const resumeFrom = ctx.resume ? path.join(store.dataDir, ctx.resume.path) : null;
      if (resumeFrom && !fs.existsSync(resumeFrom)) throw new Error(`checkpoint folder ${resumeFrom} (step ${ctx.resume!.step}) is gone; resume from another checkpoint`);
      const storeEdits = async (step: number, edits: EditedSample[]) => {
        try {
          const rows = [];
          for (const e of edits) {
            const blob = store.blobs.put(await pngOf(e.edited), 'image/png');
            rows.push({ kind: 'edit', payload: { id: e.id, instruction: e.instruction, sourceSha256: sources.get(e.id) ?? null, l1In: e.l1In, l1InSource: e.l1InSource, l1Out: e.l1Out }, blobSha256: blob.sha256 });
          }
          store.runs.replaceSamples(runId, step, rows);
        } catch (err) {
          ctx.log('warn', `validation edits at step ${step} were not stored: ${err instanceof Error ? err.message : String(err)}`);
        }
      };
      const result = await editor.trainEditor({
        config,
        pairs,
        outputDir,
        resumeFrom,
        workers,
        callbacks: {
          async onMetrics(step, values) {
            for (const [key, value] of Object.entries(values)) ctx.metric(key, step, value);
            // PSNR inside the mask: higher is better, as the runs table's best score expects.
            if (typeof values['val_psnr_in'] === 'number') store.runs.recordBest(runId, 'val_psnr_in', values['val_psnr_in']);
            await ctx.boundary(step).catch((err: unknown) => {
              if (!ctx.signal.aborted) throw err;
            });
          },
          async onCheckpoint(info: CheckpointInfo) {
            ctx.flushMetrics();
            store.runs.addCheckpoint(runId, { step: info.step, path: path.relative(store.dataDir, info.dir), size: info.size, validationScore: info.validationScore, metrics: info.metrics });
            for (const c of store.runs.checkpoints(runId)) if (!fs.existsSync(path.join(store.dataDir, c.path))) store.runs.deleteCheckpoint(c.id);
            ctx.log('info', `checkpoint at step ${info.step} (${(info.size / 1e6).toFixed(1)} MB)`);
          },
          onSamples: storeEdits,
          onProgress: (p) => ctx.progress(p.step, p.totalSteps, `editor step ${p.step}`),
          onLog: (level, message) => ctx.log(level, message),
          shouldStop: () => ctx.signal.aborted,
        },
      });
      const { losses, ...summary } = result;
      return { ...summary, lastLoss: losses[losses.length - 1] ?? null };
    },
  };
}
