// The `evaluate` job (issue 16): one result set under one preset. It scores sample by sample — each
// sample's scores, notes and FID/IS features land in one transaction (EvalsRepo.putSample), the
// resume marker — so a killed or cancelled evaluation started again scores only the samples it has
// not scored (or whose result image changed), then aggregates over everything stored: FID and IS
// come from the stored feature vectors, so no finished sample is recomputed.
//
// Scope: the dataset's samples (of one split, if asked). A sample without a done image in the result
// set is `missing` (named, with the reason) and every aggregate says over how many samples it was
// taken. A sample that cannot be scored (an unreadable image, no target for `reference: "target"`, no
// caption for CLIP-T) is stored as an error naming the sample and field; the others go on.
import { z } from 'zod';
import { againstSchema, type SampleScore } from '../../shared/api/evals.js';
import { splitSchema } from '../../shared/api/datasets.js';
import { tensorWorkersSchema } from '../../shared/api/settings.js';
import { canonicalJson, describeRules } from '../../shared/evals/metrics.js';
import { presetModelKeys, resolvePreset, type EditAccuracySettings, type EvalPreset } from '../../shared/metrics/presets.js';
import { checkShapesEdit, parseShapesMeta, type ShapesEditCheck } from '../data/shapes-accuracy.js';
import { decodeMaskPng } from '../data/masks/index.js';
import type { RgbImage } from '../engine/metrics/images.js';
import type { SampleScores } from '../engine/metrics/index.js';
import type { SampleRecord, Store } from '../store/index.js';
import { aggregateRows, editAccuracyAggregateRows, editAccuracyRows, scoreRows, scoresOf } from './convert.js';
import { modelRecord } from './folders.js';
import { presetSha256 } from './preset.js';
import crypto from 'node:crypto';

export const evaluateJobParamsSchema = z
  .object({
    evaluationId: z.number().int().positive(),
    resultSetId: z.number().int().positive(),
    /** The preset with every value (as evals.start resolved it). */
    preset: z.record(z.string(), z.unknown()),
    against: againstSchema.nullable().default(null),
    split: splitSchema.nullable().default(null),
    /** The app version that queued it (recorded with the evaluation). */
    codeVersion: z.string().max(100).default('dev'),
    /** Tensor workers asked for this job (null: $RIC_ENGINE_WORKERS, else Settings). */
    workers: tensorWorkersSchema.nullable().default(null),
  })
  .strict();
export type EvaluateJobParams = z.output<typeof evaluateJobParamsSchema>;

export interface EvaluateIo {
  signal: AbortSignal;
  /** Between samples: rejects once the job is cancelled. */
  boundary(step: number): Promise<void>;
  progress(done: number, total: number | null, message?: string): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** The evaluation scored more samples or finished (evals.changed). */
  changed(): void;
  modelFolders: Readonly<Record<string, string | null>>;
  /** Activates a tensor backend; called only when the preset needs a backbone. Returns its name. */
  initEngine(): Promise<string>;
  /** Settings → tensor workers (after $RIC_ENGINE_WORKERS): samples scored on that many workers at once. */
  workers?: 'auto' | number;
}

export interface EvaluateReport {
  evaluationId: number;
  status: 'complete' | 'incomplete';
  expected: number;
  scored: number;
  /** Already scored on the same image by an earlier run of this evaluation. */
  kept: number;
  errors: number;
  missing: number;
  warnings: string[];
}

export class EvaluationInputError extends Error {
  override name = 'EvaluationInputError';
}

async function decodeRgb(bytes: Uint8Array, what: string): Promise<RgbImage> {
  // sharp loads on first use: the Api's handlers import this module, and every `ric` start paid for it.
  const { default: sharp } = await import('sharp');
  try {
    const { data, info } = await sharp(bytes, { failOn: 'error', limitInputPixels: 8192 * 8192 }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`${info.channels} channels after removing alpha`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (err) {
    throw new EvaluationInputError(`${what}: not a readable image (${(err as Error).message})`);
  }
}

function blob(store: Store, sha256: string, what: string): Buffer {
  const bytes = store.blobs.read(sha256);
  if (!bytes) throw new EvaluationInputError(`${what}: blob ${sha256.slice(0, 12)}… is missing from the data folder`);
  return bytes;
}

interface InScope {
  sample: SampleRecord;
  imageSha256: string;
}

/** The samples in scope with a done image, and those without one (with the reason). */
export function evaluationScope(store: Store, resultSetId: number, split: EvaluateJobParams['split']) {
  const set = store.results.get(resultSetId);
  if (!set) throw new EvaluationInputError(`result set ${resultSetId} not found`);
  const samples = store.samples.records(set.datasetId, split ? { split } : {});
  const inScope: InScope[] = [];
  const missing: { sampleId: number; externalId: string; reason: string }[] = [];
  for (const sample of samples) {
    const img = store.results.image(resultSetId, sample.id);
    if (img?.status === 'done' && img.image) inScope.push({ sample, imageSha256: img.image.sha256 });
    else missing.push({ sampleId: sample.id, externalId: sample.externalId, reason: img ? `the result set has no image for it: ${img.error ?? 'failed'}` : `not in result set "${set.name}"` });
  }
  return { set, expected: samples.length, inScope, missing };
}

export async function runEvaluation(store: Store, params: EvaluateJobParams, io: EvaluateIo): Promise<EvaluateReport> {
  const id = params.evaluationId;
  const summary = store.evals.summary(id);
  if (!summary) throw new EvaluationInputError(`evaluation ${id} not found`);
  const preset: EvalPreset = resolvePreset(params.preset);
  if (presetSha256(preset) !== summary.presetSha256) throw new EvaluationInputError(`evaluation ${id}: the job's preset is not the one the evaluation was created with`);
  try {
    return await evaluate(store, params, preset, io);
  } catch (err) {
    const cancelled = (err as Error).name === 'AbortError';
    store.evals.setStatus(id, cancelled ? 'incomplete' : 'failed');
    io.changed();
    throw err;
  }
}

async function evaluate(store: Store, params: EvaluateJobParams, preset: EvalPreset, io: EvaluateIo): Promise<EvaluateReport> {
  const id = params.evaluationId;
  const { set, expected, inScope, missing } = evaluationScope(store, params.resultSetId, params.split);
  const needs = presetModelKeys(preset);
  // Engine code is loaded only here (the host loads this module lazily; tfjs is heavy).
  const { checkModelFolders, createEvaluator, createParallelEvaluator, planEvaluationWorkers, aggregateScores } = await import('../engine/metrics/index.js');
  const problems = checkModelFolders(preset, io.modelFolders).filter((c) => !c.ok);
  if (problems.length > 0) throw new EvaluationInputError(`preset "${preset.name}" cannot run: ${problems.map((p) => `${p.key}: ${p.problem}`).join('; ')}`);
  const backend = needs.size > 0 ? await io.initEngine() : 'none (pixel measures only)';
  const models = [...needs].map(([key, metrics]) => modelRecord(key, io.modelFolders[key]!, metrics));
  const inception = preset.metrics.fid ? models.find((m) => m.key === preset.metrics.fid!.model) : undefined;
  // FID reference features depend on the reference image, the Inception folder and the FID rule only:
  // another evaluation with the same key (another result set, same dataset) reuses them.
  const fidRefKey = preset.metrics.fid && inception ? crypto.createHash('sha256').update(canonicalJson({ fid: preset.metrics.fid, inception: inception.configSha256, dir: inception.dir })).digest('hex') : null;
  // Tensor workers (issue 13): samples scored on N workers at once, each with its own backbones.
  const plan = needs.size > 0 ? planEvaluationWorkers(preset, io.modelFolders, backend, inScope.length, { setting: params.workers ?? 'auto', fallback: io.workers }) : null;
  const evaluator = plan && plan.workers > 1 ? await createParallelEvaluator(preset, io.modelFolders, plan) : await createEvaluator(preset, io.modelFolders);
  if (plan) io.log('info', evaluator.workers > 1 ? `tensor workers: ${evaluator.workers} (${plan.reason}), each with the preset's backbones` : `tensor workers: none (${plan.reason})`);
  try {
    const warnings = [...evaluator.warnings];
    if (missing.length > 0) warnings.push(`${missing.length} of ${expected} samples have no image in result set "${set.name}" and are not scored`);
    store.evals.setRecord(id, { models, rules: describeRules(preset), warnings, expected, missing, backend, workers: evaluator.workers, codeVersion: params.codeVersion, fidRefKey });
    store.evals.forgetSamples(id, new Set(inScope.map((t) => t.sample.id)));
    io.changed();
    const done = store.evals.doneSamples(id);
    const pending = inScope.filter((t) => done.get(t.sample.id) !== t.imageSha256);
    const kept = inScope.length - pending.length;
    if (kept > 0) io.log('info', `${kept} samples already scored on the same image: kept`);
    io.log('info', `evaluating "${set.name}" under ${preset.name} on ${backend}: ${pending.length} to score, ${missing.length} missing`);
    let errors = 0;
    let next = 0;
    let scored = 0;
    // `evaluator.workers` lanes take the next sample as each finishes (1: one after another, as before);
    // a sample's rows land in one transaction whichever lane scored it.
    const lane = async () => {
      try {
        await scoreLane();
      } catch (err) {
        next = pending.length; // the other lanes take no more samples
        throw err;
      }
    };
    const scoreLane = async () => {
      while (next < pending.length) {
        const i = next++;
        await io.boundary(i);
        const { sample, imageSha256 } = pending[i]!;
        const started = performance.now();
        let scores: SampleScores;
        let editRows: SampleScore[] = [];
        try {
          const edited = await decodeRgb(blob(store, imageSha256, `sample ${sample.externalId} edited image`), `sample ${sample.externalId} edited image`);
          const source = await decodeRgb(blob(store, sample.sourceSha256, `sample ${sample.externalId} source`), `sample ${sample.externalId} source`);
          scores = await evaluator.scoreSample({
            id: sample.externalId,
            edited,
            source,
            target: sample.targetSha256 ? await decodeRgb(blob(store, sample.targetSha256, `sample ${sample.externalId} target`), `sample ${sample.externalId} target`) : null,
            mask: await maskOf(store, sample),
            targetText: sample.outputCaption,
            instruction: sample.instruction,
            fidReferenceFeatures: fidRefKey ? store.evals.fidReference(fidRefKey, sample.id) : null,
          });
          if (preset.metrics.editAccuracy) {
            const check = editAccuracy(sample, edited, source, preset.metrics.editAccuracy);
            editRows = editAccuracyRows(check);
            if (!check.scored) scores.notes.push(check.reason);
          }
        } catch (err) {
          if ((err as Error).name === 'AbortError') throw err;
          // A failed tensor worker is the job's failure, not this sample's (parallel.ts marks it).
          if ((err as { fatal?: boolean }).fatal) throw err;
          errors++;
          const message = (err as Error).message.startsWith('sample ') ? (err as Error).message : `sample ${sample.externalId}: ${(err as Error).message}`;
          store.evals.putSample(id, { sampleId: sample.id, imageSha256, status: 'error', error: message.slice(0, 2000), seconds: (performance.now() - started) / 1000 });
          io.log('warn', message);
          continue;
        }
        const f = scores.features ?? {};
        store.evals.putSample(id, {
          sampleId: sample.id,
          imageSha256,
          status: 'done',
          scores: [...scoreRows(scores), ...editRows],
          notes: scores.notes,
          seconds: (performance.now() - started) / 1000,
          features: { fidGenerated: f.fidGenerated ?? null, fidReference: f.fidReference ?? null, isLogits: f.isLogits ?? null },
        });
        scored++;
        io.progress(scored + errors, pending.length, `${scored + errors}/${pending.length} scored`);
        if ((scored + errors) % 25 === 0) io.changed();
      }
    };
    // Every lane ends (a cancel reaches each at its next sample) before the first failure is rethrown:
    // nothing is written after the job has ended.
    const ends = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(evaluator.workers, pending.length)) }, () => lane()));
    const failed = ends.find((e): e is PromiseRejectedResult => e.status === 'rejected');
    if (failed) throw failed.reason;
    // Over everything stored (this run's samples and those kept from before): FID and IS from the stored features.
    const stored = store.evals.storedSamples(id);
    const aggregate = aggregateScores(preset, stored.map(scoresOf));
    const all = [...warnings, ...aggregate.warnings];
    const rows = preset.metrics.editAccuracy ? [...aggregateRows(aggregate), ...editAccuracyAggregateRows(stored)] : aggregateRows(aggregate);
    store.evals.putAggregates(id, rows, { fid: aggregate.fid ?? null, is: aggregate.is ?? null }, all);
    store.evals.setStatus(id, 'complete');
    io.changed();
    io.log('info', `${stored.length} samples scored, ${errors} failed, ${missing.length} missing`);
    return { evaluationId: id, status: 'complete', expected, scored: pending.length - errors, kept, errors, missing: missing.length, warnings: all };
  } finally {
    await evaluator.dispose();
  }
}

async function maskOf(store: Store, sample: SampleRecord) {
  const mask = store.masks.current(sample.id);
  if (!mask) return null;
  try {
    return await decodeMaskPng(blob(store, mask.pngSha256, `sample ${sample.externalId} mask`));
  } catch (err) {
    throw new EvaluationInputError(`sample ${sample.externalId} mask (version ${mask.version}): ${(err as Error).message}`);
  }
}

/** The scene-graph edit test (main/data/shapes-accuracy.ts) on one sample: the scene's frame is the source image's size. */
function editAccuracy(sample: SampleRecord, edited: RgbImage, source: RgbImage, s: EditAccuracySettings): ShapesEditCheck {
  const meta = parseShapesMeta(sample.meta, sample.externalId);
  if (source.width !== source.height) throw new EvaluationInputError(`sample ${sample.externalId}: editAccuracy: the source is ${source.width}×${source.height}; a ShapesEdit scene is square`);
  return checkShapesEdit(edited, meta, source.width, { minFraction: s.minFraction, filter: s.filter, antialias: s.antialias });
}
