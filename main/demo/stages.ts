// What each stage of the demo does. Every stage first asks the store (through the Api, as any client
// would) whether its work is there — a ready dataset, approved captions, a completed run, a complete
// result set, a complete evaluation — and otherwise starts, resumes or waits for the ordinary job
// that makes it. A stage returns what it found or made, in a few words.
import fs from 'node:fs';
import path from 'node:path';
import type { ApiClient } from '../../shared/api/client.js';
import { DEMO_VARIANT_LABELS, type DemoVariant, type JobDetail, type RunSummary } from '../../shared/api/index.js';
import { readExportMarker, writeExportMarker } from '../engine/training/editor/export.js';
import { mergeConfig } from '../engine/training/presets.js';
import { baseEditorConfig, exportEditor, findBaseEditor, isPipelineFolder, localBaseEditorDir, missingBaseEditorMessage, readCheckpointState } from './base-editor.js';
import { DEMO_COLUMNS, DEMO_DATA_SEED, DEMO_DATASET, DEMO_EDIT, DEMO_PRESET, DEMO_SIZE, DEMO_SPLIT, resultSetName, runName, type ResolvedSettings, type StageSpec } from './plan.js';

export interface StageContext {
  api: ApiClient;
  dataDir: string;
  settings: ResolvedSettings;
  /** Waits for a job to end; throws if it did not complete (cancelled: the chain is cancelled). */
  wait(jobId: number, started: (jobId: number) => void): Promise<JobDetail>;
  /** Tells the chain which job does the stage's work now (the jobs panel shows it). */
  onJob(jobId: number): void;
}

export interface StageOutcome {
  detail: string;
  jobId?: number;
}

const LIVE = ['queued', 'running', 'paused'];
const RESUMABLE = ['interrupted', 'failed', 'cancelled'];
const title = (what: string) => `Demo · ${what}`;

export async function demoDataset(api: ApiClient): Promise<{ id: number; sampleCount: number } | null> {
  const d = (await api.call('datasets.list', {})).find((x) => x.name === DEMO_DATASET);
  return d && d.status === 'ready' ? { id: d.id, sampleCount: d.sampleCount } : null;
}

async function datasetId(api: ApiClient): Promise<number> {
  const d = await demoDataset(api);
  if (!d) throw new Error(`the dataset "${DEMO_DATASET}" is not ready`);
  return d.id;
}

/** A job to follow: an existing live one is waited for, a stopped one resumed, else `start` makes one. */
async function follow(c: StageContext, existing: { jobId: number | null; state: string } | null, start: () => Promise<number>): Promise<number> {
  if (existing?.jobId != null && LIVE.includes(existing.state)) {
    await c.wait(existing.jobId, c.onJob);
    return existing.jobId;
  }
  if (existing?.jobId != null && RESUMABLE.includes(existing.state)) {
    await c.api.call('jobs.resume', { id: existing.jobId });
    await c.wait(existing.jobId, c.onJob);
    return existing.jobId;
  }
  const id = await start();
  await c.wait(id, c.onJob);
  return id;
}

async function stageDataset(c: StageContext): Promise<StageOutcome> {
  const found = (await c.api.call('datasets.list', {})).find((x) => x.name === DEMO_DATASET);
  if (found?.status === 'ready') return { detail: `found: "${DEMO_DATASET}", ${found.sampleCount} samples` };
  if (found) {
    // An import stopped midway (a kill): its job resumes and skips the samples already stored.
    const last = (await c.api.call('datasets.get', { id: found.id })).lastImport;
    if (!last || !(LIVE.includes(last.state) || RESUMABLE.includes(last.state))) {
      throw new Error(`dataset "${DEMO_DATASET}" is ${found.status} and has no import to resume: delete it (Datasets, or ric datasets delete) and run the demo again`);
    }
    const jobId = await follow(c, { jobId: last.id, state: last.state }, () => Promise.reject(new Error(`dataset "${DEMO_DATASET}": its import cannot be resumed`)));
    return { detail: `"${DEMO_DATASET}" finished`, jobId };
  }
  const started = await c.api.call('datasets.importShapes', { name: DEMO_DATASET, count: c.settings.count, seed: DEMO_DATA_SEED, size: DEMO_SIZE });
  c.onJob(started.jobId);
  await c.wait(started.jobId, c.onJob);
  return { detail: `"${DEMO_DATASET}": ${c.settings.count} samples (world seed ${DEMO_DATA_SEED})`, jobId: started.jobId };
}

async function stageCaptions(c: StageContext, kind: 'region' | 'scene'): Promise<StageOutcome> {
  const id = await datasetId(c.api);
  const { sampleCount } = (await demoDataset(c.api))!;
  const counts = async () => (await c.api.call('captions.queue', { datasetId: id, kind, limit: 1 })).counts;
  let n = await counts();
  let jobId: number | undefined;
  if (n.approved >= sampleCount) return { detail: `found: ${n.approved} approved` };
  // A sample the caption job could not describe gets one more try (the job skips those it has).
  for (let attempt = 0; attempt < 2 && n.pending + n.approved + n.rejected < sampleCount; attempt++) {
    const started = await c.api.call('captions.generate', { datasetId: id, kind, captioner: 'template', onlyMissing: true });
    jobId = started.jobId;
    c.onJob(jobId);
    await c.wait(jobId, c.onJob);
    n = await counts();
  }
  // The template's texts are exact (from the scene graph): approved as a reviewer would, in bulk.
  const filter = { status: 'pending' as const, source: 'template' as const };
  for (let round = 0; round < 3; round++) {
    const { count } = await c.api.call('captions.bulkCount', { datasetId: id, kind, filter });
    if (count === 0) break;
    await c.api.call('captions.bulkApprove', { datasetId: id, kind, filter, expectedCount: count });
  }
  n = await counts();
  const missing = sampleCount - n.approved - n.rejected;
  if (missing > 0) throw new Error(`${missing} of ${sampleCount} samples have no ${kind} description${jobId !== undefined ? ` (caption job ${jobId} says why)` : ''}`);
  return { detail: `${n.approved} approved (template)`, ...(jobId !== undefined ? { jobId } : {}) };
}

async function findRun(api: ApiClient, kind: string, name: string): Promise<RunSummary | null> {
  const runs = await api.call('runs.list', { kind, text: name, limit: 50 });
  return runs.find((r) => r.name === name) ?? null;
}

async function startTraining(c: StageContext, kind: 'train-regionclip' | 'train-blip' | 'train-editor', params: Record<string, unknown>, what: string): Promise<number> {
  if (kind !== 'train-editor') {
    const check = await c.api.call('runs.preflight', { kind, params });
    if (!check.ok) throw new Error(check.problems.map((p) => `${p.message} (fix: ${p.fix.cli ?? p.fix.label})`).join('; '));
    params = check.params;
  }
  const started = await c.api.call('jobs.start', { kind, params, title: title(what) });
  c.onJob(started.id);
  return started.id;
}

/** A training stage: the named run completed is done; stopped, it resumes from its checkpoint. */
async function trainRun(c: StageContext, kind: 'regionclip' | 'blip' | 'editor', name: string, params: Record<string, unknown>, what: string): Promise<StageOutcome & { runId: number }> {
  const run = await findRun(c.api, kind, name);
  if (run?.status === 'completed') return { detail: `found: run ${run.id} "${name}"`, runId: run.id };
  const jobId = await follow(c, run ? { jobId: run.jobId, state: run.status } : null, () => startTraining(c, `train-${kind}`, { ...params, name }, what));
  const done = await findRun(c.api, kind, name);
  if (!done) throw new Error(`run "${name}" is missing after its job ${jobId} completed`);
  return { detail: `run ${done.id} "${name}"`, jobId, runId: done.id };
}

async function stageTower(c: StageContext, family: 'regionclip' | 'blip'): Promise<StageOutcome> {
  const params = { datasetId: await datasetId(c.api), seed: 0, preset: 'tiny', textFallback: 'none', config: c.settings.config[family] ?? {} };
  return trainRun(c, family, runName[family], params, family === 'regionclip' ? 'Region-CLIP (tiny)' : 'BLIP (tiny)');
}

/** The base editor folder the variants fine-tune: found, or (with trainBase) trained and exported here. */
export function baseEditorDir(dataDir: string, trainBase: boolean): string {
  const { found, looked } = findBaseEditor(dataDir, trainBase);
  if (!found) throw new Error(missingBaseEditorMessage(looked));
  return found;
}

async function stageBase(c: StageContext): Promise<StageOutcome> {
  const { found, looked } = findBaseEditor(c.dataDir, c.settings.trainBase);
  if (found) return { detail: `found: ${found}${madeByStep(found)}` };
  if (!c.settings.trainBase) throw new Error(missingBaseEditorMessage(looked));
  const config = baseEditorConfig({ seed: 0, steps: c.settings.baseSteps, overrides: c.settings.config.base });
  const params = { datasetId: await datasetId(c.api), seed: 0, preset: 'tiny', config };
  const r = await trainRun(c, 'editor', runName.base, params, 'base editor from scratch (denoising only)');
  const last = (await c.api.call('runs.get', { id: r.runId })).checkpoints.at(-1);
  if (!last) throw new Error(`run ${r.runId} "${runName.base}" has no checkpoint to export`);
  const out = localBaseEditorDir(c.dataDir);
  const made = exportEditor(path.join(c.dataDir, last.path), out, {
    command: `ric demo --train-base${c.settings.baseSteps !== undefined ? ` --base-steps ${c.settings.baseSteps}` : ''}`,
    seed: 0,
    data: { dataset: DEMO_DATASET, generator: 'ShapesEdit (main/data/shapes.ts)', seed: DEMO_DATA_SEED, count: c.settings.count, size: DEMO_SIZE, split: 'train' },
    run: { id: r.runId, name: runName.base },
  });
  return { detail: `trained (run ${r.runId}, step ${made.step}) and exported to ${out}`, ...(r.jobId !== undefined ? { jobId: r.jobId } : {}) };
}

function madeByStep(dir: string): string {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'MADE_BY.json'), 'utf8')) as { step?: unknown };
    return typeof m.step === 'number' ? ` (step ${m.step})` : '';
  } catch {
    return '';
  }
}

/** The fine-tune of one variant: the tiny preset from the base editor, one checkpoint at the end. */
export function fineTuneConfig(s: ResolvedSettings, v: DemoVariant, baseDir: string): Record<string, unknown> {
  const steps = s.editorSteps;
  const defaults = {
    steps,
    warmup_steps: Math.min(20, Math.floor(steps / 5)),
    checkpoint_every: steps,
    keep_checkpoints: 1,
    validation: { samples: 2, metric_samples: 0, loss_samples: 8, steps: 10 },
  };
  return { ...mergeConfig(defaults, s.config.editor ?? {}), pipeline: baseDir, ablation: v };
}

async function stageTrain(c: StageContext, v: DemoVariant, seed: number): Promise<StageOutcome> {
  const rc = await findRun(c.api, 'regionclip', runName.regionclip);
  const blip = await findRun(c.api, 'blip', runName.blip);
  if (!rc || !blip) throw new Error('the Region-CLIP and BLIP runs of the demo are missing');
  const config = fineTuneConfig(c.settings, v, baseEditorDir(c.dataDir, c.settings.trainBase));
  const params = { datasetId: await datasetId(c.api), seed, preset: 'tiny', config, regionclipRun: rc.id, blipRun: blip.id };
  return trainRun(c, 'editor', runName.editor(v, seed), params, `fine-tune ${v}, seed ${seed}`);
}

/** The editor a variant's run ends with, as a pipeline folder under <data>/demo/editors/ (made once per checkpoint). */
async function variantPipeline(c: StageContext, v: DemoVariant, seed: number): Promise<string> {
  const run = await findRun(c.api, 'editor', runName.editor(v, seed));
  if (!run || run.status !== 'completed') throw new Error(`run "${runName.editor(v, seed)}" has not completed`);
  const last = (await c.api.call('runs.get', { id: run.id })).checkpoints.at(-1);
  if (!last) throw new Error(`run ${run.id} "${run.name}" has no checkpoint`);
  const out = path.join(c.dataDir, 'demo', 'editors', `${v}-seed${seed}`);
  const from = { runId: run.id, checkpoint: last.path, step: last.step };
  if (isPipelineFolder(out) && JSON.stringify(readExportMarker(out)) === JSON.stringify(from)) return out;
  readCheckpointState(path.join(c.dataDir, last.path));
  exportEditor(path.join(c.dataDir, last.path), out);
  // The marker lets the edit job record the run and checkpoint on the result set (the ablation view's switches).
  writeExportMarker(out, from);
  return out;
}

async function stageEdit(c: StageContext, v: DemoVariant, seed: number): Promise<StageOutcome> {
  const id = await datasetId(c.api);
  const name = resultSetName(v, seed);
  const set = (await c.api.call('results.list', { datasetId: id })).find((r) => r.name === name);
  if (set?.status === 'complete') return { detail: `found: result set "${name}", ${set.done} images` };
  if (set?.jobId != null && LIVE.includes((await c.api.call('jobs.get', { id: set.jobId })).state)) {
    await c.wait(set.jobId, c.onJob);
  } else {
    const model = await variantPipeline(c, v, seed);
    // The same name and settings fill in what a stopped job left (the edit job skips finished samples).
    const params = { mode: 'dataset' as const, datasetId: id, split: DEMO_SPLIT, name, method: DEMO_VARIANT_LABELS[v], model, steps: c.settings.editSteps, seed, ...DEMO_EDIT };
    const started = await c.api.call('edit.start', params);
    c.onJob(started.jobId);
    await c.wait(started.jobId, c.onJob);
  }
  const after = (await c.api.call('results.list', { datasetId: id })).find((r) => r.name === name);
  if (!after || after.status !== 'complete') throw new Error(`result set "${name}" is ${after?.status ?? 'missing'} after its edit job`);
  return { detail: `result set "${name}": ${after.done} images${after.errors ? `, ${after.errors} failed` : ''}`, ...(after.jobId !== null ? { jobId: after.jobId } : {}) };
}

async function resultSetOf(c: StageContext, v: DemoVariant, seed: number) {
  const set = (await c.api.call('results.list', { datasetId: await datasetId(c.api) })).find((r) => r.name === resultSetName(v, seed));
  if (!set) throw new Error(`result set "${resultSetName(v, seed)}" is missing`);
  return set;
}

async function stageEvaluate(c: StageContext, v: DemoVariant, seed: number): Promise<StageOutcome> {
  const set = await resultSetOf(c, v, seed);
  const done = (await c.api.call('evals.list', { resultSetId: set.id })).find((e) => e.presetName === DEMO_PRESET && e.status === 'complete' && e.missing === 0);
  if (done) return { detail: `found: evaluation ${done.id} over ${done.done} samples` };
  // Started again, the same evaluation continues where it stopped.
  const started = await c.api.call('evals.start', { resultSetId: set.id, preset: DEMO_PRESET, split: DEMO_SPLIT });
  c.onJob(started.jobId);
  await c.wait(started.jobId, c.onJob);
  return { detail: `evaluation ${started.evaluationId}${started.resumed ? ' (continued)' : ''}`, jobId: started.jobId };
}

/** The table: every variant × seed, grouped by seed into mean ± std, the baseline as the ablation reference. */
export async function demoTable(api: ApiClient, s: ResolvedSettings) {
  const d = await demoDataset(api);
  if (!d) throw new Error(`the dataset "${DEMO_DATASET}" is not ready`);
  const sets = await api.call('results.list', { datasetId: d.id });
  const ids: number[] = [];
  let baseline: number | null = null;
  for (const v of s.variants) {
    for (let seed = 0; seed < s.seeds; seed++) {
      const set = sets.find((r) => r.name === resultSetName(v, seed));
      if (!set) throw new Error(`result set "${resultSetName(v, seed)}" is missing`);
      ids.push(set.id);
      if (v === 'baseline' && baseline === null) baseline = set.id;
    }
  }
  if (baseline === null) throw new Error('the demo has no baseline result set');
  const t = await api.call('evals.table', { resultSetIds: ids, preset: DEMO_PRESET, grouping: 'seed', columns: DEMO_COLUMNS, ablationReference: baseline });
  return { datasetId: d.id, preset: DEMO_PRESET, resultSetIds: ids, baselineResultSetId: baseline, table: t.table };
}

export async function runStage(c: StageContext, s: StageSpec): Promise<StageOutcome> {
  switch (s.kind) {
    case 'dataset':
      return stageDataset(c);
    case 'captions':
      return stageCaptions(c, s.captionKind);
    case 'tower':
      return stageTower(c, s.family);
    case 'base':
      return stageBase(c);
    case 'train':
      return stageTrain(c, s.variant, s.seed);
    case 'edit':
      return stageEdit(c, s.variant, s.seed);
    case 'evaluate':
      return stageEvaluate(c, s.variant, s.seed);
    case 'table':
      return { detail: 'built' };
  }
}
